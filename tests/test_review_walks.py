"""Stepping, the nearest review to a moment, and a random pick among few: as a server sees them."""

from __future__ import annotations

from datetime import timedelta

from reviewbot.review import Category
from reviewbot.store import ReviewStore

from .store_fixtures import EPOCH, make_review

GUILD, OTHER = 31, 32


async def test_a_server_steps_onto_its_own_reviews(store: ReviewStore) -> None:
    shared = await store.reviews.add(make_review("Shared", day=1))
    own = await store.reviews.add(make_review("Own", guild_id=GUILD, day=2))
    assert shared.id is not None
    after = await store.reviews.step(GUILD, shared.published_at, shared.id, forward=True)
    assert after is not None and after.review == own
    assert (after.previous_id, after.next_id, after.position, after.total) == (
        shared.id,
        None,
        2,
        2,
    )
    assert await store.reviews.step(None, shared.published_at, shared.id, forward=True) is None


async def test_the_nearest_review_is_at_or_after_the_moment_else_the_last(
    store: ReviewStore,
) -> None:
    for title, day in [("One", 1), ("Two", 2), ("Three", 3)]:
        await store.reviews.add(make_review(title, guild_id=GUILD, day=day))

    async def nearest(days: float) -> str | None:
        found = await store.reviews.nearest(GUILD, EPOCH + timedelta(days=days))
        return found.review.title if found else None

    assert [await nearest(d) for d in (0, 1, 2, 2.5, 3, 10)] == [
        "One",
        "One",
        "Two",
        "Three",
        "Three",
        "Three",
    ]
    assert await store.reviews.nearest(OTHER, EPOCH) is None


async def test_a_random_pick_among_few_visible_is_one_of_them(store: ReviewStore) -> None:
    """A server that sees a handful of reviews among thousands of ids: drawing ids mostly
    misses, and the pick is made by rank instead."""
    others = [
        (make_review(f"Elsewhere {n}", guild_id=OTHER, category=Category.BOOK), True)
        for n in range(4000)
    ]
    await store.imports.add_or_update(others)
    own = await store.reviews.add(make_review("Mine", guild_id=GUILD, category=Category.BOOK))
    film = await store.reviews.add(make_review("Film", guild_id=GUILD, category=Category.FILM))
    for _ in range(3):
        picked = await store.reviews.random(GUILD, Category.BOOK)
        assert picked is not None and picked.review == own
        assert (picked.position, picked.total) == (1, 2)
    assert await store.reviews.random(GUILD + 99, Category.BOOK) is None
    picks = {(await store.reviews.random(GUILD)).review.title for _ in range(12)}  # type: ignore[union-attr]
    assert picks <= {own.title, film.title} and picks
