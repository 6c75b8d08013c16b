"""pytest fixtures: `loopback`, a running stand-in with discord.py pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from .model import Guild, Member
from .patch import point_discord_at
from .server import LoopbackDiscord


@pytest_asyncio.fixture
async def loopback() -> AsyncIterator[LoopbackDiscord]:
    """A stand-in on 127.0.0.1 with discord.py pointed at it; recorded violations fail the test."""
    discord_ = LoopbackDiscord()
    discord_.heartbeat_interval = 1.0
    # Most tests start clients back to back, faster than Discord's identify limit allows;
    # the tests of that limit set the window they check.
    discord_.identify_window = 0.0
    await discord_.start()
    restore = point_discord_at(discord_.url)
    try:
        yield discord_
    finally:
        restore()
        await discord_.stop()
    if discord_.violations:
        listed = "\n".join(f"  {v}" for v in discord_.violations)
        pytest.fail(f"the bot broke Discord's rules:\n{listed}", pytrace=False)


@pytest.fixture
def guild(loopback: LoopbackDiscord) -> Guild:
    """A server called Alpha, known to the stand-in before any client connects."""
    return loopback.add_guild("Alpha")


@pytest.fixture
def reader(guild: Guild) -> Member:
    """A member with no permissions beyond @everyone's."""
    return guild.add_member("reader")
