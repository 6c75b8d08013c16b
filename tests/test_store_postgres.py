"""PostgreSQL itself: its migrations, its one-line problems, the post queue's leases across
processes, and what one process writes being seen by another at once."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from reviewbot.errors import DuplicateReviewError
from reviewbot.review import Category, Rating, utc_now
from reviewbot.store import FetchState, NoDatabaseError, OutboxItem, ReviewStore, StoreError
from reviewbot.store.guilds import GuildSettings
from reviewbot.store.pg import schema
from reviewbot.store.pg.posts import PgPostQueue

from .store_fixtures import make_review
from .test_files import SAMPLE


async def never_used(url: str) -> None:
    """Make the database at `url` one reviewbot has never used."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()


async def open_and_count(url: str) -> tuple[bool, int, int]:
    async with ReviewStore.open(url) as store:
        return store.created, store.schema_version, await store.reviews.count()


async def test_many_processes_opening_a_new_database_at_once_migrate_it_once(
    postgres: str,
) -> None:
    await never_used(postgres)
    opened = await asyncio.gather(*(open_and_count(postgres) for _ in range(6)))
    latest = schema.LATEST_SCHEMA
    assert sorted(opened, reverse=True) == [(True, latest, 0)] + [(False, latest, 0)] * 5
    async with ReviewStore.open(postgres) as store:
        assert store.engine == "postgresql" and not store.created


async def test_a_database_of_something_else_or_from_a_newer_reviewbot_is_refused(
    postgres: str,
) -> None:
    connection = await asyncpg.connect(postgres)
    try:
        await connection.execute("UPDATE reviewbot_schema SET version = 999")
        with pytest.raises(StoreError, match="newer than this reviewbot knows") as newer:
            async with ReviewStore.open(postgres):
                pass
        assert "\n" not in str(newer.value)
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        await connection.execute("CREATE TABLE places (url text)")
        for read_only in (False, True):
            with pytest.raises(StoreError, match="tables of something else") as foreign:
                async with ReviewStore.open(postgres, read_only=read_only):
                    pass
            assert "\n" not in str(foreign.value)
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )
        assert [row[0] for row in tables] == ["places"]  # nothing was added
    finally:
        await connection.close()


async def test_a_read_only_opening_creates_nothing_and_writes_nothing(postgres: str) -> None:
    connection = await asyncpg.connect(postgres)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        with pytest.raises(NoDatabaseError, match="no reviewbot catalogue at"):
            async with ReviewStore.open(postgres, read_only=True):
                pass
        assert (
            await connection.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            == 0
        )
    finally:
        await connection.close()
    async with ReviewStore.open(postgres) as store:
        await store.reviews.add(make_review("Her"))
    async with ReviewStore.open(postgres, read_only=True) as store:
        assert [hit.title for hit in await store.search("her")] == ["Her"]
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await store.reviews.add(make_review("Not stored"))
        assert await store.reviews.count() == 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_server_that_cannot_be_reached_is_one_line_without_the_password(
    postgres: str,
) -> None:
    url = f"postgresql://reviewbot:s3cret@127.0.0.1:{_closed_port()}/reviewbot"
    with pytest.raises(StoreError, match="cannot reach PostgreSQL at") as caught:
        async with ReviewStore.open(url):
            pass
    message = str(caught.value)
    assert "s3cret" not in message and "reviewbot:***@127.0.0.1" in message and "\n" not in message
    missing = postgres.rsplit("/", 1)[0] + "/no_such_database"
    with pytest.raises(StoreError, match=r"no database at .*no_such_database: create it first"):
        async with ReviewStore.open(missing):
            pass


async def test_a_backup_of_a_postgresql_catalogue_points_to_pg_dump(
    postgres: str, tmp_path: Path
) -> None:
    async with ReviewStore.open(postgres) as store:
        with pytest.raises(StoreError, match="pg_dump"):
            await store.backup(tmp_path / "copy.db")
    assert list(tmp_path.iterdir()) == []


async def titles(store: ReviewStore, text: str) -> list[str]:
    return [hit.title for hit in await store.search(text)]


