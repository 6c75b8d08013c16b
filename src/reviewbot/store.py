"""The catalogue in SQLite: the one module that speaks SQL. Rows become `Review`s here."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import secrets
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from .errors import DuplicateReviewError, ReviewNotFoundError
from .review import (
    Category,
    Draft,
    Rating,
    Review,
    ReviewContext,
    ReviewSummary,
    jump_url,
    normalise,
    utc_now,
)
from .search import Candidate, Tier, plan_search, rank, spelling_rows, title_words

log = logging.getLogger(__name__)

# Set while a task runs inside `ReviewStore.bulk_load`, whose transaction its writes join.
_in_bulk_load: ContextVar[bool] = ContextVar("reviewbot_bulk_load", default=False)

BUSY_TIMEOUT_MS = 5_000
# FTS5 settings for a bulk rebuild, then SQLite's own defaults, put back after it (`hashsize`
# is missing from FTS5's documentation, but SQLite accepts and keeps it like the others).
_FTS_BULK_SETTINGS = (("hashsize", 64 * 1024 * 1024), ("automerge", 16), ("crisismerge", 64))
_FTS_EVERYDAY_SETTINGS = (("hashsize", 1024 * 1024), ("automerge", 4), ("crisismerge", 16))
# Page caches. SQLite's default is 2 MiB, too small for a large catalogue. Quick reads (title
# search, neighbours) are mostly row reads at random places and get the larger share: at a
# million reviews, 88 MiB made title searches ~20% faster than 48 MiB. The other connection
# (writes, typo and text search) lost nothing measurable going from 32 to 16 MiB.
CACHE_KIB = 16 * 1024
READER_CACHE_KIB = 88 * 1024
# Temporary b-trees (a materialised CTE, an IN list) kept in memory: with SQLite's default
# each one cost 0.1-0.4 ms here, more than the statement around it. They hold a few rows.
TEMP_STORE = "MEMORY"
READER_BUSY_TIMEOUT_MS = 1_000
CATALOGUE = 0  # guild_id of the operator's catalogue in the database
RANDOM_TRIES = 64  # random ids drawn per attempt; each is a hit with probability visible/max(id)

_REVIEW = (
    "r.id, r.guild_id, r.title, r.creator, r.category, r.rating, r.author_name, r.author_id,"
    " r.published_at, r.url, r.image_url, r.spoiler"
)
_SUMMARY = "r.id, r.guild_id, r.title, r.creator, r.category, r.rating, r.published_at, r.spoiler"
# Not `IN (0, :guild)`: an IN list builds a temporary table on every run; equalities are cheaper.
_VISIBLE = "(r.guild_id = 0 OR r.guild_id = :guild)"


_FILTERS = "(:category IS NULL OR r.category = :category) AND r.rating >= :min_rating"


def to_db_time(moment: datetime) -> str:
    """'YYYY-MM-DDTHH:MM:SS.ffffffZ' in UTC: fixed width, so text order is time order."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_db_time(text: str) -> datetime:
    return datetime.fromisoformat(text)  # Python 3.11 reads the trailing Z as UTC


def _scope(guild_id: int | None) -> int:
    return CATALOGUE if guild_id is None else guild_id


def _guild(stored: int) -> int | None:
    return None if stored == CATALOGUE else stored


# Lookups rather than constructors: a search builds up to 25 summaries per keystroke.
_CATEGORIES = {category.value: category for category in Category}
_RATINGS = [Rating(halves) for halves in range(11)]


def _summary(row: Sequence[Any]) -> ReviewSummary:
    review_id, scope, title, creator, category, rating, published_at, spoiler = row
    return ReviewSummary(
        review_id,
        title,
        creator,
        _CATEGORIES[category],
        _RATINGS[rating],
        from_db_time(published_at),
        _guild(scope),
        bool(spoiler),
    )


def _review(row: Sequence[Any], body: str) -> Review:
    return Review(
        id=row[0],
        guild_id=_guild(row[1]),
        title=row[2],
        creator=row[3],
        category=_CATEGORIES[row[4]],
        rating=_RATINGS[row[5]],
        author_name=row[6],
        author_id=row[7],
        published_at=from_db_time(row[8]),
        url=row[9],
        image_url=row[10],
        spoiler=bool(row[11]),
        body=body,
    )


Identity = tuple[int | None, str, str]  # scope, normalised title, normalised creator


_COLUMNS = (
    "id", "guild_id", "title", "title_norm", "creator", "creator_norm", "category", "rating",
    "author_name", "author_id", "published_at", "url", "image_url", "spoiler", "updated_at",
)  # fmt: skip


def _review_row(
    review: Review, review_id: int | None, identity: Identity | None = None, now: str | None = None
) -> tuple[Any, ...]:
    """The review as a `reviews` row, in `_COLUMNS` order."""
    _, title_norm, creator_norm = identity or review.identity
    return (
        review_id,
        _scope(review.guild_id),
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
        now or _now(),
    )


_INSERT_REVIEW = (
    f"INSERT INTO reviews ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
)
# The row's values after its id, then the id: `_review_row(...)[1:] + (id,)`.
_UPDATE_REVIEW = (
    f"UPDATE reviews SET ({', '.join(_COLUMNS[1:])}) = ({', '.join('?' * len(_COLUMNS[1:]))})"
    " WHERE id = ?"
)
# Both take (review id, body).
_INSERT_BODY = "INSERT INTO review_bodies (review_id, body) VALUES (?1, ?2)"
_UPDATE_BODY = "UPDATE review_bodies SET body = ?2 WHERE review_id = ?1 AND body <> ?2"
_INSERT_VARIANTS = "INSERT OR IGNORE INTO title_term_variants (variant, term) VALUES (?, ?)"

# Reviews this server sees before `r`, scope by scope: sums down the calendar (years before
# its year, months before its month within that year, and so on to its hour), then a count
# within its hour. Each scope is its own equality: `guild_id IN (0, :guild)` builds a
# temporary table for every subquery (ten times slower while those went to a file, ~13% with
# TEMP_STORE in memory).
_CALENDAR = (("year", 0, 4), ("month", 4, 7), ("day", 7, 10), ("hour", 10, 13))


def _before(scope: str) -> str:
    sums = [
        f"""(SELECT coalesce(sum(n), 0) FROM review_counts
        WHERE guild_id = {scope} AND span = '{span}'
          AND period >= substr(r.published_at, 1, {start})
          AND period < substr(r.published_at, 1, {end}))"""
        for span, start, end in _CALENDAR
    ]
    within_hour = f"""(SELECT count(*) FROM reviews x
        WHERE x.guild_id = {scope} AND x.published_at >= substr(r.published_at, 1, 13)
          AND (x.published_at, x.id) < (r.published_at, r.id))"""
    return "\n    + ".join([*sums, within_hour])


def _in_server(expression: str) -> str:
    """`expression` for the server's own scope: 0 for the catalogue (counted already) and for
    a server with no reviews of its own (most), found with one index probe instead of six."""
    has_own = "EXISTS (SELECT 1 FROM reviews s WHERE s.guild_id = :guild)"
    return f"CASE WHEN :guild <> 0 AND {has_own} THEN {expression} ELSE 0 END"


