"""What a feed's failures, refusals and polls say, whole, and how its HTML reads in Discord."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from reviewbot.feeds.addresses import refusal
from reviewbot.feeds.errors import FetchFailed
from reviewbot.feeds.fetch import Fetcher
from reviewbot.feeds.follow import describe
from reviewbot.feeds.markdown import html_to_markdown
from reviewbot.store import Applied

from .feed_server import FeedServer
from .store_fixtures import make_review


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
