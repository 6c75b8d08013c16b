"""`reviewbot migrate-to`: a catalogue copied from SQLite into PostgreSQL and back loses nothing."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from reviewbot.catalogue import import_paths
from reviewbot.review import Category, Draft, Rating, utc_now
from reviewbot.store import FetchState, ReviewStore
from reviewbot.store.transfer import TABLES, rows

from .store_fixtures import make_review
from .test_feed_store import entry
from .test_files import SAMPLE

GUILD = 4242


def reviewbot(*args: str, db: Path | str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "REVIEWBOT_DB": str(db),
        "REVIEWBOT_CATALOGUE": str(SAMPLE),
        "LOG_LEVEL": "WARNING",
    }
    for name in ("DISCORD_TOKEN", "REVIEWBOT_DATABASE_URL"):
        environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "reviewbot", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


async def a_catalogue_in_use(path: Path) -> None:
    """Every table with rows in it: reviews of the catalogue and a server, posts made and
    waiting, a blocked row, drafts, saved searches, settings, a feed and its entries."""
    async with ReviewStore.open(path) as store:
        assert not (await import_paths(store, [SAMPLE])).failures
        published, _ = await store.reviews.publish(make_review("Harbour Lights", guild_id=GUILD))
        [row] = await store.posts.due()
        await store.posts.delivered(row, channel_id=5, message_id=6)
        await store.reviews.publish(make_review("Spoiled Ending", guild_id=GUILD, spoiler=True))
        [waiting] = await store.posts.due()
        await store.posts.block(waiting, "No review channel is set.")
        await store.reviews.update(published.with_id(published.stored_id))
        await store.drafts.save(Draft(guild_id=GUILD, user_id=1, title="Half", spoiler=True))
        await store.search.save(GUILD, "harbour", Category.FILM, Rating(6))
        await store.guilds.set_review_channel(GUILD, 5)
        await store.feeds.add(
            GUILD,
            "https://blog.example/feed",
            channel_id=77,
            category=Category.FILM,
            title="A blog",
            state=FetchState(200, etag='"v1"', body_digest="d"),
            entries=[entry("a", "Heat", day=3), entry("b", "Alien", day=4)],
            next_poll_at=utc_now() + timedelta(minutes=15),
        )
        await store.gateway.take(0, 0, timedelta(seconds=5))
        await store.reviews.delete((await store.reviews.add(make_review("Gone"))).stored_id)


def every_row(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of the SQLite file, derived tables included."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        names = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%'"
                " AND name NOT LIKE 'sqlite%'"
            )
        ]
        found = {name: sorted(db.execute(f"SELECT * FROM {name}")) for name in names}  # noqa: S608
        # A period whose reviews were all deleted keeps a count of 0 until counted afresh.
        found["review_counts"] = [row for row in found["review_counts"] if row[-1]]
        found["title matches"] = sorted(
            db.execute("SELECT rowid FROM title_fts WHERE title_fts MATCH 'godfather OR harbour'")
        )
        found["text matches"] = sorted(
            db.execute("SELECT rowid FROM body_fts WHERE body_fts MATCH 'the'")
        )
    return found


async def index_definitions(url: str) -> list[str]:
    """Every index of the database at `url` (its schema made first), as PostgreSQL states it."""
    async with ReviewStore.open(url) as store:
        found = await store.db.fetch(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1"
        )
    return [row[0] for row in found]


async def test_a_catalogue_copied_into_postgresql_and_back_loses_nothing(
    tmp_path: Path, postgres: str
) -> None:
    original, back = tmp_path / "original.db", tmp_path / "back.db"
    await a_catalogue_in_use(original)
    before = every_row(original)
    assert all(before.values()), [name for name, found in before.items() if not found]

    indexes = await index_definitions(postgres)
    there = reviewbot("migrate-to", postgres, db=original)
    assert there.returncode == 0, there.stderr
    assert await index_definitions(postgres) == indexes  # made again, as they were
    assert there.stdout.startswith(f"Copied {len(before['reviews'])} review(s) and ")
    async with ReviewStore.open(original) as sqlite, ReviewStore.open(postgres) as pg:
        for table in TABLES:
            assert [r async for r in rows(sqlite, table)] == [r async for r in rows(pg, table)]
        for query in ("godfather", "teh godfater", "harbour", "solaaris", "the"):
            assert await pg.search(query, GUILD) == await sqlite.search(query, GUILD), query
        assert await pg.reviews.count(GUILD) == await sqlite.reviews.count(GUILD)

    home = reviewbot("--db", postgres, "migrate-to", str(back), db=tmp_path / "unused.db")
    assert home.returncode == 0, home.stderr
    assert not (tmp_path / "unused.db").exists()
    assert every_row(back) == before
    with contextlib.closing(sqlite3.connect(back)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert every_row(original) == before  # the source untouched
    async with ReviewStore.open(postgres) as pg:  # new rows there are numbered after the copy's
        added = await pg.reviews.add(make_review("Added There"))
        assert added.stored_id > max(row[0] for row in before["reviews"])


async def test_migrate_to_refuses_a_database_that_holds_a_catalogue(
    tmp_path: Path, postgres: str
) -> None:
    source, other = tmp_path / "source.db", tmp_path / "other.db"
    for path, title in ((source, "Kept"), (other, "Already there")):
        async with ReviewStore.open(path) as store:
            await store.reviews.add(make_review(title))
    refused = reviewbot("migrate-to", str(other), db=source)
    assert refused.returncode == 3
    assert refused.stderr == (
        f"reviewbot migrate-to: {other} already holds a catalogue: migrate-to copies only into"
        " an empty database (a new file, or a new PostgreSQL database)\n"
    )
    itself = reviewbot("migrate-to", str(source), db=source)
    assert itself.returncode == 3 and "is the catalogue itself" in itself.stderr
    assert itself.stderr.count("\n") == 1
    bad = reviewbot("migrate-to", "mysql://u:secret@h/db", db=source)
    assert bad.returncode == 3 and bad.stderr.count("\n") == 1 and "secret" not in bad.stderr
    assert "the target must be a PostgreSQL URL" in bad.stderr
    missing = reviewbot("migrate-to", postgres, db=tmp_path / "none.db")
    assert missing.returncode == 3 and "no database at" in missing.stderr
    async with ReviewStore.open(other) as store:
        assert [r.title async for r in store.reviews.all()] == ["Already there"]
