"""Closing the bot ends the work it started: no post queue or feed poller is left running."""

from __future__ import annotations

import asyncio
from pathlib import Path

from .bot_fixtures import running_bot
from .loopback.model import Guild
from .loopback.server import LoopbackDiscord


def running_work() -> list[str]:
    """The bot's own background tasks still running in this event loop."""
    return sorted(
        name
        for task in asyncio.all_tasks()
        if not task.done() and (name := task.get_name()).startswith("reviewbot-")
    )


async def test_closing_the_bot_stops_its_post_queue_and_feed_poller(
    loopback: LoopbackDiscord, guild: Guild, sample_db: Path
) -> None:
    async with running_bot(loopback, sample_db):
        assert running_work() == ["reviewbot-feeds", "reviewbot-outbox"]
    assert running_work() == []
