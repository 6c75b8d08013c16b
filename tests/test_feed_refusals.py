"""Why a feed's address or answer is refused, each in one whole line, and what a fetch sends."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp.abc import AbstractResolver, ResolveResult

from reviewbot.feeds.addresses import CheckingResolver, check_address, check_url
from reviewbot.feeds.errors import AddressRefused, FetchFailed
from reviewbot.feeds.fetch import Fetcher

from .feed_server import FeedServer, item, rss

LONG_HOST = "a" * 90 + ".example"
LONG_SHOWN = "a" * 79 + "…"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://[::1", "“http://[::1” is not a web address I can read."),
        (
            "ftp://blog.example/feed",
            "“ftp://blog.example/feed” is not a feed address: give a full http(s) address,"
            " like https://example.com/feed",
        ),
        (
            "https://me:secret@blog.example/feed",
            "Feed addresses with a user name or password are not supported.",
        ),
        (
            "https://me@blog.example/feed",
            "Feed addresses with a user name or password are not supported.",
        ),
        (
            "https://blog.example/my feed",
            "That address holds spaces or invisible characters; copy it again.",
        ),
    ],
)
def test_an_address_that_is_not_a_feeds_is_refused_in_one_line(url: str, message: str) -> None:
    with pytest.raises(AddressRefused) as refused:
        check_url(url)
    assert str(refused.value) == message


def test_a_private_address_names_the_setting_that_allows_it() -> None:
    with pytest.raises(AddressRefused) as refused:
        check_address("router.lan", ipaddress.ip_address("10.0.0.1"), allow_private=False)
    assert str(refused.value) == (
        "router.lan (10.0.0.1) is a private network address: feeds are fetched from public"
        " internet addresses only (the bot's operator can allow private ones with"
        " REVIEWBOT_FEEDS_ALLOW_PRIVATE)."
    )


class Answers(AbstractResolver):
    """A resolver that gives fixed answers, or fails as a resolver does."""

    def __init__(self, hosts: list[str] | None) -> None:
        self.hosts = hosts

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if self.hosts is None:
            raise OSError("no such host")
        return [
            ResolveResult(hostname=host, host=h, port=port, family=family, proto=0, flags=0)
            for h in self.hosts
        ]

    async def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (None, f"The host {LONG_SHOWN} could not be found."),
        ([], f"The host {LONG_SHOWN} has no address."),
        (["not-an-address"], f"The host {LONG_SHOWN} has no usable address."),
    ],
)
async def test_a_host_without_a_usable_address_is_refused_in_one_line(
    answers: list[str] | None, message: str
) -> None:
    resolver = CheckingResolver(allow_private=False, inner=Answers(answers))
    with pytest.raises(AddressRefused) as refused:
        await resolver.resolve(LONG_HOST)
    assert str(refused.value) == message


async def test_the_systems_resolver_is_used_when_none_is_given() -> None:
    resolver = CheckingResolver(allow_private=True)
    try:
        found = await resolver.resolve("localhost")
    finally:
        await resolver.close()
    assert found and all(result["port"] == 0 for result in found)
    assert any(ipaddress.ip_address(result["host"]).is_loopback for result in found)


@pytest_asyncio.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(allow_private=True, timeout=5) as opened:
        yield opened


async def test_a_closed_port_is_one_line(fetcher: Fetcher) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchFailed) as failed:
        await fetcher.fetch(f"http://127.0.0.1:{port}/feed")
    assert str(failed.value) == (
        f"Could not connect to 127.0.0.1 (connect call failed ('127.0.0.1', {port}))."
    )


async def test_a_badly_compressed_answer_is_one_line(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.serve("/feed", b"not gzip at all", headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchFailed) as failed:
        await fetcher.fetch(feed_server.url())
    assert str(failed.value) == "127.0.0.1 sent a broken answer (cut short or badly compressed)."


async def test_a_feed_said_to_be_too_large_is_refused_before_reading(
    feed_server: FeedServer,
) -> None:
    feed_server.serve("/feed", b"<rss>" + b"x" * (1024 * 1024 + 1))
    async with Fetcher(allow_private=True, timeout=5, max_bytes=1024 * 1024) as small:
        with pytest.raises(FetchFailed) as failed:
            await small.fetch(feed_server.url())
    assert (str(failed.value), failed.value.status) == (
        "127.0.0.1 sent more than 1 MiB; a feed is much smaller.",
        200,
    )


async def test_a_fetch_sends_its_validators_and_keeps_them_when_not_modified(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    stamp = "Wed, 21 Oct 2015 07:28:00 GMT"
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]), headers={"Last-Modified": stamp})
    first = await fetcher.fetch(feed_server.url())
    assert first.status == 200 and first.last_modified == stamp and first.etag is not None
    again = await fetcher.fetch(feed_server.url(), etag=first.etag, last_modified=stamp)
    assert (again.status, again.body, again.etag) == (304, None, first.etag)
    sent = feed_server.requests[-1][1]
    assert (sent["If-None-Match"], sent["If-Modified-Since"]) == (first.etag, stamp)


async def test_a_name_resolving_into_a_trusted_network_is_fetched(
    feed_server: FeedServer,
) -> None:
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    names = Answers(["127.0.0.1"])
    url = feed_server.url().replace("127.0.0.1", "blog.test")
    trusted = [ipaddress.ip_network("127.0.0.0/8")]
    async with Fetcher(allow_private=False, timeout=5, resolver=names, trusted=trusted) as fetcher:
        fetched = await fetcher.fetch(url)
    assert fetched.status == 200 and fetched.body is not None and b"Her 4/5" in fetched.body
    async with Fetcher(allow_private=False, timeout=5, resolver=Answers(["127.0.0.1"])) as strict:
        with pytest.raises(AddressRefused) as refused:
            await strict.fetch(url)
    assert str(refused.value).startswith("blog.test (127.0.0.1) is a loopback address")
