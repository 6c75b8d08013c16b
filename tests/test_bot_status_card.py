"""End to end: the settings card and the status card, field by field, as a server manager reads
them; and why a held post is held, in the words the card shows."""

from __future__ import annotations

import asyncio
import logging
import math
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from reviewbot.bot import ReviewBot
from reviewbot.review import utc_now
from reviewbot.store import FeedEntry, FetchState

from .bot_fixtures import running_bot
from .loopback.model import Permission
from .loopback.server import LoopbackDiscord
from .store_fixtures import make_review
from .test_bot_publishing import Server, configure, queue_settled, wait_posts

JSON = dict[str, object]
NO_CHANNEL = (
    "No review channel is set. A server manager can choose one with `/review config channel`;"
    " the review is kept and will be posted then."
)


def relative(moment: datetime) -> str:
    """How Discord is asked to show a moment as "3 minutes ago"."""
    return f"<t:{int(moment.timestamp())}:R>"


def fields(embed: JSON | None) -> dict[str, JSON]:
    assert embed is not None
    found = embed["fields"]
    assert isinstance(found, list)
    return {field["name"]: field for field in found}


async def status_card(loopback: LoopbackDiscord, server: Server) -> JSON:
    reply = await loopback.slash(server.guild, server.admin, "review status")
    assert reply.ephemeral and reply.embed is not None
    assert reply.embed["title"] == "reviewbot status"
    assert reply.embed["color"] == 0x2ECC71  # green
    return reply.embed


async def held(bot: ReviewBot, server: Server, count: int) -> None:
    """Wait until `count` posts of the server are held for a person to act."""

    async def blocked() -> int:
        return len((await bot.app.store.posts.status(server.guild.id)).blocked)

    for _ in range(400):
        if await blocked() == count:
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"{await blocked()} posts held, not {count}")


async def test_the_settings_card_says_not_set_then_names_the_channel_and_role(
    loopback: LoopbackDiscord, server: Server, bot: ReviewBot
) -> None:
    shown = await loopback.slash(server.guild, server.admin, "review config show")
    assert shown.ephemeral and shown.embed is not None
    assert shown.embed["title"] == "reviewbot settings"
    assert shown.embed["color"] == 0x5865F2  # Discord's blurple
    assert shown.embed["fields"] == [
        {"name": "Review channel", "value": "not set", "inline": False},
        {
            "name": "Reviewer role",
            "value": "not set (server managers can always post)",
            "inline": True,
        },
    ]
    await configure(loopback, server)
    shown = await loopback.slash(server.guild, server.admin, "review config show")
    assert shown.embed is not None and shown.embed["fields"] == [
        {"name": "Review channel", "value": f"<#{server.reviews.id}>", "inline": False},
        {
            "name": "Reviewer role",
            "value": f"<@&{server.role.id}> (server managers can always post)",
            "inline": True,
        },
    ]


async def test_the_status_card_lists_held_posts_then_the_last_delivery(
    loopback: LoopbackDiscord, server: Server, bot: ReviewBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="reviewbot.outbox")
    bot.outbox.retry_base = 0.05
    store = bot.app.store
    catalogue = await store.reviews.count(server.guild.id)  # the sample's, shown everywhere
    ids = [
        (await store.reviews.add(make_review(f"Held {i}", guild_id=server.guild.id, day=i))).id
        for i in range(3)
    ]
    await store.posts.queue(server.guild.id, ids)
    bot.outbox.wake()
    await held(bot, server, 1)  # a server's posts go out in order: the rest wait behind it

    await loopback.wait_for(lambda: math.isfinite(bot.latency), 5, "a heartbeat answered")
    shown = fields(await status_card(loopback, server))
    assert list(shown)[:8] == [
        "Gateway latency",
        "Shard",
        "This process",
        "Uptime",
        "Reviews here",
        "Schema version",
        "Versions",
        "Posts waiting",
    ]
    assert re.fullmatch(r"\d+ ms", str(shown["Gateway latency"]["value"]))
    assert shown["Shard"]["value"] == "0 of 1"
    assert shown["This process"]["value"] == "one shard · 1 server(s)"
    assert re.fullmatch(r"0:00:\d\d", str(shown["Uptime"]["value"]))
    assert shown["Reviews here"]["value"] == str(catalogue + 3)
    assert shown["Schema version"]["value"] == str(store.schema_version)
    assert shown["Versions"]["inline"] is False
    assert str(shown["Versions"]["value"]).startswith("reviewbot ")
    assert shown["Posts waiting"]["value"] == "2"
    assert shown["Blocked: post #1"] == {
        "name": "Blocked: post #1",
        "value": NO_CHANNEL,
        "inline": False,
    }
    assert "Last delivered" not in shown and len(shown) == 9

    done = await loopback.slash(
        server.guild, server.admin, "review config channel", options={"channel": server.reviews}
    )
    assert done.content == (
        f"New reviews will be posted in <#{server.reviews.id}>. 1 waiting post(s) will go out now."
    )
    delivered = await wait_posts(loopback, server.reviews, 3)
    await queue_settled(bot, server.guild)
    assert [r.getMessage() for r in caplog.records if r.name == "reviewbot.outbox"] == [
        f"Post queue row 1 blocked: {NO_CHANNEL}",
        *(
            f"Posted review {review_id} in channel {server.reviews.id} (message {post.id})"
            for review_id, post in zip(ids, delivered, strict=True)
        ),
    ]
    last = (await store.posts.status(server.guild.id)).last_delivered
    assert last is not None and last.done_at is not None
    shown = fields(await status_card(loopback, server))
    assert shown["Last delivered"]["value"] == relative(last.done_at)
    assert shown["Posts waiting"]["value"] == "0"
    assert not [name for name in shown if name.startswith("Blocked")]
    again = await loopback.slash(
        server.guild, server.admin, "review config channel", options={"channel": server.reviews}
    )
    assert again.content == f"New reviews will be posted in <#{server.reviews.id}>."


