"""End to end: when Discord refuses the shard settings, `reviewbot run` stops with status 1 and
says in one line what to change."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from reviewbot.bot import _serve
from reviewbot.config import Settings

from .bot_fixtures import SAMPLE
from .loopback.server import LoopbackDiscord


async def test_too_few_shards_for_the_servers_stops_the_bot_saying_what_to_change(
    loopback: LoopbackDiscord, sample_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    loopback.max_guilds_per_shard = 1
    loopback.add_guild("One", shard=(0, 2))
    loopback.add_guild("Two", shard=(1, 2))
    settings = Settings(token=loopback.token, database=sample_db, catalogue=SAMPLE, shard_count=1)
    caplog.set_level(logging.INFO, logger="reviewbot")
    assert await _serve(settings) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [
        "Discord requires more shards for this many servers: unset REVIEWBOT_SHARD_COUNT"
        " (Discord's recommended count is used) or raise it."
    ]