async def test_a_review_one_process_adds_is_found_by_another_at_once_by_every_tier(
    postgres: str,
) -> None:
    async with ReviewStore.open(postgres) as first, ReviewStore.open(postgres) as second:
        harbour = await first.reviews.add(make_review("Harbour Lights", day=0))
        storm = await first.reviews.add(make_review("Quiet Storm", day=10))
        # The second process has read everything it keeps in memory before the new review.
        assert await titles(second, "harbuor lihgts") == ["Harbour Lights"]
        assert await titles(second, "zeppelin") == []
        assert (await second.reviews.context(storm.stored_id, None)).next_id is None  # type: ignore[union-attr]
        assert await second.reviews.count(None) == 2

        added = await first.reviews.add(
            make_review("Quixotic Zeppelin", day=20, body="An airship over the marsh.")
        )

        assert await titles(second, "Quixotic Zeppelin") == ["Quixotic Zeppelin"]  # exact
        assert await titles(second, "quixo") == ["Quixotic Zeppelin"]  # prefix
        assert await titles(second, "zeppelin") == ["Quixotic Zeppelin"]  # a word
        assert await titles(second, "zeppelin quixotic") == ["Quixotic Zeppelin"]  # words
        assert await titles(second, "quixotik zepelin") == ["Quixotic Zeppelin"]  # typos
        assert await titles(second, "zepelin") == ["Quixotic Zeppelin"]
        assert await titles(second, "airship marsh") == ["Quixotic Zeppelin"]  # its text
        shown = await second.reviews.resolve_title("quixotic zeppelin", None)
        assert shown.review.stored_id == added.stored_id
        assert (shown.previous_id, shown.next_id) == (storm.stored_id, None)
        assert (shown.position, shown.total) == (3, 3)
        before = await second.reviews.context(storm.stored_id, None)
        assert before is not None
        assert (before.next_id, before.next_title) == (added.stored_id, "Quixotic Zeppelin")
        assert (before.position, before.total) == (2, 3)
        stepped = await second.reviews.step(None, storm.published_at, storm.stored_id, True)
        assert stepped is not None and stepped.review.stored_id == added.stored_id
        first_one = await second.reviews.context(harbour.stored_id, None)
        assert first_one is not None and (first_one.position, first_one.total) == (1, 3)
        latest = await second.reviews.latest(None)
        assert latest is not None and latest.review.stored_id == added.stored_id
        assert await second.reviews.count(None) == 3
        assert await second.search.suggest("quixotik", None) == ["Quixotic Zeppelin"]

        assert await first.reviews.delete(added.stored_id)
        assert await titles(second, "zeppelin") == []
        assert await titles(second, "quixotik zepelin") == []
        assert await second.reviews.count(None) == 2
        after = await second.reviews.context(storm.stored_id, None)
        assert after is not None and (after.next_id, after.total) == (None, 2)


async def test_a_process_running_before_reviews_were_added_finds_what_a_new_one_finds(
    postgres: str,
) -> None:
    """Typo search spells from title words held in memory: a process that read them before
    another process added titles answers every query as a process started afterwards does."""
    earlier = ["Harbour Lights", "Quiet Storm", "Storm Over Glass", "Night River", "Solaris"]
    later = ["Quixotic Zeppelin", "Zeppelin", "The Zeppelin Years", "Storm Zeppelins"]
    later += ["Glassy Quixote", "Nightingale River", "Zephyr"]
    queries = ["zeppelin", "storm zeppelin", "storm zepp", "zepelin", "quixotik", "quixo"]
    queries += ["glass quix", "river nightin", "nightingle", "zephir", "storm", "years"]
    async with ReviewStore.open(postgres) as first, ReviewStore.open(postgres) as running:
        for day, title in enumerate(earlier):
            await first.reviews.add(make_review(title, day=day))
        for text in [*queries, "harbuor"]:
            await running.search(text)
        for day, title in enumerate(later, start=len(earlier)):
            await first.reviews.add(make_review(title, day=day))
        async with ReviewStore.open(postgres) as started_after:
            for text in queries:
                found = await titles(running, text)
                assert found, text
                assert found == await titles(started_after, text), text


