"""Fetching a feed like a good citizen: bounded in time and size, conditional, redirects checked."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver

from .. import __version__
from ..review import shown, utc_now
from .addresses import CheckingResolver, Networks, check_address, check_url, literal_address
from .errors import AddressRefused, FetchFailed

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024  # of the body once decompressed
MAX_REDIRECTS = 5
TIMEOUT_SECONDS = 30.0  # for the whole fetch, redirects included
RETRY_AFTER_MAX = 24 * 3600.0
USER_AGENT = f"reviewbot/{__version__} (a Discord bot following review blogs)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
_REDIRECTS = {301, 302, 303, 307, 308}
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Fetched:
    """What a fetch gave: a body (200), or nothing new since the validators sent (304)."""

    url: str  # after redirects
    status: int
    body: bytes | None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class Fetcher:
    """One HTTP client for every feed, with its limits; use it as an async context manager.

    `resolver` replaces the system's DNS (tests give it a fixed table); whatever it answers
    is checked before anything connects. `trusted` networks are allowed even when private
    addresses are not (one blog on the home network, a test server).
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        timeout: float = TIMEOUT_SECONDS,
        max_bytes: int = MAX_BYTES,
        resolver: AbstractResolver | None = None,
        connections: int = 64,
        trusted: Networks = (),
    ) -> None:
        self.allow_private = allow_private
        self.trusted = trusted
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._resolver = resolver
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                resolver=CheckingResolver(
                    allow_private=self.allow_private, inner=self._resolver, trusted=self.trusted
                ),
                use_dns_cache=False,  # every connection is made to an address checked just now
                limit=self._connections,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.timeout),
                headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,  # no proxy from the environment: it would see other addresses
                auto_decompress=True,
            )
        return self._session

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Fetched:
        """GET `url`, following up to `MAX_REDIRECTS` redirects, each checked like the first.

        Raises `AddressRefused` or `FetchFailed` with a message for people.
        """
        current = check_url(url)
        host = urlsplit(current).hostname or current
        try:
            async with asyncio.timeout(self.timeout):
                for hop in range(MAX_REDIRECTS + 1):
                    try:
                        fetched = await self._get(current, etag, last_modified)
                    except AddressRefused as refused:
                        if hop == 0 or "redirected to" in str(refused):
                            raise
                        raise AddressRefused(
                            f"{host} redirected to an address refused: {refused}"
                        ) from None
                    if isinstance(fetched, Fetched):
                        return fetched
                    current = fetched
        except TimeoutError:
            raise FetchFailed(f"{host} did not answer within {self.timeout:g} seconds.") from None
        except aiohttp.ClientSSLError:
            raise FetchFailed(f"{host}'s secure connection could not be verified.") from None
        except aiohttp.ClientConnectorError as error:
            reason = error.os_error.strerror or str(error.os_error) or "refused"
            raise FetchFailed(f"Could not connect to {host} ({reason.lower()}).") from None
        except aiohttp.ClientPayloadError:
            raise FetchFailed(
                f"{host} sent a broken answer (cut short or badly compressed)."
            ) from None
        except aiohttp.InvalidURL:
            raise AddressRefused(f"“{shown(current)}” is not a web address I can fetch.") from None
        except aiohttp.ClientError as error:
            log.debug("Fetching %s failed", current, exc_info=True)
            raise FetchFailed(f"Fetching from {host} failed ({type(error).__name__}).") from None
        raise FetchFailed(
            f"{host} redirected more than {MAX_REDIRECTS} times; give the final address."
        )

    async def _get(self, url: str, etag: str | None, last_modified: str | None) -> Fetched | str:
        """The answer at `url`, or the checked address it redirects to."""
        host = urlsplit(url).hostname or ""
        literal = literal_address(host)
        if literal is not None:  # aiohttp does not ask the resolver about addresses
            check_address(host, literal, allow_private=self.allow_private, trusted=self.trusted)
        headers = {"Accept-Encoding": "gzip, deflate"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        async with self._client().get(url, headers=headers, allow_redirects=False) as response:
            status = response.status
            if status in _REDIRECTS:
                location = response.headers.get("Location")
                if not location:
                    raise FetchFailed(
                        f"{host} answered {status} (a redirect) without saying where."
                    )
                try:
                    return check_url(urljoin(url, location))
                except AddressRefused as refused:
                    raise AddressRefused(
                        f"{host} redirected to an address refused: {refused}"
                    ) from None
            validators = {
                "etag": response.headers.get("ETag"),
                "last_modified": response.headers.get("Last-Modified"),
            }
            if status == 304:
                return Fetched(url, status, None, **validators)
            if status != 200:
                raise FetchFailed(
                    _status_text(host, status),
                    status=status,
                    retry_after=retry_after(response.headers.get("Retry-After")),
                )
            body = await self._read(response, host)
            return Fetched(url, status, body, content_type=response.content_type, **validators)

    async def _read(self, response: aiohttp.ClientResponse, host: str) -> bytes:
        limit = self.max_bytes
        too_large = FetchFailed(
            f"{host} sent more than {limit / 1024 / 1024:g} MiB; a feed is much smaller.",
            status=response.status,
        )
        if response.content_length is not None and response.content_length > limit:
            raise too_large
        chunks, size = [], 0
        async for chunk in response.content.iter_chunked(_CHUNK):  # decompressed as it comes
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
        return b"".join(chunks)


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), within a day."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        seconds = float(value[:9])
    else:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (moment - utc_now()).total_seconds() if moment.tzinfo else 0.0
    return min(max(seconds, 0.0), RETRY_AFTER_MAX)


def _status_text(host: str, status: int) -> str:
    if status == 404 or status == 410:
        return f"{host} answered {status}: there is no feed at that address (any more)."
    if status in (401, 403):
        return f"{host} answered {status}: the feed is private or refuses the bot."
    if status == 429:
        return f"{host} answered 429: too many requests; the bot waits before asking again."
    if status >= 500:
        return f"{host} answered {status}: the blog's server has a problem; the bot will retry."
    return f"{host} answered {status} instead of a feed."