_BEFORE = f"{_before('0')}\n    + {_in_server(_before(':guild'))}"
_YEARS = "(SELECT coalesce(sum(n), 0) FROM review_counts WHERE guild_id = {} AND span = 'year')"
_TOTAL = f"{_YEARS.format('0')} + {_in_server(_YEARS.format(':guild'))}"
_RECOUNT = [
    "DELETE FROM review_counts",
    """INSERT INTO review_counts (guild_id, span, period, n)
    SELECT guild_id, 'hour', substr(published_at, 1, 13), count(*) FROM reviews GROUP BY 1, 3""",
    *(
        f"""INSERT INTO review_counts (guild_id, span, period, n)
        SELECT guild_id, '{span}', substr(period, 1, {end}), sum(n) FROM review_counts
        WHERE span = '{finer}' GROUP BY 1, 3"""
        for (span, _, end), (finer, _, _) in zip(_CALENDAR[2::-1], _CALENDAR[:0:-1], strict=True)
    ),
]


def _neighbour(op: str, place: str) -> str:
    """The id of the review just before (`op` "<") or after (">") `place`, a row value
    `(published_at, id)`, among what the server sees.

    One index probe per scope (the catalogue, then the server's own unless only the catalogue
    is asked for). The two candidates are compared as text, published_at (fixed width, 27
    characters) then the id padded to 19 digits, so that max() or min() picks one without
    sorting: a sort made the whole context statement twice as slow.
    """
    order, pick = ("DESC", "max") if op == "<" else ("ASC", "min")

    def probe(scope: str) -> str:
        return f"""(SELECT published_at || printf('%019d', id) FROM reviews
            WHERE guild_id = {scope} AND (published_at, id) {op} {place}
            ORDER BY published_at {order}, id {order} LIMIT 1)"""

    return f"""(SELECT CAST(substr({pick}(k), 28) AS INTEGER) FROM (
        SELECT {probe("0")} AS k UNION ALL SELECT {probe(":guild")} WHERE :guild <> 0))"""


# One round trip answers "show this review": the review, its body, both neighbours and its place.
# `{target}` is an expression for the review's id.
_CONTEXT = f"""
SELECT {_REVIEW}, b.body,
    {_neighbour("<", "(r.published_at, r.id)")} AS previous_id,
    {_neighbour(">", "(r.published_at, r.id)")} AS next_id,
    {_BEFORE} + 1 AS position,
    {_TOTAL} AS total,
    p.guild_id, p.channel_id, p.message_id
FROM reviews r JOIN review_bodies b ON b.review_id = r.id
LEFT JOIN posts p ON p.review_id = r.id
WHERE r.id = ({{target}}) AND {_VISIBLE}
"""


@cache  # formatting the statement anew, and hashing it for the statement cache, cost 15 µs a call
def _context_sql(target: str) -> str:
    return _CONTEXT.format(target=target)


_LATEST = f"SELECT {_neighbour('<', '(:at, :after_id)')}"
_EARLIEST = f"SELECT {_neighbour('>', '(:at, :after_id)')}"
# What `/review show TITLE` means when several reviews share the title: the newest, among the
# 25 added last (chosen from the title index alone). Ordering them all by date read every one:
# 400 rows, about a millisecond, for "Night" in the benchmark's catalogue of a million.
_NEWEST_TITLED = """
SELECT n.id FROM (
    SELECT t.id FROM reviews t
    WHERE (t.guild_id = 0 OR t.guild_id = :guild) AND t.title_norm = :text
    ORDER BY t.id DESC LIMIT 25
) c CROSS JOIN reviews n ON n.id = c.id
ORDER BY n.published_at DESC, n.id DESC LIMIT 1
"""

_RECENT = f"""
SELECT * FROM (SELECT {_SUMMARY} FROM reviews r WHERE r.guild_id = 0
    ORDER BY r.published_at DESC, r.id DESC LIMIT :limit)
UNION ALL
SELECT * FROM (SELECT {_SUMMARY} FROM reviews r WHERE r.guild_id = :guild AND :guild <> 0
    ORDER BY r.published_at DESC, r.id DESC LIMIT :limit)
ORDER BY published_at DESC, id DESC LIMIT :limit
"""

# Uniform random choice without sorting: draw ids between the smallest and largest, keep the
# first draw that names a review this server may see (rejection sampling).
# CROSS JOIN keeps the draws as the outer loop, in order, so LIMIT 1 stops at the first hit
# without reading every drawn row.
_RANDOM = f"""
SELECT r.id FROM json_each(:draws) d CROSS JOIN reviews r ON r.id = d.value
WHERE {_VISIBLE} AND (:category IS NULL OR r.category = :category)
LIMIT 1
"""

# Typo and text hits hold what ranking them in Python needs (tier, id, title_norm,
# published_at, score); their summaries are read for the few ranked first only.
_HIT = "r.id, r.title_norm, r.published_at, {score} AS score"


def _ranked_titles(filtered: bool) -> str:
    """The title tiers, best first, each taking only the room the tiers before it left.

    A row read at a random place is most of a title search's cost, so reviews are chosen
    from the title index alone wherever it can (unfiltered exact and prefix matches: newest
    by id among equal titles), and only the answer's rows are read.
    """
    filters = _FILTERS if filtered else "1"
    return f"""
WITH exact(id) AS MATERIALIZED (
    SELECT r.id FROM reviews r WHERE {_VISIBLE} AND r.title_norm = :text AND {filters}
    ORDER BY r.id DESC LIMIT :limit
), prefix(id) AS MATERIALIZED (
    -- Up to :limit titles from each scope in index order, the shortest of them kept.
    SELECT id FROM (
        SELECT * FROM (SELECT r.id, r.title_norm FROM reviews r
            WHERE r.guild_id = 0 AND r.title_norm > :text AND r.title_norm < :prefix_end
              AND {filters}
            ORDER BY r.title_norm LIMIT :limit)
        UNION ALL
        SELECT * FROM (SELECT r.id, r.title_norm FROM reviews r
            WHERE r.guild_id = :guild AND :guild <> 0
              AND r.title_norm > :text AND r.title_norm < :prefix_end AND {filters}
            ORDER BY r.title_norm LIMIT :limit))
    ORDER BY length(title_norm), title_norm, id DESC
    LIMIT max(0, :limit - (SELECT count(*) FROM exact))
), room(n) AS MATERIALIZED (
    SELECT :limit - (SELECT count(*) FROM exact) - (SELECT count(*) FROM prefix)
), words(id) AS MATERIALIZED (
    -- The newest titles holding every word, outside the range the prefix tier covers (so no
    -- review is found twice). Skipped ('""' matches nothing, at no cost; a LIMIT of 0 still
    -- runs the query) when there is no room left, or when a title of several words was
    -- typed in full.
    SELECT f.rowid FROM title_fts f JOIN reviews r ON r.id = f.rowid
    WHERE title_fts MATCH (SELECT CASE
            WHEN n <= 0 OR (:word_count > 1 AND EXISTS (SELECT 1 FROM exact)) THEN '""'
            ELSE :title_match END FROM room)
      AND {_VISIBLE} AND {filters}
      AND NOT (r.title_norm >= :text AND r.title_norm < :prefix_end)
    ORDER BY f.rowid DESC LIMIT (SELECT max(0, n) FROM room)
)
SELECT {_SUMMARY} FROM (
    SELECT 0 AS tier, id FROM exact UNION ALL SELECT 1, id FROM prefix
    UNION ALL SELECT 2, id FROM words
) h CROSS JOIN reviews r ON r.id = h.id
-- Best tier first, then the title with the fewest extra characters, then the newest.
ORDER BY h.tier, length(r.title_norm), r.title_norm, r.published_at DESC, r.id DESC
"""


_RANKED_TITLES = {filtered: _ranked_titles(filtered) for filtered in (False, True)}
# Summaries of reviews chosen by id, in the order given.
_SUMMARIES = f"""
SELECT {_SUMMARY} FROM json_each(:ids) j CROSS JOIN reviews r ON r.id = j.value ORDER BY j.key
"""

