"""Reviews one at a time in PostgreSQL: reading, previous/next, random picks, single writes."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

import asyncpg

from ...errors import DuplicateReviewError, ReviewNotFoundError
from ...review import Category, Review, ReviewContext, ReviewSummary, jump_url, normalise
from ..posts import OutboxAction
from ..reviews import RANDOM_TRIES, found_or_close, in_order
from . import rows
from .db import PgDatabase
from .positions import TOTAL, before, nearest
from .posts import enqueue, queue_delete, queue_edits
from .rows import REVIEW, SUMMARY, VISIBLE, scope
from .search import PgSearch
from .title_words import SpellingIndex

# One round trip answers "show this review": the review, its body, both neighbours with their
# titles, its place and where it was posted. `{target}` is an expression for the review's id.
_CONTEXT = f"""
SELECT {REVIEW}, b.body, prev.id, prev.title, nxt.id, nxt.title,
    ({before("r.published_at", "r.id")} + 1)::bigint AS position,
    {TOTAL} AS total,
    p.guild_id, p.channel_id, p.message_id
FROM reviews r JOIN review_bodies b ON b.review_id = r.id
LEFT JOIN posts p ON p.review_id = r.id
LEFT JOIN LATERAL ({nearest("<", "r.published_at", "r.id", "id, title")}) prev ON true
LEFT JOIN LATERAL ({nearest(">", "r.published_at", "r.id", "id, title")}) nxt ON true
WHERE r.id = ({{target}}) AND {VISIBLE}
"""


@cache
def _context_sql(target: str) -> str:
    return _CONTEXT.format(target=target)


_ID = ":id::bigint"
_LATEST = nearest("<", ":at::timestamptz", ":after_id::bigint")
_EARLIEST = nearest(">", ":at::timestamptz", ":after_id::bigint")
_LAST = nearest("<", "'infinity'::timestamptz", "0")
# What `/review show TITLE` means when several reviews share the title: the newest, among the
# 25 added last (chosen from the title index alone).
_NEWEST_TITLED = """
SELECT n.id FROM (
    SELECT t.id FROM reviews t
    WHERE (t.guild_id = 0 OR t.guild_id = :guild::bigint) AND t.title_norm = :text::text
    ORDER BY t.id DESC LIMIT 25
) c JOIN reviews n ON n.id = c.id
ORDER BY n.published_at DESC, n.id DESC LIMIT 1
"""
_RECENT = f"""
SELECT * FROM (
    (SELECT {SUMMARY} FROM reviews r WHERE r.guild_id = 0
     ORDER BY r.published_at DESC, r.id DESC LIMIT :limit::bigint)
    UNION ALL
    (SELECT {SUMMARY} FROM reviews r WHERE r.guild_id = :guild::bigint AND :guild::bigint <> 0
     ORDER BY r.published_at DESC, r.id DESC LIMIT :limit::bigint)
) u ORDER BY published_at DESC, id DESC LIMIT :limit::bigint
"""
# Uniform random choice without sorting: ids drawn between the smallest and largest; the
# first draw that names a review this server may see wins (rejection sampling).
_RANDOM = f"""
SELECT r.id FROM unnest(:draws::bigint[]) WITH ORDINALITY d (id, k) JOIN reviews r ON r.id = d.id
WHERE {VISIBLE} AND (:category::text IS NULL OR r.category = :category::text)
ORDER BY d.k LIMIT 1
"""
_SCOPE_IN_ORDER = f"""
SELECT {REVIEW}, b.body FROM reviews r JOIN review_bodies b ON b.review_id = r.id
WHERE r.guild_id = $1 AND (r.published_at, r.id) > ($2, $3)
ORDER BY r.published_at, r.id LIMIT $4
"""
_BEGINNING = datetime.min.replace(tzinfo=UTC)


class PgReviews:
    """Reviews as a server sees them (the catalogue and its own), and single-review writes."""

    def __init__(self, db: PgDatabase, search: PgSearch, spellings: SpellingIndex) -> None:
        self._db = db
        self._search = search
        self._spellings = spellings
        self._rng = random.Random()

    # Reading -------------------------------------------------------------------------------

    async def get(self, review_id: int, guild_id: int | None = None) -> Review | None:
        found = await self._db.fetch(
            f"SELECT {REVIEW}, b.body FROM reviews r JOIN review_bodies b ON b.review_id = r.id"
            f" WHERE r.id = :id::bigint AND {VISIBLE}",
            {"id": review_id, "guild": scope(guild_id)},
        )
        return next((rows.review(row) for row in found), None)

    async def context(self, review_id: int, guild_id: int | None) -> ReviewContext | None:
        return await self._context(_ID, {"id": review_id}, guild_id)

    async def step(
        self, guild_id: int | None, at: datetime, after_id: int, forward: bool
    ) -> ReviewContext | None:
        target = _EARLIEST if forward else _LATEST
        return await self._context(target, {"at": at, "after_id": after_id}, guild_id)

    async def latest(self, guild_id: int | None) -> ReviewContext | None:
        return await self._context(_LAST, {}, guild_id)

    async def nearest(self, guild_id: int | None, at: datetime) -> ReviewContext | None:
        return await self.step(guild_id, at, -1, forward=True) or await self.step(
            guild_id, at, -1, forward=False
        )

    async def random(
        self, guild_id: int | None, category: Category | None = None
    ) -> ReviewContext | None:
        found = await self._db.fetch(
            "SELECT (SELECT min(id) FROM reviews), (SELECT max(id) FROM reviews)"
        )
        low, high = found[0]
        if low is None:
            return None
        params: dict[str, Any] = {"category": category.value if category else None}
        for _ in range(4):
            draws = [self._rng.randint(low, high) for _ in range(RANDOM_TRIES)]
            picked = await self._context(_RANDOM, {**params, "draws": draws}, guild_id)
            if picked:
                return picked
        return await self._random_by_rank(guild_id, params["category"])

    async def _random_by_rank(
        self, guild_id: int | None, category: str | None
    ) -> ReviewContext | None:
        params: dict[str, Any] = {"guild": scope(guild_id), "category": category}
        where = f"{VISIBLE} AND (:category::text IS NULL OR r.category = :category::text)"
        counted = await self._db.fetch(f"SELECT count(*) FROM reviews r WHERE {where}", params)
        count = counted[0][0]
        if not count:
            return None
        pick = (
            f"SELECT r.id FROM reviews r WHERE {where} ORDER BY r.id LIMIT 1 OFFSET :offset::bigint"
        )
        params["offset"] = self._rng.randrange(count)
        return await self._context(pick, params, guild_id)

    async def _context(
        self, target: str, params: dict[str, Any], guild_id: int | None
    ) -> ReviewContext | None:
        found = await self._db.fetch(_context_sql(target), {**params, "guild": scope(guild_id)})
        for row in found:
            return ReviewContext(
                review=rows.review(row),
                previous_id=row[13],
                next_id=row[15],
                position=row[17],
                total=row[18],
                post_url=jump_url(*row[19:22]) if row[21] is not None else None,
                previous_title=row[14],
                next_title=row[16],
            )
        return None

    async def resolve_title(self, title: str, guild_id: int | None) -> ReviewContext:
        found = await self._context(_NEWEST_TITLED, {"text": normalise(title)}, guild_id)
        return await found_or_close(found, title, guild_id, self._search)

    async def recent(self, guild_id: int | None, limit: int = 25) -> list[ReviewSummary]:
        found = await self._db.fetch(_RECENT, {"guild": scope(guild_id), "limit": limit})
        return [rows.summary(row) for row in found]

    async def count(self, guild_id: int | None = None) -> int:
        found = await self._db.fetch(f"SELECT {TOTAL}", {"guild": scope(guild_id)})
        return int(found[0][0])

    async def all(self, guild_id: int | None = None, batch: int = 500) -> AsyncIterator[Review]:

        async def page(at: Any, after: int) -> Sequence[Sequence[Any]]:
            return await self._db.fetch(_SCOPE_IN_ORDER, (scope(guild_id), at, after, batch))

        async for review in in_order(page, _BEGINNING, rows.review):
            yield review

    async def duplicate_of(self, review: Review) -> int | None:
        guild, title, creator = review.identity
        found = await self._db.fetch(
            "SELECT id FROM reviews WHERE guild_id = $1 AND title_norm = $2 AND creator_norm = $3",
            (scope(guild), title, creator),
        )
        return next((row[0] for row in found), None)

    # Writing -------------------------------------------------------------------------------

    async def add(self, review: Review) -> Review:
        async with self._db.transaction():
            return await self._insert(review)

    async def publish(self, review: Review) -> tuple[Review, int]:
        if review.guild_id is None:
            raise ValueError("only a server's reviews are published")
        async with self._db.transaction():
            stored = await self._insert(review)
            item = await enqueue(self._db, review.guild_id, stored.stored_id, OutboxAction.POST)
        return stored, item

    async def _insert(self, review: Review) -> Review:
        existing = await self.duplicate_of(review)
        if existing is not None:
            raise DuplicateReviewError(existing, review.title)
        row = rows.review_row(review)
        try:
            async with self._db.transaction():  # a savepoint: a clash leaves the rest usable
                found = await self._db.fetch(rows.INSERT_REVIEW, row)
        except asyncpg.UniqueViolationError as clash:
            if clash.constraint_name != "reviews_identity":
                raise
            existing = await self.duplicate_of(review)  # stored by another process just now
            raise DuplicateReviewError(existing or 0, review.title) from None
        review_id = found[0][0]
        await self._db.execute(
            rows.INSERT_BODY, (review_id, review.body, rows.body_words(review.body))
        )
        await self._spellings.add(self._db, [row[rows.TITLE_NORM_AT]])
        return review.with_id(review_id)

    async def update(self, review: Review) -> Review:
        review_id = review.stored_id
        async with self._db.transaction():
            existing = await self.duplicate_of(review)
            if existing not in (None, review_id):
                raise DuplicateReviewError(existing, review.title)
            row = rows.review_row(review)
            status = await self._db.execute(rows.UPDATE_REVIEW, (*row, review_id))
            if status.endswith(" 0"):
                raise ReviewNotFoundError(review.title)
            await self._db.execute(
                rows.UPDATE_BODY, (review_id, review.body, rows.body_words(review.body))
            )
            await self._spellings.add(self._db, [row[rows.TITLE_NORM_AT]])
            await queue_edits(self._db, [review_id])
        return review

    async def delete(self, review_id: int) -> bool:
        async with self._db.transaction():
            await queue_delete(self._db, review_id)
            status = await self._db.execute("DELETE FROM reviews WHERE id = $1", (review_id,))
            return not status.endswith(" 0")
