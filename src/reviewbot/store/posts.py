"""The post queue (outbox): what the bot must post, edit or delete in Discord, and where it posted.

A row is marked done only after Discord accepted it, so a failure is retried and a restart
loses nothing. A server's rows go out in order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import aiosqlite

from ..shards import ALL_SHARDS, Shards
from .db import Database
from .rows import now, on_shards, optional_time, to_db_time


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


@dataclass(frozen=True, slots=True)
class QueueStatus:
    """A server's post queue, as `/review status` shows it."""

    waiting: int
    blocked: list[OutboxItem]
    last_delivered: OutboxItem | None


# The columns that read an outbox row (`o` is the outbox table), the same on either engine.
OUTBOX = (
    "o.id, o.guild_id, o.review_id, o.action, o.channel_id, o.message_id, o.state, o.attempts,"
    " o.last_error, o.created_at, o.done_at"
)


def read_item(row: Sequence[Any], read_time: Callable[[Any], Any] = optional_time) -> OutboxItem:
    """A row read with `OUTBOX` as an item; `read_time` turns the engine's stored time (None
    kept) into a datetime."""
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
        created_at=read_time(row[9]),
        done_at=read_time(row[10]),
    )


def queue_status(waiting: int, items: Sequence[OutboxItem]) -> QueueStatus:
    """A server's status from its count of waiting rows, its blocked rows and its last one done."""
    return QueueStatus(
        waiting=waiting,
        blocked=[i for i in items if i.state is OutboxState.BLOCKED],
        last_delivered=next((i for i in items if i.state is OutboxState.DONE), None),
    )


# The queue's side of changing reviews, run inside the change's own transaction: a published
# review that changes gets its message edited; one that is deleted, removed.
_QUEUE_EDITS = """
INSERT INTO outbox (guild_id, review_id, action, channel_id, message_id, not_before, created_at)
SELECT p.guild_id, p.review_id, 'edit', p.channel_id, p.message_id, :now, :now
FROM json_each(:ids) j JOIN posts p ON p.review_id = j.value
"""
_QUEUE_DELETE = """
INSERT INTO outbox (guild_id, review_id, action, channel_id, message_id, not_before, created_at)
SELECT guild_id, NULL, 'delete', channel_id, message_id, :now, :now FROM posts WHERE review_id = :id
"""


