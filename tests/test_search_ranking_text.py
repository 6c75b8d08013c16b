"""Ranking where titles tie or say nothing: review text hits by length then date, and the
newest of a title's reviews kept when two scopes find more than fit."""

from __future__ import annotations

from reviewbot.store import ReviewStore

from .store_fixtures import make_review

GUILD = 5


async def test_text_hits_rank_the_shorter_review_first_then_the_newer(
    store: ReviewStore,
) -> None:
    # Titles far from the word and of other lengths than the bodies, so that only the
    # bodies' lengths and the dates can order them.
    await store.reviews.add(
        make_review("Ox", day=1, body="A long walk to the lighthouse and back.")
    )
    await store.reviews.add(
        make_review("The Very Long Title Of A Short One", day=2, body="A lighthouse.")
    )
    # The newer of two alike is stored first: its date, not its id, puts it first.
    await store.reviews.add(make_review("Fern", day=4, body="Lighthouse, twice."))
    await store.reviews.add(make_review("Moss", day=3, body="Lighthouse, again."))
    titles = [hit.title for hit in await store.search("lighthouse")]
    assert titles == ["The Very Long Title Of A Short One", "Fern", "Moss", "Ox"]


async def test_a_title_found_in_both_scopes_beyond_the_limit_keeps_its_newest_reviews(
    store: ReviewStore,
) -> None:
    ids = []
    for creator, guild_id in [("Ann", None), ("Bea", GUILD), ("Cai", GUILD), ("Dov", None)]:
        review = make_review("Heater", creator=creator, guild_id=guild_id, day=len(ids))
        ids.append((await store.reviews.add(review)).stored_id)
    hits = await store.search("heat", GUILD, limit=2)
    assert [hit.creator for hit in hits] == ["Dov", "Cai"]
    assert {hit.id for hit in hits} == {ids[3], ids[2]}
