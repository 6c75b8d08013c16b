"""The fetcher never holds more connections open at once than it was given."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import suppress

import pytest_asyncio
from aiohttp import web

from reviewbot.feeds.fetch import Fetcher

from .feed_server import rss

CONNECTIONS = 2
FETCHES = 5


class HeldServer:
    """Answers only once let go, counting the requests it holds at once."""

    def __init__(self) -> None:
        self.held = 0
        self.most_held = 0
        self.changed = asyncio.Condition()
        self.let_go = asyncio.Event()

    async def answer(self, request: web.Request) -> web.Response:
        async with self.changed:
            self.held += 1
            self.most_held = max(self.most_held, self.held)
            self.changed.notify_all()
        await self.let_go.wait()
        self.held -= 1
        return web.Response(body=rss([]).encode(), content_type="application/rss+xml")


@pytest_asyncio.fixture
async def held() -> AsyncIterator[tuple[HeldServer, str]]:
    server = HeldServer()
    app = web.Application()
    app.router.add_get("/{name}", server.answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield server, f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        server.let_go.set()
        await runner.cleanup()


async def test_fetches_beyond_the_connections_wait_their_turn(
    held: tuple[HeldServer, str],
) -> None:
    server, base = held
    async with Fetcher(allow_private=True, timeout=10, connections=CONNECTIONS) as fetcher:
        fetches = [asyncio.create_task(fetcher.fetch(f"{base}/feed{n}")) for n in range(FETCHES)]
        async with server.changed:
            await asyncio.wait_for(server.changed.wait_for(lambda: server.held >= CONNECTIONS), 5)
            # The limit reached: a bounded while for a request beyond it to arrive.
            arrived_beyond = server.changed.wait_for(lambda: server.held > CONNECTIONS)
            with suppress(TimeoutError):
                await asyncio.wait_for(arrived_beyond, 0.5)
        server.let_go.set()
        answers = await asyncio.gather(*fetches)
    assert [answer.status for answer in answers] == [200] * FETCHES
    assert server.most_held == CONNECTIONS
