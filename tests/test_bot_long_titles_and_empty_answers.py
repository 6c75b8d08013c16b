"""End to end: the lines that name a review cut a long title the same way everywhere; the
delete question's buttons look as dangerous as they are; and an empty catalogue, or a search
that finds nothing, is said whole and privately."""

from __future__ import annotations

from pathlib import Path

from reviewbot.bot import ReviewBot

from . import cards
from .bot_fixtures import running_bot
from .loopback.model import Guild
from .loopback.server import LoopbackDiscord
from .test_bot_publishing import HER, Server, configured, publish, said

__all__ = ["configured"]  # a fixture of the publishing tests, used here

LONG = "A" * 150
CUT = "A" * 99 + "…"  # a title in a line of text is kept to a hundred characters


async def test_a_long_title_is_cut_in_the_confirmations_and_the_question(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    done = await publish(loopback, configured, {**HER, "title": LONG})
    assert said(done.message).startswith(f"Published “{CUT}”: ")
    asked = await loopback.slash(configured.guild, configured.reviewer, "review delete", title=LONG)
    assert asked.ephemeral
    assert asked.content == f"Delete “{CUT}” and its post? This can't be undone."
    styles = {label: button["style"] for label, button in cards.buttons(asked).items()}
    assert styles == {"Delete": 4, "Keep it": 2}  # danger, secondary


async def test_an_empty_catalogue_and_a_search_without_results_are_said_privately(
    loopback: LoopbackDiscord, guild: Guild, tmp_path: Path
) -> None:
    reader = guild.add_member("reader")
    async with running_bot(loopback, tmp_path / "empty.db"):
        latest = await loopback.slash(guild, reader, "review latest")
        assert latest.ephemeral and latest.content == (
            "There are no reviews here yet. A reviewer can add one with `/review post`."
        )
        found = await loopback.slash(guild, reader, "review search", query="zzqx")
        assert found.ephemeral and found.content == (
            "No reviews match “zzqx”. Try fewer or different words, or `/review latest`."
        )
