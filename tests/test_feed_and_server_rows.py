"""A followed feed and a server's settings read back whole, and what each poll counts."""

from __future__ import annotations

from datetime import timedelta

from reviewbot.review import Category, utc_now
from reviewbot.store import GuildSettings, ReviewStore

from .test_feed_store import GUILD, URL, entry, follow, poll


async def test_a_feed_is_found_by_its_server_and_address(store: ReviewStore) -> None:
    before = utc_now().replace(microsecond=0) - timedelta(seconds=1)
    feed, _ = await follow(store, [entry("a", "Her")])
    found = await store.feeds.find(GUILD, URL)
    assert found is not None and found == await store.feeds.get(feed.id)
    assert (found.guild_id, found.url, found.title, found.category) == (
        GUILD,
        URL,
        "A blog",
        Category.FILM,
    )
    assert before <= found.created_at <= utc_now()
    assert await store.feeds.find(GUILD + 1, URL) is None
    assert await store.feeds.find(None, URL) is None
    assert await store.feeds.find(GUILD, URL + "/other") is None


async def test_an_entry_under_a_new_key_counts_as_updated_or_unchanged(
    store: ReviewStore,
) -> None:
    feed, _ = await follow(store, [entry("a", "Her")])
    same = await poll(store, feed, [entry("b", "Her")])  # the same review, a new guid
    assert (same.added, same.updated, same.unchanged, same.announced) == (0, 0, 1, [])
    changed = await poll(store, feed, [entry("c", "Her", body="Rewritten.")])
    assert (changed.added, changed.updated, changed.unchanged, changed.announced) == (0, 1, 0, [])
    assert [r.body async for r in store.reviews.all(GUILD)] == ["Rewritten."]


async def test_a_servers_settings_come_back_for_that_server(store: ReviewStore) -> None:
    assert await store.guilds.settings(GUILD) == GuildSettings(GUILD)
    await store.guilds.set_review_channel(GUILD, 5)
    assert await store.guilds.settings(GUILD) == GuildSettings(GUILD, 5, None)
    await store.guilds.set_reviewer_role(GUILD, 6)
    assert await store.guilds.settings(GUILD) == GuildSettings(GUILD, 5, 6)
    assert await store.guilds.settings(GUILD + 1) == GuildSettings(GUILD + 1)
    await store.guilds.set_review_channel(GUILD, None)
    assert await store.guilds.settings(GUILD) == GuildSettings(GUILD, None, 6)
