"""Following a feed: adding it quietly, polling it (now or when due), and one-off imports."""

from __future__ import annotations

import hashlib
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..review import Category, utc_now
from ..store import Applied, Feed, FeedExistsError, FetchState, ImportResult, ReviewStore
from .addresses import check_url
from .entries import ParsedFeed, parse_feed
from .errors import FeedError, FetchFailed
from .fetch import Fetched, Fetcher

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 900.0
PAUSE_AFTER = 10  # failed polls in a row; `feed check` resumes
BACKOFF_MAX = 24 * 3600.0
JITTER = 0.1  # each wait is drawn within ±10%, so feeds added together drift apart
PAGES_MAX = 500  # pages an `import --all` walks back through


@dataclass
class PollOutcome:
    """What one poll of a feed did, in words for `feed check` and the logs."""

    feed: Feed
    status: int | None
    applied: Applied | None = None  # None when nothing had changed (304, same body)
    error: str | None = None
    paused: bool = False

    def summary(self) -> str:
        if self.error:
            pause = " The feed is paused until `feed check` succeeds." if self.paused else ""
            return f"{self.error}{pause}"
        if self.applied is None:
            return f"Nothing new (HTTP {self.status}, unchanged since the last poll)."
        return describe(self.applied, self.status)


@dataclass
class ImportOutcome:
    counts: dict[ImportResult, int] = field(default_factory=lambda: dict.fromkeys(ImportResult, 0))
    skipped: int = 0
    pages: int = 0

    def summary(self) -> str:
        parts = [f"{n:,} {result.value}" for result, n in self.counts.items()]
        parts.append(f"{self.skipped:,} skipped (not reviews)")
        return ", ".join(parts) + f" from {self.pages:,} page(s)"


def describe(applied: Applied, status: int | None) -> str:
    parts = [f"HTTP {status}" if status else "fetched"]
    parts.append(f"{applied.added} new review(s), {applied.updated} updated")
    if applied.skipped:
        parts.append(f"{applied.skipped} entr(ies) skipped (not reviews)")
    text = ": ".join(parts[:1]) + ": " + ", ".join(parts[1:]) + "."
    if applied.announced:
        titles = ", ".join(f"“{r.title}”" for r in applied.announced)
        text += f" Announcing {titles}."
    if applied.note:
        text += f" {applied.note}"
    if applied.problems:
        text += " Not stored: " + "; ".join(applied.problems[:3])
    return text


def normal_url(url: str) -> str:
    """The address as stored: checked, scheme and host in lower case, no fragment."""
    parts = urlsplit(check_url(url))
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )


