"""End to end: before a reviewer role is chosen, a member who may not post is told whole who
may, and how a manager opens posting to others."""

from __future__ import annotations

from reviewbot.bot import ReviewBot

from .loopback.model import Guild
from .loopback.server import LoopbackDiscord


async def test_before_a_reviewer_role_is_set_only_managers_may_post(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    member = guild.add_member("member")
    refused = await loopback.slash(guild, member, "review post")
    assert refused.ephemeral and refused.modal is None
    assert refused.content == (
        "Only server managers can post reviews here until a reviewer role is set"
        " (a manager can set one with `/review config role`)."
    )
