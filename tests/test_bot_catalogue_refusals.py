"""End to end: the operator's catalogue is changed in its files, never from a server: editing or
deleting one of its reviews is refused in one plain line, even for a server manager."""

from __future__ import annotations

import pytest

from reviewbot.bot import ReviewBot

from . import cards
from .loopback.model import Guild, Permission
from .loopback.server import LoopbackDiscord

REFUSED = (
    "This review is part of the bot's catalogue; its operator changes it in the catalogue files."
)


@pytest.mark.parametrize("command", ["review edit", "review delete"])
async def test_a_catalogue_review_cannot_be_changed_from_a_server(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot, command: str
) -> None:
    manager = guild.add_member(
        "manager", permissions=Permission.MANAGE_GUILD | Permission.MANAGE_MESSAGES
    )
    reply = await loopback.slash(guild, manager, command, title="The Wire")
    assert reply.ephemeral and reply.content == REFUSED
    shown = await loopback.slash(guild, manager, "review show", title="The Wire")
    assert cards.title(shown) == "The Wire"  # still there
