"""A server back after an outage retries its held posts, and only its own; a post the bot
knows it may not make is held without a request Discord would refuse."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from reviewbot.bot import ReviewBot
from reviewbot.config import Settings
from reviewbot.store import ReviewStore

from .bot_fixtures import SAMPLE, server_in
from .loopback.client import run_client
from .loopback.model import BOT_DEFAULT, EVERYONE_DEFAULT, Guild, Permission, as_bits
from .loopback.server import LoopbackDiscord
from .test_bot_permission_changes import hold
from .test_bot_publishing import Server, configure, queue_settled, wait_posts

UNABLE = BOT_DEFAULT & ~Permission.SEND_MESSAGES


def silent_server(loopback: LoopbackDiscord, name: str) -> Server:
    """A server where the bot may post only by its own role, which lacks Send Messages."""
    return server_in(
        loopback.add_guild(name, everyone_permissions=EVERYONE_DEFAULT & ~Permission.SEND_MESSAGES)
    )


@asynccontextmanager
async def ready_bot(loopback: LoopbackDiscord, database: Path) -> AsyncIterator[ReviewBot]:
    """The bot, ready (on_ready dispatched) as soon as its servers have arrived."""
    settings = Settings(token=loopback.token, database=database, catalogue=SAMPLE)
    async with ReviewStore.open(database) as store:
        client = ReviewBot(store, settings)
        client._connection.guild_ready_timeout = 0.05  # discord.py's quiet wait: 2 s
        async with run_client(loopback, client) as bot:
            await bot.tree.sync()
            await loopback.wait_for(bot.is_ready, 5, "the bot to be ready")
            yield bot


async def outage(loopback: LoopbackDiscord, bot: ReviewBot, guild: Guild) -> None:
    loopback.emit("GUILD_DELETE", {"id": str(guild.id), "unavailable": True})
    await loopback.wait_for(
        lambda: getattr(bot.get_guild(guild.id), "unavailable", False), 5, "the outage"
    )


async def test_a_server_back_after_an_outage_retries_only_its_own_held_posts(
    loopback: LoopbackDiscord, sample_db: Path
) -> None:
    back, other = silent_server(loopback, "Back"), silent_server(loopback, "Other")
    async with ready_bot(loopback, sample_db) as bot:
        bot.outbox.retry_base = 0.05
        for server in (back, other):
            await configure(loopback, server)
            server.guild.set_bot_permissions(UNABLE)
            await hold(loopback, bot, server, f"Held in {server.guild.name}")
        held_elsewhere = (await bot.app.store.posts.status(other.guild.id)).blocked
        # Held without asking: Discord counts each refused request toward a ban.
        assert loopback.count("POST /channels/*/messages") == 0

        await outage(loopback, bot, back.guild)
        # Fixed while the bot could not see the server: no event tells it.
        back.guild.bot_role.permissions = as_bits(BOT_DEFAULT)
        loopback.gateway.announce(back.guild)  # the server is available again

        await wait_posts(loopback, back.reviews, 1)
        await queue_settled(bot, back.guild)
        assert loopback.count("POST /channels/*/messages") == 1
        assert (await bot.app.store.posts.status(other.guild.id)).blocked == held_elsewhere