async def test_each_reason_a_post_is_held_is_said_whole(
    loopback: LoopbackDiscord, server: Server, bot: ReviewBot
) -> None:
    bot.outbox.retry_base = 0.05
    await configure(loopback, server)
    store = bot.app.store
    review = await store.reviews.add(make_review("Held", guild_id=server.guild.id))
    server.reviews.set_overwrite(
        server.guild.bot_role, deny=Permission.SEND_MESSAGES | Permission.EMBED_LINKS
    )
    await store.posts.queue(server.guild.id, [review.id])
    bot.outbox.wake()
    await held(bot, server, 1)
    assert fields(await status_card(loopback, server))["Blocked: post #1"]["value"] == (
        f"The bot lacks **Send Messages** and **Embed Links** in <#{server.reviews.id}>. Grant it"
        " there (or choose another channel with `/review config channel`) and the queued posts"
        " go out by themselves."
    )

    server.reviews.remove_overwrite(server.guild.bot_role)
    await wait_posts(loopback, server.reviews, 1)
    await queue_settled(bot, server.guild)

    gone = server.reviews.id
    server.reviews.delete()
    second = await store.reviews.add(make_review("Nowhere", guild_id=server.guild.id, day=1))
    await store.posts.queue(server.guild.id, [second.id])
    bot.outbox.wake()
    await held(bot, server, 1)
    assert fields(await status_card(loopback, server))["Blocked: post #2"]["value"] == (
        f"The review channel ({gone}) no longer exists. Choose a new one with"
        " `/review config channel`; the queued posts go out then."
    )
    server.reviews = server.guild.add_text_channel("new-reviews")
    await configure(loopback, server)
    await wait_posts(loopback, server.reviews, 1)
    await queue_settled(bot, server.guild)

    server.reviews.forbid()
    third = await store.reviews.add(make_review("Refused", guild_id=server.guild.id, day=2))
    await store.posts.queue(server.guild.id, [third.id])
    bot.outbox.wake()
    await held(bot, server, 1)
    reason = fields(await status_card(loopback, server))["Blocked: post #3"]["value"]
    assert re.fullmatch(
        rf"Discord refused the bot in <#{server.reviews.id}> \(missing permissions: .+\)\."
        r" Check the channel's permissions for the bot; the queue resumes by itself\.",
        str(reason),
    )


