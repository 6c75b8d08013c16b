"""Saving an edit says whether the review's post will follow, exactly."""

from __future__ import annotations

from reviewbot.bot import ReviewBot

from .loopback.server import LoopbackDiscord
from .test_bot_publishing import Server, configure, posts, publish, said


async def save_edit(loopback: LoopbackDiscord, server: Server, body: str) -> str:
    form = await loopback.slash(server.guild, server.reviewer, "review edit", title="Past Lives")
    preview = await loopback.submit_modal(form, server.reviewer, {"body": body})
    saved = await loopback.click(preview, server.reviewer, label="Save changes")
    return said(saved.message)


async def test_an_edit_of_a_posted_review_says_its_post_follows(
    loopback: LoopbackDiscord, server: Server, bot: ReviewBot
) -> None:
    await configure(loopback, server)
    await publish(loopback, server)
    assert len(posts(loopback, server.reviews)) == 1
    assert await save_edit(loopback, server, "Huge.") == (
        "Saved your changes to “Past Lives”. Its post will be updated in a moment."
    )


async def test_an_edit_of_a_review_not_posted_yet_says_only_that_it_was_saved(
    loopback: LoopbackDiscord, server: Server, bot: ReviewBot
) -> None:
    await loopback.slash(server.guild, server.admin, "review config role", role=server.role)
    done = await publish(loopback, server)  # no review channel yet: nothing is posted
    assert "can't be posted yet" in said(done.message)
    assert await save_edit(loopback, server, "Huge.") == "Saved your changes to “Past Lives”."
