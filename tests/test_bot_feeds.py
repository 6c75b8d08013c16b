"""End to end: `/review feed …` in the loopback Discord, with real feeds served on 127.0.0.1."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from reviewbot.bot import ReviewBot
from reviewbot.config import Settings
from reviewbot.feeds.fetch import MAX_BYTES
from reviewbot.store import ReviewStore
from reviewbot.store.feeds import FLOOD_LIMIT

from . import cards
from .bot_fixtures import SAMPLE
from .feed_server import FeedServer, item, rss
from .loopback.client import run_client
from .loopback.interactions import Reply
from .loopback.server import LoopbackDiscord
from .test_bot_publishing import QUIET_SECONDS, Server, configure, posts, queue_settled, wait_posts

ADDED = "Following **Test Blog**"


@asynccontextmanager
async def feed_bot(
    loopback: LoopbackDiscord, database: Path, *, interval: float = 900, allow: bool = True
) -> AsyncIterator[ReviewBot]:
    settings = Settings(
        token=loopback.token,
        database=database,
        catalogue=SAMPLE,
        feed_interval=interval,
        feeds_allow_private=allow,
    )
    async with (
        ReviewStore.open(database) as store,
        run_client(loopback, ReviewBot(store, settings)) as bot,
    ):
        await bot.tree.sync()
        bot.outbox.retry_base = 0.05
        assert bot.app.feeds is not None
        bot.app.feeds.backoff_base = 0.05
        yield bot


def said(reply: Reply) -> str:
    """What a deferred private answer finally said."""
    assert reply.ephemeral or reply.deferred
    if reply.followups:
        [answer] = reply.followups
        assert answer.ephemeral
        return answer.content
    return reply.content or ""


async def add(loopback: LoopbackDiscord, server: Server, url: str, **options: object) -> str:
    return said(
        await loopback.slash(
            server.guild, server.admin, "review feed add", url=url, options=options
        )
    )


async def quiet(loopback: LoopbackDiscord, bot: ReviewBot, server: Server, count: int) -> None:
    """Exactly `count` posts: nothing left to deliver, and nothing more for a short while."""
    await queue_settled(bot, server.guild)
    with pytest.raises(AssertionError, match="timed out"):
        await loopback.wait_for(lambda: len(posts(loopback, server.reviews)) > count, QUIET_SECONDS)
    assert len(posts(loopback, server.reviews)) == count


async def test_add_is_quiet_new_entries_post_once_across_restarts_and_edits_follow(
    loopback: LoopbackDiscord, server: Server, sample_db: Path, feed_server: FeedServer
) -> None:
    old = [item("a", "Her ★★★★☆", days_ago=5), item("b", "Heat ★★★★★", days_ago=9)]
    feed_server.serve("/feed", rss(old))
    async with feed_bot(loopback, sample_db, interval=1) as bot:
        await configure(loopback, server)
        answer = await add(loopback, server, feed_server.url(), category="film")
        assert answer.startswith(ADDED) and "2 review(s) joined quietly" in answer
        assert f"posted in <#{server.reviews.id}>" in answer
        await loopback.wait_for(lambda: 304 in feed_server.statuses("/feed"), 5, "a 304 poll")
        await quiet(loopback, bot, server, 0)  # the entries it held when added: no post

        body = "Long, quiet, @everyone and <@1> in the text."
        feed_server.serve("/feed", rss([item("c", "Alien ★★★★★", body), *old]))
        [post] = await wait_posts(loopback, server.reviews, 1)
        assert cards.title(post) == "Alien"
        assert post.allowed_mentions == {"parse": []} and post.content == ""
        await quiet(loopback, bot, server, 1)
        hits = feed_server.hits("/feed")

    async with feed_bot(loopback, sample_db, interval=1) as bot:
        await loopback.wait_for(
            lambda: feed_server.hits("/feed") > hits + 1, 5, "polls after restart"
        )
        await quiet(loopback, bot, server, 1)  # nothing announced twice
        feed_server.serve(
            "/feed", rss([item("c", "Alien (1979) ★★★★½", "Rewritten after a second look."), *old])
        )
        await loopback.wait_for(
            lambda: cards.body(post) == "Rewritten after a second look.",
            5,
            "the post to be edited",
        )
        assert cards.title(post) == "Alien (1979)"
        await quiet(loopback, bot, server, 1)
        shown = await loopback.slash(
            server.guild, server.reader, "review show", title="Alien (1979)"
        )
        assert cards.title(shown) == "Alien (1979)"
        earlier = await loopback.click(shown, server.reader, label="◀ Her")  # named by title
        assert cards.title(earlier) == "Her"  # the blog's own order


async def test_server_errors_back_off_then_recover_and_status_says_so(
    loopback: LoopbackDiscord, server: Server, sample_db: Path, feed_server: FeedServer
) -> None:
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    async with feed_bot(loopback, sample_db) as bot:
        await configure(loopback, server)
        await add(loopback, server, feed_server.url())
        feed_server.fail("/feed", 500, times=2)
        for _ in range(2):
            checked = said(
                await loopback.slash(
                    server.guild, server.admin, "review feed check", url=feed_server.url()
                )
            )
            assert "it failed" in checked and "answered 500" in checked
        status = await loopback.slash(server.guild, server.admin, "review feed status")
        field = status.embed["fields"][0]  # type: ignore[index]
        assert "Failures in a row: 2" in field["value"] and "HTTP 500" in field["value"]
        assert "answered 500" in field["value"] and "Next poll" in field["value"]
        health = await loopback.slash(server.guild, server.admin, "review status")
        assert "1 followed · 1 failing · 0 paused" in str(health.embed)
        feed_server.serve("/feed", rss([item("b", "Heat 5/5"), item("a", "Her 4/5")]))
        recovered = said(
            await loopback.slash(
                server.guild, server.admin, "review feed check", url=feed_server.url()
            )
        )
        assert "1 new review(s)" in recovered and "Announcing “Heat”" in recovered
        [post] = await wait_posts(loopback, server.reviews, 1)
        assert cards.title(post) == "Heat"
        status = await loopback.slash(server.guild, server.admin, "review feed status")
        assert "Failures in a row: 0" in str(status.embed) and "HTTP 200" in str(status.embed)
        assert feed_server.statuses("/feed") == [200, 500, 500, 200]
        await quiet(loopback, bot, server, 1)


async def test_a_flood_of_new_entries_posts_one_and_says_why(
    loopback: LoopbackDiscord, server: Server, sample_db: Path, feed_server: FeedServer
) -> None:
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    async with feed_bot(loopback, sample_db) as bot:
        await configure(loopback, server)
        own = server.guild.add_text_channel("blog")
        await add(loopback, server, feed_server.url(), channel=own)
        flood = [
            item(f"n{i}", f"New {i} 4/5", days_ago=FLOOD_LIMIT - i) for i in range(FLOOD_LIMIT + 3)
        ]
        feed_server.serve("/feed", rss(flood))
        checked = said(
            await loopback.slash(
                server.guild, server.admin, "review feed check", url=feed_server.url()
            )
        )
        assert "entry ids" in checked
        [post] = await wait_posts(loopback, own, 1)
        assert cards.title(post) == f"New {FLOOD_LIMIT + 2}"
        assert posts(loopback, server.reviews) == []  # the feed's own channel
        status = await loopback.slash(server.guild, server.admin, "review feed status")
        assert "only the newest" in str(status.embed)
        await queue_settled(bot, server.guild)
        assert len(posts(loopback, own)) == 1


async def test_refusals_store_nothing_and_say_why(
    loopback: LoopbackDiscord, server: Server, sample_db: Path, feed_server: FeedServer
) -> None:
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    feed_server.redirect("/moved", f"http://127.0.0.2:{feed_server.port}/feed")
    feed_server.serve("/page", "<html><body>A shop</body></html>", content_type="text/html")
    feed_server.serve("/huge", b"<rss>" + b" " * (MAX_BYTES + 10))
    async with feed_bot(loopback, sample_db, allow=False) as bot:
        await configure(loopback, server)
        refused = await add(loopback, server, feed_server.url())
        assert "127.0.0.1 is a loopback address" in refused and "ALLOW_PRIVATE" in refused
        assert feed_server.requests == []
        bot.fetcher.trusted = [ipaddress.ip_network("127.0.0.1/32")]  # the test server only
        moved = await add(loopback, server, feed_server.url("/moved"))
        assert "redirected to an address refused" in moved and "127.0.0.2" in moved
        assert "not an RSS or Atom feed" in await add(loopback, server, feed_server.url("/page"))
        assert "sent more than 5 MiB" in await add(loopback, server, feed_server.url("/huge"))
        not_http = await add(loopback, server, "ftp://blog.example/feed")
        assert "give a full http(s) address" in not_http
        assert await bot.app.store.feeds.followed(server.guild.id) == []
        assert [r async for r in bot.app.store.reviews.all(server.guild.id)] == []

        assert (await add(loopback, server, feed_server.url())).startswith(ADDED)
        feed_server.serve("/feed", b"<rss><channel><item><title>cut sh")
        broken = said(
            await loopback.slash(
                server.guild, server.admin, "review feed check", url=feed_server.url()
            )
        )
        assert "it failed. The feed is broken XML" in broken
        assert len([r async for r in bot.app.store.reviews.all(server.guild.id)]) == 1


async def test_list_remove_check_need_manage_server_and_work(
    loopback: LoopbackDiscord, server: Server, sample_db: Path, feed_server: FeedServer
) -> None:
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    async with feed_bot(loopback, sample_db):
        for command, options in [
            ("review feed add", {"url": feed_server.url()}),
            ("review feed list", {}),
            ("review feed status", {}),
            ("review feed remove", {"url": feed_server.url()}),
            ("review feed check", {"url": feed_server.url()}),
        ]:
            denied = await loopback.slash(server.guild, server.reader, command, options=options)
            assert denied.ephemeral
            assert (
                denied.content == "Only members with the **Manage Server** permission can do this."
            )
        empty = await loopback.slash(server.guild, server.admin, "review feed list")
        assert "follows no feeds yet" in (empty.content or "")
        answer = await add(loopback, server, feed_server.url())
        assert "none is set yet" in answer  # no review channel: said how to set one
        again = await add(loopback, server, feed_server.url())
        assert "already followed here" in again
        listed = await loopback.slash(server.guild, server.admin, "review feed list")
        assert listed.ephemeral and f"<{feed_server.url()}>" in (listed.content or "")
        picks = await loopback.autocomplete(
            server.guild, server.admin, "review feed remove", "url", "127"
        )
        [pick] = picks
        assert pick["name"] == feed_server.url()
        fine = said(
            await loopback.slash(server.guild, server.admin, "review feed check", url=pick["value"])
        )
        assert "Nothing new" in fine or "0 new review(s)" in fine
        removed = await loopback.slash(
            server.guild, server.admin, "review feed remove", url=pick["value"]
        )
        assert removed.content == f"Stopped following <{feed_server.url()}>; its reviews stay."
        unknown = await loopback.slash(
            server.guild, server.admin, "review feed remove", url=feed_server.url()
        )
        assert unknown.ephemeral and "No feed with that address" in (unknown.content or "")


async def test_the_poller_backs_off_through_server_errors_and_recovers(
    loopback: LoopbackDiscord, server: Server, sample_db: Path, feed_server: FeedServer
) -> None:
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    async with feed_bot(loopback, sample_db, interval=1) as bot:
        await configure(loopback, server)
        await add(loopback, server, feed_server.url())
        feed_server.fail("/feed", 500, times=3)
        feed_server.serve("/feed", rss([item("b", "Heat 5/5"), item("a", "Her 4/5")]))
        [post] = await wait_posts(loopback, server.reviews, 1, within=10)
        assert cards.title(post) == "Heat"
        assert feed_server.statuses("/feed")[:5] == [200, 500, 500, 500, 200]
        feed = (await bot.app.store.feeds.followed(server.guild.id))[0]
        assert (feed.failures, feed.last_error, feed.last_status) == (0, None, 200)
        await quiet(loopback, bot, server, 1)
