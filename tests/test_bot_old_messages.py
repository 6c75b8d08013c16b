"""Messages and forms shown before the card keep working: their buttons turn them into the card
in place, or answer beside them, and their forms are still read."""

from __future__ import annotations

from typing import Any

import pytest_asyncio

from reviewbot.bot import ReviewBot
from reviewbot.review import Category, Draft, Review
from reviewbot.views import encode_time

from .cards import body, buttons, byline, nav, note, quiet_line, stars, title
from .loopback.interactions import Modal
from .loopback.model import Channel, Guild, Member, Message
from .loopback.server import LoopbackDiscord
from .test_bot_publishing import Server, configure, posts, publish, said


@pytest_asyncio.fixture
async def site(loopback: LoopbackDiscord, server: Server, bot: ReviewBot) -> Server:
    """The shared test server, with its review channel and reviewer role chosen."""
    await configure(loopback, server)
    return server


JSON = dict[str, Any]
V2 = 1 << 15


def old_review_message(review: Review, position: int, total: int, *, private: bool = False) -> JSON:
    """A review as the bot showed it before the card: an embed, and rows of buttons.

    `private` for a post in the review channel, whose buttons answer privately.
    """
    at = encode_time(review.published_at)
    ways = ("P", "N") if private else ("p", "n")
    navigation = [
        {
            "type": 2,
            "style": 2,
            "label": label,
            "custom_id": f"reviewbot:nav:{review.id}:{at}:{way}",
        }
        for label, way in zip(("◀ Previous", "Next ▶"), ways, strict=True)
    ]
    rows = [{"type": 1, "components": navigation}]
    if len(review.body) > 4000:
        rows.append(
            {
                "type": 1,
                "components": [
                    {
                        "type": 2,
                        "style": 1,
                        "label": "‹ Page",
                        "custom_id": f"reviewbot:page:{review.id}:{at}:0",
                        "disabled": True,
                    },
                    {
                        "type": 2,
                        "style": 2,
                        "label": "1/3",
                        "custom_id": f"reviewbot:pageof:{review.id}",
                        "disabled": True,
                    },
                    {
                        "type": 2,
                        "style": 1,
                        "label": "Page ›",
                        "custom_id": f"reviewbot:page:{review.id}:{at}:1",
                    },
                ],
            }
        )
    embed = {
        "title": review.title,
        "description": review.body[:4000],
        "color": 0xE4572E,
        "fields": [{"name": "Rating", "value": str(review.rating), "inline": True}],
        "footer": {"text": f"{review.author_name} · {position} of {total}"},
    }
    return {"embeds": [embed], "components": rows, "allowed_mentions": {"parse": []}}


async def shown_before(
    loopback: LoopbackDiscord, bot: ReviewBot, channel: Channel, name: str, private: bool = False
) -> tuple[Message, Review]:
    """The review titled `name` as the bot showed it in `channel` before the card."""
    shown = await bot.app.store.reviews.resolve_title(name, channel.guild.id)
    old = old_review_message(shown.review, shown.position, shown.total, private=private)
    return loopback.create_message(channel, old), shown.review


