"""The feeds room: seen keys, quiet adds, one announcement per new entry, edits in place."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from reviewbot.feeds.entries import digest
from reviewbot.review import Category, utc_now
from reviewbot.store import FeedEntry, FeedExistsError, FetchState, ReviewStore
from reviewbot.store.feeds import FLOOD_LIMIT

from .store_fixtures import make_review

GUILD, CHANNEL = 4242, 777
URL = "https://blog.example/feed"
OK = FetchState(status=200, etag='"v1"', body_digest="d1")


def entry(key: str, title: str, *, guild_id: int | None = GUILD, **fields: Any) -> FeedEntry:
    review = make_review(title, guild_id=guild_id, **fields)
    return FeedEntry(f"id:{key}", digest(review, True), review)


async def outbox(store: ReviewStore) -> list[tuple[Any, ...]]:
    return [
        tuple(row)
        for row in await store.db.fetch(
            "SELECT guild_id, review_id, action, channel_id FROM outbox ORDER BY id"
        )
    ]


async def follow(
    store: ReviewStore,
    entries: list[FeedEntry],
    guild_id: int | None = GUILD,
    state: FetchState = OK,
) -> Any:
    feed, applied = await store.feeds.add(
        guild_id,
        URL,
        channel_id=CHANNEL,
        category=Category.FILM,
        title="A blog",
        state=state,
        entries=entries,
        next_poll_at=utc_now() + timedelta(seconds=900),
    )
    return feed, applied


async def poll(store: ReviewStore, feed: Any, entries: list[FeedEntry]) -> Any:
    fresh = await store.feeds.get(feed.id)
    return await store.feeds.apply(
        fresh, entries, state=OK, title="A blog", next_poll_at=utc_now() + timedelta(seconds=900)
    )


async def test_adding_a_feed_stores_its_entries_quietly(store: ReviewStore) -> None:
    feed, applied = await follow(store, [entry("a", "Her", day=2), entry("b", "Heat", day=1)])
    assert (applied.added, applied.announced) == (2, [])
    assert await outbox(store) == []
    assert feed.entries_seen == 2 and feed.last_status == 200 and feed.etag == '"v1"'
    assert await store.reviews.count(GUILD) == 2 and await store.reviews.count(None) == 0
    latest = await store.reviews.latest(GUILD)
    assert latest is not None and latest.review.title == "Her"  # the blog's own dates


async def test_a_new_entry_is_announced_once_in_the_feeds_channel(store: ReviewStore) -> None:
    feed, _ = await follow(store, [entry("a", "Her")])
    new = entry("b", "Heat", day=5)
    applied = await poll(store, feed, [new, entry("a", "Her")])
    [review] = applied.announced
    assert review.title == "Heat"
    assert await outbox(store) == [(GUILD, review.id, "post", CHANNEL)]
    again = await poll(store, feed, [new, entry("a", "Her")])
    assert (again.announced, again.unchanged) == ([], 2)
    assert len(await outbox(store)) == 1
    assert (await store.feeds.get(feed.id)).last_new_at is not None  # type: ignore[union-attr]


async def test_reordered_redated_and_undated_entries_announce_nothing(store: ReviewStore) -> None:
    a, b = entry("a", "Her", day=1), entry("b", "Heat", day=2)
    feed, _ = await follow(store, [a, b])
    redated = entry("a", "Her", day=40)  # re-dated to the newest: still the same entry
    undated = FeedEntry(b.key, "other", b.review, dated=False)
    applied = await poll(store, feed, [undated, redated])
    assert applied.announced == [] and applied.updated == 2
    assert await outbox(store) == []


async def test_an_edited_entry_updates_its_review_even_retitled_and_its_post(
    store: ReviewStore,
) -> None:
    feed, _ = await follow(store, [entry("a", "Her")])
    [stored] = [r async for r in store.reviews.all(GUILD)]
    item = await store.posts.queue(GUILD, [stored.stored_id])
    [row] = await store.posts.due()
    assert item == 1
    await store.posts.delivered(row, CHANNEL, 999)  # as if the review had been posted
    applied = await poll(store, feed, [entry("a", "Her (2013)", body="Rewritten.")])
    assert (applied.updated, applied.added, applied.announced) == (1, 0, [])
    [after] = [r async for r in store.reviews.all(GUILD)]
    assert (after.id, after.title, after.body) == (stored.id, "Her (2013)", "Rewritten.")
    assert (await outbox(store))[-1] == (GUILD, stored.id, "edit", CHANNEL)


async def test_many_new_entries_at_once_announce_only_the_newest(store: ReviewStore) -> None:
    feed, _ = await follow(store, [entry("a", "Her")])
    flood = [entry(f"n{i}", f"New {i}", day=10 + i) for i in range(FLOOD_LIMIT + 2)]
    applied = await poll(store, feed, flood)
    assert [r.title for r in applied.announced] == [f"New {FLOOD_LIMIT + 1}"]
    assert applied.added == FLOOD_LIMIT + 2
    assert len(await outbox(store)) == 1
    note = (await store.feeds.get(feed.id)).note  # type: ignore[union-attr]
    assert note is not None and "only the newest" in note and "entry ids" in note
    few = await poll(store, feed, [entry(f"m{i}", f"More {i}", day=30 + i) for i in range(2)])
    assert [r.title for r in few.announced] == ["More 0", "More 1"]  # in publication order


async def test_an_entry_whose_guid_changed_is_not_a_new_review(store: ReviewStore) -> None:
    feed, _ = await follow(store, [entry("a", "Her")])
    applied = await poll(store, feed, [entry("a-renamed", "Her")])
    assert applied.announced == [] and applied.added == 0
    assert await store.reviews.count(GUILD) == 1


async def test_a_catalogue_feed_announces_nothing(store: ReviewStore) -> None:
    feed, _ = await follow(store, [entry("a", "Her", guild_id=None)], guild_id=None)
    applied = await poll(store, feed, [entry("b", "Heat", guild_id=None)])
    assert applied.added == 1 and applied.announced == [] and await outbox(store) == []
    assert await store.reviews.count(None) == 2


async def test_a_retitled_entry_that_clashes_is_noted_and_the_rest_stored(
    store: ReviewStore,
) -> None:
    feed, _ = await follow(store, [entry("a", "Her"), entry("b", "Heat")])
    applied = await poll(store, feed, [entry("a", "Heat", body="Clash."), entry("c", "Alien")])
    assert applied.added == 1 and len(applied.problems) == 1
    assert "already in the catalogue" in applied.problems[0]
    titles = sorted([r.title async for r in store.reviews.all(GUILD)])
    assert titles == ["Alien", "Heat", "Her"]
    retry = await poll(store, feed, [entry("a", "Her 2", body="Fixed.")])
    assert retry.updated == 1  # the clashing entry was not remembered: it is tried again


async def test_the_same_feed_twice_is_refused_and_other_servers_are_apart(
    store: ReviewStore,
) -> None:
    await follow(store, [entry("a", "Her")])
    try:
        await follow(store, [])
    except FeedExistsError as error:
        assert "already followed here" in str(error)
    else:
        raise AssertionError("added twice")
    other, _ = await follow(store, [entry("a", "Her", guild_id=5)], guild_id=5)
    assert [f.url for f in await store.feeds.followed(5)] == [URL]
    assert len(await store.feeds.followed(GUILD)) == 1 and other.guild_id == 5


async def test_failures_pause_due_and_removal(store: ReviewStore) -> None:
    feed, _ = await follow(store, [entry("a", "Her")])
    soon = utc_now() - timedelta(seconds=1)
    await store.feeds.record_failure(feed, 500, "It broke.", soon, pause=False)
    [due] = await store.feeds.due(utc_now(), 10)
    assert (due.failures, due.last_status, due.last_error) == (1, 500, "It broke.")
    await store.feeds.record_failure(due, None, "Still broken.", soon, pause=True)
    assert await store.feeds.due(utc_now(), 10) == []  # paused feeds are not polled
    await store.feeds.record_unchanged(due, FetchState(304), soon)
    resumed = await store.feeds.get(feed.id)
    assert resumed is not None and (resumed.failures, resumed.paused) == (0, False)
    assert resumed.last_error is None and resumed.etag == '"v1"'
    assert await store.feeds.remove(GUILD, URL)
    assert not await store.feeds.remove(GUILD, URL)
    assert await store.reviews.count(GUILD) == 1  # its reviews stay


async def test_an_entry_seen_before_that_becomes_a_review_later_is_not_announced(
    store: ReviewStore,
) -> None:
    news = FeedEntry("id:n", "no rating yet", None, skipped="no rating")
    feed, applied = await follow(store, [news])
    assert (applied.skipped, applied.added) == (1, 0)
    rated = await poll(store, feed, [entry("n", "Her")])  # the post gained a rating
    assert (rated.added, rated.announced) == (1, [])
    assert await outbox(store) == []