# Typo tier: each query word is widened to the title words its one-letter deletions reach in
# the variant index; a word that is a title word somewhere stays as it is while another word
# is unknown (that one is the typo). The full-text query is assembled in SQL from those words
# (already tokens: quoting is enough). Search needs a spelling for every word; "did you mean"
# takes any.
_TYPO_WORDS = """
WITH words(i, word) AS (
    SELECT key, value FROM json_each(:words)
), known(i) AS (
    SELECT w.i FROM words w
    WHERE EXISTS (SELECT 1 FROM title_term_variants v WHERE v.variant = w.word AND v.term = w.word)
), wanted(i, variant) AS (
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(:variants)
), spellings(i, term) AS (
    SELECT DISTINCT w.i, v.term FROM wanted w JOIN title_term_variants v ON v.variant = w.variant
    WHERE w.i NOT IN known OR (SELECT count(*) FROM known) = :word_count
    UNION
    SELECT i, word FROM words WHERE i IN known
), per_word(alternatives) AS (
    SELECT '(' || group_concat('"' || term || '"', ' OR ') || ')' FROM spellings GROUP BY i
)
SELECT CASE WHEN {enough} THEN group_concat(alternatives, ' {joiner} ') ELSE '""' END
FROM per_word
"""
_TYPO_MATCH_ALL = _TYPO_WORDS.format(joiner="AND", enough="count(*) = :word_count")
# The review text tier, after it. Every hit holds every word and the index keeps no word
# counts (detail = 'none'), so bm25 ranks hits by little but their length: shortest first
# picked bm25's first hit in 198 of 200 benchmark queries, without bm25's per-query count of
# every word's documents (half the cost of the tier at a million reviews).
_LATER_TIERS = f"""
SELECT * FROM (SELECT 3, {_HIT.format(score="0.0")}
    FROM title_fts f JOIN reviews r ON r.id = f.rowid
    WHERE title_fts MATCH ({_TYPO_MATCH_ALL}) AND {_VISIBLE} AND {_FILTERS}
    ORDER BY f.rowid DESC LIMIT :many)
UNION ALL
SELECT * FROM (SELECT 4, {_HIT.format(score="length(b.body)")}
    FROM body_fts JOIN reviews r ON r.id = body_fts.rowid
    JOIN review_bodies b ON b.review_id = body_fts.rowid
    WHERE body_fts MATCH :body_match AND {_VISIBLE} AND {_FILTERS}
    ORDER BY body_fts.rowid DESC LIMIT :many)
"""
_SUGGEST = f"""
SELECT 3, {_HIT.format(score="0.0")}
FROM title_fts f JOIN reviews r ON r.id = f.rowid
WHERE title_fts MATCH ({_TYPO_WORDS.format(joiner="OR", enough="count(*) > 0")}) AND {_VISIBLE}
ORDER BY f.rowid DESC LIMIT :many
"""
# Typo and text tiers fetch this many per result wanted (at most 200) before ranking them.
CANDIDATES_PER_RESULT, MAX_CANDIDATES = 4, 200


# A published review that changes gets its message edited; one that is deleted, removed.
_QUEUE_EDITS = """
INSERT INTO outbox (guild_id, review_id, action, channel_id, message_id, not_before, created_at)
SELECT p.guild_id, p.review_id, 'edit', p.channel_id, p.message_id, :now, :now
FROM json_each(:ids) j JOIN posts p ON p.review_id = j.value
"""
_QUEUE_DELETE = """
INSERT INTO outbox (guild_id, review_id, action, channel_id, message_id, not_before, created_at)
SELECT guild_id, NULL, 'delete', channel_id, message_id, :now, :now FROM posts WHERE review_id = :id
"""
_OUTBOX = (
    "o.id, o.guild_id, o.review_id, o.action, o.channel_id, o.message_id, o.state, o.attempts,"
    " o.last_error, o.created_at, o.done_at"
)


def _now() -> str:
    return to_db_time(utc_now())


class OutboxAction(StrEnum):
    POST = "post"
    EDIT = "edit"
    DELETE = "delete"


class OutboxState(StrEnum):
    WAITING = "waiting"  # to be tried at `not_before`
    BLOCKED = "blocked"  # needs a person to act (a permission, a channel); retried on changes
    DONE = "done"
    DROPPED = "dropped"  # nothing left to do (the review was deleted before it was posted)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    guild_id: int
    review_id: int | None
    action: OutboxAction
    channel_id: int | None
    message_id: int | None
    state: OutboxState
    attempts: int
    last_error: str | None
    created_at: datetime
    done_at: datetime | None


def _outbox_item(row: Sequence[Any]) -> OutboxItem:
    return OutboxItem(
        id=row[0],
        guild_id=row[1],
        review_id=row[2],
        action=OutboxAction(row[3]),
        channel_id=row[4],
        message_id=row[5],
        state=OutboxState(row[6]),
        attempts=row[7],
        last_error=row[8],
        created_at=from_db_time(row[9]),
        done_at=from_db_time(row[10]) if row[10] else None,
    )


@dataclass(frozen=True, slots=True)
class QueueStatus:
    """A server's post queue, as `/review status` shows it."""

    waiting: int
    blocked: list[OutboxItem]
    last_delivered: OutboxItem | None


class ImportResult(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class SavedSearch:
    id: int
    guild_id: int | None
    query: str
    category: Category | None
    min_rating: Rating | None


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    review_channel_id: int | None = None
    reviewer_role_id: int | None = None


def _migrations() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.name, entry.read_text("utf-8")))
    return sorted(found)


LATEST_SCHEMA = _migrations()[-1][0]