class Follower:
    """The feeds' one way in: used by the shell, by the Discord commands and by the poller."""

    def __init__(
        self,
        store: ReviewStore,
        fetcher: Fetcher,
        *,
        interval: float = DEFAULT_INTERVAL,
        backoff_base: float | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.interval = interval
        self.backoff_base = interval if backoff_base is None else backoff_base
        self._rng = rng or random.Random()

    # Scheduling --------------------------------------------------------------------------------

    def _jittered(self, seconds: float) -> float:
        return seconds * self._rng.uniform(1 - JITTER, 1 + JITTER)

    def next_poll(self, after: datetime | None = None) -> datetime:
        return (after or utc_now()) + timedelta(seconds=self._jittered(self.interval))

    def backoff(self, failures: int, retry_after: float | None = None) -> float:
        """Seconds before trying a feed again after `failures` failed polls in a row."""
        wait = min(BACKOFF_MAX, self.backoff_base * 2.0 ** max(0, failures - 1))
        wait = self._jittered(wait)
        if retry_after is not None:
            wait = max(wait, min(retry_after, BACKOFF_MAX))
        return wait

    # Commands ----------------------------------------------------------------------------------

    async def add(
        self,
        url: str,
        *,
        guild_id: int | None,
        channel_id: int | None = None,
        category: Category = Category.OTHER,
    ) -> tuple[Feed, Applied]:
        """Follow a feed: fetched now, its current entries stored without announcing any.
        A feed that cannot be fetched or read is refused and nothing is stored."""
        url = normal_url(url)
        if await self.store.feeds.find(guild_id, url) is not None:
            raise FeedExistsError(url)
        fetched = await self.fetcher.fetch(url)
        parsed = self._parse(fetched, category, guild_id)
        return await self.store.feeds.add(
            guild_id,
            url,
            channel_id=channel_id,
            category=category,
            title=parsed.title,
            state=_state(fetched),
            entries=parsed.entries,
            next_poll_at=self.next_poll(),
        )

    async def find(self, guild_id: int | None, url: str) -> Feed:
        try:
            wanted = normal_url(url)
        except FeedError:
            wanted = url.strip()
        feed = await self.store.feeds.find(guild_id, wanted)
        if feed is None:
            raise FeedError(f"No feed with that address is followed here: {wanted[:200]}")
        return feed

    async def remove(self, guild_id: int | None, url: str) -> Feed:
        feed = await self.find(guild_id, url)
        await self.store.feeds.remove(guild_id, feed.url)
        return feed

    async def check(self, guild_id: int | None, url: str) -> PollOutcome:
        """Poll a feed now, paused or not, without the validators: a full fetch and read."""
        feed = await self.find(guild_id, url)
        return await self.poll(feed, conditional=False)

    async def poll(self, feed: Feed, *, conditional: bool = True) -> PollOutcome:
        """Fetch a feed, store what changed and queue its new entries; failures are recorded
        with a growing wait, and pause the feed after `PAUSE_AFTER` in a row."""
        try:
            fetched = await self.fetcher.fetch(
                feed.url,
                etag=feed.etag if conditional else None,
                last_modified=feed.last_modified if conditional else None,
            )
            state = _state(fetched)
            if fetched.not_modified or (conditional and state.body_digest == feed.body_digest):
                await self.store.feeds.record_unchanged(feed, state, self.next_poll())
                return PollOutcome(feed, fetched.status)
            parsed = self._parse(fetched, feed.category, feed.guild_id)
            applied = await self.store.feeds.apply(
                feed,
                parsed.entries,
                state=state,
                title=parsed.title,
                next_poll_at=self.next_poll(),
            )
        except FeedError as error:
            return await self._failed(feed, error)
        if applied.announced:
            log.info("Feed %s: %d new entr(ies) queued", feed.url, len(applied.announced))
        return PollOutcome(feed, fetched.status, applied)

    async def _failed(self, feed: Feed, error: FeedError) -> PollOutcome:
        failures = feed.failures + 1
        status = error.status if isinstance(error, FetchFailed) else None
        retry_after = error.retry_after if isinstance(error, FetchFailed) else None
        pause = failures >= PAUSE_AFTER
        reason = str(error)
        if pause:
            reason = f"Paused after {failures} failed polls in a row. Last: {error}"
        wait = self.backoff(failures, retry_after)
        await self.store.feeds.record_failure(
            feed, status, reason, utc_now() + timedelta(seconds=wait), pause=pause
        )
        log.info("Feed %s failed (%d in a row): %s", feed.url, failures, error)
        return PollOutcome(feed, status, error=str(error), paused=pause)

    def _parse(self, fetched: Fetched, category: Category, guild_id: int | None) -> ParsedFeed:
        assert fetched.body is not None
        return parse_feed(
            fetched.body,
            fetched.url,
            category=category,
            guild_id=guild_id,
            content_type=fetched.content_type,
        )

    # One-off imports ---------------------------------------------------------------------------

    async def import_url(
        self,
        url: str,
        *,
        guild_id: int | None,
        category: Category = Category.OTHER,
        walk_all: bool = False,
    ) -> ImportOutcome:
        """Import a feed's entries once, without following it; with `walk_all`, every older
        page too (RFC 5005 `next` links, or WordPress's `?paged=N`)."""
        outcome = ImportOutcome()
        page_url: str | None = normal_url(url)
        seen_pages: set[str] = set()
        seen_keys: set[str] = set()
        wordpress_page = 1
        while page_url and page_url not in seen_pages and outcome.pages < PAGES_MAX:
            seen_pages.add(page_url)
            try:
                fetched = await self.fetcher.fetch(page_url)
            except FetchFailed as failed:
                if outcome.pages and failed.status in (400, 404, 410):
                    break  # walked past the last page
                raise
            parsed = self._parse(fetched, category, guild_id)
            outcome.pages += 1
            fresh = [e for e in parsed.entries if e.key not in seen_keys]
            seen_keys.update(e.key for e in fresh)
            outcome.skipped += sum(1 for e in fresh if e.review is None)
            items = [(e.review, e.dated) for e in fresh if e.review is not None]
            for result, _ in await self.store.imports.add_or_update(items):
                outcome.counts[result] += 1
            if not walk_all or not fresh:
                break
            if parsed.next_page:
                page_url = parsed.next_page
            elif parsed.is_wordpress:
                wordpress_page += 1
                page_url = _with_page(url, wordpress_page)
            else:
                break
        return outcome


def _with_page(url: str, page: int) -> str:
    parts = urlsplit(normal_url(url))
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "paged"]
    query.append(("paged", str(page)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _state(fetched: Fetched) -> FetchState:
    body_digest = hashlib.sha256(fetched.body).hexdigest() if fetched.body is not None else None
    return FetchState(fetched.status, fetched.etag, fetched.last_modified, body_digest)
