"""The post queue in PostgreSQL: rows taken with FOR UPDATE SKIP LOCKED and a lease, so that
no two processes deliver the same row, and a crashed process's rows are taken over."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from ...shards import ALL_SHARDS, Shards
from ..posts import (
    OUTBOX,
    OutboxAction,
    OutboxItem,
    OutboxState,
    QueueStatus,
    queue_status,
    read_item,
)
from ..rows import as_read, on_shards
from .db import PgDatabase

# How long a process holds the rows it took before another may take them over: longer than
# any one delivery takes; renewed each time the process asks for its due rows.
DEFAULT_LEASE = timedelta(seconds=60)


def _item(row: Sequence[Any]) -> OutboxItem:
    return read_item(row, as_read)


async def enqueue(
    db: PgDatabase,
    guild_id: int,
    review_id: int,
    action: OutboxAction,
    *,
    channel_id: int | None = None,
) -> int:
    found = await db.fetch(
        "INSERT INTO outbox (guild_id, review_id, action, channel_id, not_before, created_at)"
        " VALUES ($1, $2, $3, $4, now(), now()) RETURNING id",
        (guild_id, review_id, action.value, channel_id),
    )
    return int(found[0][0])


async def queue_edits(db: PgDatabase, review_ids: Sequence[int]) -> None:
    if not review_ids:
        return
    await db.execute(
        """INSERT INTO outbox (guild_id, review_id, action, channel_id, message_id, not_before,
            created_at)
        SELECT p.guild_id, p.review_id, 'edit', p.channel_id, p.message_id, now(), now()
        FROM unnest($1::bigint[]) WITH ORDINALITY j (id, k) JOIN posts p ON p.review_id = j.id
        ORDER BY j.k""",
        (list(review_ids),),
    )


async def queue_delete(db: PgDatabase, review_id: int) -> None:
    await db.execute(
        """INSERT INTO outbox (guild_id, review_id, action, channel_id, message_id, not_before,
            created_at)
        SELECT guild_id, NULL, 'delete', channel_id, message_id, now(), now()
        FROM posts WHERE review_id = $1""",
        (review_id,),
    )


class PgPostQueue:
    """The outbox's rows: queued, taken when due (with a lease), and finished, retried or
    blocked only by the process that took them."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db
        self._unblocks = 0
        # `block` and `unblock` in this process wait for each other, as under SQLite's lock.
        self._lock = asyncio.Lock()
        self.claimant = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.lease = DEFAULT_LEASE

    async def queue(self, guild_id: int, review_ids: Sequence[int]) -> int:
        async with self._db.transaction():
            for review_id in review_ids:
                await enqueue(self._db, guild_id, review_id, OutboxAction.POST)
        return len(review_ids)

    async def has_post(self, review_id: int) -> bool:
        found = await self._db.fetch("SELECT 1 FROM posts WHERE review_id = $1", (review_id,))
        return bool(found)

    async def due(self, limit: int = 20, shards: Shards = ALL_SHARDS) -> list[OutboxItem]:
        """Rows to deliver now, taken for this process: each server's oldest unfinished row if
        it is due, of servers on `shards`, and not held by another process's lease.

        Rows another process is taking at this moment are skipped, not waited for; rows this
        process took before are taken again, their lease renewed.
        """
        owned, params = on_shards("o.guild_id", shards)
        found = await self._db.fetch(
            f"""WITH picked AS (
                SELECT o.id FROM outbox o
                WHERE o.state = 'waiting' AND o.not_before <= now(){owned}
                  AND (o.claimed_by IS NULL OR o.claimed_by = :me OR o.claimed_until < now())
                  AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.guild_id = o.guild_id
                                  AND e.id < o.id AND e.state IN ('waiting', 'blocked'))
                ORDER BY o.id LIMIT :limit::bigint
                FOR UPDATE OF o SKIP LOCKED
            )
            UPDATE outbox o SET claimed_by = :me, claimed_until = now() + :lease::interval
            FROM picked WHERE o.id = picked.id
            RETURNING {OUTBOX}""",
            {"me": self.claimant, "lease": self.lease, "limit": limit, **params},
        )
        return sorted((_item(row) for row in found), key=lambda item: item.id)

    async def next_retry(self, shards: Shards = ALL_SHARDS) -> datetime | None:
        owned, params = on_shards("guild_id", shards)
        found = await self._db.fetch(
            f"SELECT min(not_before) FROM outbox WHERE state = 'waiting'{owned}", params
        )
        value: datetime | None = found[0][0]
        return value

    async def item(self, item_id: int) -> OutboxItem | None:
        found = await self._db.fetch(f"SELECT {OUTBOX} FROM outbox o WHERE o.id = $1", (item_id,))
        return next((_item(row) for row in found), None)

    async def delivered(
        self, item: OutboxItem, channel_id: int | None = None, message_id: int | None = None
    ) -> None:
        async with self._db.transaction():
            finished = await self._finish(item, OutboxState.DONE, channel_id, message_id)
            if finished and item.action is OutboxAction.POST and item.review_id is not None:
                await self._db.execute(
                    "INSERT INTO posts (review_id, guild_id, channel_id, message_id, posted_at)"
                    " VALUES ($1, $2, $3, $4, now()) ON CONFLICT (review_id) DO UPDATE SET"
                    " channel_id = excluded.channel_id, message_id = excluded.message_id,"
                    " posted_at = excluded.posted_at",
                    (item.review_id, item.guild_id, channel_id, message_id),
                )

    async def drop(self, item: OutboxItem, reason: str) -> None:
        async with self._db.transaction():
            await self._finish(item, OutboxState.DROPPED, None, None, reason)

    async def _finish(
        self,
        item: OutboxItem,
        state: OutboxState,
        channel_id: int | None,
        message_id: int | None,
        reason: str | None = None,
    ) -> bool:
        """Whether the row was this process's to finish (and now is finished)."""
        status = await self._db.execute(
            "UPDATE outbox SET state = $1, done_at = now(), last_error = $2,"
            " channel_id = coalesce($3, channel_id), message_id = coalesce($4, message_id),"
            " attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL"
            f" WHERE id = $5 AND {_MINE.format('$6')}",
            (state.value, reason, channel_id, message_id, item.id, self.claimant),
        )
        return not status.endswith(" 0")

    async def retry_later(self, item: OutboxItem, error: str, at: datetime) -> None:
        await self._db.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $1, not_before = $2,"
            f" claimed_by = NULL, claimed_until = NULL WHERE id = $3 AND {_MINE.format('$4')}",
            (error, at, item.id, self.claimant),
        )

    @property
    def unblocks(self) -> int:
        return self._unblocks

    async def block(self, item: OutboxItem, reason: str, *, unblocks: int | None = None) -> None:
        async with self._lock:
            if unblocks is not None and unblocks != self._unblocks:
                await self._db.execute(
                    "UPDATE outbox SET last_error = $1, not_before = now(), claimed_by = NULL,"
                    f" claimed_until = NULL WHERE id = $2 AND {_MINE.format('$3')}",
                    (reason, item.id, self.claimant),
                )
                return
            await self._db.execute(
                "UPDATE outbox SET state = 'blocked', attempts = attempts + 1, last_error = $1,"
                f" claimed_by = NULL, claimed_until = NULL WHERE id = $2 AND {_MINE.format('$3')}",
                (reason, item.id, self.claimant),
            )

    async def repost(self, item: OutboxItem) -> None:
        async with self._db.transaction():
            await self._db.execute("DELETE FROM posts WHERE review_id = $1", (item.review_id,))
            await self._db.execute(
                "UPDATE outbox SET action = 'post', channel_id = NULL, message_id = NULL"
                " WHERE id = $1",
                (item.id,),
            )

    async def unblock(self, guild_id: int | None = None, shards: Shards = ALL_SHARDS) -> int:
        owned, params = on_shards("guild_id", shards)
        async with self._lock:
            self._unblocks += 1
            status = await self._db.execute(
                "UPDATE outbox SET state = 'waiting', not_before = now()"
                " WHERE state = 'blocked' AND (:guild::bigint IS NULL OR guild_id = :guild::bigint)"
                f"{owned}",
                {"guild": guild_id, **params},
            )
        return int(status.rsplit(" ", 1)[-1])

    async def status(self, guild_id: int) -> QueueStatus:
        found = await self._db.fetch(
            f"""SELECT {OUTBOX} FROM outbox o WHERE o.guild_id = $1 AND o.state = 'blocked'
            UNION ALL
            (SELECT {OUTBOX} FROM outbox o WHERE o.guild_id = $1 AND o.state = 'done'
             ORDER BY o.done_at DESC LIMIT 1)""",
            (guild_id,),
        )
        counted = await self._db.fetch(
            "SELECT count(*) FROM outbox WHERE guild_id = $1 AND state = 'waiting'", (guild_id,)
        )
        return queue_status(counted[0][0], [_item(row) for row in found])


# A row is finished by the process that holds it, or by anyone if no lease holds it; and only
# while it waits: a process back after its row was taken over and finished changes nothing.
_MINE = "state = 'waiting' AND (claimed_by IS NULL OR claimed_by = {} OR claimed_until < now())"
