"""End to end: `/review config channel` refuses, in one whole line, a channel the bot cannot post
in; and when it sends held posts on their way, it counts this server's only."""

from __future__ import annotations

import asyncio

from reviewbot.bot import ReviewBot

from .loopback.model import Guild, Permission
from .loopback.server import LoopbackDiscord
from .store_fixtures import make_review


async def test_a_channel_the_bot_cannot_post_in_is_refused_whole(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    admin = guild.add_member("admin", manage_guild=True)
    closed = guild.add_text_channel(
        "closed",
        overwrites={guild.bot_role: (0, Permission.SEND_MESSAGES | Permission.EMBED_LINKS)},
    )
    reply = await loopback.slash(guild, admin, "review config channel", options={"channel": closed})
    assert reply.ephemeral
    assert reply.content == (
        f"The bot can't post in <#{closed.id}>: it lacks **Send Messages**, **Embed Links** there."
        " Grant it in the channel's permissions, then run this again."
    )


async def test_choosing_a_channel_counts_only_this_servers_held_posts(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    other = loopback.add_guild("Other")
    await loopback.wait_for(lambda: bot.get_guild(other.id), 5, "the bot to join")
    admin = guild.add_member("admin", manage_guild=True)
    reviews = guild.add_text_channel("reviews")  # made first: a new channel retries held posts
    await loopback.wait_for(lambda: bot.get_channel(reviews.id), 5, "the bot to see the channel")
    store = bot.app.store
    for place in (guild, other):  # no review channel in either: each holds its post
        review = await store.reviews.add(make_review(f"In {place.name}", guild_id=place.id))
        await store.posts.queue(place.id, [review.id])
    bot.outbox.wake()
    for _ in range(200):
        held = [len((await store.posts.status(g.id)).blocked) for g in (guild, other)]
        if held == [1, 1]:
            break
        await asyncio.sleep(0.025)
    assert held == [1, 1]
    reply = await loopback.slash(
        guild, admin, "review config channel", options={"channel": reviews}
    )
    assert reply.content == (
        f"New reviews will be posted in <#{reviews.id}>. 1 waiting post(s) will go out now."
    )
