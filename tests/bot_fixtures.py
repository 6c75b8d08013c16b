"""Fixtures for end-to-end tests: the real ReviewBot, in process, against the loopback Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from reviewbot.bot import ReviewBot
from reviewbot.catalogue import import_paths
from reviewbot.config import Settings
from reviewbot.store import ReviewStore

from .loopback.client import run_client
from .loopback.model import Channel, Guild, Member, Role
from .loopback.server import LoopbackDiscord

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "catalogue"


@pytest_asyncio.fixture
async def sample_db(tmp_path: Path) -> Path:
    """A database holding the sample catalogue."""
    path = tmp_path / "reviews.db"
    async with ReviewStore.open(path) as store:
        report = await import_paths(store, [SAMPLE])
        assert not report.failures
    return path


@asynccontextmanager
async def running_bot(
    discord_: LoopbackDiscord, database: Path, **settings: Any
) -> AsyncIterator[ReviewBot]:
    """The bot on `database`, connected, with its commands registered as `reviewbot sync` does;
    `settings` as Settings takes them (e.g. `shard_count=2, shard_ids=(0,)`)."""
    chosen = Settings(token=discord_.token, database=database, catalogue=SAMPLE, **settings)
    async with ReviewStore.open(database) as store:
        client = ReviewBot(store, chosen)
        # The bot paces IDENTIFYs by Discord's window; against the stand-in, by the stand-in's,
        # with as much again for frames in flight.
        client.identify.window = timedelta(seconds=2 * discord_.identify_window)
        async with run_client(discord_, client) as bot:
            await bot.tree.sync()
            yield bot


@pytest_asyncio.fixture
async def bot(loopback: LoopbackDiscord, guild: Guild, sample_db: Path) -> AsyncIterator[ReviewBot]:
    async with running_bot(loopback, sample_db) as running:
        yield running


@dataclass
class Server:
    """A server as the publishing tests need it: a review channel, a reviewer role, and an
    admin, a reviewer and a reader."""

    guild: Guild
    reviews: Channel
    role: Role
    admin: Member
    reviewer: Member
    reader: Member


def server_in(guild: Guild) -> Server:
    """The review channel, reviewer role and three members, added to a server."""
    role = guild.add_role("Reviewer")
    return Server(
        guild=guild,
        reviews=guild.add_text_channel("reviews"),
        role=role,
        admin=guild.add_member("admin", manage_guild=True),
        reviewer=guild.add_member("reviewer", roles=[role]),
        reader=guild.add_member("reader"),
    )


@pytest.fixture
def server(loopback: LoopbackDiscord, guild: Guild) -> Server:
    return server_in(guild)
