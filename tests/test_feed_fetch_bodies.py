"""A feed's body as fetched: sizes at and over the bound, chunked or not, compressed, broken."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import pytest_asyncio
from aiohttp import web

from reviewbot.feeds.errors import FetchFailed
from reviewbot.feeds.fetch import ACCEPT, Fetcher

from .feed_server import FeedServer, item, rss

LIMIT = 1024 * 1024  # one MiB: the line then names a whole number
TOO_LARGE = "127.0.0.1 sent more than 1 MiB; a feed is much smaller."
PIECE = 16 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def chunked(size: int, *, compressed: bool = False) -> Handler:
    """An answer of `size` bytes sent in pieces, chunked, without a Content-Length."""

    async def answer(request: web.Request) -> web.StreamResponse:
        body = b"<" + b"x" * (size - 1)
        if compressed:
            body = gzip.compress(body)
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        if compressed:
            response.headers["Content-Encoding"] = "gzip"
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(body), PIECE):
            await response.write(body[start : start + PIECE])
        await response.write_eof()
        return response

    return answer


@pytest_asyncio.fixture
async def chunked_server() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/at-limit", chunked(LIMIT))
    app.router.add_get("/over-limit", chunked(LIMIT + 1))
    app.router.add_get("/far-over", chunked(3 * LIMIT))
    app.router.add_get("/gzip-over", chunked(LIMIT + 1, compressed=True))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(allow_private=True, timeout=5, max_bytes=LIMIT) as opened:
        yield opened


async def test_a_chunked_body_of_exactly_the_limit_is_read_whole(
    chunked_server: str, fetcher: Fetcher
) -> None:
    fetched = await fetcher.fetch(f"{chunked_server}/at-limit")
    assert fetched.status == 200 and fetched.body is not None
    assert len(fetched.body) == LIMIT and fetched.body.startswith(b"<x")


async def test_a_chunked_body_over_the_limit_is_refused_with_its_line(
    chunked_server: str, fetcher: Fetcher
) -> None:
    for path in ("/over-limit", "/far-over", "/gzip-over"):
        with pytest.raises(FetchFailed) as failed:
            await fetcher.fetch(f"{chunked_server}{path}")
        assert (str(failed.value), failed.value.status) == (TOO_LARGE, 200)


async def test_a_declared_length_at_the_limit_is_read_and_one_byte_more_refused(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.serve("/at-limit", b"<" + b"y" * (LIMIT - 1))
    feed_server.serve("/over-limit", b"<" + b"y" * LIMIT)
    fetched = await fetcher.fetch(feed_server.url("/at-limit"))
    assert fetched.body is not None and len(fetched.body) == LIMIT
    with pytest.raises(FetchFailed) as failed:
        await fetcher.fetch(feed_server.url("/over-limit"))
    assert str(failed.value) == TOO_LARGE


async def test_the_bot_asks_for_a_feed_compressed_and_reads_a_gzip_answer(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed = rss([item("a", "Her 4/5")])
    feed_server.serve("/feed", feed, gzip=True)
    fetched = await fetcher.fetch(feed_server.url())
    assert fetched.body == feed.encode()
    assert fetched.content_type == "application/rss+xml"
    [(_, headers)] = feed_server.requests
    assert headers["Accept-Encoding"] == "gzip, deflate"
    assert headers["Accept"] == ACCEPT


async def test_a_badly_compressed_answer_says_so(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.serve("/feed", b"not gzip at all", headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchFailed) as failed:
        await fetcher.fetch(feed_server.url())
    assert str(failed.value) == ("127.0.0.1 sent a broken answer (cut short or badly compressed).")


async def test_an_unexpected_client_error_is_named_in_one_line(fetcher: Fetcher) -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()  # the request read, no answer at all

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(FetchFailed) as failed:
            await fetcher.fetch(f"http://127.0.0.1:{port}/feed")
    finally:
        server.close()
        await server.wait_closed()
    assert str(failed.value) == "Fetching from 127.0.0.1 failed (ServerDisconnectedError)."
    assert failed.value.status is None
