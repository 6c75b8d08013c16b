"""Components wrapped by the funnel: a mistake is told privately in its own words, anything
else gets the apology, and a check that fails refuses the click before its callback runs.

The bot's own components are wrapped when their classes are defined; these are wrapped here,
so that a change to the wrappers is seen whenever this test runs.
"""

from __future__ import annotations

import re
from typing import Any

from discord import ui

from reviewbot.app import Interaction
from reviewbot.bot import ReviewBot
from reviewbot.errors import UserError
from reviewbot.funnel import APOLOGY, funnelled, funnelled_check

from .loopback.model import Guild, Member
from .loopback.server import LoopbackDiscord


def trial_button(ran: list[str]) -> type[ui.DynamicItem[ui.Button[Any]]]:
    """A button whose label says how it fails; `ran` records each callback that ran."""

    class Trial(ui.DynamicItem[ui.Button[Any]], template=r"trial:(?P<how>\w+)"):
        def __init__(self, how: str) -> None:
            super().__init__(ui.Button(label=how, custom_id=f"trial:{how}"))
            self.how = how

        @classmethod
        async def from_custom_id(  # type: ignore[override]
            cls, interaction: Interaction, item: ui.Button[Any], match: re.Match[str]
        ) -> Trial:
            return cls(match["how"])

        @funnelled_check
        async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
            if self.how == "refused":
                raise UserError("Only the reviewer may press this.")
            return True

        @funnelled
        async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
            ran.append(self.how)
            if self.how == "mistake":
                raise UserError("Pick a review first.")
            if self.how == "broken":
                raise RuntimeError("a bug")
            await interaction.response.send_message("Done.", ephemeral=True)

    return Trial


async def test_each_way_a_component_can_fail_is_answered_privately(
    loopback: LoopbackDiscord, guild: Guild, reader: Member, bot: ReviewBot
) -> None:
    ran: list[str] = []
    bot.add_dynamic_items(trial_button(ran))
    hows = ("fine", "mistake", "broken", "refused")
    row = [{"type": 2, "style": 2, "label": how, "custom_id": f"trial:{how}"} for how in hows]
    message = loopback.create_message(
        guild.default_channel, {"content": "Trial", "components": [{"type": 1, "components": row}]}
    )
    answers = [await loopback.click(message, reader, label=how) for how in hows]
    assert [(a.ephemeral, a.content) for a in answers] == [
        (True, "Done."),
        (True, "Pick a review first."),
        (True, APOLOGY),
        (True, "Only the reviewer may press this."),
    ]
    assert ran == ["fine", "mistake", "broken"]  # the refused click never reached its callback
