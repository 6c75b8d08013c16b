"""End to end: an edited review's post stays a post: the same buttons, opening the neighbours
privately, and no link back to itself."""

from __future__ import annotations

from reviewbot.bot import ReviewBot

from .cards import body, buttons
from .loopback.server import LoopbackDiscord
from .test_bot_publishing import Server, configured, posts, publish

__all__ = ["configured"]  # a fixture of the publishing tests, used here


async def test_an_edited_post_keeps_the_buttons_of_a_post(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    await publish(loopback, configured)
    [post] = posts(loopback, configured.reviews)
    before = buttons(post)
    form = await loopback.slash(
        configured.guild, configured.reviewer, "review edit", title="Past Lives"
    )
    preview = await loopback.submit_modal(form, configured.reviewer, {"body": "Huge."})
    await loopback.click(preview, configured.reviewer, label="Save changes")
    await loopback.wait_for(lambda: body(post) == "Huge.", 5, "the post to be edited")
    assert buttons(post) == before
