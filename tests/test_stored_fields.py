"""Every field of a review, a summary and a draft comes back from the store exactly as stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from reviewbot.review import Category, Draft, Review, ReviewSummary
from reviewbot.store import ImportResult, ReviewStore

from .store_fixtures import make_review

GUILD = 555000111222333444


def full_review(title: str, **fields: object) -> Review:
    """A review with every optional field set, none of them at its default."""
    values: dict[str, object] = dict(
        creator="Agnès Varda",
        category=Category.FILM,
        rating="3.5",
        author_name="Ana",
        author_id=123456789012345678,
        url="https://blog.example/post",
        image_url="https://blog.example/cover.jpg",
        spoiler=True,
        guild_id=GUILD,
        body=f"All about {title}.\n\nA second paragraph.",
    )
    values.update(fields)
    return make_review(title, **values)


def summary_of(review: Review) -> ReviewSummary:
    assert review.id is not None
    return ReviewSummary(
        review.id,
        review.title,
        review.creator,
        review.category,
        review.rating,
        review.published_at,
        review.guild_id,
        review.spoiler,
    )


async def test_every_field_of_a_review_comes_back(store: ReviewStore) -> None:
    own = await store.reviews.add(full_review("Cléo from 5 to 7", day=2))
    shared = await store.reviews.add(
        make_review("Plain", category=Category.BOOK, rating="1", day=1)
    )
    assert own.id is not None and shared.id is not None
    assert await store.reviews.get(own.id, GUILD) == own
    assert await store.reviews.get(shared.id, GUILD) == shared
    assert [review async for review in store.reviews.all(GUILD)] == [own]
    assert [review async for review in store.reviews.all()] == [shared]
    context = await store.reviews.context(own.id, GUILD)
    assert context is not None and context.review == own
    assert await store.reviews.recent(GUILD) == [summary_of(own), summary_of(shared)]
    assert await store.reviews.recent(None) == [summary_of(shared)]


async def test_all_walks_every_review_in_order_across_batches(store: ReviewStore) -> None:
    added = [
        await store.reviews.add(full_review(f"Film {n}", day=day, url=f"https://b.example/{9 - n}"))
        for n, day in enumerate([3, 1, 1, 2, 5])
    ]
    in_order = sorted(added, key=lambda review: (review.published_at, review.id))
    for batch in (1, 2, 500):
        assert [review async for review in store.reviews.all(GUILD, batch=batch)] == in_order


async def test_delete_says_whether_there_was_a_review(store: ReviewStore) -> None:
    review = await store.reviews.add(make_review("Gone"))
    assert review.id is not None
    assert await store.reviews.delete(review.id) is True
    assert await store.reviews.delete(review.id) is False
    assert await store.reviews.get(review.id) is None


async def test_every_field_of_a_draft_comes_back_to_its_writer_only(store: ReviewStore) -> None:
    edited = await store.reviews.add(make_review("Edited", guild_id=GUILD))
    draft = await store.drafts.save(
        Draft(
            guild_id=GUILD,
            user_id=42,
            category=Category.ALBUM,
            title="Blue",
            creator="Joni Mitchell",
            rating="4.5",
            body="Every song a confession.",
            url="https://blog.example/blue",
            spoiler=True,
            review_id=edited.id,
        )
    )
    assert draft.id is not None
    assert await store.drafts.get(draft.id, 42) == draft
    assert await store.drafts.get(draft.id, 43) is None
    changed = await store.drafts.save(replace(draft, title="Court and Spark", spoiler=False))
    assert changed.id == draft.id
    assert await store.drafts.get(draft.id, 42) == changed


async def test_pruning_forgets_only_drafts_older_than_asked(store: ReviewStore) -> None:
    first = await store.drafts.save(Draft(guild_id=GUILD, user_id=1, title="One"))
    second = await store.drafts.save(Draft(guild_id=GUILD, user_id=2, title="Two"))
    assert first.id is not None and second.id is not None
    assert await store.drafts.prune(timedelta(hours=1)) == 0
    assert await store.drafts.get(first.id, 1) == first
    assert await store.drafts.prune(timedelta(seconds=-1)) == 2
    assert await store.drafts.get(first.id, 1) is None
    assert await store.drafts.get(second.id, 2) is None


async def test_one_review_twice_in_a_batch_is_added_then_updated(store: ReviewStore) -> None:
    first, second = make_review("Her", rating="3"), make_review("her", rating="4.5")
    results = await store.imports.add_or_update([(first, True), (second, True)])
    assert [result for result, _ in results] == [ImportResult.ADDED, ImportResult.UPDATED]
    assert results[0][1].id == results[1][1].id
    assert [(r.title, str(r.rating)) async for r in store.reviews.all()] == [("her", "★★★★½")]
