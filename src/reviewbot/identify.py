"""Pacing the gateway's IDENTIFYs across every process of the bot, through the database."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from .store import ReviewStore

log = logging.getLogger(__name__)

# Discord lets a bot start `max_concurrency` sessions per five seconds, one per bucket. It
# counts them as they arrive, and one IDENTIFY may travel longer than the next: a margin.
IDENTIFY_WINDOW = timedelta(seconds=5.5)


class IdentifyPacer:
    """Lets a shard identify once its bucket (shard id modulo max_concurrency) has had no
    IDENTIFY, from any process sharing the database, for a whole window.

    `max_concurrency` is asked for once, when first needed. A process that runs every shard
    lets its first IDENTIFY go at once, as discord.py does (no other process shares its
    limit), and records it so that the next one waits its turn.
    """

    def __init__(
        self,
        store: ReviewStore,
        max_concurrency: Callable[[], Awaitable[int]],
        *,
        shared: bool,
        window: timedelta = IDENTIFY_WINDOW,
    ) -> None:
        self.store = store
        self.window = window
        self.shared = shared
        self._ask = max_concurrency
        self._concurrency: int | None = None

    async def wait_turn(self, shard_id: int, *, initial: bool) -> None:
        bucket = shard_id % await self.max_concurrency()
        if initial and not self.shared:
            await self.store.gateway.take(bucket, shard_id, timedelta(0))
            return
        while (wait := await self.store.gateway.take(bucket, shard_id, self.window)) > timedelta(0):
            log.debug(
                "Shard %d waits %.2f s for identify bucket %d",
                shard_id,
                wait.total_seconds(),
                bucket,
            )
            await asyncio.sleep(wait.total_seconds())

    async def max_concurrency(self) -> int:
        if self._concurrency is None:
            try:
                self._concurrency = max(1, await self._ask())
            except Exception:  # Discord unreachable for now: one at a time is always allowed
                log.debug(
                    "Could not read max_concurrency; identifying one at a time", exc_info=True
                )
                return 1
        return self._concurrency
