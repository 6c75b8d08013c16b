"""End to end: publishing, editing, deleting, settings, status and the post queue."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from reviewbot.bot import ReviewBot
from reviewbot.funnel import APOLOGY
from reviewbot.outbox import MAX_BACKOFF_SECONDS
from reviewbot.review import utc_now
from reviewbot.store import OutboxState

from .bot_fixtures import Server, running_bot
from .cards import body, buttons, byline, card, note, quiet_line, stars, title
from .loopback.interactions import Reply
from .loopback.model import Channel, Guild, Member, Message, Permission
from .loopback.process import BotProcess
from .loopback.server import LoopbackDiscord
from .store_fixtures import find_title, make_review

ROOT = Path(__file__).resolve().parent.parent
QUIET_SECONDS = 0.2  # how long "no duplicate" is watched for, once nothing is left to send
JSON = dict[str, Any]
HER = {
    "title": "Past Lives",
    "creator": "Celine Song",
    "category": "film",
    "rating": "4.5",
    "body": "Quietly huge.",
}


@pytest_asyncio.fixture
async def configured(
    loopback: LoopbackDiscord, server: Server, bot: ReviewBot
) -> AsyncIterator[Server]:
    """A server whose admin has chosen the review channel and the reviewer role."""
    bot.outbox.retry_base = 0.05
    await configure(loopback, server)
    yield server


async def configure(loopback: LoopbackDiscord, server: Server) -> None:
    done = await loopback.slash(
        server.guild, server.admin, "review config channel", options={"channel": server.reviews}
    )
    assert done.ephemeral and "posted in" in (done.content or ""), done.content
    done = await loopback.slash(server.guild, server.admin, "review config role", role=server.role)
    assert done.ephemeral and "can now post reviews" in (done.content or "")


async def write_review(
    loopback: LoopbackDiscord, server: Server, member: Member, fields: dict[str, str] = HER
) -> Reply:
    form = await loopback.slash(server.guild, member, "review post")
    assert form.type == 9 and form.modal is not None, form.content
    return await loopback.submit_modal(form, member, fields)


async def publish(loopback: LoopbackDiscord, server: Server, fields: dict[str, str] = HER) -> Reply:
    preview = await write_review(loopback, server, server.reviewer, fields)
    assert preview.ephemeral and (note(preview) or "").startswith("**Preview**"), said(preview)
    done = await loopback.click(preview, server.reviewer, label="Publish")
    # Publish defers, waits briefly for the post, then turns the preview into the confirmation.
    message = done.message
    assert message is not None
    await loopback.wait_for(lambda: not said(message).startswith("**Preview**"), 5)
    return done


def said(message: Message | Reply | None) -> str:
    """What a message says: its content, or the text of its layout."""
    assert message is not None
    return message.content or "\n".join(message.texts())


async def queue_settled(bot: ReviewBot, guild: Guild) -> None:
    """Wait until the bot has recorded every delivery (it records just after Discord answers)."""
    for _ in range(200):
        status = await bot.app.store.posts.status(guild.id)
        if not status.waiting and not status.blocked:
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"the queue did not settle: {status}")


async def posted_once(loopback: LoopbackDiscord, bot: ReviewBot, server: Server) -> None:
    """Nothing is left to deliver, and no second post follows within a short quiet period."""
    await queue_settled(bot, server.guild)
    try:
        await loopback.wait_for(lambda: len(posts(loopback, server.reviews)) > 1, QUIET_SECONDS)
    except AssertionError:  # timed out: quiet, as it should be
        return
    raise AssertionError(f"posted twice: {posts(loopback, server.reviews)}")


def posts(loopback: LoopbackDiscord, channel: Channel) -> list[Message]:
    """The review cards in the channel."""
    return [
        m
        for m in loopback.channel_messages(channel)
        if m.layout and any(c["type"] == 17 for c in m.components)
    ]


async def wait_posts(
    loopback: LoopbackDiscord, channel: Channel, count: int, within: float = 10
) -> list[Message]:
    what = f"{count} posts in #{channel.name}"
    await loopback.wait_for(lambda: len(posts(loopback, channel)) >= count, within, what)
    return posts(loopback, channel)


async def test_post_preview_publish_puts_the_review_in_the_channel(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    server = configured
    form = await loopback.slash(server.guild, server.reviewer, "review post")
    assert form.modal is not None and form.modal.title == "New review"
    inputs = form.modal.inputs
    assert [(i.label, i.custom_id) for i in inputs] == [
        ("Title", "title"),
        ("Creator", "creator"),
        ("Kind of work", "category"),
        ("Rating", "rating"),
        ("Review", "body"),
    ]
    assert [i.type for i in inputs] == [4, 4, 3, 3, 4]  # text inputs and two selects
    kinds = form.modal.field("category").options
    assert [o["label"] for o in kinds] == [
        "🎬 Film",
        "💿 Album",
        "📖 Book",
        "🎮 Game",
        "📺 Show",
        "✨ Other",
    ]
    ratings = form.modal.field("rating").options
    assert [o["value"] for o in ratings] == [
        str(n / 2).removesuffix(".0") for n in range(10, -1, -1)
    ]
    assert ratings[1]["label"] == "★★★★½  4.5 stars" and ratings[-1]["label"] == "☆☆☆☆☆  0 stars"
    assert form.modal.field("category").chosen == [] and form.modal.field("rating").chosen == []
    preview = await loopback.submit_modal(form, server.reviewer, HER)
    assert preview.ephemeral
    assert (title(preview), stars(preview)) == ("Past Lives", "★★★★½")
    assert note(preview) == (
        f"**Preview**: this is how the review will look once published in <#{server.reviews.id}>."
    )
    assert set(buttons(preview)) == {"Publish", "Edit", "Link and spoiler", "Cancel"}
    assert posts(loopback, server.reviews) == []  # nothing is published before Publish

    done = await loopback.click(preview, server.reviewer, label="Publish")
    [post] = posts(loopback, server.reviews)
    link = f"https://discord.com/channels/{server.guild.id}/{server.reviews.id}/{post.id}"
    assert said(done.message) == f"Published “Past Lives”: {link}"
    assert done.message is not None and done.message.ephemeral
    assert (title(post), body(post)) == ("Past Lives", "Quietly huge.")
    assert byline(post) == "by Celine Song · 🎬 Film"
    assert quiet_line(post).startswith("reviewer · ")
    assert post.allowed_mentions == {"parse": []}
    assert "Open post" not in buttons(post)  # the post itself

    shown = await loopback.slash(server.guild, server.reader, "review show", title="past lives")
    assert buttons(shown)["Open post"]["url"] == link


def without_buttons(shown: Message | Reply) -> JSON:
    """The card's text, colour and cover, without its buttons and component ids."""

    def strip(component: JSON) -> JSON:
        kept = {k: v for k, v in component.items() if k != "id"}
        if "components" in kept:
            kept["components"] = [strip(c) for c in kept["components"] if c["type"] != 1]
        return kept

    return strip(card(shown))


