"""Reviews one at a time: reading, previous/next, random picks, and writing single reviews."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from ..errors import DuplicateReviewError, ReviewNotFoundError
from ..review import Category, Review, ReviewContext, ReviewSummary, jump_url, normalise
from . import rows
from .db import Database
from .positions import BEFORE, TOTAL, neighbour, neighbour_key, split_key
from .posts import OutboxAction, enqueue, queue_delete, queue_edits
from .rows import REVIEW, SUMMARY, VISIBLE, scope, to_db_time
from .search import Search
from .title_words import SpellingIndex

if TYPE_CHECKING:
    from .rooms import SearchRoom

RANDOM_TRIES = 64  # random ids drawn per attempt; each is a hit with probability visible/max(id)

# One round trip answers "show this review": the review, its body, both neighbours (with their
# titles, which the buttons show) and its place. `{target}` is an expression for the review's id.
_CONTEXT = f"""
SELECT {REVIEW}, b.body,
    {neighbour_key("<", "(r.published_at, r.id)")} AS previous_key,
    {neighbour_key(">", "(r.published_at, r.id)")} AS next_key,
    {BEFORE} + 1 AS position,
    {TOTAL} AS total,
    p.guild_id, p.channel_id, p.message_id
FROM reviews r JOIN review_bodies b ON b.review_id = r.id
LEFT JOIN posts p ON p.review_id = r.id
WHERE r.id = ({{target}}) AND {VISIBLE}
"""


@cache  # formatted and hashed (for SQLite's statement cache) once per target, not per call
def _context_sql(target: str) -> str:
    return _CONTEXT.format(target=target)


_LATEST = f"SELECT {neighbour('<', '(:at, :after_id)')}"
_EARLIEST = f"SELECT {neighbour('>', '(:at, :after_id)')}"
# A place after every stored one: "~" sorts after every digit of a stored timestamp.
_END_OF_TIME = "~"
# What `/review show TITLE` means when several reviews share the title: the newest, among the
# 25 added last (chosen from the title index alone). Ordering them all by date would read every
# review of a crowded title.
_NEWEST_TITLED = """
SELECT n.id FROM (
    SELECT t.id FROM reviews t
    WHERE (t.guild_id = 0 OR t.guild_id = :guild) AND t.title_norm = :text
    ORDER BY t.id DESC LIMIT 25
) c CROSS JOIN reviews n ON n.id = c.id
ORDER BY n.published_at DESC, n.id DESC LIMIT 1
"""
_RECENT = f"""
SELECT * FROM (SELECT {SUMMARY} FROM reviews r WHERE r.guild_id = 0
    ORDER BY r.published_at DESC, r.id DESC LIMIT :limit)
UNION ALL
SELECT * FROM (SELECT {SUMMARY} FROM reviews r WHERE r.guild_id = :guild AND :guild <> 0
    ORDER BY r.published_at DESC, r.id DESC LIMIT :limit)