async def test_next_on_an_embed_message_turns_it_into_the_next_reviews_card_in_place(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reader = guild.add_member("reader")
    old, _ = await shown_before(loopback, bot, guild.default_channel, "Her")
    assert not old.layout and old.embeds
    clicked = await loopback.click(old, reader, label="Next ▶")
    assert clicked.type == 7 and clicked.message is old  # edited, not a new message
    assert old.layout and old.embeds == [] and old.content == ""
    assert (title(old), stars(old)) == ("Mad Max: Fury Road", "★★★★½")
    assert nav(old, forward=False)["label"] == "◀ Her"
    await loopback.click(old, reader, label="◀ Her")  # and the card goes on working
    assert title(old) == "Her"


async def test_a_page_button_on_an_embed_message_shows_that_page_of_the_card(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reader = guild.add_member("reader")
    old, wire = await shown_before(loopback, bot, guild.default_channel, "The Wire")
    await loopback.click(old, reader, label="Page ›")
    assert old.layout and title(old) == "The Wire"
    assert quiet_line(old).endswith("· page 2 of 4")
    assert body(old) in wire.body  # a page of the text (pages start and end with it)
    assert buttons(old)["2/4"].get("disabled") is True


async def test_an_embed_post_answers_privately_and_is_left_as_it_was(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reader = guild.add_member("reader")
    old, _ = await shown_before(loopback, bot, guild.default_channel, "Her", private=True)
    before = old.snapshot()
    answer = await loopback.click(old, reader, label="Next ▶")
    assert answer.type == 4 and answer.ephemeral
    assert title(answer) == "Mad Max: Fury Road"
    assert old.snapshot() == before


async def test_an_edit_turns_a_post_made_before_the_card_into_the_card(
    loopback: LoopbackDiscord, site: Server, bot: ReviewBot
) -> None:
    server = site
    await publish(loopback, server)
    [post] = posts(loopback, server.reviews)
    review = (await bot.app.store.reviews.resolve_title("Past Lives", server.guild.id)).review
    old = old_review_message(review, 21, 21, private=True)
    post.flags, post.embeds, post.components = 0, old["embeds"], old["components"]  # as posted
    form = await loopback.slash(server.guild, server.reviewer, "review edit", title="Past Lives")
    preview = await loopback.submit_modal(form, server.reviewer, {"body": "Even quieter."})
    await loopback.click(preview, server.reviewer, label="Save changes")
    await loopback.wait_for(lambda: post.layout, 5, "the post to become the card")
    assert post.embeds == [] and body(post) == "Even quieter."
    assert posts(loopback, server.reviews) == [post]


def old_preview(draft: Draft) -> JSON:
    """A draft's preview as the bot showed it before the card: words, an embed, four buttons."""
    actions = [("Publish", "publish", 3), ("Edit", "edit", 2), ("Spoiler: off", "spoiler", 2)]
    actions.append(("Cancel", "cancel", 4))
    row = [
        {
            "type": 2,
            "style": style,
            "label": label,
            "custom_id": f"reviewbot:draft:{draft.id}:{action}",
        }
        for label, action, style in actions
    ]
    return {
        "content": "**Preview**: this is how the review will look once published in the channel.",
        "embeds": [{"title": draft.title, "description": draft.body}],
        "components": [{"type": 1, "components": row}],
        "allowed_mentions": {"parse": []},
    }


async def old_draft(
    loopback: LoopbackDiscord, bot: ReviewBot, server: Server, member: Member
) -> tuple[Draft, Message]:
    """A draft written in the old form (the category chosen with the command), and its preview
    as shown then, to `member`."""
    draft = await bot.app.store.drafts.save(
        Draft(
            guild_id=server.guild.id,
            user_id=member.id,
            category=Category.FILM,
            title="Past Lives",
            creator="Celine Song",
            rating="4.5",
            body="Quietly huge.",
        )
    )
    opened = await loopback.slash(server.guild, member, "review post")  # any of their answers
    message = loopback.create_message(
        server.guild.default_channel,
        old_preview(draft),
        interaction=opened.interaction,
        flags=Message.EPHEMERAL,
    )
    return draft, message


async def test_an_old_previews_buttons_turn_it_into_the_card_preview_then_publish(
    loopback: LoopbackDiscord, site: Server, bot: ReviewBot
) -> None:
    server = site
    _, message = await old_draft(loopback, bot, server, server.reviewer)
    await loopback.click(message, server.reviewer, label="Spoiler: off")
    assert message.layout and message.embeds == [] and message.content == ""
    assert (note(message) or "").startswith("**Preview**")
    assert body(message) == "||Quietly huge.||" and byline(message) == "by Celine Song · 🎬 Film"
    assert "Link and spoiler" in buttons(message)
    done = await loopback.click(message, server.reviewer, label="Publish")
    assert said(done.message).startswith("Published “Past Lives”")
    [post] = posts(loopback, server.reviews)
    assert body(post) == "||Quietly huge.||"


async def test_cancel_on_an_old_preview_says_discarded(
    loopback: LoopbackDiscord, site: Server, bot: ReviewBot
) -> None:
    server = site
    _, message = await old_draft(loopback, bot, server, server.reviewer)
    await loopback.click(message, server.reviewer, label="Cancel")
    assert message.layout and said(message) == "Discarded." and message.embeds == []


def old_form(draft: Draft, opened_by: Any) -> Modal:
    """The form as the bot opened it before labels: five text inputs, one to a row."""
    inputs = [
        ("title", "Title", 1),
        ("creator", "Creator (director, artist, author…)", 1),
        ("rating", "Rating", 1),
        ("body", "Review", 2),
        ("url", "Link (optional)", 1),
    ]
    rows = [
        {
            "type": 1,
            "components": [
                {
                    "type": 4,
                    "custom_id": custom_id,
                    "label": label,
                    "style": style,
                    "required": custom_id in ("title", "rating", "body"),
                }
            ],
        }
        for custom_id, label, style in inputs
    ]
    data = {
        "custom_id": f"reviewbot:form:{draft.id}",
        "title": "New film review",
        "components": rows,
    }
    return Modal.from_data(data, opened_by)


async def test_a_form_opened_before_labels_is_still_read(
    loopback: LoopbackDiscord, site: Server, bot: ReviewBot
) -> None:
    server = site
    member = server.reviewer
    draft = await bot.app.store.drafts.save(
        Draft(guild_id=server.guild.id, user_id=member.id, category=Category.FILM)
    )
    opened = await loopback.slash(server.guild, member, "review post")
    form = old_form(draft, opened.interaction)
    fields = {
        "title": "Past Lives",
        "creator": "Celine Song",
        "rating": "eleven",
        "body": "Quietly huge.",
        "url": "https://example.com/past-lives",
    }
    bad = await loopback.submit_modal(form, member, fields)
    assert "“eleven” is not a rating I understand" in said(bad)
    fix = await loopback.click(bad, member, label="Fix it")  # today's form, nothing lost
    assert fix.modal is not None and fix.modal.field("title").chosen == "Past Lives"
    assert fix.modal.field("category").chosen == ["film"]  # as chosen with the old command
    assert fix.modal.field("rating").chosen == []  # "eleven" is no rating: choose one
    again = await loopback.submit_modal(form, member, {**fields, "rating": "9/10"})
    assert (title(again), stars(again)) == ("Past Lives", "★★★★½")
    assert byline(again) == "by Celine Song · 🎬 Film"
    assert buttons(again)["Original post"]["url"] == "https://example.com/past-lives"
