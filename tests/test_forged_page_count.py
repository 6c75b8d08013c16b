"""The "2/4" between page buttons is disabled; a click forged on it is acknowledged, no more."""

from __future__ import annotations

from reviewbot.bot import ReviewBot

from .cards import buttons, quiet_line, title
from .loopback.model import Guild, Member
from .loopback.server import LoopbackDiscord


async def test_a_forged_click_on_the_page_count_leaves_the_card_as_it_was(
    loopback: LoopbackDiscord, guild: Guild, reader: Member, bot: ReviewBot
) -> None:
    shown = await loopback.slash(guild, reader, "review show", title="The Wire")
    card = shown.message
    assert card is not None and buttons(card)["1/4"].get("disabled") is True
    buttons(card)["1/4"]["disabled"] = False  # a client that ignores it
    before = card.snapshot()
    answer = await loopback.click(card, reader, label="1/4")
    assert answer.type == 6  # acknowledged without a word
    assert card.snapshot() == before
    assert (title(card), quiet_line(card).endswith("· page 1 of 4")) == ("The Wire", True)
