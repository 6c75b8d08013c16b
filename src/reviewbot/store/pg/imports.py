"""Many reviews at once in PostgreSQL: imports matched by identity, one statement per batch."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from ...review import Review, utc_now
from ..imports import ImportResult, match_imports
from ..rows import Identity
from . import rows
from .db import PgDatabase
from .posts import queue_edits
from .rows import REVIEW, guild, scope
from .title_words import SpellingIndex

_STORED_BY_IDENTITY = f"""
SELECT {REVIEW}, b.body, r.title_norm, r.creator_norm
FROM unnest($1::bigint[], $2::text[], $3::text[]) AS k (guild_id, title_norm, creator_norm)
JOIN reviews r ON r.guild_id = k.guild_id AND r.title_norm = k.title_norm
    AND r.creator_norm = k.creator_norm
JOIN review_bodies b ON b.review_id = r.id
"""
_NEW_IDS = "SELECT nextval(pg_get_serial_sequence('reviews', 'id')) FROM generate_series(1, $1)"


class PgImports:
    def __init__(self, db: PgDatabase, spellings: SpellingIndex) -> None:
        self._db = db
        self._spellings = spellings

    async def add_or_update(
        self, reviews: Sequence[tuple[Review, bool]]
    ) -> list[tuple[ImportResult, Review]]:
        """Add or update many reviews in one transaction, matched by title and creator per scope
        (see the SQLite room)."""
        if not reviews:
            return []
        identities = [review.identity for review, _ in reviews]
        async with self._db.transaction():
            stored = await self._stored_by_identity(identities)
            fresh = sum(1 for identity in dict.fromkeys(identities) if identity not in stored)
            ids = iter([row[0] for row in await self._db.fetch(_NEW_IDS, (fresh,))])
            at = utc_now()
            matched = match_imports(reviews, identities, stored, ids.__next__)
            added = [(r.id, *rows.review_row(r, identity, at)) for r, identity in matched.added]
            updated = [(*rows.review_row(r, identity, at), r.id) for r, identity in matched.updated]
            bodies = matched.bodies
            if added:
                columns = list(zip(*added, strict=True))
                await self._db.execute(rows.INSERT_REVIEWS, [list(c) for c in columns])
                added_ids = list(columns[0])
                texts = [bodies[i] for i in added_ids]
                await self._db.execute(
                    rows.INSERT_BODIES, (added_ids, texts, [rows.body_words(t) for t in texts])
                )
            await self._db.executemany(rows.UPDATE_REVIEW, updated)
            await self._db.executemany(
                rows.UPDATE_BODY,
                [(row[-1], bodies[row[-1]], rows.body_words(bodies[row[-1]])) for row in updated],
            )
            title_at = rows.TITLE_NORM_AT
            titles = [row[title_at + 1] for row in added] + [row[title_at] for row in updated]
            await self._spellings.add(self._db, titles)
            await queue_edits(self._db, [row[-1] for row in updated])
        return matched.results

    async def _stored_by_identity(self, identities: Sequence[Identity]) -> dict[Identity, Review]:
        keys = list(zip(*[(scope(g), t, c) for g, t, c in identities], strict=True))
        found = await self._db.fetch(_STORED_BY_IDENTITY, [list(k) for k in keys])
        return {(guild(row[1]), row[13], row[14]): rows.review(row) for row in found}

    @asynccontextmanager
    async def bulk_load(self) -> AsyncIterator[None]:
        """Load many reviews at once, in one transaction (each import inside it a savepoint);
        the statistics the planner and typo search read are refreshed at the end."""
        async with self._db.transaction():
            yield
            await self._db.execute("ANALYZE reviews, review_bodies")
