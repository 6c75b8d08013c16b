"""Fetching and polling feeds against a real HTTP server on 127.0.0.1 that the tests change."""

from __future__ import annotations

import gzip
import ipaddress
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from itertools import pairwise

import pytest
import pytest_asyncio
from aiohttp.abc import AbstractResolver, ResolveResult

from reviewbot.feeds.errors import AddressRefused, FetchFailed, NotAFeed
from reviewbot.feeds.fetch import MAX_BYTES, USER_AGENT, Fetcher, retry_after
from reviewbot.feeds.follow import PAUSE_AFTER, Follower
from reviewbot.review import Category, utc_now
from reviewbot.store import ReviewStore

from .feed_server import FeedServer, item, rss

GUILD = 4242
LOOPBACK = [ipaddress.ip_network("127.0.0.1/32")]


class TableResolver(AbstractResolver):
    """DNS from a fixed table: the resolver seam aiohttp itself offers, no network needed."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        if host not in self.table:
            raise OSError(f"no such host {host}")
        return [
            ResolveResult(
                hostname=host, host=self.table[host], port=port, family=family, proto=0, flags=0
            )
        ]

    async def close(self) -> None:
        pass


@pytest_asyncio.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(allow_private=True, timeout=5) as opened:
        yield opened


async def test_a_feed_is_fetched_with_a_user_agent_then_not_modified(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    first = await fetcher.fetch(feed_server.url())
    assert first.status == 200 and first.body and b"Her 4/5" in first.body and first.etag
    [(_, headers)] = feed_server.requests
    assert headers["User-Agent"] == USER_AGENT and "reviewbot" in USER_AGENT
    assert "gzip" in headers["Accept-Encoding"]
    second = await fetcher.fetch(feed_server.url(), etag=first.etag)
    assert second.not_modified and second.body is None
    assert feed_server.statuses("/feed") == [200, 304]


async def test_a_compressed_feed_is_read_and_a_compression_bomb_refused(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.serve("/small", rss([item("a", "Her 4/5")]), gzip=True)
    assert b"Her 4/5" in ((await fetcher.fetch(feed_server.url("/small"))).body or b"")
    bomb = b"<rss>" + b" " * (MAX_BYTES + 1024)
    assert len(gzip.compress(bomb)) < MAX_BYTES // 100
    feed_server.serve("/bomb", bomb, gzip=True)
    with pytest.raises(FetchFailed, match="sent more than 5 MiB"):
        await fetcher.fetch(feed_server.url("/bomb"))
    feed_server.serve("/huge", bomb)
    with pytest.raises(FetchFailed, match="sent more than 5 MiB"):
        await fetcher.fetch(feed_server.url("/huge"))


async def test_redirects_are_followed_up_to_five(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    for hop in range(6):
        feed_server.redirect(f"/r{hop}", f"/r{hop + 1}" if hop < 5 else "/feed", 301)
    fetched = await fetcher.fetch(feed_server.url("/r1"))
    assert fetched.url == feed_server.url("/feed")
    with pytest.raises(FetchFailed, match="redirected more than 5 times"):
        await fetcher.fetch(feed_server.url("/r0"))


async def test_without_the_setting_loopback_is_refused_before_any_request(
    feed_server: FeedServer,
) -> None:
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    async with Fetcher(allow_private=False) as strict:
        with pytest.raises(AddressRefused, match="loopback address"):
            await strict.fetch(feed_server.url())
        with pytest.raises(AddressRefused, match="loopback"):
            await strict.fetch(f"http://[::ffff:127.0.0.1]:{feed_server.port}/feed")
    assert feed_server.requests == []


async def test_a_redirect_to_a_private_address_is_refused(feed_server: FeedServer) -> None:
    # Only the test server itself is trusted: every hop is checked on its own.
    resolver = TableResolver({"metadata.test": "169.254.169.254", "intranet.test": "10.0.0.7"})
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    feed_server.redirect("/to-loopback", f"http://127.0.0.2:{feed_server.port}/feed")
    feed_server.redirect("/to-metadata", "http://metadata.test/latest/")
    feed_server.redirect("/to-intranet", "http://intranet.test/feed", 307)
    feed_server.redirect("/to-file", "file:///etc/passwd")
    async with Fetcher(allow_private=False, trusted=LOOPBACK, resolver=resolver) as fetcher:
        assert (await fetcher.fetch(feed_server.url())).status == 200
        for path, reason in [
            ("/to-loopback", "loopback"),
            ("/to-metadata", "link-local"),
            ("/to-intranet", "private network"),
            ("/to-file", "not a feed address"),
        ]:
            with pytest.raises(AddressRefused, match=reason) as refused:
                await fetcher.fetch(feed_server.url(path))
            assert "redirected to an address refused" in str(refused.value)
    assert resolver.asked == ["metadata.test", "intranet.test"]


async def test_names_are_checked_after_dns_and_connected_as_checked(
    feed_server: FeedServer,
) -> None:
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    resolver = TableResolver({"blog.test": "127.0.0.1", "localhost": "127.0.0.1"})
    async with Fetcher(allow_private=False, resolver=resolver) as strict:
        with pytest.raises(AddressRefused, match=r"blog.test \(127.0.0.1\) is a loopback"):
            await strict.fetch(f"http://blog.test:{feed_server.port}/feed")
        with pytest.raises(AddressRefused, match="could not be found"):
            await strict.fetch(f"http://nowhere.test:{feed_server.port}/feed")
    assert feed_server.requests == []
    resolver.asked.clear()
    async with Fetcher(allow_private=True, resolver=resolver) as allowed:
        fetched = await allowed.fetch(f"http://blog.test:{feed_server.port}/feed")
    assert fetched.status == 200 and resolver.asked == ["blog.test"]  # one answer, used as is


async def test_a_slow_server_is_given_up_on(feed_server: FeedServer) -> None:
    feed_server.serve("/slow", rss([]), delay=1)
    async with Fetcher(allow_private=True, timeout=0.3) as fetcher:
        with pytest.raises(FetchFailed, match=r"did not answer within 0\.3 seconds"):
            await fetcher.fetch(feed_server.url("/slow"))


async def test_error_statuses_say_what_happened_and_when_to_retry(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.fail("/feed", 503, Retry_After="120")
    with pytest.raises(FetchFailed) as failed:
        await fetcher.fetch(feed_server.url())
    assert (failed.value.status, failed.value.retry_after) == (503, 120)
    with pytest.raises(FetchFailed, match="answered 404: there is no feed"):
        await fetcher.fetch(feed_server.url("/missing"))
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert retry_after("9999999999") == 24 * 3600
    assert retry_after("soon") is None


# Polling ---------------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def follower(store: ReviewStore, fetcher: Fetcher) -> Follower:
    return Follower(store, fetcher, interval=900, backoff_base=10)


async def test_add_then_new_entry_then_304(
    feed_server: FeedServer, follower: Follower, store: ReviewStore
) -> None:
    feed_server.serve("/feed", rss([item("a", "Her ★★★★☆", days_ago=3)]))
    feed, applied = await follower.add(feed_server.url(), guild_id=GUILD, category=Category.FILM)
    assert applied.added == 1 and applied.announced == []
    assert await store.posts.due() == []
    feed_server.serve("/feed", rss([item("b", "Heat 5/5"), item("a", "Her ★★★★☆", days_ago=3)]))
    outcome = await follower.poll(feed)
    assert outcome.applied is not None and [r.title for r in outcome.applied.announced] == ["Heat"]
    [post] = await store.posts.due()
    assert post.guild_id == GUILD
    fresh = await store.feeds.get(feed.id)
    assert fresh is not None
    unchanged = await follower.poll(fresh)
    assert unchanged.status == 304 and unchanged.applied is None
    assert feed_server.requests[-1][1]["If-None-Match"] == fresh.etag
    assert len(await store.posts.due()) == 1


async def test_failures_back_off_then_pause_and_check_resumes(
    feed_server: FeedServer, follower: Follower, store: ReviewStore
) -> None:
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    feed, _ = await follower.add(feed_server.url(), guild_id=GUILD)
    feed_server.fail("/feed", 500, times=None)
    waits = []
    for failures in range(1, PAUSE_AFTER + 1):
        before = utc_now()
        outcome = await follower.poll(feed)
        feed = await store.feeds.get(feed.id)  # type: ignore[assignment]
        assert feed.failures == failures and feed.last_status == 500
        waits.append((feed.next_poll_at - before).total_seconds())
        assert "answered 500" in (outcome.error or "")
    assert all(later > earlier * 1.5 for earlier, later in pairwise(waits))
    assert 10 * 0.9 <= waits[0] <= 10 * 1.1 + 1
    assert feed.paused and "Paused after 10 failed polls" in (feed.last_error or "")
    assert await store.feeds.due(utc_now() + timedelta(days=30), 10) == []
    feed_server.failures.clear()
    checked = await follower.check(GUILD, feed_server.url())
    assert checked.error is None
    feed = await store.feeds.get(feed.id)  # type: ignore[assignment]
    assert (feed.paused, feed.failures, feed.last_error) == (False, 0, None)


async def test_retry_after_is_honoured(
    feed_server: FeedServer, follower: Follower, store: ReviewStore
) -> None:
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    feed, _ = await follower.add(feed_server.url(), guild_id=GUILD)
    feed_server.fail("/feed", 429, Retry_After="3600")
    before = utc_now()
    await follower.poll(feed)
    after = await store.feeds.get(feed.id)
    assert after is not None and (after.next_poll_at - before).total_seconds() >= 3600


async def test_a_feed_that_is_not_one_stores_nothing(
    feed_server: FeedServer, follower: Follower, store: ReviewStore
) -> None:
    feed_server.serve("/page", "<html><body>Hello</body></html>", content_type="text/html")
    with pytest.raises(NotAFeed):
        await follower.add(feed_server.url("/page"), guild_id=GUILD)
    feed_server.serve("/big", b"<rss>" + b"x" * (MAX_BYTES + 1))
    with pytest.raises(FetchFailed, match="5 MiB"):
        await follower.add(feed_server.url("/big"), guild_id=GUILD)
    assert await store.feeds.followed(GUILD) == [] and await store.reviews.count(GUILD) == 0
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    feed, _ = await follower.add(feed_server.url(), guild_id=GUILD)
    feed_server.serve("/feed", b"<rss><channel><item><title>broken")  # cut short
    outcome = await follower.poll(feed)
    assert outcome.error is not None and outcome.error.startswith("The feed is broken XML (line ")
    after = await store.feeds.get(feed.id)
    assert after is not None and after.failures == 1 and after.last_error == outcome.error
    assert await store.reviews.count(GUILD) == 1 and after.entries_seen == 1


async def test_import_all_walks_wordpress_pages_and_next_links(
    feed_server: FeedServer, follower: Follower, store: ReviewStore
) -> None:
    generator = "<generator>https://wordpress.org/?v=6.5</generator>"
    feed_server.serve("/wp", rss([item("p3", "Three 3/5")], extra=generator))
    feed_server.serve("/wp?paged=2", rss([item("p2", "Two 2/5", days_ago=5)], extra=generator))
    feed_server.serve("/wp?paged=3", rss([item("p1", "One 1/5", days_ago=9)], extra=generator))
    once = await follower.import_url(feed_server.url("/wp"), guild_id=None)
    assert once.pages == 1 and await store.reviews.count(None) == 1
    walked = await follower.import_url(feed_server.url("/wp"), guild_id=None, walk_all=True)
    assert walked.pages == 3 and await store.reviews.count(None) == 3  # page 4 is a 404
    atom_next = (
        '<atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="next"'
        f' href="{feed_server.url("/older")}"/>'
    )
    feed_server.serve("/new", rss([item("n", "Newer 4/5")], extra=atom_next))
    feed_server.serve("/older", rss([item("o", "Older 4/5", days_ago=30)]))
    paged = await follower.import_url(feed_server.url("/new"), guild_id=GUILD, walk_all=True)
    assert paged.pages == 2 and await store.reviews.count(GUILD) == 3 + 2
