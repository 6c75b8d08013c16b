"""Rows and values: reviews, times and scopes as SQLite stores them; rows read on both engines."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from ..review import Category, Rating, Review, ReviewSummary, utc_now
from ..shards import SHARD_SHIFT, Shards

CATALOGUE = 0  # guild_id of the operator's catalogue in the database

# Column lists of the statements that read reviews (`r` is the reviews table).
REVIEW = (
    "r.id, r.guild_id, r.title, r.creator, r.category, r.rating, r.author_name, r.author_id,"
    " r.published_at, r.url, r.image_url, r.spoiler"
)
BODY_AT = 12  # where a row read with `REVIEW, b.body` holds the body
SUMMARY = "r.id, r.guild_id, r.title, r.creator, r.category, r.rating, r.published_at, r.spoiler"
# Not `IN (0, :guild)`: an IN list builds a temporary table on every run; equalities are cheaper.
VISIBLE = "(r.guild_id = 0 OR r.guild_id = :guild)"
FILTERS = "(:category IS NULL OR r.category = :category) AND r.rating >= :min_rating"

Identity = tuple[int | None, str, str]  # scope, normalised title, normalised creator


def on_shards(column: str, shards: Shards) -> tuple[str, dict[str, int]]:
    """A condition to append to a WHERE (it begins with AND) keeping the rows whose server
    (`column`) is on `shards`, and its parameters: a process acts for its own servers only, and
    never reads another's rows. Plain SQL either engine runs; empty for a process with every
    shard, whose statements stay as they were."""
    if shards.everything:
        return "", {}
    names = [f"shard_{n}" for n in range(len(shards.ids))]
    listed = ", ".join(f":{name}" for name in names)
    condition = f" AND ({column} >> {SHARD_SHIFT}) % :shard_count IN ({listed})"
    return condition, {"shard_count": shards.count, **dict(zip(names, shards.ids, strict=True))}


def to_db_time(moment: datetime) -> str:
    """'YYYY-MM-DDTHH:MM:SS.ffffffZ' in UTC: fixed width, so text order is time order."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_db_time(text: str) -> datetime:
    return datetime.fromisoformat(text)  # Python 3.11 reads the trailing Z as UTC


def optional_time(value: str | None) -> datetime | None:
    return from_db_time(value) if value else None


def as_read(value: Any) -> Any:
    """A stored value the driver already turned into its Python type (PostgreSQL's times)."""
    return value


def now() -> str:
    return to_db_time(utc_now())


def scope(guild_id: int | None) -> int:
    """The stored scope of a server's reviews; the catalogue's for None."""
    return CATALOGUE if guild_id is None else guild_id


def guild(stored: int) -> int | None:
    return None if stored == CATALOGUE else stored


_make_summary = ReviewSummary._make
_from_db_time = datetime.fromisoformat
# Lookups rather than constructors: a search builds up to 25 summaries per keystroke.
_CATEGORIES = {category.value: category for category in Category}
_RATINGS = [Rating(halves) for halves in range(11)]


def summary(row: Sequence[Any], read_time: Callable[[Any], Any] = _from_db_time) -> ReviewSummary:
    """A row read with `SUMMARY` (and maybe more columns after it) as a summary; `read_time`
    turns the engine's stored time into a datetime."""
    stored_scope = row[1]
    # `_make` builds the tuple directly: calling the class costs half as much again.
    return _make_summary(
        (
            row[0],
            row[2],
            row[3],
            _CATEGORIES[row[4]],
            _RATINGS[row[5]],
            read_time(row[6]),
            None if stored_scope == CATALOGUE else stored_scope,
            row[7] == 1,
        ),
    )


def review(row: Sequence[Any], read_time: Callable[[Any], Any] = from_db_time) -> Review:
    """A row read with `REVIEW, b.body` as a review; `read_time` as for `summary`."""
    return Review(
        id=row[0],
        guild_id=guild(row[1]),
        title=row[2],
        creator=row[3],
        category=_CATEGORIES[row[4]],
        rating=_RATINGS[row[5]],
        author_name=row[6],
        author_id=row[7],
        published_at=read_time(row[8]),
        url=row[9],
        image_url=row[10],
        spoiler=bool(row[11]),
        body=row[BODY_AT],
    )


COLUMNS = (
    "id", "guild_id", "title", "title_norm", "creator", "creator_norm", "category", "rating",
    "author_name", "author_id", "published_at", "url", "image_url", "spoiler", "updated_at",
)  # fmt: skip
TITLE_NORM_AT = COLUMNS.index("title_norm")


def review_row(
    review: Review, review_id: int | None, identity: Identity | None = None, at: str | None = None
) -> tuple[Any, ...]:
    """The review as a `reviews` row, in `COLUMNS` order."""
    _, title_norm, creator_norm = identity or review.identity
    return (
        review_id,
        scope(review.guild_id),
        review.title,
        title_norm,
        review.creator,
        creator_norm,
        review.category.value,
        review.rating.halves,
        review.author_name,
        review.author_id,
        to_db_time(review.published_at),
        review.url,
        review.image_url,
        int(review.spoiler),
        at or now(),
    )


INSERT_REVIEW = (
    f"INSERT INTO reviews ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
)
# The row's values after its id, then the id: `review_row(...)[1:] + (id,)`.
UPDATE_REVIEW = (
    f"UPDATE reviews SET ({', '.join(COLUMNS[1:])}) = ({', '.join('?' * len(COLUMNS[1:]))})"
    " WHERE id = ?"
)
# Both take (review id, body).
INSERT_BODY = "INSERT INTO review_bodies (review_id, body) VALUES (?1, ?2)"
UPDATE_BODY = "UPDATE review_bodies SET body = ?2 WHERE review_id = ?1 AND body <> ?2"