class ReviewStore:
    """Reviews, their search indexes and per-server settings, in one SQLite file."""

    def __init__(
        self,
        db: aiosqlite.Connection,
        reader: sqlite3.Connection,
        path: Path,
        schema_version: int,
        *,
        created: bool = False,
    ) -> None:
        self._db = db
        self._reader = reader
        self.path = path
        self.schema_version = schema_version
        self.created = created  # True when this open made a new, empty database
        self._write_lock = asyncio.Lock()
        # Seeded from the system once; not SystemRandom, whose 64 draws per /review random
        # were 64 system calls (0.3 ms), for a choice that guards no secret.
        self._rng = random.Random()
        self._indexed_terms: set[str] = set()  # title words whose spellings are stored already
        self._unblocks = 0

    @classmethod
    @asynccontextmanager
    async def open(cls, path: str | Path, *, read_only: bool = False) -> AsyncIterator[ReviewStore]:
        """Open (creating and migrating as needed) the database at `path`.

        With `read_only`, an existing database is opened for reading only, which works on a
        file this user may not write, and nothing is created: `NoDatabaseError` when there is
        none. (One at an older schema version is migrated first, which needs write access.)
        A database that cannot be used raises `StoreError`, whose message is one line.
        """
        path = Path(path)
        db, reader, before, version = await _connect(path, read_only=read_only)
        try:
            yield cls(db, reader, path, version, created=before == 0)
        finally:
            reader.close()
            await db.close()

    async def _read(self, sql: str, params: Mapping[str, Any] | Sequence[Any] = ()) -> list[Any]:
        """The rows of a quick read (index probes, short ranges), run on the event loop's thread.

        An aiosqlite call hops to its worker thread and back, which costs more than these
        statements do (tens of microseconds), so they run in place on a read-only connection
        of their own. Anything that may take milliseconds goes through aiosqlite.
        """
        return self._reader.execute(sql, params).fetchall()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        if _in_bulk_load.get():  # already inside the bulk load's one transaction
            yield self._db
            return
        async with self._write_lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                await self._db.rollback()
                raise
            await self._db.commit()

    @asynccontextmanager
    async def bulk_load(self) -> AsyncIterator[None]:
        """Load many reviews at once: one transaction, indexes and counts rebuilt at the end.

        Rebuilding the full-text indexes and the calendar counts in one pass is faster than
        keeping them in step review by review once a load is as large as what is already
        stored. The triggers are set aside inside the transaction, so an interrupted load
        leaves the database as it was.
        """
        async with self._transaction() as db:
            triggers = await db.execute_fetchall(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                " AND (name LIKE '%fts%' OR name LIKE 'review_counts%')"
            )
            for name, _ in triggers:
                await db.execute(f'DROP TRIGGER "{name}"')
            token = _in_bulk_load.set(True)
            try:
                yield
            finally:
                _in_bulk_load.reset(token)
            for index in ("title_fts", "body_fts"):
                await self._rebuild_full_text(db, index)
            for statement in _RECOUNT:
                await db.execute(statement)
            for _, sql in triggers:
                await db.execute(sql)

    @staticmethod
    async def _rebuild_full_text(db: aiosqlite.Connection, index: str) -> None:
        """Rebuild a full-text index in one pass, into one segment per word.

        A larger in-memory hash (FTS5's `hashsize`) and fewer, larger merges halve the time of
        a rebuild; the settings are stored in the database, so the everyday ones come back
        after. One segment per word ('optimize') makes matches ~1.2-1.5x faster.
        """
        settings = f"INSERT INTO {index} ({index}, rank) VALUES (?, ?)"
        for name, value in _FTS_BULK_SETTINGS:
            await db.execute(settings, (name, value))
        await db.execute(f"INSERT INTO {index} ({index}) VALUES ('rebuild')")
        await db.execute(f"INSERT INTO {index} ({index}) VALUES ('optimize')")
        for name, value in _FTS_EVERYDAY_SETTINGS:
            await db.execute(settings, (name, value))

    # Reading -------------------------------------------------------------------------------

    async def get(self, review_id: int, guild_id: int | None = None) -> Review | None:
        """The review with this id if it is visible to `guild_id` (catalogue only for None)."""
        rows = await self._read(
            f"SELECT {_REVIEW}, b.body FROM reviews r JOIN review_bodies b ON b.review_id = r.id"
            f" WHERE r.id = :id AND {_VISIBLE}",
            {"id": review_id, "guild": _scope(guild_id)},
        )
        return next((_review(row, row[12]) for row in rows), None)

    async def context(self, review_id: int, guild_id: int | None) -> ReviewContext | None:
        return await self._context(":id", {"id": review_id}, guild_id)

    async def step(
        self, guild_id: int | None, at: datetime, after_id: int, forward: bool
    ) -> ReviewContext | None:
        """The review just after (or before) the place `(at, after_id)` in publication order.

        The place need not be a review any more: a deleted review's neighbours are still found.
        """
        target = _EARLIEST if forward else _LATEST
        params = {"at": to_db_time(at), "after_id": after_id}
        return await self._context(target, params, guild_id)

    async def latest(self, guild_id: int | None) -> ReviewContext | None:
        params = {"at": "9999", "after_id": 0}
        return await self._context(_LATEST, params, guild_id)

    async def nearest(self, guild_id: int | None, at: datetime) -> ReviewContext | None:
        """The first review published at or after `at`, else the last one before it."""
        return await self.step(guild_id, at, -1, forward=True) or await self.step(
            guild_id, at, -1, forward=False
        )

    async def random(
        self, guild_id: int | None, category: Category | None = None
    ) -> ReviewContext | None:
        # Two subqueries: SQLite answers a lone min() or max() from the index's ends, not both.
        rows = await self._read(
            "SELECT (SELECT min(id) FROM reviews), (SELECT max(id) FROM reviews)"
        )
        low, high = next(iter(rows))
        if low is None:
            return None
        params = {"category": category.value if category else None}
        for _ in range(4):
            draws = [self._rng.randint(low, high) for _ in range(RANDOM_TRIES)]
            found = await self._context(_RANDOM, {**params, "draws": json.dumps(draws)}, guild_id)
            if found:
                return found
        # Sparse scope (few visible among many ids): choose by rank instead, still uniform.
        return await self._random_by_rank(guild_id, params["category"])

    async def _random_by_rank(
        self, guild_id: int | None, category: str | None
    ) -> ReviewContext | None:
        params = {"guild": _scope(guild_id), "category": category}
        where = f"{_VISIBLE} AND (:category IS NULL OR r.category = :category)"
        rows = await self._db.execute_fetchall(
            f"SELECT count(*) FROM reviews r WHERE {where}", params
        )
        count = next(iter(rows))[0]
        if not count:
            return None
        pick = f"SELECT r.id FROM reviews r WHERE {where} ORDER BY r.id LIMIT 1 OFFSET :offset"
        params["offset"] = self._rng.randrange(count)
        return await self._context(pick, params, guild_id, quick=False)

    async def _context(
        self, target: str, params: dict[str, Any], guild_id: int | None, *, quick: bool = True
    ) -> ReviewContext | None:
        read = self._read if quick else self._db.execute_fetchall
        rows = await read(_context_sql(target), {**params, "guild": _scope(guild_id)})
        for row in rows:
            return ReviewContext(
                review=_review(row, row[12]),
                previous_id=row[13],
                next_id=row[14],
                position=row[15],
                total=row[16],
                post_url=jump_url(*row[17:20]) if row[19] is not None else None,
            )
        return None

    async def find_title(self, title: str, guild_id: int | None) -> list[ReviewSummary]:
        """Reviews whose title is `title`, ignoring case, accents and spacing; newest first."""
        rows = await self._read(
            f"SELECT {_SUMMARY} FROM reviews r WHERE {_VISIBLE} AND r.title_norm = :text"
            " ORDER BY r.published_at DESC, r.id DESC LIMIT 25",
            {"guild": _scope(guild_id), "text": normalise(title)},
        )
        return [_summary(row) for row in rows]

    async def resolve_title(self, title: str, guild_id: int | None) -> ReviewContext:
        """The review a person meant by `title`, or `ReviewNotFoundError` with close titles."""
        found = await self._context(_NEWEST_TITLED, {"text": normalise(title)}, guild_id)
        if found is None:
            close = [hit.title for hit in await self.search(title, guild_id, 3, include_body=False)]
            raise ReviewNotFoundError(title, close or await self.suggest(title, guild_id))
        return found

    async def recent(self, guild_id: int | None, limit: int = 25) -> list[ReviewSummary]:
        """The newest reviews this server sees, newest first."""
        rows = await self._read(_RECENT, {"guild": _scope(guild_id), "limit": limit})
        return [_summary(row) for row in rows]

    async def count(self, guild_id: int | None = None) -> int:
        rows = await self._read(
            f"SELECT {_TOTAL}",
            {"guild": _scope(guild_id)},
        )
        return int(next(iter(rows))[0])

    # Search --------------------------------------------------------------------------------

    async def search(
        self,
        text: str,
        guild_id: int | None = None,
        limit: int = 25,
        *,
        category: Category | None = None,
        min_rating: Rating | None = None,
        include_body: bool = True,
    ) -> list[ReviewSummary]:
        """Reviews visible to `guild_id` best first: exact, prefix, words, typos, then text.

        The title tiers are one quick read, ranked in SQL; typos and review text are searched
        (through aiosqlite: they take milliseconds) only when no title matches.
        """
        plan = plan_search(text)
        if not plan.searchable or limit <= 0:
            return []
        params: dict[str, Any] = {
            "guild": _scope(guild_id),
            "text": plan.text,
            "prefix_end": plan.prefix_end,
            "title_match": plan.title_match or '""',
            "category": category.value if category else None,
            "min_rating": min_rating.halves if min_rating else 0,
            "limit": limit,
            "many": min(MAX_CANDIDATES, limit * CANDIDATES_PER_RESULT),
            "word_count": len(plan.words),
        }
        filtered = category is not None or min_rating is not None
        titles = await self._read(_RANKED_TITLES[filtered], params)
        if titles or not plan.words:
            return [_summary(row) for row in titles]
        params |= {
            "words": json.dumps(plan.words, ensure_ascii=False),
            "variants": plan.typo_variants(),
            "body_match": plan.body_match if include_body else '""',
        }
        found = await self._fetch(_LATER_TIERS, params)
        return await self._summaries([c.id for c in rank(plan, found, limit)])

    async def suggest(self, text: str, guild_id: int | None, limit: int = 3) -> list[str]:
        """Titles close to `text` when a search found nothing: any one word may be misspelt."""
        plan = plan_search(text)
        if not plan.words:
            return []
        params = {
            "guild": _scope(guild_id),
            "words": json.dumps(plan.words, ensure_ascii=False),
            "variants": plan.typo_variants(),
            "word_count": len(plan.words),
            "many": 50,
        }
        found = await self._fetch(_SUGGEST, params)
        chosen = await self._summaries([c.id for c in rank(plan, found, limit)])
        return [hit.title for hit in chosen]

    async def _fetch(self, sql: str, params: dict[str, Any]) -> list[Candidate]:
        rows = await self._db.execute_fetchall(sql, params)
        return [Candidate(Tier(row[0]), row[1], row[2], row[3], row[4]) for row in rows]

    async def _summaries(self, ids: Sequence[int]) -> list[ReviewSummary]:
        if not ids:
            return []
        return [_summary(row) for row in await self._read(_SUMMARIES, {"ids": json.dumps(ids)})]

    # Writing -------------------------------------------------------------------------------

    async def add(self, review: Review) -> Review:
        """Store a new review; `DuplicateReviewError` if its title and creator are taken."""
        async with self._transaction() as db:
            return await self._insert(db, review)

    async def _insert(self, db: aiosqlite.Connection, review: Review) -> Review:
        existing = await self.duplicate_of(review)
        if existing is not None:
            raise DuplicateReviewError(existing, review.title)
        row = _review_row(review, None)
        cursor = await db.execute(_INSERT_REVIEW, row)
        review_id = cursor.lastrowid
        assert review_id is not None
        await db.execute(_INSERT_BODY, (review_id, review.body))
        await self._index_spellings(db, [row[3]])
        return review.with_id(review_id)

    async def update(self, review: Review) -> Review:
        """Save changes to a stored review (found by its id)."""
        if review.id is None:
            raise ValueError("update() needs a stored review (with an id)")
        async with self._transaction() as db:
            existing = await self.duplicate_of(review)
            if existing not in (None, review.id):
                raise DuplicateReviewError(existing, review.title)
            row = _review_row(review, review.id)
            cursor = await db.execute(_UPDATE_REVIEW, (*row[1:], review.id))
            if cursor.rowcount == 0:
                raise ReviewNotFoundError(review.title)
            await db.execute(_UPDATE_BODY, (review.id, review.body))
            await self._index_spellings(db, [row[3]])
            await db.execute(_QUEUE_EDITS, {"ids": json.dumps([review.id]), "now": _now()})
        return review

    async def delete(self, review_id: int) -> bool:
        """Delete a review; if it was published, queue the removal of its message."""
        async with self._transaction() as db:
            await db.execute(_QUEUE_DELETE, {"id": review_id, "now": _now()})
            cursor = await db.execute("DELETE FROM reviews WHERE id = ?", (review_id,))
            return cursor.rowcount > 0

    async def _index_spellings(self, db: aiosqlite.Connection, titles: Iterable[str]) -> None:
        """Store the one-letter-deleted spellings of title words not seen before."""
        fresh = set().union(*map(title_words, titles)) - self._indexed_terms
        if fresh:
            await db.executemany(_INSERT_VARIANTS, spelling_rows(fresh))
            self._indexed_terms |= fresh

    async def duplicate_of(self, review: Review) -> int | None:
        """The id of the stored review with the same title and creator in the same scope."""
        guild, title, creator = review.identity
        rows = await self._db.execute_fetchall(
            "SELECT id FROM reviews WHERE guild_id = ? AND title_norm = ? AND creator_norm = ?",
            (_scope(guild), title, creator),
        )
        return next((row[0] for row in rows), None)

    async def import_reviews(
        self, reviews: Sequence[tuple[Review, bool]]
    ) -> list[tuple[ImportResult, Review]]:
        """Add or update many reviews in one transaction, matched by title and creator per scope.

        Each item is `(review, dated)`; an undated review keeps the date it was first imported
        with. Returns what happened to each, with the stored review (its id set).
        """
        if not reviews:
            return []
        identities = [review.identity for review, _ in reviews]  # normalised once
        async with self._transaction() as db:
            stored = await self._stored_by_identity(identities)
            rows = await db.execute_fetchall("SELECT coalesce(max(id), 0) FROM reviews")
            next_id = next(iter(rows))[0] + 1
            added: list[tuple[Any, ...]] = []
            updated: list[tuple[Any, ...]] = []
            bodies: dict[int, str] = {}  # review id → body, for the added and the updated
            results: list[tuple[ImportResult, Review]] = []
            now = _now()
            for (review, dated), identity in zip(reviews, identities, strict=True):
                old = stored.get(identity)
                if old is None:
                    review = review.with_id(next_id)
                    next_id += 1
                    added.append(_review_row(review, review.id, identity, now))
                    result = ImportResult.ADDED
                else:
                    if not dated:
                        review = replace(review, published_at=old.published_at)
                    review = review.with_id(old.id)  # type: ignore[arg-type]
                    if review == old:
                        results.append((ImportResult.UNCHANGED, review))
                        continue
                    updated.append((*_review_row(review, None, identity, now)[1:], review.id))
                    result = ImportResult.UPDATED
                bodies[review.id] = review.body  # type: ignore[index]
                stored[identity] = review
                results.append((result, review))
            await db.executemany(_INSERT_REVIEW, added)
            await db.executemany(_INSERT_BODY, [(row[0], bodies[row[0]]) for row in added])
            await db.executemany(_UPDATE_REVIEW, updated)
            await db.executemany(_UPDATE_BODY, [(row[-1], bodies[row[-1]]) for row in updated])
            await self._index_spellings(db, [row[3] for row in added] + [row[2] for row in updated])
            edited = json.dumps([row[-1] for row in updated])
            await db.execute(_QUEUE_EDITS, {"ids": edited, "now": _now()})
        return results

    async def _stored_by_identity(self, identities: Sequence[Identity]) -> dict[Identity, Review]:
        keys = json.dumps([[_scope(g), t, c] for g, t, c in identities], ensure_ascii=False)
        rows = await self._db.execute_fetchall(
            f"""SELECT {_REVIEW}, b.body, r.title_norm, r.creator_norm FROM json_each(:keys) k
            JOIN reviews r ON r.guild_id = json_extract(k.value, '$[0]')
                AND r.title_norm = json_extract(k.value, '$[1]')
                AND r.creator_norm = json_extract(k.value, '$[2]')
            JOIN review_bodies b ON b.review_id = r.id""",
            {"keys": keys},
        )
        return {(_guild(row[1]), row[13], row[14]): _review(row, row[12]) for row in rows}

    async def iter_reviews(
        self, guild_id: int | None = None, batch: int = 500
    ) -> AsyncIterator[Review]:
        """Every review of one scope (catalogue for None), in publication order."""
        at, after = "", 0
        while True:
            rows = await self._db.execute_fetchall(
                f"SELECT {_REVIEW}, b.body FROM reviews r"
                " JOIN review_bodies b ON b.review_id = r.id"
                " WHERE r.guild_id = :scope AND (r.published_at, r.id) > (:at, :after)"
                " ORDER BY r.published_at, r.id LIMIT :batch",
                {"scope": _scope(guild_id), "at": at, "after": after, "batch": batch},
            )
            if not rows:
                return
            for row in rows:
                yield _review(row, row[12])
            last = list(rows)[-1]
            at, after = last[8], last[0]

    async def save_search(
        self,
        guild_id: int | None,
        query: str,
        category: Category | None = None,
        min_rating: Rating | None = None,
    ) -> SavedSearch:
        """Remember a search so that its result pages can be reached from a custom id."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "INSERT INTO saved_searches (guild_id, query, category, min_rating, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    _scope(guild_id),
                    query,
                    category.value if category else None,
                    min_rating.halves if min_rating else 0,
                    to_db_time(utc_now()),
                ),
            )
        assert cursor.lastrowid is not None
        return SavedSearch(cursor.lastrowid, guild_id, query, category, min_rating)

    async def saved_search(self, search_id: int, guild_id: int | None) -> SavedSearch | None:
        rows = await self._db.execute_fetchall(
            "SELECT query, category, min_rating FROM saved_searches WHERE id = ? AND guild_id = ?",
            (search_id, _scope(guild_id)),
        )
        for query, category, halves in rows:
            return SavedSearch(
                search_id,
                guild_id,
                query,
                Category(category) if category else None,
                Rating(halves) if halves else None,
            )
        return None

    # Publishing ----------------------------------------------------------------------------

    async def publish(self, review: Review) -> tuple[Review, int]:
        """Store a server's new review and queue its post, in one transaction."""
        if review.guild_id is None:
            raise ValueError("only a server's reviews are published")
        async with self._transaction() as db:
            stored = await self._insert(db, review)
            item = await self._enqueue(db, review.guild_id, stored.id, OutboxAction.POST)  # type: ignore[arg-type]
        return stored, item

    async def queue_posts(self, guild_id: int, review_ids: Sequence[int]) -> int:
        """Queue the posting of these (already stored) reviews in a server; returns how many."""
        async with self._transaction() as db:
            for review_id in review_ids:
                await self._enqueue(db, guild_id, review_id, OutboxAction.POST)
        return len(review_ids)

    async def has_post(self, review_id: int) -> bool:
        rows = await self._db.execute_fetchall(
            "SELECT 1 FROM posts WHERE review_id = ?", (review_id,)
        )
        return bool(rows)

    async def _enqueue(
        self, db: aiosqlite.Connection, guild_id: int, review_id: int, action: OutboxAction
    ) -> int:
        cursor = await db.execute(
            "INSERT INTO outbox (guild_id, review_id, action, not_before, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (guild_id, review_id, action.value, _now(), _now()),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def due(self, limit: int = 20) -> list[OutboxItem]:
        """Rows to deliver now: each server's oldest unfinished row, if it is due.

        A server's rows go out in order, so a row waiting for a retry holds back the ones after it.
        """
        rows = await self._db.execute_fetchall(
            f"""SELECT {_OUTBOX} FROM outbox o
            WHERE o.state = 'waiting' AND o.not_before <= :now
              AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.guild_id = o.guild_id
                              AND e.id < o.id AND e.state IN ('waiting', 'blocked'))
            ORDER BY o.id LIMIT :limit""",
            {"now": _now(), "limit": limit},
        )
        return [_outbox_item(row) for row in rows]

    async def next_retry(self) -> datetime | None:
        rows = await self._db.execute_fetchall(
            "SELECT min(not_before) FROM outbox WHERE state = 'waiting'"
        )
        value = next(iter(rows))[0]
        return from_db_time(value) if value else None

    async def outbox_item(self, item_id: int) -> OutboxItem | None:
        rows = await self._db.execute_fetchall(
            f"SELECT {_OUTBOX} FROM outbox o WHERE o.id = ?", (item_id,)
        )
        return next((_outbox_item(row) for row in rows), None)

    async def delivered(
        self, item: OutboxItem, channel_id: int | None = None, message_id: int | None = None
    ) -> None:
        """Discord accepted the row: mark it done and, for a post, remember the message."""
        async with self._transaction() as db:
            if item.action is OutboxAction.POST and item.review_id is not None:
                await db.execute(
                    "INSERT INTO posts (review_id, guild_id, channel_id, message_id, posted_at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (review_id) DO UPDATE SET"
                    " channel_id = excluded.channel_id, message_id = excluded.message_id,"
                    " posted_at = excluded.posted_at",
                    (item.review_id, item.guild_id, channel_id, message_id, _now()),
                )
            await self._finish(db, item, OutboxState.DONE, channel_id, message_id)

    async def drop(self, item: OutboxItem, reason: str) -> None:
        async with self._transaction() as db:
            await self._finish(db, item, OutboxState.DROPPED, None, None, reason)

    async def _finish(
        self,
        db: aiosqlite.Connection,
        item: OutboxItem,
        state: OutboxState,
        channel_id: int | None,
        message_id: int | None,
        reason: str | None = None,
    ) -> None:
        await db.execute(
            "UPDATE outbox SET state = ?, done_at = ?, last_error = ?,"
            " channel_id = coalesce(?, channel_id), message_id = coalesce(?, message_id),"
            " attempts = attempts + 1 WHERE id = ?",
            (state.value, _now(), reason, channel_id, message_id, item.id),
        )

    async def retry_later(self, item: OutboxItem, error: str, at: datetime) -> None:
        async with self._transaction() as db:
            await db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, not_before = ?"
                " WHERE id = ?",
                (error, to_db_time(at), item.id),
            )

    @property
    def unblocks(self) -> int:
        """How many times `unblock` has run: read it before trying a row, pass it to `block`."""
        return self._unblocks

    async def block(self, item: OutboxItem, reason: str, *, unblocks: int | None = None) -> None:
        """Hold a row until a person acts (`unblock` then retries it).

        With `unblocks` as read before the row was tried: if an `unblock` ran since (a new
        review channel, a permission granted), what stopped the row may be fixed already, so
        it is retried at once instead of waiting for the next change.
        """
        async with self._transaction() as db:
            if unblocks is not None and unblocks != self._unblocks:
                await db.execute(
                    "UPDATE outbox SET last_error = ?, not_before = ? WHERE id = ?",
                    (reason, _now(), item.id),
                )
                return
            await db.execute(
                "UPDATE outbox SET state = 'blocked', attempts = attempts + 1, last_error = ?"
                " WHERE id = ?",
                (reason, item.id),
            )

    async def repost(self, item: OutboxItem) -> None:
        """The posted message is gone: turn an edit into a fresh post of the review."""
        async with self._transaction() as db:
            await db.execute("DELETE FROM posts WHERE review_id = ?", (item.review_id,))
            await db.execute(
                "UPDATE outbox SET action = 'post', channel_id = NULL, message_id = NULL"
                " WHERE id = ?",
                (item.id,),
            )

    async def unblock(self, guild_id: int | None = None) -> int:
        """Retry a server's blocked rows now (its settings or permissions changed); every
        server's when `guild_id` is None (the bot starts, and things may have changed since)."""
        async with self._transaction() as db:
            self._unblocks += 1  # under the write lock, so `block` sees it or is undone by it
            cursor = await db.execute(
                "UPDATE outbox SET state = 'waiting', not_before = ?"
                " WHERE state = 'blocked' AND (? IS NULL OR guild_id = ?)",
                (_now(), guild_id, guild_id),
            )
            return cursor.rowcount

    async def queue_status(self, guild_id: int) -> QueueStatus:
        rows = await self._db.execute_fetchall(
            f"""SELECT {_OUTBOX} FROM outbox o WHERE o.guild_id = :guild AND o.state = 'blocked'
            UNION ALL
            SELECT * FROM (SELECT {_OUTBOX} FROM outbox o
                WHERE o.guild_id = :guild AND o.state = 'done' ORDER BY o.done_at DESC LIMIT 1)""",
            {"guild": guild_id},
        )
        items = [_outbox_item(row) for row in rows]
        counted = await self._db.execute_fetchall(
            "SELECT count(*) FROM outbox WHERE guild_id = ? AND state = 'waiting'", (guild_id,)
        )
        return QueueStatus(
            waiting=next(iter(counted))[0],
            blocked=[i for i in items if i.state is OutboxState.BLOCKED],
            last_delivered=next((i for i in items if i.state is OutboxState.DONE), None),
        )

    # Drafts --------------------------------------------------------------------------------

    async def save_draft(self, draft: Draft) -> Draft:
        params = {
            "id": draft.id,
            "guild": draft.guild_id,
            "user": draft.user_id,
            "review": draft.review_id,
            "category": draft.category.value,
            "title": draft.title,
            "creator": draft.creator,
            "rating": draft.rating,
            "body": draft.body,
            "url": draft.url,
            "spoiler": int(draft.spoiler),
            "now": _now(),
        }
        async with self._transaction() as db:
            cursor = await db.execute(
                """INSERT INTO drafts (id, guild_id, user_id, review_id, category, title, creator,
                       rating, body, url, spoiler, updated_at)
                VALUES (:id, :guild, :user, :review, :category, :title, :creator, :rating, :body,
                        :url, :spoiler, :now)
                ON CONFLICT (id) DO UPDATE SET category = excluded.category,
                    title = excluded.title, creator = excluded.creator, rating = excluded.rating,
                    body = excluded.body, url = excluded.url, spoiler = excluded.spoiler,
                    updated_at = excluded.updated_at""",
                params,
            )
        return replace(draft, id=draft.id or cursor.lastrowid)

    async def draft(self, draft_id: int, user_id: int) -> Draft | None:
        """A draft, only for the person who wrote it."""
        rows = await self._db.execute_fetchall(
            "SELECT guild_id, user_id, review_id, category, title, creator, rating, body, url,"
            " spoiler FROM drafts WHERE id = ? AND user_id = ?",
            (draft_id, user_id),
        )
        for row in rows:
            return Draft(
                guild_id=row[0],
                user_id=row[1],
                review_id=row[2],
                category=Category(row[3]),
                title=row[4],
                creator=row[5],
                rating=row[6],
                body=row[7],
                url=row[8],
                spoiler=bool(row[9]),
                id=draft_id,
            )
        return None

    async def prune_drafts(self, older_than: timedelta) -> int:
        """Forget forms started but never published or cancelled."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "DELETE FROM drafts WHERE updated_at < ?", (to_db_time(utc_now() - older_than),)
            )
            return cursor.rowcount

    async def discard_draft(self, draft_id: int) -> None:
        async with self._transaction() as db:
            await db.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))

    # Settings ------------------------------------------------------------------------------

    async def settings(self, guild_id: int) -> GuildSettings:
        # Through aiosqlite, not a quick read: in line with the writes on that connection, the
        # post queue never acts on a channel that a `/review config channel` in progress is
        # replacing (a quick read sees only what is committed, and the queue then blocked a
        # post a moment after the change had unblocked it).
        rows = await self._db.execute_fetchall(
            "SELECT review_channel_id, reviewer_role_id FROM guild_settings WHERE guild_id = ?",
            (guild_id,),
        )
        for channel_id, role_id in rows:
            return GuildSettings(guild_id, channel_id, role_id)
        return GuildSettings(guild_id)

    async def set_review_channel(self, guild_id: int, channel_id: int | None) -> None:
        await self._set_setting(guild_id, "review_channel_id", channel_id)

    async def set_reviewer_role(self, guild_id: int, role_id: int | None) -> None:
        await self._set_setting(guild_id, "reviewer_role_id", role_id)

    async def _set_setting(self, guild_id: int, column: str, value: int | None) -> None:
        assert column in {"review_channel_id", "reviewer_role_id"}
        async with self._transaction() as db:
            await db.execute(
                f"INSERT INTO guild_settings (guild_id, {column}, updated_at) VALUES (?, ?, ?)"
                f" ON CONFLICT (guild_id) DO UPDATE SET {column} = excluded.{column},"
                " updated_at = excluded.updated_at",
                (guild_id, value, to_db_time(utc_now())),
            )

    # Operations ----------------------------------------------------------------------------

    async def backup(self, destination: str | Path) -> Path:
        """A consistent copy of the whole database in one file, safe while others write.

        The copy is made under a temporary name beside `destination` and renamed into place
        when whole, so a failure (a full disk) leaves no partial file and replaces nothing.
        """
        destination = Path(destination)
        if destination.is_dir():
            raise StoreError(
                f"{destination} is a folder: give the backup a file name,"
                f" e.g. {destination / self.path.name}"
            )
        if destination.exists() and destination.samefile(self.path):
            raise StoreError(f"{destination} is the database itself: back it up to another file")
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            partial = _new_file_beside(destination)
        except OSError as error:
            raise StoreError(
                f"cannot write the backup {destination} ({error.strerror}):"
                " check the path and the permissions of its folder"
            ) from error
        try:
            target = sqlite3.connect(partial)
            try:
                await self._db.backup(target)
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()
            os.replace(partial, destination)
        except BaseException as error:
            _remove_with_side_files(partial)
            if isinstance(error, sqlite3.Error):
                problem = database_problem(destination, error)
                if problem is not None:
                    raise problem from error
            if isinstance(error, OSError):
                raise StoreError(
                    f"cannot write the backup {destination} ({error.strerror})"
                ) from error
            raise
        return destination

    async def integrity_check(self) -> list[str]:
        rows = await self._db.execute_fetchall("PRAGMA integrity_check")
        return [row[0] for row in rows]


class StoreError(RuntimeError):
    """The database cannot be used as asked; the message is one line naming it and what to do."""


class NoDatabaseError(StoreError):
    """No database at the path, and this opening may not create one."""


class DatabaseBusyError(StoreError):
    """Another connection holds the write lock (an import, the bot) for longer than we wait."""


_SIDE_FILES = ("-journal", "-wal", "-shm")


def database_problem(path: Path, error: sqlite3.Error) -> StoreError | None:
    """What is wrong with the database file itself, in one line; None for any other failure."""
    name = getattr(error, "sqlite_errorname", "")
    if name == "SQLITE_NOTADB":
        return StoreError(f"{path} is not an SQLite database: check REVIEWBOT_DB or --db")
    if name.startswith("SQLITE_CORRUPT"):
        return StoreError(f"{path} is damaged ({error}): restore it from a backup")
    if name.startswith(("SQLITE_READONLY", "SQLITE_PERM")):
        return _read_only(path, f" ({error})")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return DatabaseBusyError(
            f"{path} is busy: another import (or the bot) is writing to it;"
            " try again when it is done"
        )
    if name == "SQLITE_FULL":
        return StoreError(f"no room to write {path} ({error}): free some disk space, then retry")
    if name.startswith("SQLITE_IOERR"):
        return StoreError(
            f"could not write {path} ({error}): check that the disk has room and works"
        )
    if name.startswith("SQLITE_CANTOPEN"):
        return StoreError(
            f"cannot open {path} ({error}): check the path and the permissions of its folder"
        )
    return None


async def _connect(
    path: Path, *, read_only: bool
) -> tuple[aiosqlite.Connection, sqlite3.Connection, int, int]:
    """A store's two connections, the schema version found and the version now."""
    try:
        if read_only:
            return await _connect_for_reading(path)
        return await _connect_for_writing(path)
    except sqlite3.Error as error:
        problem = database_problem(path, error)
        if problem is None:
            raise
        raise problem from error