async def enqueue(
    db: aiosqlite.Connection,
    guild_id: int,
    review_id: int,
    action: OutboxAction,
    *,
    channel_id: int | None = None,
) -> int:
    """Queue one action on a review; returns the row's id. A post with `channel_id` goes to
    that channel instead of the server's review channel (a feed's own channel)."""
    cursor = await db.execute(
        "INSERT INTO outbox (guild_id, review_id, action, channel_id, not_before, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, review_id, action.value, channel_id, now(), now()),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def queue_edits(db: aiosqlite.Connection, review_ids: Sequence[int]) -> None:
    """Queue an edit of the posted message of each of these reviews that has one."""
    await db.execute(_QUEUE_EDITS, {"ids": json.dumps(list(review_ids)), "now": now()})


async def queue_delete(db: aiosqlite.Connection, review_id: int) -> None:
    """Queue the removal of the review's posted message, if it has one."""
    await db.execute(_QUEUE_DELETE, {"id": review_id, "now": now()})


class PostQueue:
    """The outbox's rows: queued, taken when due, and finished, retried or blocked."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._unblocks = 0
        # No leases here: an SQLite queue is delivered by processes on one machine, each for
        # its own shards. Kept so that either engine's queue is set up alike.
        self.lease = timedelta(seconds=60)

    async def queue(self, guild_id: int, review_ids: Sequence[int]) -> int:
        """Queue the posting of these (already stored) reviews in a server; returns how many."""
        async with self._db.transaction() as db:
            for review_id in review_ids:
                await enqueue(db, guild_id, review_id, OutboxAction.POST)
        return len(review_ids)

    async def has_post(self, review_id: int) -> bool:
        found = await self._db.fetch("SELECT 1 FROM posts WHERE review_id = ?", (review_id,))
        return bool(found)

    async def due(self, limit: int = 20, shards: Shards = ALL_SHARDS) -> list[OutboxItem]:
        """Rows to deliver now: each server's oldest unfinished row, if it is due; only those
        of servers on `shards`, so each server's queue has one process delivering it.

        A server's rows go out in order, so a row waiting for a retry holds back the ones after it.
        """
        owned, params = on_shards("o.guild_id", shards)
        found = await self._db.fetch(
            f"""SELECT {OUTBOX} FROM outbox o
            WHERE o.state = 'waiting' AND o.not_before <= :now{owned}
              AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.guild_id = o.guild_id
                              AND e.id < o.id AND e.state IN ('waiting', 'blocked'))
            ORDER BY o.id LIMIT :limit""",
            {"now": now(), "limit": limit, **params},
        )
        return [read_item(row) for row in found]

    async def next_retry(self, shards: Shards = ALL_SHARDS) -> datetime | None:
        """When the next row of a server on `shards` is due (another process's rows are not
        this one's to wait for)."""
        owned, params = on_shards("guild_id", shards)
        found = await self._db.fetch(
            f"SELECT min(not_before) FROM outbox WHERE state = 'waiting'{owned}", params
        )
        return optional_time(found[0][0])

    async def item(self, item_id: int) -> OutboxItem | None:
        found = await self._db.fetch(f"SELECT {OUTBOX} FROM outbox o WHERE o.id = ?", (item_id,))
        return next((read_item(row) for row in found), None)

    async def delivered(
        self, item: OutboxItem, channel_id: int | None = None, message_id: int | None = None
    ) -> None:
        """Discord accepted the row: mark it done and, for a post, remember the message."""
        async with self._db.transaction() as db:
            if item.action is OutboxAction.POST and item.review_id is not None:
                await db.execute(
                    "INSERT INTO posts (review_id, guild_id, channel_id, message_id, posted_at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (review_id) DO UPDATE SET"
                    " channel_id = excluded.channel_id, message_id = excluded.message_id,"
                    " posted_at = excluded.posted_at",
                    (item.review_id, item.guild_id, channel_id, message_id, now()),
                )
            await self._finish(db, item, OutboxState.DONE, channel_id, message_id)

    async def drop(self, item: OutboxItem, reason: str) -> None:
        async with self._db.transaction() as db:
            await self._finish(db, item, OutboxState.DROPPED, None, None, reason)

    @staticmethod
    async def _finish(
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
            (state.value, now(), reason, channel_id, message_id, item.id),
        )

    async def retry_later(self, item: OutboxItem, error: str, at: datetime) -> None:
        async with self._db.transaction() as db:
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
        async with self._db.transaction() as db:
            if unblocks is not None and unblocks != self._unblocks:
                await db.execute(
                    "UPDATE outbox SET last_error = ?, not_before = ? WHERE id = ?",
                    (reason, now(), item.id),
                )
                return
            await db.execute(
                "UPDATE outbox SET state = 'blocked', attempts = attempts + 1, last_error = ?"
                " WHERE id = ?",
                (reason, item.id),
            )

    async def repost(self, item: OutboxItem) -> None:
        """The posted message is gone: turn an edit into a fresh post of the review."""
        async with self._db.transaction() as db:
            await db.execute("DELETE FROM posts WHERE review_id = ?", (item.review_id,))
            await db.execute(
                "UPDATE outbox SET action = 'post', channel_id = NULL, message_id = NULL"
                " WHERE id = ?",
                (item.id,),
            )

    async def unblock(self, guild_id: int | None = None, shards: Shards = ALL_SHARDS) -> int:
        """Retry a server's blocked rows now (its settings or permissions changed); with
        `guild_id` None, those of every server on `shards` (the bot starts, and things may
        have changed since)."""
        owned, params = on_shards("guild_id", shards)
        async with self._db.transaction() as db:
            self._unblocks += 1  # under the write lock, so `block` sees it or is undone by it
            cursor = await db.execute(
                "UPDATE outbox SET state = 'waiting', not_before = :now"
                f" WHERE state = 'blocked' AND (:guild IS NULL OR guild_id = :guild){owned}",
                {"now": now(), "guild": guild_id, **params},
            )
            return cursor.rowcount

    async def status(self, guild_id: int) -> QueueStatus:
        found = await self._db.fetch(
            f"""SELECT {OUTBOX} FROM outbox o WHERE o.guild_id = :guild AND o.state = 'blocked'
            UNION ALL
            SELECT * FROM (SELECT {OUTBOX} FROM outbox o
                WHERE o.guild_id = :guild AND o.state = 'done' ORDER BY o.done_at DESC LIMIT 1)""",
            {"guild": guild_id},
        )
        counted = await self._db.fetch(
            "SELECT count(*) FROM outbox WHERE guild_id = ? AND state = 'waiting'", (guild_id,)
        )
        return queue_status(counted[0][0], [read_item(row) for row in found])
