"""What a feed's failures, refusals and polls say, whole, and how its HTML reads in Discord."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from reviewbot.feeds.addresses import refusal
from reviewbot.feeds.errors import FetchFailed
from reviewbot.feeds.fetch import Fetcher
from reviewbot.feeds.follow import Follower, describe
from reviewbot.feeds.markdown import html_to_markdown
from reviewbot.review import utc_now
from reviewbot.store import Applied, ReviewStore

from .feed_server import FeedServer, item, rss
from .store_fixtures import make_review

GUILD = 4242


@pytest_asyncio.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(allow_private=True, timeout=5) as opened:
        yield opened


STATUSES = {
    401: "127.0.0.1 answered 401: the feed is private or refuses the bot.",
    403: "127.0.0.1 answered 403: the feed is private or refuses the bot.",
    404: "127.0.0.1 answered 404: there is no feed at that address (any more).",
    410: "127.0.0.1 answered 410: there is no feed at that address (any more).",
    429: "127.0.0.1 answered 429: too many requests; the bot waits before asking again.",
    500: "127.0.0.1 answered 500: the blog's server has a problem; the bot will retry.",
    418: "127.0.0.1 answered 418 instead of a feed.",
}


async def test_each_error_status_is_explained_in_one_line(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    for status, message in STATUSES.items():
        feed_server.fail(f"/{status}", status)
        with pytest.raises(FetchFailed) as failed:
            await fetcher.fetch(feed_server.url(f"/{status}"))
        assert (str(failed.value), failed.value.status) == (message, status)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("0.0.0.0", "an unspecified address"),
        ("::", "an unspecified address"),
        ("127.0.0.1", "a loopback address (this machine)"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("224.0.0.1", "a multicast address"),
        ("10.1.2.3", "a private network address"),
        ("::ffff:192.168.1.1", "a private network address"),
        ("64:ff9b::a01:203", "a private network address"),  # NAT64 of 10.1.2.3
        ("64:ff9b::808:808", None),  # NAT64 of a public address
        ("8.8.8.8", None),
        ("100.64.0.1", "a reserved address"),
    ],
)
def test_each_refused_address_says_why(address: str, reason: str | None) -> None:
    assert refusal(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        ("<p>One</p><hr><p>Two</p>", "One\n\nTwo"),
        ("<p>One<hr>Two</p>", "One\n\nTwo"),
        ("<p>A<img src='https://x.example/a.png' alt='pic'>B</p>", "AB"),
        (
            "<p><a href='https://x.example/a_(b)'>see] this</a></p>",
            "[see this](https://x.example/a_(b%29)",
        ),
        ("<p><a href='https://x.example/'>https://x.example/</a></p>", "https://x.example/"),
        ("<p><a href='/relative'>here</a></p>", "here"),
        ("<h2> </h2><p>Body</p>", "Body"),
        ("<h2>A   title</h2><p>Body</p>", "**A title**\n\nBody"),
        ("One  \r\nTwo\xa0three \nFour", "One\nTwo three\nFour"),  # plain text: only tidied
        ("<p>One\xa0two</p>", "One two"),
    ],
)
def test_links_headings_rules_and_images_read_as_discord_shows_them(
    html: str, markdown: str
) -> None:
    assert html_to_markdown(html) == markdown


def test_a_polls_description_names_what_it_did() -> None:
    quiet = Applied(added=0, updated=0)
    assert describe(quiet, None) == "fetched: 0 new review(s), 0 updated."
    busy = Applied(
        added=2,
        updated=1,
        skipped=3,
        announced=[make_review("Her"), make_review("Heat")],
        note="Only the newest are announced.",
        problems=["one", "two", "three", "four"],
    )
    assert describe(busy, 200) == (
        "HTTP 200: 2 new review(s), 1 updated, 3 entr(ies) skipped (not reviews)."
        " Announcing “Her”, “Heat”. Only the newest are announced. Not stored: one; two; three"
    )


@pytest_asyncio.fixture
async def follower(store: ReviewStore, fetcher: Fetcher) -> Follower:
    return Follower(store, fetcher, interval=900, backoff_base=10)


async def test_an_import_counts_each_entry_into_the_server_it_names(
    feed_server: FeedServer, follower: Follower, store: ReviewStore
) -> None:
    notes = item("note", "Site news", body="We moved house.")
    feed_server.serve("/feed", rss([item("a", "Her 4/5"), item("b", "Heat 5/5"), notes]))
    first = await follower.import_url(feed_server.url(), guild_id=GUILD)
    assert first.summary() == (
        "2 added, 0 updated, 0 unchanged, 1 skipped (not reviews) from 1 page(s)"
    )
    assert (await store.reviews.count(GUILD), await store.reviews.count(None)) == (2, 0)
    again = await follower.import_url(feed_server.url(), guild_id=GUILD)
    assert again.summary() == (
        "0 added, 0 updated, 2 unchanged, 1 skipped (not reviews) from 1 page(s)"
    )
    feed_server.fail("/gone", 404)
    with pytest.raises(FetchFailed) as failed:
        await follower.import_url(feed_server.url("/gone"), guild_id=GUILD, walk_all=True)
    assert failed.value.status == 404


async def test_a_check_reads_the_whole_feed_and_a_poll_may_find_nothing_new(
    feed_server: FeedServer, follower: Follower
) -> None:
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    feed, _ = await follower.add(feed_server.url(), guild_id=GUILD)
    unchanged = await follower.poll(feed)
    assert unchanged.summary() == "Nothing new (HTTP 304, unchanged since the last poll)."
    checked = await follower.check(GUILD, feed_server.url())
    assert checked.summary() == "HTTP 200: 0 new review(s), 0 updated."
    assert "If-None-Match" not in feed_server.requests[-1][1]


async def test_polls_are_spread_within_a_tenth_of_the_interval(
    store: ReviewStore, fetcher: Fetcher
) -> None:
    follower = Follower(store, fetcher, interval=900)
    start = utc_now()
    waits = [(follower.next_poll(start) - start).total_seconds() for _ in range(200)]
    assert all(810 <= wait <= 990 for wait in waits)
    assert min(waits) < 870 and max(waits) > 930  # spread, not one fixed wait
    backoffs = [follower.backoff(1) for _ in range(50)]  # the interval is the first backoff
    assert all(810 <= wait <= 990 for wait in backoffs)


async def test_a_failed_poll_is_logged_for_the_operator(
    feed_server: FeedServer, follower: Follower, caplog: pytest.LogCaptureFixture
) -> None:
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    feed, _ = await follower.add(feed_server.url(), guild_id=GUILD)
    feed_server.fail("/feed", 404)
    caplog.set_level(logging.INFO, logger="reviewbot.feeds.follow")
    outcome = await follower.poll(feed)
    message = "127.0.0.1 answered 404: there is no feed at that address (any more)."
    assert outcome.summary() == message
    assert [r.getMessage() for r in caplog.records if r.name == "reviewbot.feeds.follow"] == [
        f"Feed {feed.url} failed (1 in a row): {message}"
    ]