async def _connect_for_writing(
    path: Path,
) -> tuple[aiosqlite.Connection, sqlite3.Connection, int, int]:
    _check_database_path(path, create=True)
    # The plain connection first: a file that cannot be opened fails here, where it is simple
    # (aiosqlite, failing to connect, could still be stopping its thread as the loop closes).
    reader = _reader(str(path), uri=False)
    try:
        before = version = _user_version(reader)  # checked before anything is written
        if version == 0 and _has_tables(reader):
            raise _foreign(path)
        _check_not_newer(path, version)
        db = await aiosqlite.connect(path, isolation_level=None)
        try:
            await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            await db.execute(f"PRAGMA temp_store = {TEMP_STORE}")
            if version != LATEST_SCHEMA:
                before, version = await asyncio.to_thread(_migrate, path)
        except BaseException:
            await db.close()
            raise
    except BaseException:
        reader.close()
        raise
    return db, reader, before, version


async def _connect_for_reading(
    path: Path,
) -> tuple[aiosqlite.Connection, sqlite3.Connection, int, int]:
    _check_database_path(path, create=False)
    reader, database, uri, version = _open_for_reading(path)
    try:
        if version != LATEST_SCHEMA:  # brought up to date first, like any opening
            reader.close()
            _, version = await asyncio.to_thread(_migrate, path)
            reader = _reader(database, uri=uri)
        db = await aiosqlite.connect(database, uri=uri, isolation_level=None)
        try:
            await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await db.execute("PRAGMA query_only = ON")
            await db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            await db.execute(f"PRAGMA temp_store = {TEMP_STORE}")
        except BaseException:
            await db.close()
            raise
    except BaseException:
        reader.close()
        raise
    return db, reader, version, version


