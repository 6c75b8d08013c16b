"""End to end: what the preview says about where the review will go before a channel is chosen."""

from __future__ import annotations

from reviewbot.bot import ReviewBot

from .cards import note
from .loopback.model import Guild
from .loopback.server import LoopbackDiscord
from .test_bot_publishing import HER, configured

__all__ = ["configured"]  # a fixture of the publishing tests, used here


async def test_before_a_channel_is_chosen_the_preview_names_the_review_channel(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    admin = guild.add_member("admin", manage_guild=True)
    form = await loopback.slash(guild, admin, "review post")
    preview = await loopback.submit_modal(form, admin, HER)
    assert note(preview) == (
        "**Preview**: this is how the review will look once published in the review channel."
    )
