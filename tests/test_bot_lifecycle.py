"""Starting, stopping and syncing the bot in this process: what the operator sees and Discord gets.

The same paths run as `reviewbot run` and `reviewbot sync` in tests/test_bot_sync.py, in a child
process; here they run in the test's own process, so that a change to them is seen.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import discord
import pytest

from reviewbot import __version__
from reviewbot.bot import ReviewBot, _serve, _sync, invite_url
from reviewbot.config import Settings
from reviewbot.review import Draft
from reviewbot.store import ReviewStore
from reviewbot.store.rows import to_db_time

from .bot_fixtures import SAMPLE
from .loopback.client import run_client
from .loopback.model import Guild
from .loopback.patch import point_discord_at
from .loopback.server import LoopbackDiscord
from .store_fixtures import make_review

REFUSED = "Discord refused DISCORD_TOKEN: copy the bot token again into .env."


def settings_for(loopback: LoopbackDiscord, database: Path, **extra: object) -> Settings:
    return Settings(token=loopback.token, database=database, catalogue=SAMPLE, **extra)  # type: ignore[arg-type]


def logged(caplog: pytest.LogCaptureFixture, level: int = logging.INFO) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == "reviewbot.bot" and r.levelno == level
    ]


@pytest.fixture
def nowhere() -> Iterator[None]:
    """Discord's address pointed at a local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    restore = point_discord_at(f"http://127.0.0.1:{port}")
    try:
        yield
    finally:
        restore()


def test_the_invite_link_asks_for_what_the_bot_uses_and_nothing_more() -> None:
    parts = urlsplit(invite_url(1234))
    query = parse_qs(parts.query)
    assert query["client_id"] == ["1234"]
    assert query["scope"] == ["bot applications.commands"]
    granted = discord.Permissions(int(query["permissions"][0]))
    assert {name for name, on in granted if on} == {
        "read_messages",  # discord.py's name for View Channel
        "send_messages",
        "embed_links",
        "read_message_history",
    }


