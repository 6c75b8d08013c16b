"""Rows and values in PostgreSQL: reviews, summaries and their words, as asyncpg reads them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...review import Category, Rating, Review, ReviewSummary, normalise, utc_now
from ...search import title_words
from ..rows import CATALOGUE, REVIEW, SUMMARY, Identity, guild, scope

__all__ = ["CATALOGUE", "REVIEW", "SUMMARY", "Identity", "guild", "scope"]

# Not `IN (0, :guild)`: two equalities let the planner probe each scope's index range.
VISIBLE = "(r.guild_id = 0 OR r.guild_id = :guild)"
FILTERS = "(:category::text IS NULL OR r.category = :category) AND r.rating >= :min_rating"
BODY_AT = 12

_CATEGORIES = {category.value: category for category in Category}
_RATINGS = [Rating(halves) for halves in range(11)]
_make_summary = ReviewSummary._make


def summary(row: Sequence[Any]) -> ReviewSummary:
    """A row read with `SUMMARY` (and maybe more columns after it) as a summary."""
    stored_scope = row[1]
    return _make_summary(
        (
            row[0],
            row[2],
            row[3],
            _CATEGORIES[row[4]],
            _RATINGS[row[5]],
            row[6],
            None if stored_scope == CATALOGUE else stored_scope,
            row[7],
        ),
    )


def review(row: Sequence[Any]) -> Review:
    """A row read with `REVIEW, b.body` as a review."""
    return Review(
        id=row[0],
        guild_id=guild(row[1]),
        title=row[2],
        creator=row[3],
        category=_CATEGORIES[row[4]],
        rating=_RATINGS[row[5]],
        author_name=row[6],
        author_id=row[7],
        published_at=row[8],
        url=row[9],
        image_url=row[10],
        spoiler=row[11],
        body=row[BODY_AT],
    )


COLUMNS = (
    "guild_id", "title", "title_norm", "creator", "creator_norm", "category", "rating",
    "author_name", "author_id", "published_at", "url", "image_url", "spoiler", "updated_at",
    "title_words",
)  # fmt: skip
TYPES = (
    "bigint", "text", "text", "text", "text", "text", "smallint",
    "text", "bigint", "timestamptz", "text", "text", "boolean", "timestamptz",
    "text",
)  # fmt: skip
TITLE_NORM_AT = COLUMNS.index("title_norm")
# Words travel as one text, separated by spaces (a word never holds one), and become the
# column's tsvector in the statement: `WORDS.format("$3")`.
WORDS = "array_to_tsvector(string_to_array({}, ' '))"


def words(title_norm: str) -> str:
    """A normalised title's words, as the search core splits them."""
    return " ".join(sorted(title_words(title_norm)))


def body_words(body: str) -> str:
    """A body's words, normalised as typed text is, so a typed word matches them as written."""
    return " ".join(sorted(title_words(normalise(body))))


def review_row(review: Review, identity: Identity | None = None, at: Any = None) -> tuple[Any, ...]:
    """The review as a `reviews` row (without its id), in `COLUMNS` order; `at` None: now."""
    _, title_norm, creator_norm = identity or review.identity
    return (
        scope(review.guild_id),
        review.title,
        title_norm,
        review.creator,
        creator_norm,
        review.category.value,
        review.rating.halves,
        review.author_name,
        review.author_id,
        review.published_at,
        review.url,
        review.image_url,
        review.spoiler,
        at or utc_now(),
        words(title_norm),
    )


def _values(first: int) -> str:
    """The row's values as parameters from `first` on, each cast to its column's type."""
    values = [f"${n}::{kind}" for n, kind in enumerate(TYPES, start=first)]
    values[-1] = WORDS.format(values[-1])
    return ", ".join(values)


INSERT_REVIEW = f"INSERT INTO reviews ({', '.join(COLUMNS)}) VALUES ({_values(1)}) RETURNING id"
# The row's values, then the id.
UPDATE_REVIEW = (
    f"UPDATE reviews SET ({', '.join(COLUMNS)}) = ({_values(1)}) WHERE id = ${len(COLUMNS) + 1}"
)
# Many reviews in one statement (one array per column, ids first): the counts' triggers then
# run once for the whole batch.
INSERT_REVIEWS = (
    f"INSERT INTO reviews (id, {', '.join(COLUMNS)})"
    f" SELECT id, {', '.join(COLUMNS[:-1])}, {WORDS.format('title_words')}"
    " FROM unnest($1::bigint[], "
    + ", ".join(f"${n}::{kind}[]" for n, kind in enumerate(TYPES, start=2))
    + f") AS t (id, {', '.join(COLUMNS)})"
)
# (review id, body, body words), or one array of each for many.
INSERT_BODY = (
    "INSERT INTO review_bodies (review_id, body, body_words)"
    f" VALUES ($1, $2, {WORDS.format('$3::text')})"
)
INSERT_BODIES = (
    "INSERT INTO review_bodies (review_id, body, body_words)"
    f" SELECT id, body, {WORDS.format('words')}"
    " FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t (id, body, words)"
)
UPDATE_BODY = (
    f"UPDATE review_bodies SET body = $2, body_words = {WORDS.format('$3::text')}"
    " WHERE review_id = $1 AND body <> $2"
)
