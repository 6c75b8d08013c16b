"""What a poll leaves on the feed and counts: validators kept, entries counted, order, notes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from reviewbot.review import utc_now
from reviewbot.store import Feed, FeedEntry, FetchState, ReviewStore

from .test_feed_store import entry
from .test_feed_store import follow as follow_feed

MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT"
OK = FetchState(status=200, etag='"v1"', last_modified=MODIFIED, body_digest="d1")


def not_a_review(key: str) -> FeedEntry:
    return FeedEntry(f"id:{key}", f"digest of {key}", None, skipped="no rating")


async def follow(store: ReviewStore, entries: list[FeedEntry]) -> Any:
    return await follow_feed(store, entries, state=OK)


async def poll(store: ReviewStore, feed: Feed, entries: list[FeedEntry]) -> Any:
    fresh = await store.feeds.get(feed.id)
    assert fresh is not None
    return await store.feeds.apply(
        fresh, entries, state=OK, title="A blog", next_poll_at=utc_now() + timedelta(seconds=900)
    )


async def test_a_feed_read_back_keeps_its_validators_and_when_it_was_fetched(
    store: ReviewStore,
) -> None:
    before = utc_now()
    feed, _ = await follow(store, [entry("a", "Her")])
    read = await store.feeds.get(feed.id)
    assert read is not None
    assert (read.etag, read.last_modified, read.body_digest) == ('"v1"', MODIFIED, "d1")
    assert read.last_fetch_at is not None
    assert before - timedelta(seconds=5) <= read.last_fetch_at <= utc_now() + timedelta(seconds=5)


async def test_every_entry_skipped_or_unchanged_is_counted(store: ReviewStore) -> None:
    a, b = entry("a", "Her"), entry("b", "Heat")
    feed, applied = await follow(store, [a, not_a_review("x"), b, not_a_review("y")])
    assert (applied.added, applied.skipped) == (2, 2)
    # The blog changed its entry ids: the same reviews under new keys change nothing.
    renamed = [FeedEntry(e.key + "-renamed", e.digest, e.review) for e in (a, b)]
    again = await poll(store, feed, renamed)
    assert (again.unchanged, again.updated, again.added) == (2, 0, 0)


async def test_new_entries_dated_alike_are_announced_in_the_feeds_order(
    store: ReviewStore,
) -> None:
    feed, _ = await follow(store, [entry("a", "Her")])
    applied = await poll(store, feed, [entry(k, f"Film {k}", day=3) for k in ("c", "d", "e")])
    assert [r.title for r in applied.announced] == ["Film c", "Film d", "Film e"]


async def test_an_entry_that_could_not_be_stored_is_the_feeds_note(store: ReviewStore) -> None:
    feed, _ = await follow(store, [entry("a", "Her"), entry("b", "Heat")])
    applied = await poll(store, feed, [entry("a", "Heat", body="Clash.")])
    [problem] = applied.problems
    assert problem.startswith("“Heat”: ") and "already in the catalogue" in problem
    read = await store.feeds.get(feed.id)
    assert read is not None and read.note == problem
