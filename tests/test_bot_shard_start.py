"""End to end: a process that runs some of the bot's shards says which, as it starts."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from .bot_fixtures import running_bot
from .loopback.server import LoopbackDiscord


async def test_a_process_running_one_shard_of_two_says_so_at_start(
    loopback: LoopbackDiscord, sample_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    loopback.add_guild("Zero", shard=(0, 2))
    caplog.set_level(logging.INFO, logger="reviewbot.bot")
    async with running_bot(loopback, sample_db, shard_count=2, shard_ids=(0,)):
        lines = [r.getMessage() for r in caplog.records if r.name == "reviewbot.bot"]
        assert "Running shard 0 of 2" in lines
