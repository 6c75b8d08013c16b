"""A post held for a permission goes out once the bot is given a role that carries it."""

from __future__ import annotations

from pathlib import Path

from .bot_fixtures import running_bot
from .loopback.model import BOT_DEFAULT, Permission
from .loopback.server import LoopbackDiscord
from .test_bot_permission_changes import hold
from .test_bot_publishing import configure, queue_settled, wait_posts
from .test_outage_retries import silent_server


async def test_a_held_post_goes_out_when_the_bot_is_given_a_role_that_may_post(
    loopback: LoopbackDiscord, sample_db: Path
) -> None:
    server = silent_server(loopback, "Beta")
    async with running_bot(loopback, sample_db) as bot:
        bot.outbox.retry_base = 0.05
        await configure(loopback, server)
        server.guild.set_bot_permissions(BOT_DEFAULT & ~Permission.SEND_MESSAGES)
        await hold(loopback, bot, server, "Held")
        posters = server.guild.add_role("Posters", Permission.SEND_MESSAGES)
        server.guild.bot_member.add_role(posters)  # the bot's member changes, not a role
        await wait_posts(loopback, server.reviews, 1)
        await queue_settled(bot, server.guild)
        assert loopback.count("POST /channels/*/messages") == 1