async def test_the_preview_matches_what_is_published(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    preview = await write_review(
        loopback, configured, configured.reviewer, {**HER, "body": "A *quiet* ||twist||."}
    )
    await loopback.click(preview, configured.reviewer, label="Publish")
    [post] = posts(loopback, configured.reviews)
    assert without_buttons(preview) == without_buttons(post)
    assert body(post) == "A *quiet* ||twist||."


async def test_a_bad_field_keeps_the_draft_and_says_which(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    server = configured
    bad = await write_review(loopback, server, server.reviewer, {**HER, "title": "   "})
    assert bad.ephemeral and bad.message is not None
    assert said(bad) == "The title is required.\nYour text is kept: press **Fix it** to change it."
    assert set(buttons(bad)) == {"Fix it", "Cancel"}
    reopened = await loopback.click(bad, server.reviewer, label="Fix it")
    assert reopened.modal is not None and reopened.modal.title == "New review"
    assert reopened.modal.field("body").chosen == "Quietly huge."  # nothing typed is lost
    assert reopened.modal.field("creator").chosen == "Celine Song"
    assert reopened.modal.field("category").chosen == ["film"]
    assert reopened.modal.field("rating").chosen == ["4.5"]
    preview = await loopback.submit_modal(reopened, server.reviewer, {"title": "Past Lives"})
    assert (title(preview), stars(preview)) == ("Past Lives", "★★★★½")


async def test_the_link_and_spoiler_form_sets_them_and_a_bad_link_is_fixed_there(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    server = configured
    preview = await write_review(loopback, server, server.reviewer)
    extras = await loopback.click(preview, server.reviewer, label="Link and spoiler")
    assert extras.modal is not None and extras.modal.title == "Link and spoiler"
    assert [(i.custom_id, i.type) for i in extras.modal.inputs] == [("url", 4), ("spoiler", 23)]
    assert extras.modal.field("spoiler").chosen is False
    bad = await loopback.submit_modal(extras, server.reviewer, {"url": "not a link"})
    assert said(bad).startswith("The link must be a full http(s) address")
    fix = await loopback.click(bad, server.reviewer, label="Fix it")
    assert fix.modal is not None and fix.modal.title == "Link and spoiler"
    assert fix.modal.field("url").chosen == "not a link"
    link = "https://example.com/past-lives"
    marked = await loopback.submit_modal(fix, server.reviewer, {"url": link, "spoiler": True})
    assert body(marked) == "||Quietly huge.||"
    assert buttons(marked)["Original post"]["url"] == link
    again = await loopback.click(marked, server.reviewer, label="Link and spoiler")
    assert again.modal is not None and again.modal.field("spoiler").chosen is True
    await loopback.click(marked, server.reviewer, label="Publish")
    [post] = posts(loopback, server.reviews)
    assert body(post) == "||Quietly huge.||" and buttons(post)["Original post"]["url"] == link
    assert title(post) == "Past Lives"  # the main form's fields were kept


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "  "}, "The title is required."),
        ({"body": " "}, "The review text is required."),
        ({"title": "\u0301\u200b"}, "The title has no visible characters"),
    ],
)
async def test_each_field_limit_has_its_own_message(
    loopback: LoopbackDiscord,
    configured: Server,
    bot: ReviewBot,
    fields: dict[str, str],
    message: str,
) -> None:
    reply = await write_review(loopback, configured, configured.reviewer, {**HER, **fields})
    assert reply.ephemeral and said(reply).startswith(message)


