"""Fixtures for end-to-end tests: the real ReviewBot, in process, against the loopback Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest_asyncio

from reviewbot.bot import ReviewBot
from reviewbot.catalogue import import_paths
from reviewbot.config import Settings
from reviewbot.store import ReviewStore

from .loopback.client import run_client
from .loopback.model import Guild
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
async def running_bot(discord_: LoopbackDiscord, database: Path) -> AsyncIterator[ReviewBot]:
    """The bot on `database`, connected, with its commands registered as `reviewbot sync` does."""
    settings = Settings(token=discord_.token, database=database, catalogue=SAMPLE)
    async with (
        ReviewStore.open(database) as store,
        run_client(discord_, ReviewBot(store, settings)) as bot,
    ):
        await bot.tree.sync()
        yield bot


@pytest_asyncio.fixture
async def bot(loopback: LoopbackDiscord, guild: Guild, sample_db: Path) -> AsyncIterator[ReviewBot]:
    async with running_bot(loopback, sample_db) as running:
        yield running