ORDER BY published_at DESC, id DESC LIMIT :limit
"""
# Uniform random choice without sorting: draw ids between the smallest and largest, keep the
# first draw that names a review this server may see (rejection sampling).
# CROSS JOIN keeps the draws as the outer loop, in order, so LIMIT 1 stops at the first hit
# without reading every drawn row.
_RANDOM = f"""
SELECT r.id FROM json_each(:draws) d CROSS JOIN reviews r ON r.id = d.value
WHERE {VISIBLE} AND (:category IS NULL OR r.category = :category)
LIMIT 1
"""
_SCOPE_IN_ORDER = f"""
SELECT {REVIEW}, b.body FROM reviews r JOIN review_bodies b ON b.review_id = r.id
WHERE r.guild_id = :scope AND (r.published_at, r.id) > (:at, :after)
ORDER BY r.published_at, r.id LIMIT :batch
"""


async def found_or_close(
    found: ReviewContext | None, title: str, guild_id: int | None, search: SearchRoom
) -> ReviewContext:
    """The review a title found, or `ReviewNotFoundError` naming titles close to it."""
    if found is None:
        close = [hit.title for hit in await search(title, guild_id, 3, include_body=False)]
        raise ReviewNotFoundError(title, close or await search.suggest(title, guild_id))
    return found


async def in_order(
    page: Callable[[Any, int], Awaitable[Sequence[Sequence[Any]]]],
    start: Any,
    read: Callable[[Sequence[Any]], Review],
) -> AsyncIterator[Review]:
    """Every review `page(at, after)` reads, page after page: each page starts after the last
    row of the one before (its publication time and id), the first at `start`."""
    at, after = start, 0
    while True:
        found = await page(at, after)
        if not found:
            return
        for row in found:
            yield read(row)
        at, after = found[-1][8], found[-1][0]


class Reviews:
    """Reviews as a server sees them (the catalogue and its own), and single-review writes."""

    def __init__(self, db: Database, search: Search, spellings: SpellingIndex) -> None:
        self._db = db
        self._search = search
        self._spellings = spellings
        # Seeded from the system once; not SystemRandom, whose draws are system calls, for a
        # choice that guards no secret.
        self._rng = random.Random()

    # Reading -------------------------------------------------------------------------------

    async def get(self, review_id: int, guild_id: int | None = None) -> Review | None:
        """The review with this id if it is visible to `guild_id` (catalogue only for None)."""
        found = self._db.read(
            f"SELECT {REVIEW}, b.body FROM reviews r JOIN review_bodies b ON b.review_id = r.id"
            f" WHERE r.id = :id AND {VISIBLE}",
            {"id": review_id, "guild": scope(guild_id)},
        )
        return next((rows.review(row) for row in found), None)

    async def context(self, review_id: int, guild_id: int | None) -> ReviewContext | None:
        """The review with its neighbours and place, as `guild_id` sees the catalogue."""
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
        return await self._context(_LATEST, {"at": _END_OF_TIME, "after_id": 0}, guild_id)

    async def nearest(self, guild_id: int | None, at: datetime) -> ReviewContext | None:
        """The first review published at or after `at`, else the last one before it."""
        return await self.step(guild_id, at, -1, forward=True) or await self.step(
            guild_id, at, -1, forward=False
        )

    async def random(
        self, guild_id: int | None, category: Category | None = None
    ) -> ReviewContext | None:
        # Two subqueries: SQLite answers a lone min() or max() from the index's ends, not both.
        found = self._db.read("SELECT (SELECT min(id) FROM reviews), (SELECT max(id) FROM reviews)")
        low, high = found[0]
        if low is None:
            return None
        params = {"category": category.value if category else None}
        for _ in range(4):
            draws = [self._rng.randint(low, high) for _ in range(RANDOM_TRIES)]
            picked = await self._context(_RANDOM, {**params, "draws": json.dumps(draws)}, guild_id)
            if picked:
                return picked
        # Sparse scope (few visible among many ids): choose by rank instead, still uniform.
        return await self._random_by_rank(guild_id, params["category"])

    async def _random_by_rank(
        self, guild_id: int | None, category: str | None
    ) -> ReviewContext | None:
        params = {"guild": scope(guild_id), "category": category}
        where = f"{VISIBLE} AND (:category IS NULL OR r.category = :category)"
        counted = await self._db.fetch(f"SELECT count(*) FROM reviews r WHERE {where}", params)
        count = counted[0][0]
        if not count:
            return None
        pick = f"SELECT r.id FROM reviews r WHERE {where} ORDER BY r.id LIMIT 1 OFFSET :offset"
        params["offset"] = self._rng.randrange(count)
        return await self._context(pick, params, guild_id, quick=False)

    async def _context(
        self, target: str, params: dict[str, Any], guild_id: int | None, *, quick: bool = True
    ) -> ReviewContext | None:
        sql, params = _context_sql(target), {**params, "guild": scope(guild_id)}
        found = self._db.read(sql, params) if quick else await self._db.fetch(sql, params)
        for row in found:
            previous_id, previous_title = split_key(row[13])
            next_id, next_title = split_key(row[14])
            return ReviewContext(
                review=rows.review(row),
                previous_id=previous_id,
                next_id=next_id,
                position=row[15],
                total=row[16],
                post_url=jump_url(*row[17:20]) if row[19] is not None else None,
                previous_title=previous_title,
                next_title=next_title,
            )
        return None

    async def resolve_title(self, title: str, guild_id: int | None) -> ReviewContext:
        """The review a person meant by `title`, or `ReviewNotFoundError` with close titles."""
        found = await self._context(_NEWEST_TITLED, {"text": normalise(title)}, guild_id)
        return await found_or_close(found, title, guild_id, self._search)

    async def recent(self, guild_id: int | None, limit: int = 25) -> list[ReviewSummary]:
        """The newest reviews this server sees, newest first."""
        found = self._db.read(_RECENT, {"guild": scope(guild_id), "limit": limit})
        return [rows.summary(row) for row in found]

    async def count(self, guild_id: int | None = None) -> int:
        """How many reviews this server sees (the catalogue's for None)."""
        return int(self._db.read(f"SELECT {TOTAL}", {"guild": scope(guild_id)})[0][0])

    async def all(self, guild_id: int | None = None, batch: int = 500) -> AsyncIterator[Review]:
        """Every review of one scope (the catalogue for None, else only the server's own), in
        publication order."""

        async def page(at: Any, after: int) -> Sequence[Sequence[Any]]:
            params = {"scope": scope(guild_id), "at": at, "after": after, "batch": batch}
            return await self._db.fetch(_SCOPE_IN_ORDER, params)

        async for review in in_order(page, "", rows.review):
            yield review

    async def duplicate_of(self, review: Review) -> int | None:
        """The id of the stored review with the same title and creator in the same scope."""
        guild, title, creator = review.identity
        found = await self._db.fetch(
            "SELECT id FROM reviews WHERE guild_id = ? AND title_norm = ? AND creator_norm = ?",
            (scope(guild), title, creator),
        )
        return next((row[0] for row in found), None)

    # Writing -------------------------------------------------------------------------------

    async def add(self, review: Review) -> Review:
        """Store a new review; `DuplicateReviewError` if its title and creator are taken."""
        async with self._db.transaction():
            return await self._insert(review)

    async def publish(self, review: Review) -> tuple[Review, int]:
        """Store a server's new review and queue its post, in one transaction; returns the
        stored review and its post queue row's id."""
        if review.guild_id is None:
            raise ValueError("only a server's reviews are published")
        async with self._db.transaction() as db:
            stored = await self._insert(review)
            item = await enqueue(db, review.guild_id, stored.stored_id, OutboxAction.POST)
        return stored, item

    async def _insert(self, review: Review) -> Review:
        existing = await self.duplicate_of(review)
        if existing is not None:
            raise DuplicateReviewError(existing, review.title)
        row = rows.review_row(review, None)
        db = self._db.connection
        cursor = await db.execute(rows.INSERT_REVIEW, row)
        review_id = cursor.lastrowid
        assert review_id is not None
        await db.execute(rows.INSERT_BODY, (review_id, review.body))
        await self._spellings.add(self._db, [row[rows.TITLE_NORM_AT]])
        return review.with_id(review_id)

    async def update(self, review: Review) -> Review:
        """Save changes to a stored review (found by its id); its post is edited to match."""
        review_id = review.stored_id
        async with self._db.transaction() as db:
            existing = await self.duplicate_of(review)
            if existing not in (None, review_id):
                raise DuplicateReviewError(existing, review.title)
            row = rows.review_row(review, review_id)
            cursor = await db.execute(rows.UPDATE_REVIEW, (*row[1:], review_id))
            if cursor.rowcount == 0:
                raise ReviewNotFoundError(review.title)
            await db.execute(rows.UPDATE_BODY, (review_id, review.body))
            await self._spellings.add(self._db, [row[rows.TITLE_NORM_AT]])
            await queue_edits(db, [review_id])
        return review

    async def delete(self, review_id: int) -> bool:
        """Delete a review; if it was published, queue the removal of its message."""
        async with self._db.transaction() as db:
            await queue_delete(db, review_id)
            cursor = await db.execute("DELETE FROM reviews WHERE id = ?", (review_id,))
            return cursor.rowcount > 0