async def test_who_may_post(loopback: LoopbackDiscord, server: Server, bot: ReviewBot) -> None:
    before = await loopback.slash(server.guild, server.reviewer, "review post")
    assert before.ephemeral and "until a reviewer role is set" in (before.content or "")
    await configure(loopback, server)
    denied = await loopback.slash(server.guild, server.reader, "review post")
    assert denied.ephemeral
    assert denied.content == (
        f"Posting reviews needs the <@&{server.role.id}> role (or the Manage Server permission)."
    )
    assert denied.allowed_mentions == {"parse": []}
    admin = await loopback.slash(server.guild, server.admin, "review post")
    assert admin.modal is not None and admin.modal.title == "New review"


async def test_settings_need_manage_server(
    loopback: LoopbackDiscord, server: Server, bot: ReviewBot
) -> None:
    for command in ("review config show", "review status"):
        reply = await loopback.slash(server.guild, server.reviewer, command)
        assert reply.ephemeral
        assert reply.content == "Only members with the **Manage Server** permission can do this."
    reply = await loopback.slash(
        server.guild, server.reviewer, "review config channel", options={"channel": server.reviews}
    )
    assert reply.content == "Only members with the **Manage Server** permission can do this."
    await configure(loopback, server)
    shown = await loopback.slash(server.guild, server.admin, "review config show")
    assert shown.ephemeral
    assert f"<#{server.reviews.id}>" in str(shown.embed) and f"<@&{server.role.id}>" in str(
        shown.embed
    )