async def test_a_setting_saved_search_or_feed_one_process_writes_is_seen_by_another_at_once(
    postgres: str,
) -> None:
    async with ReviewStore.open(postgres) as first, ReviewStore.open(postgres) as second:
        assert await second.guilds.settings(7) == GuildSettings(7)
        assert await second.feeds.followed(7) == []
        await first.guilds.set_review_channel(7, 99)
        await first.guilds.set_reviewer_role(7, 55)
        assert await second.guilds.settings(7) == GuildSettings(7, 99, 55)
        await first.guilds.set_review_channel(7, None)
        assert await second.guilds.settings(7) == GuildSettings(7, None, 55)

        saved = await first.search.save(7, "zeppelin", Category.FILM, Rating(8))
        assert await second.search.saved(saved.id, 7) == saved
        assert await second.search.saved(saved.id, 8) is None  # another server's

        url = "https://blog.example/feed"
        feed, _ = await first.feeds.add(
            7,
            url,
            channel_id=42,
            category=Category.BOOK,
            title="A blog",
            state=FetchState(200),
            entries=[],
            next_poll_at=utc_now(),
        )
        assert await second.feeds.find(7, url) == feed
        assert await second.feeds.followed(7) == [feed]
        assert await first.feeds.remove(7, url)
        assert await second.feeds.find(7, url) is None


# The post queue's leases ------------------------------------------------------------------------


async def queue_posts(store: ReviewStore, servers: int) -> list[int]:
    review = await store.reviews.add(make_review("Everywhere"))
    assert review.id is not None
    for guild_id in range(1, servers + 1):
        await store.posts.queue(guild_id, [review.id])
    return list(range(1, servers + 1))


async def test_two_processes_never_take_the_same_row(postgres: str) -> None:
    async with (
        ReviewStore.open(postgres) as first,
        ReviewStore.open(postgres) as second,
        ReviewStore.open(postgres) as third,
    ):
        await queue_posts(first, 90)
        delivered: dict[int, str] = {}

        async def deliver(store: ReviewStore, name: str) -> None:
            while batch := await store.posts.due(limit=5):
                for item in batch:
                    assert item.id not in delivered, f"row {item.id} delivered twice"
                    delivered[item.id] = name
                    await asyncio.sleep(0)  # the other processes run meanwhile
                    await store.posts.delivered(item, channel_id=1, message_id=item.id)

        names = {"first": first, "second": second, "third": third}
        await asyncio.gather(*(deliver(store, name) for name, store in names.items()))
        assert len(delivered) == 90
        assert len(set(delivered.values())) > 1  # the work was shared
        done = await first.db.fetch("SELECT count(*) FROM outbox WHERE state = 'done'")
        assert done[0][0] == 90


async def test_a_row_another_process_is_taking_is_skipped_not_waited_for(postgres: str) -> None:
    async with ReviewStore.open(postgres) as store:
        await queue_posts(store, 3)
        other = await asyncpg.connect(postgres)
        try:
            async with other.transaction():  # another process, in the middle of taking row 2
                await other.execute("SELECT 1 FROM outbox WHERE id = 2 FOR UPDATE")
                taken = await asyncio.wait_for(store.posts.due(), 5)
                assert [item.id for item in taken] == [1, 3]
        finally:
            await other.close()
        assert [item.id for item in await store.posts.due()] == [1, 2, 3]


async def test_a_crashed_processes_rows_are_taken_over_when_its_lease_ends(postgres: str) -> None:
    async with ReviewStore.open(postgres) as crashed, ReviewStore.open(postgres) as other:
        await queue_posts(crashed, 3)
        assert isinstance(crashed.posts, PgPostQueue)
        crashed.posts.lease = timedelta(seconds=1)
        taken = await crashed.posts.due()
        assert len(taken) == 3
        assert await other.posts.due() == []  # held by the lease
        assert [i.id for i in await crashed.posts.due()] == [i.id for i in taken]  # renewed
        await wait_for(lambda: other.posts.due(), seconds=10)  # the lease ran out
        took_over = await other.posts.due()
        assert [i.id for i in took_over] == [i.id for i in taken]
        # The first process comes back to life: the rows are no longer its to finish.
        await crashed.posts.delivered(taken[0], channel_id=1, message_id=1)
        assert (await other.posts.item(taken[0].id)).state.value == "waiting"  # type: ignore[union-attr]
        await other.posts.delivered(took_over[0], channel_id=1, message_id=2)
        assert (await other.posts.item(taken[0].id)).state.value == "done"  # type: ignore[union-attr]


