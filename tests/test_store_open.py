"""Opening the database: at once from many connections, read-only, and when it cannot be used."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

import pytest

from reviewbot.store import LATEST_SCHEMA, NoDatabaseError, ReviewStore, StoreError
from reviewbot.store.schema import migrations

from .store_fixtures import make_review


async def open_and_count(path: Path) -> tuple[bool, int, int]:
    async with ReviewStore.open(path) as store:
        return store.created, store.schema_version, await store.reviews.count()


async def test_many_connections_opening_a_new_database_at_once_migrate_it_once(
    tmp_path: Path,
) -> None:
    db = tmp_path / "new.db"
    opened = await asyncio.gather(*(open_and_count(db) for _ in range(6)))
    assert (
        sorted(opened, reverse=True) == [(True, LATEST_SCHEMA, 0)] + [(False, LATEST_SCHEMA, 0)] * 5
    )  # one made it; the others found it made
    with contextlib.closing(sqlite3.connect(db)) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


async def test_a_read_only_opening_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "data" / "reviews.db"
    with pytest.raises(
        NoDatabaseError, match=r"no database at .*reviews\.db; import reviews first"
    ):
        async with ReviewStore.open(db, read_only=True):
            pass
    assert list(tmp_path.iterdir()) == []
    db.parent.mkdir()
    db.touch()  # an empty file is no database either, and stays empty
    with pytest.raises(NoDatabaseError):
        async with ReviewStore.open(db, read_only=True):
            pass
    assert db.read_bytes() == b""


async def test_a_read_only_store_reads_and_never_writes(tmp_path: Path) -> None:
    db = tmp_path / "reviews.db"
    async with ReviewStore.open(db) as store:
        await store.reviews.add(make_review("Her"))
    async with ReviewStore.open(db, read_only=True) as store:
        assert [hit.title for hit in await store.search("her")] == ["Her"]
        assert not store.created
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await store.reviews.add(make_review("Not stored"))
    async with ReviewStore.open(db) as store:
        assert await store.reviews.count() == 1


async def test_a_read_only_opening_of_an_older_schema_brings_it_up_to_date(
    tmp_path: Path,
) -> None:
    db = tmp_path / "old.db"
    with contextlib.closing(sqlite3.connect(db)) as raw:
        number, _, sql = migrations()[0]
        raw.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
    async with ReviewStore.open(db, read_only=True) as store:
        assert store.schema_version == LATEST_SCHEMA
        assert await store.search("anything") == []


@pytest.mark.parametrize("read_only", [False, True])
async def test_a_file_that_cannot_be_a_reviewbot_database_is_refused_untouched(
    tmp_path: Path, read_only: bool
) -> None:
    text = tmp_path / "notes.db"
    text.write_text("not SQLite at all\n" * 200)
    other = tmp_path / "places.sqlite"
    with contextlib.closing(sqlite3.connect(other)) as raw:
        raw.execute("CREATE TABLE places (url TEXT)")
    newer = tmp_path / "newer.db"
    with contextlib.closing(sqlite3.connect(newer)) as raw:
        raw.execute("CREATE TABLE later (x)")
        raw.execute(f"PRAGMA user_version = {LATEST_SCHEMA + 1}")
    folder = tmp_path / "folder.db"
    folder.mkdir()
    expected = {
        text: "is not an SQLite database",
        other: "is an SQLite database of something else, not reviewbot's",
        newer: "newer than this reviewbot knows",
        folder: "is a folder, not a database file",
    }
    for path, message in expected.items():
        before = path.read_bytes() if path.is_file() else b""
        with pytest.raises(StoreError, match=message) as caught:
            async with ReviewStore.open(path, read_only=read_only):
                pass
        assert str(path) in str(caught.value) and "\n" not in str(caught.value)
        assert (path.read_bytes() if path.is_file() else b"") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in expected)