async def test_a_channel_the_bot_cannot_post_in_is_refused_naming_the_permission(
    loopback: LoopbackDiscord, server: Server, bot: ReviewBot
) -> None:
    closed = server.guild.add_text_channel(
        "closed",
        overwrites={server.guild.bot_role: (0, Permission.EMBED_LINKS)},  # (allow, deny)
    )
    reply = await loopback.slash(
        server.guild, server.admin, "review config channel", options={"channel": closed}
    )
    assert reply.ephemeral
    assert "lacks **Embed Links**" in (reply.content or "")
    assert (await bot.app.store.guilds.settings(server.guild.id)).review_channel_id is None


async def test_no_channel_yet_keeps_the_review_and_posts_it_once_one_is_set(
    loopback: LoopbackDiscord, server: Server, bot: ReviewBot
) -> None:
    bot.outbox.retry_base = 0.05
    await loopback.slash(server.guild, server.admin, "review config role", role=server.role)
    done = await publish(loopback, server)
    assert "can't be posted yet" in said(done.message)
    assert "/review config channel" in said(done.message)
    status = await loopback.slash(server.guild, server.admin, "review status")
    assert "No review channel is set" in str(status.embed)
    await loopback.slash(
        server.guild, server.admin, "review config channel", options={"channel": server.reviews}
    )
    [post] = await wait_posts(loopback, server.reviews, 1)
    assert title(post) == "Past Lives"


