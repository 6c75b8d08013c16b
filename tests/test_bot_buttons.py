"""Who may press a draft's or a delete confirmation's buttons is asked on each click."""

from __future__ import annotations

import pytest_asyncio

from reviewbot.bot import ReviewBot

from .cards import body, note, title
from .loopback.model import Permission
from .loopback.server import LoopbackDiscord
from .test_bot_publishing import HER, Server, configure, posts, publish, wait_posts, write_review

GONE = "This draft is gone (published or cancelled). Start again with `/review post`."
NOT_YOURS = "Only the review's author, or members with **Manage Messages**, can change it."


@pytest_asyncio.fixture
async def site(loopback: LoopbackDiscord, server: Server, bot: ReviewBot) -> Server:
    """The shared test server, with its review channel and reviewer role chosen."""
    await configure(loopback, server)
    return server


async def test_an_old_preview_of_a_published_draft_is_refused(
    loopback: LoopbackDiscord, site: Server
) -> None:
    first = await write_review(loopback, site, site.reviewer)
    form = await loopback.click(first, site.reviewer, label="Edit")
    second = await loopback.submit_modal(form, site.reviewer, {**HER, "body": "Huge."})
    await loopback.click(second, site.reviewer, label="Publish")
    [post] = await wait_posts(loopback, site.reviews, 1)

    for label in ("Cancel", "Publish"):
        refused = await loopback.click(first, site.reviewer, label=label)
        assert refused.ephemeral and refused.content == GONE
    assert first.message is not None and (note(first.message) or "").startswith("**Preview**")
    assert posts(loopback, site.reviews) == [post]
    assert body(post) == "Huge."


async def test_a_delete_confirmation_asks_again_who_may_delete(
    loopback: LoopbackDiscord, site: Server
) -> None:
    await publish(loopback, site)
    [post] = posts(loopback, site.reviews)
    moderators = site.guild.add_role("Moderators", Permission.MANAGE_MESSAGES)
    moderator = site.guild.add_member("moderator", roles=[moderators])
    ask = await loopback.slash(site.guild, moderator, "review delete", title="Past Lives")
    assert ask.content == "Delete “Past Lives” and its post? This can't be undone."

    moderator.remove_role(moderators)  # between the question and the answer
    refused = await loopback.click(ask, moderator, label="Delete")
    assert refused.ephemeral and refused.content == NOT_YOURS
    shown = await loopback.slash(site.guild, site.reader, "review show", title="Past Lives")
    assert title(shown) == "Past Lives"
    assert not post.deleted

    moderator.add_role(moderators)
    deleted = await loopback.click(ask, moderator, label="Delete")
    assert deleted.message is not None
    assert deleted.message.content.startswith("Deleted “Past Lives”.")
    await loopback.wait_for(lambda: post.deleted, 5, "the post removed")
