"""Followed feeds: their settings and health, the entries already seen, and what a poll changed.

A poll's entries are stored in one transaction with the feed's new state: every entry's key is
remembered (a set of seen keys, not a high-water mark), an entry seen before updates the review
it became even if its title changed, and only entries never seen before that became new reviews
are announced, through the post queue.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial

import aiosqlite

from ..review import Category
from ..shards import ALL_SHARDS, Shards
from .db import Database
from .feed_polls import (
    FLOOD_LIMIT,
    Applied,
    Feed,
    FeedEntry,
    FeedExistsError,
    FetchState,
    Known,
    count_import,
    read_feed,
    store_entries,
    success_note,
    to_announce,
    unique_entries,
)
from .imports import Imports
from .posts import OutboxAction, enqueue
from .reviews import Reviews
from .rows import from_db_time, now, on_shards, optional_time, scope, to_db_time

_FEED = (
    "f.id, f.guild_id, f.url, f.channel_id, f.category, f.title, f.etag, f.last_modified,"
    " f.body_digest, f.last_fetch_at, f.last_status, f.last_new_at, f.failures, f.paused,"
    " f.next_poll_at, f.last_error, f.note, f.created_at,"
    " (SELECT count(*) FROM feed_entries e WHERE e.feed_id = f.id)"
)
_KNOWN = """
SELECT entry_key, review_id, digest FROM feed_entries
WHERE feed_id = :feed AND entry_key IN (SELECT value FROM json_each(:keys))
"""
_REMEMBER = """
INSERT INTO feed_entries (feed_id, entry_key, review_id, digest, seen_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (feed_id, entry_key) DO UPDATE SET review_id = excluded.review_id,
    digest = excluded.digest
"""


__all__ = ["FLOOD_LIMIT", "Applied", "Feed", "FeedEntry", "FeedExistsError", "Feeds", "FetchState"]


class Feeds:
    """The feeds followed in each server and in the catalogue, and their entries."""

    def __init__(self, db: Database, reviews: Reviews, imports: Imports) -> None:
        self._db = db
        self._reviews = reviews
        self._imports = imports

    # Reading -------------------------------------------------------------------------------

    async def find(self, guild_id: int | None, url: str) -> Feed | None:
        found = await self._db.fetch(
            f"SELECT {_FEED} FROM feeds f WHERE f.guild_id = ? AND f.url = ?",
            (scope(guild_id), url),
        )
        return next((read_feed(row) for row in found), None)

    async def get(self, feed_id: int) -> Feed | None:
        found = await self._db.fetch(f"SELECT {_FEED} FROM feeds f WHERE f.id = ?", (feed_id,))
        return next((read_feed(row) for row in found), None)

    async def followed(self, guild_id: int | None) -> list[Feed]:
        """The feeds of one server (the catalogue's for None), oldest first."""
        found = await self._db.fetch(
            f"SELECT {_FEED} FROM feeds f WHERE f.guild_id = ? ORDER BY f.id", (scope(guild_id),)
        )
        return [read_feed(row) for row in found]

    async def due(self, at: datetime, limit: int, shards: Shards = ALL_SHARDS) -> list[Feed]:
        """Feeds not paused whose next poll is at or before `at`, the longest waiting first;
        only those of servers on `shards` (the catalogue's are shard 0's)."""
        owned, params = on_shards("f.guild_id", shards)
        found = await self._db.fetch(
            f"SELECT {_FEED} FROM feeds f WHERE f.paused = 0 AND f.next_poll_at <= :at{owned}"
            " ORDER BY f.next_poll_at LIMIT :limit",
            {"at": to_db_time(at), "limit": limit, **params},
        )
        return [read_feed(row) for row in found]

    async def next_due(self, shards: Shards = ALL_SHARDS) -> datetime | None:
        """When the next feed of a server on `shards` is due."""
        owned, params = on_shards("guild_id", shards)
        found = await self._db.fetch(
            f"SELECT min(next_poll_at) FROM feeds WHERE paused = 0{owned}", params
        )
        return optional_time(found[0][0])

    # Writing -------------------------------------------------------------------------------

    async def add(
        self,
        guild_id: int | None,
        url: str,
        *,
        channel_id: int | None,
        category: Category,
        title: str | None,
        state: FetchState,
        entries: Sequence[FeedEntry],
        next_poll_at: datetime,
    ) -> tuple[Feed, Applied]:
        """Follow a feed, storing the entries it holds now without announcing any; all or
        nothing. `FeedExistsError` if this server follows it already."""
        async with self._db.transaction() as db:
            cursor = await db.execute(
                "INSERT INTO feeds (guild_id, url, channel_id, category, title, next_poll_at,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, url) DO NOTHING",
                (scope(guild_id), url, channel_id, category.value, title, now(), now()),
            )
            if cursor.rowcount == 0:
                raise FeedExistsError(url)
            assert cursor.lastrowid is not None
            feed = await self._by_id(db, cursor.lastrowid)
            applied = await self._store_entries(db, feed, entries, announce=False)
            await self._record_success(db, feed, applied, state, title, next_poll_at)
            return await self._by_id(db, feed.id), applied

    async def apply(
        self,
        feed: Feed,
        entries: Sequence[FeedEntry],
        *,
        state: FetchState,
        title: str | None,
        next_poll_at: datetime,
        announce: bool = True,
    ) -> Applied:
        """Store a poll's entries and the feed's new state in one transaction; new entries are
        queued to be announced in the feed's server."""
        async with self._db.transaction() as db:
            applied = await self._store_entries(db, feed, entries, announce=announce)
            await self._record_success(db, feed, applied, state, title, next_poll_at)
        return applied

    async def record_unchanged(self, feed: Feed, state: FetchState, next_poll_at: datetime) -> None:
        """The feed answered, with nothing new (304, or the same body as last time)."""
        async with self._db.transaction() as db:
            await db.execute(
                "UPDATE feeds SET last_fetch_at = ?, last_status = ?, etag = coalesce(?, etag),"
                " last_modified = coalesce(?, last_modified), failures = 0, paused = 0,"
                " last_error = NULL, next_poll_at = ? WHERE id = ?",
                (now(), state.status, state.etag, state.last_modified, to_db_time(next_poll_at),
                 feed.id),
            )  # fmt: skip

    async def record_failure(
        self, feed: Feed, status: int | None, error: str, next_poll_at: datetime, *, pause: bool
    ) -> None:
        async with self._db.transaction() as db:
            await db.execute(
                "UPDATE feeds SET last_fetch_at = ?, last_status = ?, failures = failures + 1,"
                " last_error = ?, paused = ?, next_poll_at = ? WHERE id = ?",
                (now(), status, error, int(pause), to_db_time(next_poll_at), feed.id),
            )

    async def remove(self, guild_id: int | None, url: str) -> bool:
        """Stop following a feed; the reviews it brought stay."""
        async with self._db.transaction() as db:
            cursor = await db.execute(
                "DELETE FROM feeds WHERE guild_id = ? AND url = ?", (scope(guild_id), url)
            )
            return cursor.rowcount > 0

    # Inside a transaction ----------------------------------------------------------------------

    async def _by_id(self, db: aiosqlite.Connection, feed_id: int) -> Feed:
        found = await db.execute_fetchall(f"SELECT {_FEED} FROM feeds f WHERE f.id = ?", (feed_id,))
        return read_feed(next(iter(found)))

    async def _record_success(
        self,
        db: aiosqlite.Connection,
        feed: Feed,
        applied: Applied,
        state: FetchState,
        title: str | None,
        next_poll_at: datetime,
    ) -> None:
        note = success_note(applied)
        await db.execute(
            "UPDATE feeds SET last_fetch_at = :now, last_status = :status, etag = :etag,"
            " last_modified = :modified, body_digest = :digest, failures = 0, paused = 0,"
            " last_error = NULL, next_poll_at = :next, title = coalesce(:title, title),"
            " last_new_at = CASE WHEN :new THEN :now ELSE last_new_at END,"
            " note = coalesce(:note, note) WHERE id = :id",
            {
                "now": now(),
                "status": state.status,
                "etag": state.etag,
                "modified": state.last_modified,
                "digest": state.body_digest,
                "next": to_db_time(next_poll_at),
                "title": title,
                "new": bool(applied.new),
                "note": note,
                "id": feed.id,
            },
        )

    async def _store_entries(
        self, db: aiosqlite.Connection, feed: Feed, entries: Sequence[FeedEntry], *, announce: bool
    ) -> Applied:
        unique = unique_entries(entries)
        keys = json.dumps([entry.key for entry in unique], ensure_ascii=False)
        known: Known = {
            key: (review_id, digest)
            for key, review_id, digest in await db.execute_fetchall(
                _KNOWN, {"feed": feed.id, "keys": keys}
            )
        }
        at = now()

        async def remember(entry: FeedEntry, review_id: int | None) -> None:
            await db.execute(_REMEMBER, (feed.id, entry.key, review_id, entry.digest, at))

        applied = await store_entries(
            unique,
            known,
            savepoint=self._db.transaction,
            store_review=partial(self._store_review, db),
            remember=remember,
        )
        if announce and feed.guild_id is not None and applied.new:
            await self._announce(db, feed, applied)
        return applied

    async def _store_review(
        self,
        db: aiosqlite.Connection,
        entry: FeedEntry,
        review_id: int | None,
        old: tuple[int | None, str] | None,
        applied: Applied,
    ) -> int:
        assert entry.review is not None
        review = entry.review
        if review_id is not None:
            found = await db.execute_fetchall(
                "SELECT published_at FROM reviews WHERE id = ?", (review_id,)
            )
            stored = next(iter(found), None)
            if stored is not None:
                if not entry.dated:
                    review = replace(review, published_at=from_db_time(stored[0]))
                await self._reviews.update(review.with_id(review_id))
                applied.updated += 1
                return review_id
        [(result, stored_review)] = await self._imports.add_or_update([(review, entry.dated)])
        return count_import(applied, result, stored_review, old)

    async def _announce(self, db: aiosqlite.Connection, feed: Feed, applied: Applied) -> None:
        fresh = to_announce(applied)
        assert feed.guild_id is not None
        for review in fresh:
            await enqueue(
                db, feed.guild_id, review.stored_id, OutboxAction.POST, channel_id=feed.channel_id
            )
