"""End to end: `/review feed remove` and `check` act only on this server's feeds, even when
given another server's feed by the id an autocomplete pick carries."""

from __future__ import annotations

from datetime import timedelta

from reviewbot.bot import ReviewBot
from reviewbot.review import utc_now
from reviewbot.store import FetchState

from .loopback.model import Guild
from .loopback.server import LoopbackDiscord
from .store_fixtures import make_review


async def test_a_feed_of_another_server_cannot_be_picked_by_its_id(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    admin = guild.add_member("admin", manage_guild=True)
    elsewhere = loopback.add_guild("Elsewhere")
    await loopback.wait_for(lambda: bot.get_guild(elsewhere.id), 5, "the bot to join")
    theirs, _ = await bot.app.store.feeds.add(
        elsewhere.id,
        "https://theirs.example/feed",
        channel_id=None,
        category=make_review("x").category,
        title="Theirs",
        state=FetchState(200),
        entries=[],
        next_poll_at=utc_now() + timedelta(hours=1),
    )
    for picked in (f"feed:{theirs.id}", f"feed:{theirs.id + 1}"):  # theirs, and no feed at all
        for command in ("review feed remove", "review feed check"):
            reply = await loopback.slash(guild, admin, command, url=picked)
            answer = reply.followups[0].content if reply.followups else reply.content
            assert answer == f"No feed with that address is followed here: {picked}", command
    assert await bot.app.store.feeds.followed(elsewhere.id) == [theirs]
