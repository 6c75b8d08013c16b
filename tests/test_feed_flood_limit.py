"""A poll with exactly the flood limit of new entries announces them all; one more, the newest."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from reviewbot.review import utc_now
from reviewbot.store import ReviewStore
from reviewbot.store.feeds import FLOOD_LIMIT

from .test_feed_store import OK, entry, follow


async def poll_new(store: ReviewStore, count: int) -> tuple[Any, list[str]]:
    """Follow a feed, then poll it with `count` new entries; the reviews queued to post."""
    feed, _ = await follow(store, [entry("old", "Her")])
    new = [entry(f"n{i}", f"New {i}", day=10 + i) for i in range(count)]
    applied = await store.feeds.apply(
        feed, new, state=OK, title="A blog", next_poll_at=utc_now() + timedelta(seconds=900)
    )
    queued = await store.db.fetch(
        "SELECT r.title FROM outbox o JOIN reviews r ON r.id = o.review_id"
        " WHERE o.action = 'post' ORDER BY o.id"
    )
    assert applied.added == count
    return await store.feeds.get(feed.id), [row[0] for row in queued]


async def test_exactly_the_flood_limit_of_new_entries_are_all_announced(
    store: ReviewStore,
) -> None:
    feed, queued = await poll_new(store, FLOOD_LIMIT)
    assert queued == [f"New {i}" for i in range(FLOOD_LIMIT)]  # oldest first
    assert feed.note is None


async def test_one_more_than_the_flood_limit_announces_only_the_newest_and_says_so(
    store: ReviewStore,
) -> None:
    feed, queued = await poll_new(store, FLOOD_LIMIT + 1)
    assert queued == [f"New {FLOOD_LIMIT}"]
    assert feed.note == (
        f"{FLOOD_LIMIT + 1} new entries appeared at once (did the blog change its entry ids?):"
        f" only the newest, “New {FLOOD_LIMIT}”, was announced; the others joined quietly."
    )
