import sqlite3
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from reviewbot.errors import DuplicateReviewError, ReviewNotFoundError
from reviewbot.review import Category, Rating
from reviewbot.store import LATEST_SCHEMA, ImportResult, ReviewStore, schema
from reviewbot.store.schema import migrations

from .store_fixtures import EPOCH, find_title, integrity_check, make_review


async def test_a_new_database_is_migrated_to_the_latest_schema(db_path: Path) -> None:
    async with ReviewStore.open(db_path) as store:
        assert store.created
        assert store.schema_version == LATEST_SCHEMA
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == LATEST_SCHEMA
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    async with ReviewStore.open(db_path) as again:
        assert not again.created


async def test_every_earlier_schema_version_migrates_forward_keeping_reviews(
    tmp_path: Path,
) -> None:
    for stop_after in range(1, LATEST_SCHEMA + 1):
        path = tmp_path / f"v{stop_after}.db"
        with sqlite3.connect(path) as raw:
            for number, _, sql in migrations()[:stop_after]:
                raw.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
            # A review stored by that version (every version so far has these columns).
            raw.execute(
                "INSERT INTO reviews (id, title, title_norm, rating, published_at, updated_at)"
                " VALUES (1, 'Old', 'old', 6, '2019-05-05T00:00:00.000000Z', '')"
            )
            raw.execute("INSERT INTO review_bodies (review_id, body) VALUES (1, 'From before.')")
        async with ReviewStore.open(path) as store:
            assert store.schema_version == LATEST_SCHEMA
            await store.reviews.add(make_review("Her"))
            old = await store.reviews.context(1, None)
            assert old is not None and (old.position, old.total) == (1, 2)
            assert [hit.title for hit in await store.search("her")] == ["Her"]
            assert [hit.title for hit in await store.search("from before")] == ["Old"]
            if stop_after < 6:  # migration 6 takes the words of titles stored before it
                assert [hit.title for hit in await store.search("olld")] == ["Old"]


async def test_a_database_from_a_newer_reviewbot_is_refused(db_path: Path) -> None:
    with sqlite3.connect(db_path) as raw:
        raw.execute("PRAGMA user_version = 999")
    with pytest.raises(RuntimeError, match="newer than this reviewbot knows"):
        async with ReviewStore.open(db_path):
            pass


