"""A real HTTP server on 127.0.0.1 serving feeds that the tests change as they go, and a fixture.

server.serve("/feed", rss([item("a", "Her ★★★★☆")]))   # answers 200, or 304 to its ETag
server.fail("/feed", 500, times=2)                      # then the feed again
server.redirect("/old", "/feed")
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import format_datetime
from html import escape

import pytest_asyncio
from aiohttp import web

from reviewbot.review import utc_now


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml"
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True  # answers If-None-Match with 304
    gzip: bool = False
    delay: float = 0.0


@dataclass
class Failure:
    status: int
    times: int | None
    headers: dict[str, str]


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.failures: dict[str, Failure] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.answers: list[tuple[str, int]] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def url(self, path: str = "/feed") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: bytes | str, **options: object) -> Route:
        data = body.encode() if isinstance(body, str) else body
        route = Route(body=data, **options)  # type: ignore[arg-type]
        self.routes[path] = route
        return route

    def fail(self, path: str, status: int, *, times: int | None = 1, **headers: str) -> None:
        self.failures[path] = Failure(
            status, times, {k.replace("_", "-"): v for k, v in headers.items()}
        )

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.routes[path] = Route(status=status, headers={"Location": location}, etag=False)

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def statuses(self, path: str) -> list[int]:
        return [status for p, status in self.answers if p == path]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path_qs
        self.requests.append((path, dict(request.headers)))
        response = await self._answer(request, path)
        self.answers.append((path, response.status))
        return response

    async def _answer(self, request: web.Request, path: str) -> web.StreamResponse:
        failure = self.failures.get(path)
        if failure is not None and failure.times != 0:
            if failure.times is not None:
                failure.times -= 1
            return web.Response(status=failure.status, text="failing", headers=failure.headers)
        route = self.routes.get(path)
        if route is None:
            return web.Response(status=404, text="no such feed")
        if route.delay:
            await asyncio.sleep(route.delay)
        headers = dict(route.headers)
        if route.status == 200 and route.etag:
            tag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
            headers["ETag"] = tag
            if request.headers.get("If-None-Match") == tag:
                return web.Response(status=304, headers=headers)
        body = route.body
        if route.gzip:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        return web.Response(
            status=route.status, body=body, headers=headers, content_type=route.content_type
        )


@pytest_asyncio.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@dataclass
class Item:
    guid: str
    title: str
    body: str = "A few honest words."
    days_ago: int = 0
    category: str | None = None


def item(guid: str, title: str, body: str = "A few honest words.", **fields: object) -> Item:
    return Item(guid, title, body, **fields)  # type: ignore[arg-type]


def rss(items: list[Item], title: str = "Test Blog", extra: str = "") -> str:
    """A WordPress-shaped RSS feed holding `items`, newest first."""
    now = utc_now()
    parts = []
    for entry in items:
        when = format_datetime(now.replace(microsecond=0) - timedelta(days=entry.days_ago))
        category = f"<category>{escape(entry.category)}</category>" if entry.category else ""
        parts.append(
            f"<item><title>{escape(entry.title)}</title>"
            f"<link>https://blog.example/{escape(entry.guid)}</link>"
            f'<guid isPermaLink="false">{escape(entry.guid)}</guid><pubDate>{when}</pubDate>'
            f"{category}<dc:creator>Test Writer</dc:creator>"
            f"<content:encoded><![CDATA[<p>{entry.body}</p>]]></content:encoded></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{escape(title)}</title><link>https://blog.example/</link>{extra}"
        + "".join(parts)
        + "</channel></rss>"
    )
