"""Typo hits in the order a reader expects: a start typed right is no slip, of two title words
as close the first is the one read, and a typed title word is read as another only one edit
away."""

from __future__ import annotations

from reviewbot.store import ReviewStore

from .store_fixtures import make_review
from .test_search import titles


async def test_a_start_typed_right_beside_a_slip_ranks_before_the_text(
    store: ReviewStore,
) -> None:
    await store.reviews.add(make_review("Harbour Nights", day=1))
    await store.reviews.add(make_review("Daybreak", day=2, body="the harbuor nigh at dawn"))
    await store.search.warm()
    # "nigh" begins "nights" as typed: only "harbuor" has a slip, so the title is as close as
    # a review whose text holds the words as typed, and a title comes first.
    assert await titles(store, "harbuor nigh") == ["Harbour Nights", "Daybreak"]


async def test_of_two_title_words_as_close_the_first_is_the_one_read(store: ReviewStore) -> None:
    await store.reviews.add(make_review("Bay Cat", day=1))
    await store.reviews.add(make_review("Bay Bye", day=2))
    await store.search.warm()
    # "bya" is an edit from both "bay" and "bye": both titles begin with what was typed.
    assert await titles(store, "bya ") == ["Bay Bye", "Bay Cat"]


async def test_a_typed_title_word_is_read_as_another_only_one_edit_away(
    store: ReviewStore,
) -> None:
    await store.reviews.add(make_review("Shore", day=1))  # "shore" is a title word
    await store.reviews.add(make_review("Harbour Shared", day=2))  # two edits from "shore"
    await store.search.warm()
    assert await titles(store, "harbour shore ") == []
    await store.reviews.add(make_review("Harbour Share", day=3))
    assert await titles(store, "harbour shore ") == ["Harbour Share"]


async def test_reviews_of_no_stars_are_found_by_every_tier(store: ReviewStore) -> None:
    await store.reviews.add(make_review("Harbour Lights", rating="0", body="a dull quayside"))
    await store.search.warm()
    assert await titles(store, "harbour") == ["Harbour Lights"]
    assert await titles(store, "harbuor ") == ["Harbour Lights"]  # typo
    assert await titles(store, "quayside") == ["Harbour Lights"]  # text


async def test_a_last_word_too_far_gone_leaves_the_words_before_it(store: ReviewStore) -> None:
    await store.reviews.add(make_review("Harbour Lights", day=1))
    await store.reviews.add(make_review("Night Train", day=2))
    await store.search.warm()
    # Nothing is near "qqqx": the titles holding the words before it, as typed, are shown.
    assert await titles(store, "harbour qqqx") == ["Harbour Lights"]
    assert await titles(store, "harbour qqqx ") == []  # finished: a word no title holds


async def test_did_you_mean_finds_a_title_among_many_sharing_a_word(store: ReviewStore) -> None:
    await store.reviews.add(make_review("The Harbour", day=1))
    for n in range(60):  # newer titles that hold only "the": more than a suggestion reads
        await store.reviews.add(make_review(f"The Number{n}", day=2 + n))
    assert (await store.search.suggest("teh harbuor", None))[0] == "The Harbour"