async def test_a_process_back_from_the_dead_changes_nothing_another_finished(
    postgres: str,
) -> None:
    async with ReviewStore.open(postgres) as stalled, ReviewStore.open(postgres) as other:
        await queue_posts(stalled, 1)
        assert isinstance(stalled.posts, PgPostQueue)
        stalled.posts.lease = timedelta(seconds=1)
        [taken] = await stalled.posts.due()
        await wait_for(lambda: other.posts.due(), seconds=10)
        [took_over] = await other.posts.due()
        # Back while the other holds the row: not done, and no post recorded.
        await stalled.posts.delivered(taken, channel_id=1, message_id=111)
        assert (await other.posts.item(taken.id)).state.value == "waiting"  # type: ignore[union-attr]
        assert not await stalled.posts.has_post(taken.review_id)  # type: ignore[arg-type]
        await other.posts.delivered(took_over, channel_id=1, message_id=222)
        # Back after the other finished it: the row and the post stay the other's.
        await stalled.posts.delivered(taken, channel_id=1, message_id=111)
        await stalled.posts.drop(taken, "late")
        await stalled.posts.retry_later(taken, "late", taken.created_at)
        await stalled.posts.block(taken, "late")
        after = await other.posts.item(taken.id)
        assert after is not None
        assert (after.state.value, after.message_id, after.attempts) == ("done", 222, 1)
        assert after.last_error is None
        posted = await other.db.fetch("SELECT message_id FROM posts")
        assert [row[0] for row in posted] == [222]
        assert await other.posts.due() == []


async def wait_for(check: object, seconds: float) -> None:
    """Until `check()` (a coroutine function) returns something true."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "condition never came true"
        await asyncio.sleep(0.1)


async def test_a_finished_row_is_not_taken_again(postgres: str) -> None:
    async with ReviewStore.open(postgres) as store:
        await queue_posts(store, 2)
        first: list[OutboxItem] = await store.posts.due()
        await store.posts.delivered(first[0], channel_id=1, message_id=1)
        assert [i.id for i in await store.posts.due()] == [first[1].id]


# The command line ----------------------------------------------------------------------------


def reviewbot(*args: str, cwd: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "LOG_LEVEL": "WARNING", "REVIEWBOT_CATALOGUE": str(SAMPLE)}
    environment.pop("DISCORD_TOKEN", None)
    environment.pop("REVIEWBOT_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "reviewbot", *args],
        capture_output=True,
        text=True,
        env={**environment, **env},
        cwd=cwd,
        timeout=120,
    )


async def test_the_command_line_uses_postgresql_from_the_environment_or_db(
    postgres: str, tmp_path: Path
) -> None:
    await never_used(postgres)
    found = reviewbot("search", "godfather", REVIEWBOT_DATABASE_URL=postgres)
    assert found.returncode == 0, found.stderr
    assert "The Godfather" in found.stdout
    assert f"Loaded the sample catalogue into {postgres}" in found.stderr
    shown = reviewbot("--db", postgres, "show", "her", REVIEWBOT_DB=str(tmp_path / "x.db"))
    assert shown.returncode == 0 and shown.stdout.startswith("Her")
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("mysql://u:secret@db/reviews", "must be a PostgreSQL URL like postgresql://"),
        ("postgresql://u:secret@db:99999/reviews", "is not a well-formed URL"),
        ("postgresql:///reviews", "names no server"),
    ],
)
def test_a_malformed_database_url_is_one_line_naming_it(
    value: str, says: str, tmp_path: Path
) -> None:
    done = reviewbot("search", "her", REVIEWBOT_DATABASE_URL=value)
    assert done.returncode == 2
    assert done.stderr.startswith("reviewbot: REVIEWBOT_DATABASE_URL ") and says in done.stderr
    assert done.stderr.count("\n") == 1 and "secret" not in done.stderr
    flagged = reviewbot("--db", value, "search", "her", cwd=str(tmp_path))
    assert flagged.returncode == 2 and flagged.stderr.startswith("reviewbot: --db ")
    assert list(tmp_path.iterdir()) == []  # never taken for a file's name


async def test_only_a_clash_of_title_and_creator_is_a_duplicate_review(postgres: str) -> None:
    async with ReviewStore.open(postgres) as store:
        first = await store.reviews.add(make_review("Her"))
        # Numbers handed out again (a sequence set back by hand): a fault, not a duplicate.
        await store.db.fetch("SELECT setval(pg_get_serial_sequence('reviews', 'id'), 1, false)")
        with pytest.raises(asyncpg.UniqueViolationError, match="reviews_pkey"):
            await store.reviews.add(make_review("Heat"))
        with pytest.raises(DuplicateReviewError) as duplicate:
            await store.reviews.add(make_review("HER"))
        assert duplicate.value.existing_id == first.id
