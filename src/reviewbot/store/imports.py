"""Many reviews at once: imports matched by identity, and bulk loads that rebuild the indexes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from enum import StrEnum
from itertools import count

import aiosqlite

from ..review import Review
from . import rows
from .db import Database
from .positions import RECOUNT
from .posts import queue_edits
from .rows import REVIEW, Identity, guild, scope
from .title_words import SpellingIndex

# FTS5 settings for a bulk rebuild, then SQLite's own defaults, put back after it (`hashsize`
# is missing from FTS5's documentation, but SQLite accepts and keeps it like the others).
_FTS_BULK_SETTINGS = (("hashsize", 64 * 1024 * 1024), ("automerge", 16), ("crisismerge", 64))
_FTS_EVERYDAY_SETTINGS = (("hashsize", 1024 * 1024), ("automerge", 4), ("crisismerge", 16))
_STORED_BY_IDENTITY = f"""
SELECT {REVIEW}, b.body, r.title_norm, r.creator_norm FROM json_each(:keys) k
JOIN reviews r ON r.guild_id = json_extract(k.value, '$[0]')
    AND r.title_norm = json_extract(k.value, '$[1]')
    AND r.creator_norm = json_extract(k.value, '$[2]')
JOIN review_bodies b ON b.review_id = r.id
"""


class ImportResult(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class Matched:
    """What an import of many reviews is to do: each review's result, the reviews to add and
    to update (with their identities), and the body each stored id is to end with."""

    results: list[tuple[ImportResult, Review]] = field(default_factory=list)
    added: list[tuple[Review, Identity]] = field(default_factory=list)
    updated: list[tuple[Review, Identity]] = field(default_factory=list)
    bodies: dict[int, str] = field(default_factory=dict)


def match_imports(
    reviews: Sequence[tuple[Review, bool]],
    identities: Sequence[Identity],
    stored: dict[Identity, Review],
    new_id: Callable[[], int],
) -> Matched:
    """Match each `(review, dated)` with the review `stored` under its identity: none, it is
    added with the next `new_id()`; else updated, keeping the first date if it is undated,
    unless nothing changed. `stored` learns each review, so a repeat in one import updates."""
    matched = Matched()
    for (review, dated), identity in zip(reviews, identities, strict=True):
        old = stored.get(identity)
        if old is None:
            review = review.with_id(new_id())
            matched.added.append((review, identity))
            result = ImportResult.ADDED
        else:
            if not dated:
                review = replace(review, published_at=old.published_at)
            review = review.with_id(old.stored_id)
            if review == old:
                matched.results.append((ImportResult.UNCHANGED, review))
                continue
            matched.updated.append((review, identity))
            result = ImportResult.UPDATED
        matched.bodies[review.stored_id] = review.body
        stored[identity] = review
        matched.results.append((result, review))
    return matched


class Imports:
    def __init__(self, db: Database, spellings: SpellingIndex) -> None:
        self._db = db
        self._spellings = spellings

    async def add_or_update(
        self, reviews: Sequence[tuple[Review, bool]]
    ) -> list[tuple[ImportResult, Review]]:
        """Add or update many reviews in one transaction, matched by title and creator per scope.

        Each item is `(review, dated)`; an undated review keeps the date it was first imported
        with. Returns what happened to each, with the stored review (its id set).
        """
        if not reviews:
            return []
        identities = [review.identity for review, _ in reviews]  # normalised once
        async with self._db.transaction() as db:
            stored = await self._stored_by_identity(identities)
            found = await self._db.fetch("SELECT coalesce(max(id), 0) FROM reviews")
            next_id = found[0][0] + 1
            at = rows.now()
            matched = match_imports(reviews, identities, stored, count(next_id).__next__)
            added = [rows.review_row(r, r.id, identity, at) for r, identity in matched.added]
            updated = [
                (*rows.review_row(r, None, identity, at)[1:], r.id)
                for r, identity in matched.updated
            ]
            bodies = matched.bodies
            await db.executemany(rows.INSERT_REVIEW, added)
            await db.executemany(rows.INSERT_BODY, [(row[0], bodies[row[0]]) for row in added])
            await db.executemany(rows.UPDATE_REVIEW, updated)
            await db.executemany(rows.UPDATE_BODY, [(row[-1], bodies[row[-1]]) for row in updated])
            title_at = rows.TITLE_NORM_AT
            titles = [row[title_at] for row in added] + [row[title_at - 1] for row in updated]
            await self._spellings.add(self._db, titles)
            await queue_edits(db, [row[-1] for row in updated])
        return matched.results

    async def _stored_by_identity(self, identities: Sequence[Identity]) -> dict[Identity, Review]:
        keys = json.dumps([[scope(g), t, c] for g, t, c in identities], ensure_ascii=False)
        found = await self._db.fetch(_STORED_BY_IDENTITY, {"keys": keys})
        return {(guild(row[1]), row[13], row[14]): rows.review(row) for row in found}

    @asynccontextmanager
    async def bulk_load(self) -> AsyncIterator[None]:
        """Load many reviews at once: one transaction, indexes and counts rebuilt at the end.

        Rebuilding the full-text indexes and the calendar counts in one pass is faster than
        keeping them in step review by review once a load is as large as what is already
        stored. The triggers are set aside inside the transaction, so an interrupted load
        leaves the database as it was; each import inside it is a savepoint of its own.
        """
        async with self._db.transaction() as db:
            triggers = await db.execute_fetchall(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                " AND (name LIKE '%fts%' OR name LIKE 'review_counts%')"
            )
            for name, _ in triggers:
                await db.execute(f'DROP TRIGGER "{name}"')
            yield
            for index in ("title_fts", "body_fts"):
                await _rebuild_full_text(db, index)
            for statement in RECOUNT:
                await db.execute(statement)
            for _, sql in triggers:
                await db.execute(sql)


async def _rebuild_full_text(db: aiosqlite.Connection, index: str) -> None:
    """Rebuild a full-text index in one pass, into one segment per word.

    A larger in-memory hash (FTS5's `hashsize`) and fewer, larger merges make a rebuild much
    faster; the settings are stored in the database, so the everyday ones come back after.
    One segment per word ('optimize') makes later matches faster.
    """
    settings = f"INSERT INTO {index} ({index}, rank) VALUES (?, ?)"
    for name, value in _FTS_BULK_SETTINGS:
        await db.execute(settings, (name, value))
    await db.execute(f"INSERT INTO {index} ({index}) VALUES ('rebuild')")
    await db.execute(f"INSERT INTO {index} ({index}) VALUES ('optimize')")
    for name, value in _FTS_EVERYDAY_SETTINGS:
        await db.execute(settings, (name, value))
