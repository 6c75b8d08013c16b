"""A title holding every typed word answers the search: review text is not searched then."""

from __future__ import annotations

from reviewbot.store import ReviewStore

from .store_fixtures import make_review


async def titles(store: ReviewStore, text: str) -> list[str]:
    return [hit.title for hit in await store.search(text)]


async def test_a_title_holding_every_word_ends_the_search_with_the_words_known(
    store: ReviewStore,
) -> None:
    await store.reviews.add(make_review("A Quiet Night In", day=1, body="cosy"))
    await store.reviews.add(make_review("Daybreak", day=2, body="after a quiet night at home"))
    await store.reviews.add(make_review("Quiet Days", day=3, body="nothing happens"))
    assert await store.search.warm() > 0  # as the bot does before serving anyone
    assert await titles(store, "quiet night") == ["A Quiet Night In"]
    assert await titles(store, "night quiet ") == ["A Quiet Night In"]
    # A word in no title: the review text, and titles within a typo, answer instead.
    assert await titles(store, "home night") == ["Daybreak"]