async def test_feeds_in_trouble_show_on_the_status_card_and_each_feeds_health(
    loopback: LoopbackDiscord, server: Server, bot: ReviewBot
) -> None:
    store = bot.app.store
    later = utc_now() + timedelta(hours=1)
    titles = {"calm": None, "one": "Blog one " + "o" * 300, "two": "Blog two"}
    entry = FeedEntry("her", "digest", make_review("Her", guild_id=server.guild.id))
    followed = []
    for name in ("calm", "one", "two", "three", "four"):
        feed, _ = await store.feeds.add(
            server.guild.id,
            f"https://{name}.example/feed",
            channel_id=None,
            category=make_review("x").category,
            title=titles.get(name, f"Blog {name}"),
            state=FetchState(200),
            entries=[entry] if name == "calm" else [],
            next_poll_at=later,
        )
        followed.append(feed)
    calm, one, two, three, four = followed
    long_error = "It answered 500: " + "e" * 1100
    await store.feeds.record_failure(one, 500, long_error, later, pause=False)
    await store.feeds.record_failure(two, None, "Timed out.", later, pause=True)
    for feed in (three, four):
        await store.feeds.record_failure(feed, 404, "Gone.", later, pause=False)
        await store.feeds.record_failure(feed, 404, "Gone.", later, pause=False)

    shown = fields(await status_card(loopback, server))
    assert shown["Feeds"] == {
        "name": "Feeds",
        "value": "5 followed · 3 failing · 1 paused",
        "inline": False,
    }
    troubled = [f for name, f in shown.items() if name.startswith("Feed ")]
    cut = troubled[1]  # a long title and error are cut to the most Discord takes
    name, value = str(cut["name"]), str(cut["value"])
    assert len(name) == 256 and name.startswith("Feed failing (1 in a row): Blog one o")
    assert len(value) == 1024 and value.startswith("It answered 500: eee")
    assert troubled == [
        {"name": "Feed paused: Blog two", "value": "Timed out.", "inline": False},
        cut,
        {"name": "Feed failing (2 in a row): Blog three", "value": "Gone.", "inline": False},
    ]

    health = await loopback.slash(server.guild, server.admin, "review feed status")
    assert health.embed is not None
    by_name = fields(health.embed)
    paused = await store.feeds.get(two.id)
    assert paused is not None and paused.last_fetch_at is not None
    assert by_name["Blog two"]["value"] == "\n".join(
        [
            "<https://two.example/feed>",
            f"Last fetch: {relative(paused.last_fetch_at)} (HTTP —)",
            "Entries seen: 0 · last new entry: never",
            "Failures in a row: 1",
            "**Paused**: `/review feed check` tries it and resumes it",
            "Last error: Timed out.",
        ]
    )
    healthy = await store.feeds.get(calm.id)
    assert healthy is not None and healthy.last_fetch_at and healthy.last_new_at
    assert by_name["https://calm.example/feed"]["value"] == "\n".join(
        [
            "<https://calm.example/feed>",
            f"Last fetch: {relative(healthy.last_fetch_at)} (HTTP 200)",
            f"Entries seen: 1 · last new entry: {relative(healthy.last_new_at)}",
            "Failures in a row: 0",
            f"Next poll: {relative(healthy.next_poll_at)}",
        ]
    )


async def test_a_post_for_a_server_the_bot_left_is_held_saying_to_invite_it_again(
    loopback: LoopbackDiscord, server: Server, bot: ReviewBot
) -> None:
    await configure(loopback, server)
    loopback.emit("GUILD_DELETE", {"id": str(server.guild.id)})  # the bot was removed
    await loopback.wait_for(lambda: bot.get_guild(server.guild.id) is None, 5, "the bot to leave")
    store = bot.app.store
    review = await store.reviews.add(make_review("Left", guild_id=server.guild.id))
    await store.posts.queue(server.guild.id, [review.id])
    bot.outbox.wake()
    await held(bot, server, 1)
    [item] = (await store.posts.status(server.guild.id)).blocked
    assert item.last_error == "The bot is not in this server any more; invite it again to post."


async def test_a_post_discord_refuses_is_logged_and_retried(
    loopback: LoopbackDiscord, server: Server, bot: ReviewBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.outbox.retry_base = 0.05
    await configure(loopback, server)
    caplog.set_level(logging.INFO, logger="reviewbot.outbox")
    caplog.clear()
    loopback.fail("POST /channels/{channel_id}/messages", 400, code=50035, message="n" * 300)
    loopback.fail("POST /channels/{channel_id}/messages", 400, code=50035, message="Too short.")
    review = await bot.app.store.reviews.add(make_review("Refused", guild_id=server.guild.id))
    await bot.app.store.posts.queue(server.guild.id, [review.id])
    bot.outbox.wake()
    [post] = await wait_posts(loopback, server.reviews, 1)
    await queue_settled(bot, server.guild)
    lines = [r.getMessage() for r in caplog.records if r.name == "reviewbot.outbox"]
    assert (
        lines[0]
        == f"Post queue row 1 refused by Discord: 400 Bad Request (error code: 50035): {'n' * 300}"
    )
    retry = re.fullmatch(
        r"Post queue row 1: Discord refused the message \((.*)\) in \d+\.\d s", lines[1]
    )
    assert retry is not None and len(retry[1]) == 200 and retry[1].endswith("n…")
    short = "400 Bad Request (error code: 50035): Too short."
    assert lines[2] == f"Post queue row 1 refused by Discord: {short}"
    retry = re.fullmatch(
        r"Post queue row 1: Discord refused the message \((.*)\) in \d+\.\d s", lines[3]
    )
    assert retry is not None and retry[1] == short
    assert lines[4:] == [
        f"Posted review {review.id} in channel {server.reviews.id} (message {post.id})"
    ]


async def test_the_status_card_before_any_heartbeat_is_answered(
    loopback: LoopbackDiscord, server: Server, sample_db: Path
) -> None:
    loopback.answer_heartbeats = False  # discord.py's latency stays infinite until one is
    async with running_bot(loopback, sample_db):
        await loopback.wait_for(lambda: loopback.gateway.heartbeats >= 1, 5, "a heartbeat sent")
        shown = fields(await status_card(loopback, server))
    assert shown["Gateway latency"]["value"] == "not measured yet"