async def test_a_duplicate_points_to_the_existing_review(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    await publish(loopback, configured)
    again = await write_review(
        loopback, configured, configured.reviewer, {**HER, "title": "PAST  LIVES", "rating": "2"}
    )
    assert again.ephemeral
    assert re.search(r"“Past Lives” by the same creator is already .* \(review #\d+\)", said(again))
    assert len(posts(loopback, configured.reviews)) == 1


async def test_edit_updates_the_review_and_its_post(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    server = configured
    await publish(loopback, server)
    [post] = posts(loopback, server.reviews)
    form = await loopback.slash(server.guild, server.reviewer, "review edit", title="Past Lives")
    assert form.modal is not None and form.modal.title == "Edit review"
    assert form.modal.field("rating").chosen == ["4.5"]
    assert form.modal.field("category").chosen == ["film"]
    assert form.modal.field("title").chosen == "Past Lives"
    preview = await loopback.submit_modal(form, server.reviewer, {"rating": "5", "body": "Huge."})
    assert note(preview) == (
        "**Preview**: this is how the review will look once saved and its post updated."
    )
    saved = await loopback.click(preview, server.reviewer, label="Save changes")
    assert said(saved.message).startswith("Saved your changes to “Past Lives”")
    await loopback.wait_for(lambda: body(post) == "Huge.", 5)
    assert stars(post) == "★★★★★"
    assert len(posts(loopback, server.reviews)) == 1


async def test_only_the_author_or_message_managers_may_edit_or_delete(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    server = configured
    await publish(loopback, server)
    for command in ("review edit", "review delete"):
        reply = await loopback.slash(server.guild, server.reader, command, title="Past Lives")
        assert reply.ephemeral and "Only the review's author" in (reply.content or "")
        catalogue = await loopback.slash(server.guild, server.reviewer, command, title="Her")
        assert catalogue.ephemeral and "catalogue" in (catalogue.content or "")


async def test_delete_asks_then_removes_the_review_and_its_post(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    server = configured
    await publish(loopback, server)
    [post] = posts(loopback, server.reviews)
    ask = await loopback.slash(server.guild, server.reviewer, "review delete", title="Past Lives")
    assert (
        ask.ephemeral and ask.content == "Delete “Past Lives” and its post? This can't be undone."
    )
    kept = await loopback.click(ask, server.reviewer, label="Keep it")
    assert kept.message.content == "Kept."  # type: ignore[union-attr]
    ask = await loopback.slash(server.guild, server.reviewer, "review delete", title="Past Lives")
    await loopback.click(ask, server.reviewer, label="Delete")
    await loopback.wait_for(lambda: post.deleted, 5)
    gone = await loopback.slash(server.guild, server.reader, "review show", title="Past Lives")
    assert gone.ephemeral and "No review titled" in (gone.content or "")


async def test_a_forged_delete_button_pressed_by_a_reader_deletes_nothing(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    # The confirmation's custom id names the review: anyone can send it. Pressing it checks again.
    server = configured
    await publish(loopback, server)
    [post] = posts(loopback, server.reviews)
    review = (await bot.app.store.reviews.resolve_title("Past Lives", server.guild.id)).review
    shown = await loopback.slash(server.guild, server.reader, "review show", title="Past Lives")
    forged = {
        "type": 2,
        "style": 4,
        "label": "Delete",
        "custom_id": f"reviewbot:delete:{review.id}:yes",
    }
    assert shown.message is not None
    card(shown.message)["components"].append({"type": 1, "components": [forged]})
    answer = await loopback.click(shown, server.reader, label="Delete")
    assert answer.ephemeral
    assert answer.content == (
        "Only the review's author, or members with **Manage Messages**, can change it."
    )
    assert await bot.app.store.reviews.get(review.id, server.guild.id) == review  # type: ignore[arg-type]
    await queue_settled(bot, server.guild)
    assert posts(loopback, server.reviews) == [post]


async def test_a_member_with_manage_messages_may_edit_and_delete_anyones_review(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    server = configured
    moderator = server.guild.add_member("moderator", permissions=Permission.MANAGE_MESSAGES)
    await publish(loopback, server)
    [post] = posts(loopback, server.reviews)
    form = await loopback.slash(server.guild, moderator, "review edit", title="Past Lives")
    assert form.modal is not None, form.content
    preview = await loopback.submit_modal(form, moderator, {"body": "Spoilers removed."})
    await loopback.click(preview, moderator, label="Save changes")
    await loopback.wait_for(lambda: body(post) == "Spoilers removed.", 5)
    assert quiet_line(post).startswith("reviewer · ")  # still theirs

    ask = await loopback.slash(server.guild, moderator, "review delete", title="Past Lives")
    assert ask.content == "Delete “Past Lives” and its post? This can't be undone."
    await loopback.click(ask, moderator, label="Delete")
    await loopback.wait_for(lambda: post.deleted, 5, "the post to be removed")
    assert await find_title(bot.app.store, "Past Lives", server.guild.id) == []


async def test_editing_a_review_whose_post_was_deleted_posts_it_afresh(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    server = configured
    await publish(loopback, server)
    [old] = posts(loopback, server.reviews)
    loopback.delete_message(old)  # someone removed the post in Discord
    form = await loopback.slash(server.guild, server.reviewer, "review edit", title="Past Lives")
    preview = await loopback.submit_modal(form, server.reviewer, {"body": "Even better twice."})
    await loopback.click(preview, server.reviewer, label="Save changes")
    [fresh] = await wait_posts(loopback, server.reviews, 1)
    assert fresh.id != old.id
    assert body(fresh) == "Even better twice."
    await queue_settled(bot, server.guild)
    shown = await loopback.slash(server.guild, server.reader, "review show", title="Past Lives")
    link = buttons(shown)["Open post"]
    assert link["url"] == (
        f"https://discord.com/channels/{server.guild.id}/{server.reviews.id}/{fresh.id}"
    )


async def test_a_failure_after_publish_deferred_gets_a_private_apology_and_stores_nothing(
    loopback: LoopbackDiscord,
    configured: Server,
    bot: ReviewBot,
    sample_db: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Publish defers its answer, then stores the review and queues its post in one transaction.
    # The database refusing that write reaches the user as a followup, the only way left.
    server = configured
    preview = await write_review(loopback, server, server.reviewer)
    with closing(sqlite3.connect(sample_db)) as db:
        db.execute(
            "CREATE TRIGGER refuse_queue BEFORE INSERT ON outbox"
            " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
    failed = await loopback.click(preview, server.reviewer, label="Publish")
    assert failed.deferred
    [apology] = failed.followups
    assert apology.ephemeral and apology.content == APOLOGY
    assert any(
        r.name == "reviewbot.funnel" and "disk is full" in str(r.exc_info) for r in caplog.records
    )
    assert await find_title(bot.app.store, "Past Lives", server.guild.id) == []  # not half-stored
    assert preview.message is not None and (note(preview.message) or "").startswith("**Preview**")

    with closing(sqlite3.connect(sample_db)) as db:
        db.execute("DROP TRIGGER refuse_queue")
    done = await loopback.click(preview, server.reviewer, label="Publish")  # the draft is kept
    [post] = posts(loopback, server.reviews)
    assert said(done.message).startswith("Published “Past Lives”")
    assert title(post) == "Past Lives"


async def test_cancel_discards_the_draft(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    preview = await write_review(loopback, configured, configured.reviewer)
    cancelled = await loopback.click(preview, configured.reviewer, label="Cancel")
    assert said(cancelled.message) == "Discarded."
    assert buttons(cancelled.message) == {}  # type: ignore[arg-type]
    assert posts(loopback, configured.reviews) == []


async def test_published_mentions_ping_no_one(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    server = configured
    body = f"@everyone @here <@{server.reader.id}> <@&{server.role.id}> see this"
    await publish(loopback, server, {**HER, "body": body, "title": "@everyone"})
    [post] = posts(loopback, server.reviews)
    assert post.allowed_mentions == {"parse": []} and post.content == ""


async def test_a_review_posted_in_one_server_never_appears_in_another(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    await publish(loopback, configured)
    beta = loopback.add_guild("Beta")
    await loopback.wait_for(lambda: bot.get_guild(beta.id) is not None, 5)
    outsider = beta.add_member("outsider")
    hidden = await loopback.slash(beta, outsider, "review show", title="Past Lives")
    assert hidden.ephemeral
    latest = await loopback.slash(beta, outsider, "review latest")
    assert title(latest) != "Past Lives"


# The queue under faults ----------------------------------------------------------------------


async def test_five_server_errors_then_success_post_exactly_once(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    # discord.py itself retries a 500 five times with growing pauses (~25 s), then the queue
    # tries again: a slow test, kept because it is what Discord outages look like.
    route = f"POST /channels/{configured.reviews.id}/messages"
    loopback.fail(route, 500, times=5)
    done = await publish(loopback, configured)
    assert "queued" in said(done.message)
    [post] = await wait_posts(loopback, configured.reviews, 1, within=60)
    await posted_once(loopback, bot, configured)
    assert title(post) == "Past Lives"


async def test_unavailable_five_times_then_posted_once(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    loopback.fail(f"POST /channels/{configured.reviews.id}/messages", 503, times=5)
    await publish(loopback, configured)
    await wait_posts(loopback, configured.reviews, 1)
    await posted_once(loopback, bot, configured)


async def test_a_rate_limit_is_waited_out_and_posted_once(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    loopback.fail(f"POST /channels/{configured.reviews.id}/messages", 429, retry_after=0.5)
    started = asyncio.get_running_loop().time()
    await publish(loopback, configured)
    await wait_posts(loopback, configured.reviews, 1)
    assert asyncio.get_running_loop().time() - started >= 0.5
    await posted_once(loopback, bot, configured)


async def test_each_retry_waits_about_twice_as_long_as_the_last_up_to_the_cap(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    server = configured
    await bot.outbox.stop()  # the test delivers the row itself, one attempt at a time
    base = bot.outbox.retry_base
    loopback.fail(f"POST /channels/{server.reviews.id}/messages", 503, times=None)
    review = await bot.app.store.reviews.add(make_review("Backoff", guild_id=server.guild.id))
    await bot.app.store.posts.queue(server.guild.id, [review.id])  # type: ignore[list-item]
    [row] = await bot.app.store.posts.due()
    waits = []
    capped_from = next(n for n in range(64) if base * 2.0**n > MAX_BACKOFF_SECONDS)
    for attempt in range(capped_from + 2):
        assert row.attempts == attempt
        before = utc_now()
        await bot.outbox.deliver(row)
        after = utc_now()
        next_try = await bot.app.store.posts.next_retry()
        assert next_try is not None
        # The wait was drawn between `before` and `after`; allow the stored microseconds.
        longest = (next_try - before).total_seconds() + 1e-5
        shortest = (next_try - after).total_seconds() - 1e-5
        expected = min(MAX_BACKOFF_SECONDS, base * 2.0**attempt)
        assert 0.8 * expected <= longest and shortest <= 1.2 * expected, (attempt, expected)
        waits.append((shortest, longest))
        fresh = await bot.app.store.posts.item(row.id)
        assert fresh is not None and fresh.state is OutboxState.WAITING
        assert "Discord did not answer" in (fresh.last_error or "")
        row = fresh
    growing = waits[:capped_from]
    assert all(later[0] > earlier[1] for earlier, later in pairwise(growing))
    assert posts(loopback, server.reviews) == []


async def test_missing_permission_blocks_with_the_reason_until_it_is_fixed(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    server = configured
    server.reviews.set_overwrite(server.guild.bot_role, deny=Permission.SEND_MESSAGES)
    done = await publish(loopback, server)
    assert "can't be posted yet" in said(done.message)
    status = await loopback.slash(server.guild, server.admin, "review status")
    assert status.ephemeral
    assert "lacks **Send Messages**" in str(status.embed)
    server.reviews.remove_overwrite(server.guild.bot_role)  # CHANNEL_UPDATE reaches the bot
    [post] = await wait_posts(loopback, server.reviews, 1)
    assert title(post) == "Past Lives"
    await queue_settled(bot, server.guild)
    status = await loopback.slash(server.guild, server.admin, "review status")
    assert "Blocked" not in str(status.embed) and "Last delivered" in str(status.embed)


async def test_a_403_from_discord_blocks_and_is_retried_when_settings_change(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    server = configured
    server.reviews.forbid()  # Discord refuses though the bot's cache says it may post
    await publish(loopback, server)
    status = await loopback.slash(server.guild, server.admin, "review status")
    assert "refused the bot" in str(status.embed)
    server.reviews.allow()
    await configure(loopback, server)
    await wait_posts(loopback, server.reviews, 1)


async def test_a_deleted_channel_blocks_until_a_new_one_is_set(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    server = configured
    server.reviews.delete()
    await publish(loopback, server)
    status = await loopback.slash(server.guild, server.admin, "review status")
    assert "no longer exists" in str(status.embed) or "No review channel" in str(status.embed)
    fresh = server.guild.add_text_channel("new-reviews")
    await loopback.slash(
        server.guild, server.admin, "review config channel", options={"channel": fresh}
    )
    [post] = await wait_posts(loopback, fresh, 1)
    assert title(post) == "Past Lives"


async def test_status_shows_health(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    status = await loopback.slash(configured.guild, configured.admin, "review status")
    names = [f["name"] for f in status.embed["fields"]]  # type: ignore[index]
    assert {"Gateway latency", "Uptime", "Reviews here", "Schema version", "Versions"} <= set(names)
    assert "Posts waiting" in names


# From the shell --------------------------------------------------------------------------------


def announce(folder: Path, database: Path, guild: Guild) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REVIEWBOT_DB": str(database)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "reviewbot",
            "import",
            "--announce",
            "--guild",
            str(guild.id),
            str(folder),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


async def test_a_hundred_reviews_announced_from_the_shell_arrive_in_order_once(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot, sample_db: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "announce"
    folder.mkdir()
    for i in range(100):
        (folder / f"{i:03d}.md").write_text(
            f"---\ntitle: Shell review {i:03d}\nrating: 3\n"
            f"date: 2026-01-01T00:{i // 60:02d}:{i % 60:02d}Z\n---\nNumber {i}.\n"
        )
    result = await asyncio.to_thread(announce, folder, sample_db, configured.guild)
    assert result.returncode == 0, result.stderr
    assert "Queued 100 new review(s)" in result.stdout
    arrived = await wait_posts(loopback, configured.reviews, 100, within=30)
    assert [title(m) for m in arrived] == [f"Shell review {i:03d}" for i in range(100)]
    again = await asyncio.to_thread(announce, folder, sample_db, configured.guild)
    assert "Queued 0 new review(s)" in again.stdout
    # Nothing new is queued (the queue is all the bot posts from), and nothing was posted again.
    await queue_settled(bot, configured.guild)
    assert len(posts(loopback, configured.reviews)) == 100


async def test_an_announcement_made_before_the_bot_starts_is_posted_on_start(
    loopback: LoopbackDiscord, server: Server, sample_db: Path, tmp_path: Path
) -> None:
    async with running_bot(loopback, sample_db):
        await configure(loopback, server)
    folder = tmp_path / "early"
    folder.mkdir()
    (folder / "a.md").write_text("---\ntitle: Early bird\nrating: 4\n---\nFirst.\n")
    assert (await asyncio.to_thread(announce, folder, sample_db, server.guild)).returncode == 0
    async with running_bot(loopback, sample_db):
        [post] = await wait_posts(loopback, server.reviews, 1)
        assert title(post) == "Early bird"


# A real process, killed and restarted -------------------------------------------------------


def realistic_token() -> str:
    """The shape `reviewbot run` checks a token for (three base64url parts)."""
    return "MTU3NDgzMTUzODUxOTAxNTQyNg.GhXyZa." + "k" * 38


async def start_process(loopback: LoopbackDiscord, server: Server, database: Path) -> BotProcess:
    env = {
        "REVIEWBOT_DB": str(database),
        "REVIEWBOT_DEV_GUILD": str(server.guild.id),  # a development run syncs its server
        "LOG_LEVEL": "INFO",
    }
    process = await BotProcess.start(loopback, "reviewbot", "run", env=env)
    ready = loopback.gateway.ready_count + 1
    await loopback.wait_for(
        lambda: loopback.gateway.ready_count >= ready and loopback.guild_commands(server.guild),
        20,
        "the bot process to connect and sync",
    )
    return process


async def test_killed_between_storing_and_posting_posts_once_after_restart(
    loopback: LoopbackDiscord, server: Server, sample_db: Path
) -> None:
    loopback.token = realistic_token()
    refusing = loopback.fail(f"POST /channels/{server.reviews.id}/messages", 503, times=None)
    first = await start_process(loopback, server, sample_db)
    try:
        await configure(loopback, server)
        done = await publish(loopback, server)
        assert "queued" in said(done.message)
        await loopback.wait_for(lambda: refusing.hits >= 1, 10, "a first delivery attempt")
        assert await first.kill() == -9
    finally:
        await first.kill()
        first.remove_log()
    refusing.clear()
    assert posts(loopback, server.reviews) == []

    second = await start_process(loopback, server, sample_db)
    try:
        [post] = await wait_posts(loopback, server.reviews, 1, within=15)
        assert title(post) == "Past Lives"
        assert await second.terminate() == 0  # SIGTERM: a clean stop
        log = second.output()
    finally:
        await second.kill()
        second.remove_log()
    assert len(posts(loopback, server.reviews)) == 1
    assert "Received SIGTERM" in log and "Stopped cleanly." in log
    assert f"database {sample_db} at schema version" in log
    assert "Invite link: https://discord.com/oauth2/authorize?client_id=" in log
    assert "permissions=84992" in log  # view, send, embed links, read history: nothing more
    assert loopback.token not in log


async def test_a_post_discord_accepted_before_a_crash_is_not_posted_again(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    # The crash window: Discord took the message, the bot died before recording it. On restart
    # the row is sent again with the same nonce, and Discord hands back the first message.
    server = configured
    review = await bot.app.store.reviews.add(make_review("Crash window", guild_id=server.guild.id))
    item = await bot.app.store.posts.queue(server.guild.id, [review.id])  # type: ignore[list-item]
    assert item == 1
    [row] = await bot.app.store.posts.due()
    await bot.outbox.deliver(row)  # delivered normally: one message
    [post] = posts(loopback, server.reviews)
    await bot.app.store.posts.retry_later(row, "pretend the crash lost the record", utc_now())
    await bot.app.store.posts.unblock(server.guild.id)
    async with bot.app.store.db.transaction() as db:  # the state the crash would have left
        await db.execute("UPDATE outbox SET state = 'waiting' WHERE id = ?", (row.id,))
        await db.execute("DELETE FROM posts WHERE review_id = ?", (review.id,))
    bot.outbox.wake()
    await loopback.wait_for(lambda: loopback.nonce_hits >= 1, 5, "a repeated nonce")
    assert posts(loopback, server.reviews) == [post]
