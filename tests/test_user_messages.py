"""The store's refusals as the person reads them: the whole message, on both engines."""

from __future__ import annotations

import pytest

from reviewbot.errors import DuplicateReviewError, ReviewNotFoundError, did_you_mean
from reviewbot.labels import with_creator
from reviewbot.store import ReviewStore

from .store_fixtures import make_review


async def test_a_missing_title_offers_the_close_ones(store: ReviewStore) -> None:
    await store.reviews.add(make_review("Solaris", creator="Stanisław Lem"))
    await store.reviews.add(make_review("Solaria", creator="Someone Else"))
    with pytest.raises(ReviewNotFoundError) as missing:
        await store.reviews.resolve_title("Solarus", None)
    assert missing.value.wanted == "Solarus"
    assert sorted(missing.value.suggestions) == ["Solaria", "Solaris"]
    first, second = missing.value.suggestions
    assert str(missing.value) == f"No review titled “Solarus”. Did you mean “{first}”, “{second}”?"


async def test_a_missing_title_with_nothing_close_says_so_alone(store: ReviewStore) -> None:
    with pytest.raises(ReviewNotFoundError) as missing:
        await store.reviews.resolve_title("Qqqqqqqq", None)
    assert (str(missing.value), missing.value.suggestions) == ("No review titled “Qqqqqqqq”.", [])


@pytest.mark.parametrize(
    ("length", "shown"), [(100, "x" * 100), (101, "x" * 99 + "…"), (300, "x" * 99 + "…")]
)
async def test_a_long_missing_title_is_cut_to_a_hundred_characters(
    store: ReviewStore, length: int, shown: str
) -> None:
    with pytest.raises(ReviewNotFoundError) as missing:
        await store.reviews.resolve_title("x" * length, None)
    assert str(missing.value) == f"No review titled “{shown}”."
    assert missing.value.wanted == "x" * length


async def test_a_duplicate_names_the_review_already_there(store: ReviewStore) -> None:
    first = await store.reviews.add(make_review("Her", creator="Spike Jonze"))
    with pytest.raises(DuplicateReviewError) as duplicate:
        await store.reviews.add(make_review("her", creator="spike jonze"))
    assert str(duplicate.value) == (
        f"“her” by the same creator is already in the catalogue (review #{first.id})."
    )
    assert (duplicate.value.existing_id, duplicate.value.title) == (first.id, "her")


def test_did_you_mean_and_a_work_named_with_its_creator() -> None:
    assert did_you_mean([]) == ""
    assert did_you_mean(["A"]) == "Did you mean “A”?"
    assert did_you_mean(["A", "B"]) == "Did you mean “A”, “B”?"
    assert with_creator("Her", "Spike Jonze") == "Her — Spike Jonze"
    assert with_creator("Her", None) == with_creator("Her", "") == "Her"