def _check_database_path(path: Path, *, create: bool) -> None:
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file: check REVIEWBOT_DB or --db")
    if not create:
        if not path.exists():
            raise NoDatabaseError(
                f"no database at {path}; import reviews first or check REVIEWBOT_DB"
            )
        return
    if path.exists() and not os.access(path, os.W_OK):  # SQLite would open it read-only
        raise _read_only(path)
    if path.parent.exists() and not path.parent.is_dir():
        raise StoreError(
            f"{path.parent} is a file, so the database {path} cannot be made in it:"
            " check REVIEWBOT_DB or --db"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(
            f"cannot make the folder {path.parent} for the database ({error.strerror}):"
            " check REVIEWBOT_DB or --db"
        ) from error


def _open_for_reading(path: Path) -> tuple[sqlite3.Connection, str, bool, int]:
    """A connection that never writes to an existing reviewbot database, the name it was opened
    by (a path, or a URI when the flag says so), and the schema version."""
    database, uri = str(path), False
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)) and not any(
        Path(f"{path}{end}").exists() for end in _SIDE_FILES
    ):
        # Nobody has it open (a writer keeps a log beside it), and this user may not write
        # it: read the file as it stands. Opened as usual, SQLite would make log files that
        # it could not remove, and that would stand in the way of the file's owner.
        database, uri = path.absolute().as_uri() + "?mode=ro&immutable=1", True
    reader, version = _reader_and_version(database, uri=uri)
    try:
        if version == 0:
            if _has_tables(reader):
                raise _foreign(path)
            raise NoDatabaseError(
                f"no database at {path}; import reviews first or check REVIEWBOT_DB"
            )
        _check_not_newer(path, version)
    except BaseException:
        reader.close()
        raise
    return reader, database, uri, version


