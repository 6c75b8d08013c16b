"""Saved searches: read back whole, filters or none, only in the server that saved them."""

from __future__ import annotations

from reviewbot.review import Category, Rating
from reviewbot.store import ReviewStore
from reviewbot.store.search import SavedSearch

GUILD, OTHER = 7, 8


async def test_a_saved_search_is_read_back_with_its_filters_in_its_server_only(
    store: ReviewStore,
) -> None:
    saved = await store.search.save(GUILD, "zeppelin", Category.FILM, Rating(7))
    expected = SavedSearch(saved.id, GUILD, "zeppelin", Category.FILM, Rating(7))
    assert saved == expected
    assert await store.search.saved(saved.id, GUILD) == expected
    assert await store.search.saved(saved.id, OTHER) is None
    assert await store.search.saved(saved.id, None) is None
    assert await store.search.saved(saved.id + 1, GUILD) is None


async def test_a_search_saved_without_filters_has_none(store: ReviewStore) -> None:
    saved = await store.search.save(None, "heat")
    expected = SavedSearch(saved.id, None, "heat", None, None)
    assert saved == expected
    assert await store.search.saved(saved.id, None) == expected
    assert await store.search.saved(saved.id, GUILD) is None
    other = await store.search.save(GUILD, "her", min_rating=Rating(1))
    assert other.id != saved.id
    assert await store.search.saved(other.id, GUILD) == SavedSearch(
        other.id, GUILD, "her", None, Rating(1)
    )
