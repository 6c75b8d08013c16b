"""The IDENTIFYs Discord sees from the bot: one per bucket at a time, the buckets side by side."""

from __future__ import annotations

import asyncio
import logging
import re
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from .bot_fixtures import running_bot
from .loopback.server import LoopbackDiscord

WINDOW = 0.1  # the stand-in's; the bot waits twice as long (see running_bot)


def identified(loopback: LoopbackDiscord) -> list[tuple[int, float]]:
    """(shard id, moment) of each IDENTIFY let in, in order."""
    return [(s.shard[0], s.identified_at) for s in loopback.gateway.identifies]


def pacing_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What the pacer says to an operator who asks for detail (DEBUG)."""
    return [r for r in caplog.records if r.name == "reviewbot.identify"]


async def test_one_process_identifies_a_shard_per_bucket_at_once_then_the_next(
    loopback: LoopbackDiscord, sample_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="reviewbot.identify")
    loopback.recommended_shards, loopback.max_concurrency = 4, 2
    loopback.identify_window = WINDOW
    async with running_bot(loopback, sample_db) as bot:
        assert sorted(bot.shards) == [0, 1, 2, 3]
    seen = identified(loopback)
    assert [shard for shard, _ in seen] == [0, 1, 2, 3]
    at = dict(seen)
    assert at[2] - at[0] >= WINDOW and at[3] - at[1] >= WINDOW  # each waited for its bucket
    waits = [
        re.fullmatch(r"Shard (\d) waits \d+\.\d\d s for identify bucket (\d)", r.getMessage())
        for r in pacing_records(caplog)
    ]
    assert waits and all(m is not None for m in waits), pacing_records(caplog)
    said = {(int(m[1]), int(m[2])) for m in waits if m is not None}
    # Shard 1 went beside shard 0 without waiting; shard 2 waited for bucket 0.
    assert 1 not in {shard for shard, _ in said} and (2, 0) in said
    assert all(bucket == shard % 2 for shard, bucket in said)


async def test_processes_that_cannot_read_the_limit_identify_one_at_a_time(
    loopback: LoopbackDiscord, sample_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="reviewbot.identify")
    loopback.max_concurrency = 2  # Discord would allow both at once, but the bots cannot know
    loopback.identify_window = WINDOW
    loopback.fail("GET /gateway/bot", 403, times=2)
    async with AsyncExitStack() as stack:
        await asyncio.gather(
            *(
                stack.enter_async_context(
                    running_bot(loopback, sample_db, shard_count=2, shard_ids=(shard,))
                )
                for shard in (0, 1)
            )
        )
        (_, first), (_, second) = identified(loopback)
    assert second - first >= WINDOW  # one bucket for both, as if max_concurrency were 1
    unread = [
        r
        for r in pacing_records(caplog)
        if r.getMessage() == "Could not read max_concurrency; identifying one at a time"
    ]
    assert len(unread) == 2 and all(r.exc_info is not None for r in unread)  # with the cause


async def test_a_restarted_process_paces_its_second_shard_after_its_first(
    loopback: LoopbackDiscord, sample_db: Path
) -> None:
    loopback.recommended_shards = 2  # one bucket: shard 1 waits for shard 0
    loopback.identify_window = WINDOW
    async with running_bot(loopback, sample_db):
        pass
    (_, first_start), (_, last_before) = identified(loopback)
    assert last_before - first_start >= WINDOW
    # Restarted once the last IDENTIFY's window is over, as the bot itself counts it.
    await loopback.wait_for(lambda: loopback.now() >= last_before + 2 * WINDOW, 5, "the window")
    async with running_bot(loopback, sample_db):
        pass
    (zero, again), (one, then) = identified(loopback)[2:]
    assert (zero, one) == (0, 1)
    assert then - again >= WINDOW  # the first after the restart counted, though it went at once
