"""A word in a great many titles: the title words are still built, and typos still found."""

from __future__ import annotations

from reviewbot.store import ReviewStore
from reviewbot.store.title_words import COMMON_MIN_TITLES

from .store_fixtures import make_review


async def test_typos_are_found_beside_a_word_common_to_many_titles(store: ReviewStore) -> None:
    names = ["Lighthouse", "Harbour", "Meadow"] + [f"Number{n}" for n in range(COMMON_MIN_TITLES)]
    for day, name in enumerate(names):
        await store.reviews.add(make_review(f"The {name}", day=day))
    assert await store.search.warm() == len(names) + 1  # every name, and "the"
    hits = await store.search("the lighthuose")
    assert [hit.title for hit in hits] == ["The Lighthouse"]
