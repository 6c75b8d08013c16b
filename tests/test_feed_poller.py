"""The feed poller on its own: due feeds polled and counted, posts signalled, errors survived."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from reviewbot.feeds.fetch import Fetcher
from reviewbot.feeds.follow import Follower
from reviewbot.feeds.poller import FeedPoller
from reviewbot.review import utc_now
from reviewbot.store import Feed, FetchState, ReviewStore

from .feed_server import FeedServer, item, rss

GUILD, CHANNEL = 4242, 777
QUIET_SECONDS = 0.3


@pytest_asyncio.fixture
async def follower(store: ReviewStore) -> AsyncIterator[Follower]:
    async with Fetcher(allow_private=True, timeout=5) as fetcher:
        yield Follower(store, fetcher, interval=60)


async def until(condition: Callable[[], bool], what: str, within: float = 5) -> None:
    try:
        async with asyncio.timeout(within):
            while not condition():  # noqa: ASYNC110 - the poller offers a count, not an event
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


async def due_in(store: ReviewStore, feed: Feed, seconds: float) -> None:
    await store.feeds.record_unchanged(
        feed, FetchState(304), utc_now() + timedelta(seconds=seconds)
    )


async def test_due_feeds_are_polled_once_each_and_only_new_posts_are_signalled(
    store: ReviewStore,
    follower: Follower,
    feed_server: FeedServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    feeds = []
    for name in ("a", "b", "c"):
        feed_server.serve(f"/{name}", rss([item(f"{name}1", f"Film {name} 4/5")]))
        feed, _ = await follower.add(
            feed_server.url(f"/{name}"), guild_id=GUILD, channel_id=CHANNEL
        )
        feeds.append(feed)
        await due_in(store, feed, -1)
    # b changes, with nothing new to post: an entry without a rating.
    feed_server.serve("/b", rss([item("b2", "News of the blog"), item("b1", "Film b 4/5")]))
    signals: list[int] = []
    poller = FeedPoller(follower, on_queued=lambda: signals.append(poller.polls))
    poller.start()
    try:
        await until(lambda: poller.polls >= 3, "the three due feeds polled")
        with pytest.raises(AssertionError, match="timed out"):
            await until(lambda: poller.polls > 3, "a feed polled twice", QUIET_SECONDS)
        assert [feed_server.hits(f"/{name}") for name in "abc"] == [2, 2, 2]
        assert feed_server.statuses("/b") == [200, 200] and signals == []
        feed_server.serve("/a", rss([item("a2", "Film d 5/5"), item("a1", "Film a 4/5")]))
        await due_in(store, feeds[0], -1)
        poller.wake()
        await until(lambda: bool(signals), "the new post signalled")
        assert signals == [4]
    finally:
        await poller.stop()
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_a_feed_coming_due_is_polled_when_it_is_due(
    store: ReviewStore, follower: Follower, feed_server: FeedServer
) -> None:
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    feed, _ = await follower.add(feed_server.url(), guild_id=GUILD, channel_id=CHANNEL)
    await due_in(store, feed, 0.5)  # well before the poller's longest wait between looks
    poller = FeedPoller(follower)
    poller.start()
    try:
        await until(lambda: poller.polls == 1, "the feed polled once due")
    finally:
        await poller.stop()
    assert feed_server.hits("/feed") == 2


async def test_an_unexpected_error_is_logged_with_its_traceback(
    database: str | Path, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    async with ReviewStore.open(database) as closed:
        pass  # closed: every read now fails
    async with Fetcher(allow_private=True, timeout=5) as fetcher:
        poller = FeedPoller(Follower(closed, fetcher, interval=60))
        with caplog.at_level(logging.ERROR, logger="reviewbot.feeds.poller"):
            poller.start()
            try:
                await until(lambda: bool(caplog.records), "the error logged")
            finally:
                await poller.stop()
    [record] = caplog.records
    assert record.getMessage() == ("Polling feeds hit an unexpected error; trying again shortly")
    assert record.levelno == logging.ERROR and record.exc_info is not None
