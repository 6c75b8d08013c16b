"""Rows and values in PostgreSQL: reviews, summaries and their words, as asyncpg reads them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...review import Review, ReviewSummary, normalise, utc_now
from ...search import title_words
from .. import rows as sqlite_rows
from ..rows import BODY_AT, CATALOGUE, REVIEW, SUMMARY, Identity, as_read, guild, scope

__all__ = ["BODY_AT", "CATALOGUE", "REVIEW", "SUMMARY", "Identity", "guild", "scope"]

# Not `IN (0, :guild)`: two equalities let the planner probe each scope's index range.
VISIBLE = "(r.guild_id = 0 OR r.guild_id = :guild)"
FILTERS = "(:category::text IS NULL OR r.category = :category) AND r.rating >= :min_rating"


def summary(row: Sequence[Any]) -> ReviewSummary:
    """A row read with `SUMMARY` (and maybe more columns after it) as a summary."""
    return sqlite_rows.summary(row, as_read)


def review(row: Sequence[Any]) -> Review:
    """A row read with `REVIEW, b.body` as a review."""
    return sqlite_rows.review(row, as_read)


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
