"""Followed feeds in PostgreSQL: their settings and health, the entries seen, what a poll changed
(see the SQLite room for what each step means)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from ...review import Category, utc_now
from ...shards import ALL_SHARDS, Shards
from ..feed_polls import (
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
from ..posts import OutboxAction
from ..rows import as_read, on_shards, scope
from .db import PgDatabase
from .imports import PgImports
from .posts import enqueue
from .reviews import PgReviews

_FEED = (
    "f.id, f.guild_id, f.url, f.channel_id, f.category, f.title, f.etag, f.last_modified,"
    " f.body_digest, f.last_fetch_at, f.last_status, f.last_new_at, f.failures, f.paused,"
    " f.next_poll_at, f.last_error, f.note, f.created_at,"
    " (SELECT count(*) FROM feed_entries e WHERE e.feed_id = f.id)"
)
_KNOWN = """
SELECT entry_key, review_id, digest FROM feed_entries
WHERE feed_id = $1 AND entry_key = ANY($2::text[])
"""
_REMEMBER = """
INSERT INTO feed_entries (feed_id, entry_key, review_id, digest, seen_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (feed_id, entry_key) DO UPDATE SET review_id = excluded.review_id,
    digest = excluded.digest
"""


def _feed(row: Sequence[Any]) -> Feed:
    return read_feed(row, as_read)


class PgFeeds:
    """The feeds followed in each server and in the catalogue, and their entries."""

    def __init__(self, db: PgDatabase, reviews: PgReviews, imports: PgImports) -> None:
        self._db = db
        self._reviews = reviews
        self._imports = imports

    async def find(self, guild_id: int | None, url: str) -> Feed | None:
        found = await self._db.fetch(
            f"SELECT {_FEED} FROM feeds f WHERE f.guild_id = $1 AND f.url = $2",
            (scope(guild_id), url),
        )
        return next((_feed(row) for row in found), None)

    async def get(self, feed_id: int) -> Feed | None:
        found = await self._db.fetch(f"SELECT {_FEED} FROM feeds f WHERE f.id = $1", (feed_id,))
        return next((_feed(row) for row in found), None)

    async def followed(self, guild_id: int | None) -> list[Feed]:
        found = await self._db.fetch(
            f"SELECT {_FEED} FROM feeds f WHERE f.guild_id = $1 ORDER BY f.id", (scope(guild_id),)
        )
        return [_feed(row) for row in found]

    async def due(self, at: datetime, limit: int, shards: Shards = ALL_SHARDS) -> list[Feed]:
        owned, params = on_shards("f.guild_id", shards)
        found = await self._db.fetch(
            f"SELECT {_FEED} FROM feeds f WHERE NOT f.paused"
            f" AND f.next_poll_at <= :at::timestamptz{owned}"
            " ORDER BY f.next_poll_at LIMIT :limit::bigint",
            {"at": at, "limit": limit, **params},
        )
        return [_feed(row) for row in found]

    async def next_due(self, shards: Shards = ALL_SHARDS) -> datetime | None:
        owned, params = on_shards("guild_id", shards)
        found = await self._db.fetch(
            f"SELECT min(next_poll_at) FROM feeds WHERE NOT paused{owned}", params
        )
        value: datetime | None = found[0][0]
        return value

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
        async with self._db.transaction():
            found = await self._db.fetch(
                "INSERT INTO feeds (guild_id, url, channel_id, category, title, next_poll_at,"
                " created_at) VALUES ($1, $2, $3, $4, $5, now(), now())"
                " ON CONFLICT (guild_id, url) DO NOTHING RETURNING id",
                (scope(guild_id), url, channel_id, category.value, title),
            )
            if not found:
                raise FeedExistsError(url)
            feed = await self._by_id(found[0][0])
            applied = await self._store_entries(feed, entries, announce=False)
            await self._record_success(feed, applied, state, title, next_poll_at)
            return await self._by_id(feed.id), applied

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
        async with self._db.transaction():
            applied = await self._store_entries(feed, entries, announce=announce)
            await self._record_success(feed, applied, state, title, next_poll_at)
        return applied

    async def record_unchanged(self, feed: Feed, state: FetchState, next_poll_at: datetime) -> None:
        await self._db.execute(
            "UPDATE feeds SET last_fetch_at = now(), last_status = $1, etag = coalesce($2, etag),"
            " last_modified = coalesce($3, last_modified), failures = 0, paused = false,"
            " last_error = NULL, next_poll_at = $4 WHERE id = $5",
            (state.status, state.etag, state.last_modified, next_poll_at, feed.id),
        )

    async def record_failure(
        self, feed: Feed, status: int | None, error: str, next_poll_at: datetime, *, pause: bool
    ) -> None:
        await self._db.execute(
            "UPDATE feeds SET last_fetch_at = now(), last_status = $1, failures = failures + 1,"
            " last_error = $2, paused = $3, next_poll_at = $4 WHERE id = $5",
            (status, error, pause, next_poll_at, feed.id),
        )

    async def remove(self, guild_id: int | None, url: str) -> bool:
        status = await self._db.execute(
            "DELETE FROM feeds WHERE guild_id = $1 AND url = $2", (scope(guild_id), url)
        )
        return not status.endswith(" 0")

    # Inside a transaction ----------------------------------------------------------------------

    async def _by_id(self, feed_id: int) -> Feed:
        found = await self._db.fetch(f"SELECT {_FEED} FROM feeds f WHERE f.id = $1", (feed_id,))
        return _feed(found[0])

    async def _record_success(
        self,
        feed: Feed,
        applied: Applied,
        state: FetchState,
        title: str | None,
        next_poll_at: datetime,
    ) -> None:
        note = success_note(applied)
        await self._db.execute(
            "UPDATE feeds SET last_fetch_at = now(), last_status = $1, etag = $2,"
            " last_modified = $3, body_digest = $4, failures = 0, paused = false,"
            " last_error = NULL, next_poll_at = $5, title = coalesce($6, title),"
            " last_new_at = CASE WHEN $7 THEN now() ELSE last_new_at END,"
            " note = coalesce($8, note) WHERE id = $9",
            (
                state.status,
                state.etag,
                state.last_modified,
                state.body_digest,
                next_poll_at,
                title,
                bool(applied.new),
                note,
                feed.id,
            ),
        )

    async def _store_entries(
        self, feed: Feed, entries: Sequence[FeedEntry], *, announce: bool
    ) -> Applied:
        unique = unique_entries(entries)
        known: Known = {
            key: (review_id, digest)
            for key, review_id, digest in await self._db.fetch(
                _KNOWN, (feed.id, [entry.key for entry in unique])
            )
        }
        at = utc_now()

        async def remember(entry: FeedEntry, review_id: int | None) -> None:
            await self._db.execute(_REMEMBER, (feed.id, entry.key, review_id, entry.digest, at))

        applied = await store_entries(
            unique,
            known,
            savepoint=self._db.transaction,
            store_review=self._store_review,
            remember=remember,
        )
        if announce and feed.guild_id is not None and applied.new:
            await self._announce(feed, applied)
        return applied

    async def _store_review(
        self,
        entry: FeedEntry,
        review_id: int | None,
        old: tuple[int | None, str] | None,
        applied: Applied,
    ) -> int:
        assert entry.review is not None
        review = entry.review
        if review_id is not None:
            found = await self._db.fetch(
                "SELECT published_at FROM reviews WHERE id = $1", (review_id,)
            )
            if found:
                if not entry.dated:
                    review = replace(review, published_at=found[0][0])
                await self._reviews.update(review.with_id(review_id))
                applied.updated += 1
                return review_id
        [(result, stored_review)] = await self._imports.add_or_update([(review, entry.dated)])
        return count_import(applied, result, stored_review, old)

    async def _announce(self, feed: Feed, applied: Applied) -> None:
        fresh = to_announce(applied)
        assert feed.guild_id is not None
        for review in fresh:
            await enqueue(
                self._db,
                feed.guild_id,
                review.stored_id,
                OutboxAction.POST,
                channel_id=feed.channel_id,
            )
