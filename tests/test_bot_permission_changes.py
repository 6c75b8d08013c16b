"""End to end: a post held for a permission the bot lacks goes out by itself once the bot's
role gains it; and what the bot asks for and logs as it connects."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from reviewbot.bot import ReviewBot

from .bot_fixtures import running_bot, server_in
from .loopback.gateway import Intent
from .loopback.model import BOT_DEFAULT, EVERYONE_DEFAULT, Permission
from .loopback.server import LoopbackDiscord
from .store_fixtures import make_review
from .test_bot_publishing import Server, configure, queue_settled, wait_posts


@pytest.fixture
def server(loopback: LoopbackDiscord) -> Server:
    """A server where the bot may post only by its own roles' permissions."""
    return server_in(
        loopback.add_guild(
            "Beta", everyone_permissions=EVERYONE_DEFAULT & ~Permission.SEND_MESSAGES
        )
    )


async def hold(loopback: LoopbackDiscord, bot: ReviewBot, server: Server, title: str) -> None:
    """Once the bot knows it may not post, queue a review and wait until it is held back."""
    await loopback.wait_for(
        lambda: (
            not bot.get_channel(server.reviews.id)
            .permissions_for(  # type: ignore[union-attr]
                bot.get_guild(server.guild.id).me  # type: ignore[union-attr,arg-type]
            )
            .send_messages
        ),
        5,
        "the bot to learn it may not post",
    )
    store = bot.app.store
    review = await store.reviews.add(make_review(title, guild_id=server.guild.id))
    await store.posts.queue(server.guild.id, [review.id])
    bot.outbox.wake()
    for _ in range(200):
        status = await store.posts.status(server.guild.id)
        if status.blocked:
            assert [item.review_id for item in status.blocked] == [review.id]
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"{title} was not held back")


async def test_a_held_post_goes_out_when_the_bots_role_gains_the_permission(
    loopback: LoopbackDiscord, server: Server, sample_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="reviewbot.bot")
    async with running_bot(loopback, sample_db) as bot:
        connected = f"Connected as {bot.user} to 1 server(s)"
        await loopback.wait_for(
            lambda: connected in [r.getMessage() for r in caplog.records], 5, "the READY line"
        )
        # Servers and channels only: no member lists, no message content.
        assert [session.intents for session in loopback.sessions] == [Intent.GUILDS]
        bot.outbox.retry_base = 0.05
        await configure(loopback, server)
        unable = BOT_DEFAULT & ~Permission.SEND_MESSAGES

        server.guild.set_bot_permissions(unable)
        await hold(loopback, bot, server, "First")
        server.guild.set_bot_permissions(BOT_DEFAULT)  # the bot's own role is changed
        await wait_posts(loopback, server.reviews, 1)
        await queue_settled(bot, server.guild)