def _reader_and_version(database: str, *, uri: bool) -> tuple[sqlite3.Connection, int]:
    reader = _reader(database, uri=uri)
    try:
        return reader, _user_version(reader)
    except BaseException:
        reader.close()
        raise


def _reader(database: str, *, uri: bool) -> sqlite3.Connection:
    """The connection for quick reads, which never writes."""
    reader = sqlite3.connect(database, isolation_level=None, uri=uri)
    try:
        # In WAL mode a read waits for no writer; only recovering a crashed writer's
        # log (milliseconds) could hold it up, and then it waits here, briefly.
        reader.execute(f"PRAGMA busy_timeout = {READER_BUSY_TIMEOUT_MS}")
        reader.execute("PRAGMA query_only = ON")
        reader.execute(f"PRAGMA cache_size = -{READER_CACHE_KIB}")
        reader.execute(f"PRAGMA temp_store = {TEMP_STORE}")
    except BaseException:
        reader.close()
        raise
    return reader


def _user_version(db: sqlite3.Connection) -> int:
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    return version


def _has_tables(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None


def _check_not_newer(path: Path, version: int) -> None:
    if version > LATEST_SCHEMA:
        raise StoreError(
            f"{path} is at schema version {version}, newer than this reviewbot knows"
            f" ({LATEST_SCHEMA}): upgrade reviewbot"
        )


def _read_only(path: Path, detail: str = "") -> StoreError:
    return StoreError(
        f"{path} is read-only{detail}: check the permissions of the file and its folder,"
        " or run as the user who owns them"
    )


def _foreign(path: Path) -> StoreError:
    return StoreError(
        f"{path} is an SQLite database of something else, not reviewbot's:"
        " check REVIEWBOT_DB or --db"
    )


def _migrate(path: Path) -> tuple[int, int]:
    """Apply every migration newer than the file's `user_version`, each in its own transaction.

    Each transaction reads the version again under the write lock, so when several processes
    open a new database at once, one applies a migration and the others, once the lock is
    free, find it applied. Returns the schema version found under the lock, and the version
    after. Runs on a connection of its own, in a worker thread: one hop for many statements.
    """
    db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA foreign_keys = ON")
        version = _user_version(db)
        _check_not_newer(path, version)
        found: int | None = None
        for number, name, sql in _migrations():
            if number <= version:
                continue
            db.execute("BEGIN IMMEDIATE")
            try:
                version = _user_version(db)
                if found is None:
                    found = version
                    _check_not_newer(path, version)
                    if version == 0 and _has_tables(db):
                        raise _foreign(path)
                if number > version:
                    log.info("Applying database migration %s", name)
                    for statement in _statements(sql):
                        db.execute(statement)
                    db.execute(f"PRAGMA user_version = {number}")
                    version = number
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.rollback()
                raise
        return (version if found is None else found), version
    finally:
        db.close()


def _new_file_beside(destination: Path) -> Path:
    """A new, empty file with a hidden name of its own in `destination`'s folder."""
    while True:
        partial = destination.with_name(f".{destination.name}.{secrets.token_hex(8)}.partial")
        try:  # O_EXCL: never a file (or a link) that is there already
            os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666))
        except FileExistsError:
            continue
        return partial


def _remove_with_side_files(database: Path) -> None:
    for leftover in (database, *(Path(f"{database}{end}") for end in _SIDE_FILES)):
        leftover.unlink(missing_ok=True)


def _statements(script: str) -> Iterator[str]:
    """A migration's statements one by one; a `;` inside a trigger or a string ends none."""
    start = 0
    for end, char in enumerate(script):
        if char == ";" and sqlite3.complete_statement(script[start : end + 1]):
            yield script[start : end + 1]
            start = end + 1
    if script[start:].strip():
        yield script[start:]