async def test_a_failed_migration_leaves_nothing_half_applied(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = [
        *migrations(),
        (LATEST_SCHEMA + 1, "x.sql", "CREATE TABLE t (a); oops;"),
    ]
    monkeypatch.setattr(schema, "migrations", lambda: broken)
    monkeypatch.setattr(schema, "LATEST_SCHEMA", LATEST_SCHEMA + 1)
    with pytest.raises(sqlite3.OperationalError):
        async with ReviewStore.open(db_path):
            pass
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == LATEST_SCHEMA
        assert not raw.execute("SELECT 1 FROM sqlite_master WHERE name = 't'").fetchall()


async def test_title_lookup_ignores_case_accents_and_spacing(store: ReviewStore) -> None:
    await store.reviews.add(make_review("Amélie"))
    await store.reviews.add(make_review("Her"))
    assert [r.title for r in await find_title(store, "amelie", None)] == ["Amélie"]
    assert [r.title for r in await find_title(store, "  HER ", None)] == ["Her"]


async def test_previous_and_next_walk_publication_order_with_ties_by_id(
    store: ReviewStore,
) -> None:
    a = await store.reviews.add(make_review("A", day=0))
    tie_1 = await store.reviews.add(make_review("Tie one", day=5))
    tie_2 = await store.reviews.add(make_review("Tie two", day=5))
    z = await store.reviews.add(make_review("Z", day=9))
    order = [a.id, tie_1.id, tie_2.id, z.id]

    first = await store.reviews.context(a.id, None)  # type: ignore[arg-type]
    assert first is not None
    assert (first.previous_id, first.next_id, first.position, first.total) == (None, tie_1.id, 1, 4)
    last = await store.reviews.context(z.id, None)  # type: ignore[arg-type]
    assert last is not None
    assert (last.previous_id, last.next_id, last.position) == (tie_2.id, None, 4)

    walked, here = [], first
    while here is not None:
        walked.append(here.review.id)
        here = await store.reviews.step(
            None, here.review.published_at, here.review.id, forward=True
        )  # type: ignore[arg-type]
    assert walked == order
    back, here = [], last
    while here is not None:
        back.append(here.review.id)
        here = await store.reviews.step(
            None, here.review.published_at, here.review.id, forward=False
        )  # type: ignore[arg-type]
    assert back == order[::-1]


async def test_neighbours_of_a_deleted_review_are_still_found(store: ReviewStore) -> None:
    a = await store.reviews.add(make_review("A", day=0))
    b = await store.reviews.add(make_review("B", day=1))
    c = await store.reviews.add(make_review("C", day=2))
    assert await store.reviews.delete(b.id)  # type: ignore[arg-type]
    after = await store.reviews.step(None, b.published_at, b.id, forward=True)  # type: ignore[arg-type]
    before = await store.reviews.step(None, b.published_at, b.id, forward=False)  # type: ignore[arg-type]
    assert after is not None and after.review.id == c.id and after.position == 2
    assert before is not None and before.review.id == a.id
    nearest = await store.reviews.nearest(None, b.published_at)
    assert nearest is not None and nearest.review.id == c.id


async def test_a_server_sees_the_catalogue_and_its_own_reviews_only(store: ReviewStore) -> None:
    catalogue = await store.reviews.add(make_review("Shared", day=1))
    mine = await store.reviews.add(make_review("Alpha secret", day=2, guild_id=1))
    theirs = await store.reviews.add(make_review("Beta secret", day=3, guild_id=2))

    assert [h.title for h in await store.search("secret", guild_id=1)] == ["Alpha secret"]
    assert [h.title for h in await store.search("secret", guild_id=2)] == ["Beta secret"]
    assert await store.search("secret") == []
    assert await store.reviews.get(theirs.id, guild_id=1) is None  # type: ignore[arg-type]
    assert await store.reviews.context(theirs.id, 1) is None  # type: ignore[arg-type]

    shown = await store.reviews.context(catalogue.id, 1)  # type: ignore[arg-type]
    assert shown is not None
    assert (shown.next_id, shown.total) == (mine.id, 2)
    latest = await store.reviews.latest(1)
    assert latest is not None and latest.review.id == mine.id
    assert (await store.reviews.latest(None)).review.id == catalogue.id  # type: ignore[union-attr]
    for _ in range(30):
        picked = await store.reviews.random(1)
        assert picked is not None and picked.review.id in {catalogue.id, mine.id}


async def test_the_neighbours_titles_come_with_the_review_as_the_server_sees_them(
    store: ReviewStore,
) -> None:
    first = await store.reviews.add(make_review("First", day=1))
    await store.reviews.add(make_review("Beta's own", day=2, guild_id=2))
    middle = await store.reviews.add(make_review("Middle", day=3))
    own = await store.reviews.add(make_review("Alpha's own", day=4, guild_id=1))
    last = await store.reviews.add(make_review("Last", day=5))

    seen = {}
    for guild in (None, 1, 2):
        shown = await store.reviews.context(middle.id, guild)  # type: ignore[arg-type]
        assert shown is not None
        seen[guild] = (shown.previous_id, shown.previous_title, shown.next_id, shown.next_title)
    assert seen[None] == (first.id, "First", last.id, "Last")
    assert seen[1] == (first.id, "First", own.id, "Alpha's own")
    assert seen[2][2:] == (last.id, "Last") and seen[2][1] == "Beta's own"
    ends = await store.reviews.latest(None)
    assert ends is not None and (ends.next_id, ends.next_title) == (None, None)
    assert (ends.previous_id, ends.previous_title) == (middle.id, "Middle")


async def test_position_and_total_match_a_plain_count(store: ReviewStore) -> None:
    ids = []
    for i in range(60):
        # spread over years, months, days and hours, with collisions, in both scopes
        at = EPOCH + timedelta(hours=(i * 2903) % 40_000, minutes=i % 4)
        review = make_review(f"R{i}", published_at=at, guild_id=None if i % 3 else 7)
        ids.append((await store.reviews.add(review)).id)
    moved = await store.reviews.get(ids[1], 7)
    assert moved is not None  # a review moved to another year is counted in its new place
    await store.reviews.update(replace(moved, published_at=EPOCH - timedelta(days=400)))
    for gone in ids[::5]:
        await store.reviews.delete(gone)  # type: ignore[arg-type]
    catalogue = sorted(
        [r async for r in store.reviews.all(None)], key=lambda r: (r.published_at, r.id)
    )
    visible = sorted(
        catalogue + [r async for r in store.reviews.all(7)], key=lambda r: (r.published_at, r.id)
    )
    for number, review in enumerate(visible, start=1):
        shown = await store.reviews.context(review.id, 7)  # type: ignore[arg-type]
        assert shown is not None
        assert (shown.position, shown.total) == (number, len(visible))
    for number, review in enumerate(catalogue, start=1):  # the CLI; a server of no reviews
        for guild in (None, 8):
            shown = await store.reviews.context(review.id, guild)  # type: ignore[arg-type]
            assert shown is not None
            assert (shown.position, shown.total) == (number, len(catalogue))


async def test_random_is_uniform_over_what_the_server_sees(store: ReviewStore) -> None:
    visible = [await store.reviews.add(make_review(f"Film {i}", day=i)) for i in range(4)]
    for i in range(12):
        await store.reviews.add(make_review(f"Other server {i}", guild_id=99, day=i))
    await store.reviews.add(make_review("A book", category="book", day=20))
    counts = Counter()
    for _ in range(1200):
        picked = await store.reviews.random(None, Category.OTHER)
        assert picked is not None
        counts[picked.review.id] += 1
    assert set(counts) == {r.id for r in visible}
    # Expected 300 each; a uniform draw leaves this band with probability below 1e-9.
    assert all(200 <= n <= 400 for n in counts.values()), counts


async def test_random_on_an_empty_scope_is_none(store: ReviewStore) -> None:
    assert await store.reviews.random(None) is None
    await store.reviews.add(make_review("Film", category="film"))
    assert await store.reviews.random(None, Category.BOOK) is None


async def test_a_duplicate_title_and_creator_in_one_scope_is_refused(store: ReviewStore) -> None:
    first = await store.reviews.add(make_review("Solaris", creator="Andrei Tarkovsky"))
    with pytest.raises(DuplicateReviewError) as caught:
        await store.reviews.add(make_review("SOLARIS ", creator="andrei tarkovsky"))
    assert caught.value.existing_id == first.id
    await store.reviews.add(make_review("Solaris", creator="Stanisław Lem"))
    await store.reviews.add(make_review("Solaris", creator="Andrei Tarkovsky", guild_id=5))
    assert len(await find_title(store, "solaris", 5)) == 3
    assert (
        await store.reviews.duplicate_of(make_review("Sólaris", creator="ANDREI  Tarkovsky"))
        == first.id
    )
    assert (
        await store.reviews.duplicate_of(make_review("Solaris", creator="Steven Soderbergh"))
        is None
    )


async def test_a_title_shared_by_several_reviews_shows_the_newest(store: ReviewStore) -> None:
    for day, creator in ((9, "Soderbergh"), (1, "Tarkovsky"), (5, "Lem")):
        await store.reviews.add(make_review("Solaris", creator=creator, day=day))
    assert (await store.reviews.resolve_title("solaris", None)).review.creator == "Soderbergh"
    for day in range(10, 40):  # a crowded title: the newest of the 25 added last
        await store.reviews.add(make_review("Night", creator=f"Maker {day}", day=day))
    await store.reviews.add(make_review("Night", creator="Early", day=2))
    assert (await store.reviews.resolve_title("night", None)).review.creator == "Maker 39"


async def test_update_and_delete_keep_search_in_step(store: ReviewStore) -> None:
    review = await store.reviews.add(make_review("Old name", body="about lighthouses"))
    from dataclasses import replace

    await store.reviews.update(replace(review, title="New name", body="about submarines"))
    assert await store.search("old name") == []
    assert [h.title for h in await store.search("new name")] == ["New name"]
    assert [h.title for h in await store.search("submarines")] == ["New name"]
    assert await store.search("lighthouses") == []
    await store.reviews.delete(review.id)  # type: ignore[arg-type]
    assert await store.search("new name") == []
    assert await store.search("submarines") == []
    assert await integrity_check(store) == ["ok"]


async def test_import_adds_updates_and_leaves_unchanged_by_identity(store: ReviewStore) -> None:
    her = make_review("Her", creator="Spike Jonze", rating="4")
    undated = make_review("Undated", published_at=EPOCH + timedelta(days=3))
    first = await store.imports.add_or_update([(her, True), (undated, False)])
    assert [r for r, _ in first] == [ImportResult.ADDED, ImportResult.ADDED]

    again = await store.imports.add_or_update(
        [
            (make_review("HER", creator="spike jonze", rating="4.5"), True),
            (make_review("Undated", published_at=EPOCH + timedelta(days=300)), False),
        ]
    )
    assert [r for r, _ in again] == [ImportResult.UPDATED, ImportResult.UNCHANGED]
    stored = await store.reviews.get(first[0][1].id)  # type: ignore[arg-type]
    assert stored is not None and stored.rating == Rating.parse("4.5")
    kept = await store.reviews.get(first[1][1].id)  # type: ignore[arg-type]
    assert kept is not None and kept.published_at == EPOCH + timedelta(days=3)


async def test_settings_are_per_server(store: ReviewStore) -> None:
    await store.guilds.set_review_channel(1, 111)
    await store.guilds.set_reviewer_role(1, 222)
    await store.guilds.set_review_channel(2, 333)
    one, two, three = (
        await store.guilds.settings(1),
        await store.guilds.settings(2),
        await store.guilds.settings(3),
    )
    assert (one.review_channel_id, one.reviewer_role_id) == (111, 222)
    assert (two.review_channel_id, two.reviewer_role_id) == (333, None)
    assert (three.review_channel_id, three.reviewer_role_id) == (None, None)


@pytest.mark.sqlite_only
async def test_backup_is_one_consistent_file(store: ReviewStore, tmp_path: Path) -> None:
    await store.reviews.add(make_review("Her"))
    copy = await store.backup(tmp_path / "copies" / "backup.db")
    assert not Path(f"{copy}-wal").exists()
    async with ReviewStore.open(copy) as restored:
        assert [h.title for h in await restored.search("her")] == ["Her"]
        assert await integrity_check(restored) == ["ok"]


async def test_resolve_title_offers_close_titles_when_nothing_matches(store: ReviewStore) -> None:
    await store.reviews.add(make_review("The Godfather"))
    await store.reviews.add(make_review("The Godfather Part II"))
    with pytest.raises(ReviewNotFoundError) as caught:
        await store.reviews.resolve_title("teh godfater", None)
    assert caught.value.suggestions[:2] == ["The Godfather", "The Godfather Part II"]
    assert "No review titled “teh godfater”" in str(caught.value)


async def test_reads_see_at_once_what_another_connection_wrote(
    store: ReviewStore, database: str | Path
) -> None:
    assert await store.reviews.count() == 0 and await store.search("elsewhere") == []
    async with ReviewStore.open(database) as other:  # as `reviewbot import` beside the bot
        added = await other.reviews.add(make_review("From Elsewhere"))
        assert (await store.reviews.resolve_title("from elsewhere", None)).review.id == added.id
        assert [hit.title for hit in await store.search("elsewhere")] == ["From Elsewhere"]
        assert await store.reviews.count() == 1
        await other.reviews.delete(added.id)  # type: ignore[arg-type]
        assert await store.reviews.get(added.id) is None  # type: ignore[arg-type]
        assert await store.reviews.count() == 0


async def test_a_failure_inside_a_bulk_load_undoes_only_its_own_part(store: ReviewStore) -> None:
    good = [(make_review(f"Good {i}", body=f"whole text {i}"), True) for i in range(3)]
    # Past what SQLite can store: the first review's rows go in, then the batch fails part-way.
    bad = [
        (make_review("Quixotic Zeppelin"), True),
        (replace(make_review("Too big an id"), author_id=10**23), True),
    ]
    async with store.imports.bulk_load():
        await store.imports.add_or_update(good[:2])
        with pytest.raises(OverflowError):
            await store.imports.add_or_update(bad)
        await store.imports.add_or_update(good[2:])
    stored = [review async for review in store.reviews.all()]
    assert sorted(r.title for r in stored) == ["Good 0", "Good 1", "Good 2"]
    assert all(r.body.startswith("whole text") for r in stored)
    assert await store.search("quixotic zeppelin") == []
    assert [hit.title for hit in await store.search("whole text 2")] == ["Good 2"]
    assert await integrity_check(store) == ["ok"]
    # The failed batch's words were never stored, so storing the review later stores them.
    await store.imports.add_or_update(bad[:1])
    assert [hit.title for hit in await store.search("quixotik zepelin")] == ["Quixotic Zeppelin"]


async def test_latest_is_the_newest_even_at_the_end_of_the_calendar(store: ReviewStore) -> None:
    from datetime import UTC, datetime

    await store.reviews.add(make_review("Today"))
    last = await store.reviews.add(
        make_review("Far Future", published_at=datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC))
    )
    latest = await store.reviews.latest(None)
    assert latest is not None and latest.review.id == last.id
    assert (latest.position, latest.total, latest.next_id) == (2, 2, None)
