"""The background task that polls every due feed and hands new entries to the post queue."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress

from ..review import utc_now
from ..shards import ALL_SHARDS, Shards
from ..store import Feed
from .follow import Follower, PollOutcome

log = logging.getLogger(__name__)

IDLE_MAX = 30.0  # seconds between looks at the table: feeds added from the shell are seen
BATCH = 64  # feeds taken per look, polled at most `concurrency` at a time


class FeedPoller:
    """Polls due feeds, a few at a time; `on_queued` is called when posts were queued. Only
    the feeds of servers on `shards` (the catalogue's are shard 0's): one process polls each."""

    def __init__(
        self,
        follower: Follower,
        *,
        on_queued: Callable[[], None] = lambda: None,
        concurrency: int = 16,
        shards: Shards = ALL_SHARDS,
    ) -> None:
        self.follower = follower
        self.on_queued = on_queued
        self.shards = shards
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.polls = 0  # done since start, for the benchmark and the tests

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="reviewbot-feeds")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """Look for due feeds now (one was added, or checked)."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                while due := await self.follower.store.feeds.due(utc_now(), BATCH, self.shards):
                    outcomes = await asyncio.gather(*(self._poll(feed) for feed in due))
                    if any(o.applied and o.applied.announced for o in outcomes):
                        self.on_queued()
            except Exception:
                log.exception("Polling feeds hit an unexpected error; trying again shortly")
                await asyncio.sleep(5)
            idle = await self._idle_seconds()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), idle)
            self._wake.clear()

    async def _poll(self, feed: Feed) -> PollOutcome:
        async with self._slots:
            outcome = await self.follower.poll(feed)
            self.polls += 1
            return outcome

    async def _idle_seconds(self) -> float:
        next_due = await self.follower.store.feeds.next_due(self.shards)
        # Never longer than the interval: a feed added meanwhile is due within one.
        longest = min(IDLE_MAX, self.follower.interval)
        if next_due is None:
            return longest
        return min(longest, max(0.0, (next_due - utc_now()).total_seconds()))