async def test_sync_registers_the_commands_for_one_server_or_every_server(
    loopback: LoopbackDiscord, guild: Guild, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_for(loopback, tmp_path / "never.db")
    assert await _sync(settings, guild.id) == 0
    assert capsys.readouterr().out == f"Registered 1 command(s) for server {guild.id}: review\n"
    assert [c["name"] for c in loopback.guild_commands(guild)] == ["review"]
    assert loopback.global_commands == []
    assert await _sync(settings, None) == 0
    assert capsys.readouterr().out == (
        "Registered 1 command(s) for every server (may take up to an hour to show): review\n"
    )
    assert [c["name"] for c in loopback.global_commands] == ["review"]
    assert not (tmp_path / "never.db").exists()  # only the commands' shape is sent


async def test_sync_with_a_refused_token_says_so_in_one_line(
    loopback: LoopbackDiscord, guild: Guild, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(token=loopback.token + "x", database=tmp_path / "db", catalogue=SAMPLE)
    assert await _sync(settings, guild.id) == 1
    assert logged(caplog, logging.ERROR) == [REFUSED]
    assert loopback.guild_commands(guild) == []


async def test_sync_without_discord_says_to_check_the_network(
    nowhere: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(token="a.b.c", database=tmp_path / "db", catalogue=SAMPLE)
    assert await _sync(settings, None) == 1
    [line] = logged(caplog, logging.ERROR)
    assert line.startswith("Could not reach Discord (") and line.endswith("); check the network.")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_stops_the_bot_cleanly_with_status_zero(
    loopback: LoopbackDiscord,
    guild: Guild,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    sig: signal.Signals,
) -> None:
    caplog.set_level(logging.INFO, logger="reviewbot")
    database = tmp_path / "reviews.db"
    default = signal.getsignal(sig)
    serving = asyncio.create_task(_serve(settings_for(loopback, database)))
    try:
        await loopback.wait_for_ready_clients(1, within=20)
        # Sent only once the bot has taken the signal over: otherwise it would stop pytest.
        await loopback.wait_for(lambda: signal.getsignal(sig) is not default, 5, "a handler")
        os.kill(os.getpid(), sig)
        assert await asyncio.wait_for(serving, 20) == 0
    finally:
        serving.cancel()
    lines = logged(caplog)
    async with ReviewStore.open(database) as store:
        version = store.schema_version
        count = await store.reviews.count(None)
    assert lines[0] == (
        f"reviewbot {__version__} (discord.py {discord.__version__}),"
        f" database {database} at schema version {version}"
    )
    assert lines[1].startswith("New database: loaded the sample catalogue (") and count > 0
    [invite] = [line for line in lines if line.startswith("Invite link: ")]
    assert "client_id=" in invite and "permissions=" in invite
    assert f"Received {sig.name}: closing the gateway and the database." in lines
    assert lines[-1] == "Stopped cleanly." and lines.count("Stopped cleanly.") == 1
    assert loopback.gateway.closes == [1000]  # Discord ends the session at once
    assert loopback.global_commands == [] and loopback.guild_commands(guild) == []


async def test_a_second_start_loads_no_sample_and_a_refused_token_stops_it(
    loopback: LoopbackDiscord, guild: Guild, sample_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="reviewbot")
    refused = Settings(token=loopback.token + "x", database=sample_db, catalogue=SAMPLE)
    assert await _serve(refused) == 1
    assert logged(caplog, logging.ERROR) == [REFUSED]
    assert not any("sample catalogue" in line for line in logged(caplog))
    assert "Stopped cleanly." not in logged(caplog)


async def test_a_start_without_discord_says_to_check_the_network(
    nowhere: None, sample_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(token="a.b.c", database=sample_db, catalogue=SAMPLE)
    assert await _serve(settings) == 1
    [line] = logged(caplog, logging.ERROR)
    assert line.startswith("Could not reach Discord (") and line.endswith("); check the network.")


async def test_a_development_server_gets_the_commands_at_start(
    loopback: LoopbackDiscord, guild: Guild, sample_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="reviewbot")
    settings = settings_for(loopback, sample_db, dev_guild=guild.id)
    async with (
        ReviewStore.open(sample_db) as store,
        run_client(loopback, ReviewBot(store, settings)),
    ):
        pass
    assert [c["name"] for c in loopback.guild_commands(guild)] == ["review"]
    assert loopback.global_commands == []
    assert f"Synced 1 command(s) to development server {guild.id}" in logged(caplog)


async def test_a_start_forgets_old_drafts_and_retries_blocked_posts(
    loopback: LoopbackDiscord, guild: Guild, sample_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="reviewbot")
    async with ReviewStore.open(sample_db) as store:
        old = await store.drafts.save(Draft(guild_id=guild.id, user_id=1, title="Old"))
        recent = await store.drafts.save(Draft(guild_id=guild.id, user_id=1, title="Recent"))
        stored, item_id = await store.reviews.publish(
            make_review("Blocked", guild_id=guild.id, author_id=1)
        )
        [item] = [i for i in await store.posts.due() if i.id == item_id]
        await store.posts.block(item, "No review channel is set.")
    with sqlite3.connect(sample_db) as raw:
        for draft, age in ((old, 31), (recent, 29)):
            when = to_db_time(discord.utils.utcnow() - timedelta(days=age))
            raw.execute("UPDATE drafts SET updated_at = ? WHERE id = ?", (when, draft.id))
    settings = settings_for(loopback, sample_db)
    async with (
        ReviewStore.open(sample_db) as store,
        run_client(loopback, ReviewBot(store, settings)) as bot,
    ):
        assert await bot.app.store.drafts.get(old.id or 0, 1) is None
        assert await bot.app.store.drafts.get(recent.id or 0, 1) is not None
        lines = logged(caplog)
        assert "Forgot 1 review draft(s) untouched for 30 days" in lines
        assert "Retrying 1 blocked post(s) from before this start" in lines
        assert stored.id is not None
    assert loopback.global_commands == []  # an ordinary start registers nothing
