"""The database file: where it is made, how it is migrated and backed up, what each failure says."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewbot.store import (
    LATEST_SCHEMA,
    DatabaseBusyError,
    NoDatabaseError,
    ReviewStore,
    StoreError,
    database_problem,
)
from reviewbot.store.schema import _statements, migrate, migrations

from .store_fixtures import make_review

PAGE = 4096


@contextlib.contextmanager
def raw(path: Path | str, **options: object) -> Iterator[sqlite3.Connection]:
    with contextlib.closing(sqlite3.connect(path, isolation_level=None, **options)) as db:  # type: ignore[call-overload]
        yield db


def caught(run: object) -> sqlite3.Error:
    """The SQLite error that running `run()` raises."""
    with pytest.raises(sqlite3.Error) as error:
        run()  # type: ignore[operator]
    return error.value


# What each failure of SQLite says ----------------------------------------------------------------


def test_each_problem_with_the_file_is_one_line_naming_it(tmp_path: Path) -> None:
    where = tmp_path / "reviews.db"

    def line(error: sqlite3.Error) -> str:
        problem = database_problem(where, error)
        assert problem is not None
        return str(problem)

    text = tmp_path / "notes.db"
    text.write_text("not SQLite at all\n" * 300)
    with raw(text) as db:
        assert line(caught(lambda: db.execute("SELECT * FROM sqlite_master"))) == (
            f"{where} is not an SQLite database: check REVIEWBOT_DB or --db"
        )

    damaged = tmp_path / "damaged.db"
    with raw(damaged) as db:
        db.execute("CREATE TABLE t (x)")
        db.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 50)
    with damaged.open("r+b") as file:
        file.seek(PAGE)
        file.write(b"\xff" * PAGE)
    with raw(damaged) as db:
        error = caught(lambda: db.execute("SELECT count(*) FROM t").fetchall())
        assert line(error) == f"{where} is damaged ({error}): restore it from a backup"

    with raw(f"{damaged.as_uri()}?mode=ro", uri=True) as db:
        error = caught(lambda: db.execute("PRAGMA user_version = 3"))
        assert line(error) == (
            f"{where} is read-only ({error}): check the permissions of the file and its folder,"
            " or run as the user who owns them"
        )

    busy = tmp_path / "busy.db"
    with raw(busy) as holder, raw(busy, timeout=0) as other:
        holder.execute("BEGIN IMMEDIATE")
        problem = database_problem(where, caught(lambda: other.execute("BEGIN IMMEDIATE")))
        assert isinstance(problem, DatabaseBusyError) and str(problem) == (
            f"{where} is busy: another import (or the bot) is writing to it;"
            " try again when it is done"
        )

    with raw(busy) as db:
        db.execute("CREATE TABLE t (x)")
        db.executemany("INSERT INTO t VALUES (?)", [(1,), (2,)])
        reading = db.execute("SELECT x FROM t")
        reading.fetchone()
        locked = database_problem(where, caught(lambda: db.execute("DROP TABLE t")))
        assert isinstance(locked, DatabaseBusyError)

    full = tmp_path / "full.db"
    with raw(full) as db:
        db.execute("CREATE TABLE t (x)")
        db.execute("PRAGMA max_page_count = 3")
        error = caught(lambda: db.execute("INSERT INTO t VALUES (?)", ("x" * 3 * PAGE,)))
        assert line(error) == (
            f"no room to write {where} ({error}): free some disk space, then retry"
        )

    error = caught(lambda: sqlite3.connect(tmp_path / "missing" / "x.db"))
    assert line(error) == (
        f"cannot open {where} ({error}): check the path and the permissions of its folder"
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        # Not made here: a failing disk, and a refusal by the system's access control.
        (
            "SQLITE_IOERR_WRITE",
            "could not write {where} (disk I/O error): check that the disk has room and works",
        ),
        (
            "SQLITE_PERM",
            "{where} is read-only (disk I/O error): check the permissions of the"
            " file and its folder, or run as the user who owns them",
        ),
    ],
)
def test_a_failing_disk_or_a_refusal_is_one_line(tmp_path: Path, name: str, message: str) -> None:
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorname = name  # type: ignore[attr-defined]
    assert str(database_problem(tmp_path, error)) == message.format(where=tmp_path)


def test_any_other_failure_is_not_a_problem_with_the_file(tmp_path: Path) -> None:
    with raw(":memory:") as db:
        assert database_problem(tmp_path, caught(lambda: db.execute("SELEC 1"))) is None
    assert database_problem(tmp_path, sqlite3.Error("made in Python")) is None


# Opening -----------------------------------------------------------------------------------------


async def test_a_database_is_made_with_the_folders_it_needs(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "reviews.db"
    async with ReviewStore.open(path) as store:
        assert store.created and store.path == path
        await store.reviews.add(make_review("Her"))
    assert path.is_file()


@pytest.mark.parametrize("read_only", [False, True])
async def test_where_a_database_cannot_be_is_one_line(tmp_path: Path, read_only: bool) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    deeper = blocker / "sub" / "reviews.db"
    expected = {
        blocker / "reviews.db": f"{blocker} is a file, so the database {blocker / 'reviews.db'}"
        " cannot be made in it: check REVIEWBOT_DB or --db",
        deeper: f"cannot make the folder {deeper.parent} for the database (Not a directory):"
        " check REVIEWBOT_DB or --db",
    }
    for path, message in expected.items():
        with pytest.raises(StoreError) as refused:
            async with ReviewStore.open(path, read_only=read_only):
                pass
        if read_only:
            assert str(refused.value) == (
                f"no database at {path}; import reviews first or check REVIEWBOT_DB"
            )
        else:
            assert str(refused.value) == message


async def test_an_empty_file_opened_to_read_is_no_database(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(NoDatabaseError) as refused:
        async with ReviewStore.open(empty, read_only=True):
            pass
    assert (
        str(refused.value) == f"no database at {empty}; import reviews first or check REVIEWBOT_DB"
    )


async def test_a_newer_database_says_which_versions(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    with raw(path) as db:
        db.execute(f"PRAGMA user_version = {LATEST_SCHEMA + 2}")
    for read_only in (False, True):
        with pytest.raises(StoreError) as refused:
            async with ReviewStore.open(path, read_only=read_only):
                pass
        assert str(refused.value) == (
            f"{path} is at schema version {LATEST_SCHEMA + 2}, newer than this reviewbot knows"
            f" ({LATEST_SCHEMA}): upgrade reviewbot"
        )


# Migrating ---------------------------------------------------------------------------------------


def test_migrating_logs_each_step_and_reports_the_versions(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "reviews.db"
    caplog.set_level(logging.DEBUG, logger="reviewbot.store.schema")
    assert migrate(path) == (0, LATEST_SCHEMA)
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.INFO, f"Creating a new catalogue database in {path}"),
        *((logging.DEBUG, f"Applying database migration {name}") for _, name, _ in migrations()),
    ]
    caplog.clear()
    assert migrate(path) == (LATEST_SCHEMA, LATEST_SCHEMA)  # nothing left to do
    assert caplog.records == []
    with raw(path) as db:  # an older file: each step it takes is news to the operator
        db.execute(f"PRAGMA user_version = {LATEST_SCHEMA - 1}")
        db.execute("DROP TABLE identify_slots")
    assert migrate(path) == (LATEST_SCHEMA - 1, LATEST_SCHEMA)
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.INFO, f"Applying database migration {name}")
        for number, name, _ in migrations()
        if number == LATEST_SCHEMA
    ]


def test_migrating_checks_the_file_again_under_the_lock(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with raw(other) as db:
        db.execute("CREATE TABLE places (url)")
    with pytest.raises(StoreError) as foreign:
        migrate(other)
    assert str(foreign.value) == (
        f"{other} is an SQLite database of something else, not reviewbot's:"
        " check REVIEWBOT_DB or --db"
    )
    newer = tmp_path / "newer.db"
    with raw(newer) as db:
        db.execute(f"PRAGMA user_version = {LATEST_SCHEMA + 1}")
    with pytest.raises(StoreError, match=f"^{newer} is at schema version {LATEST_SCHEMA + 1},"):
        migrate(newer)


def test_a_migration_is_split_into_statements_only_where_they_end() -> None:
    script = (
        "CREATE TABLE t (x);CREATE TRIGGER g AFTER INSERT ON t BEGIN"
        " UPDATE t SET x = ';'; END;\nINSERT INTO t VALUES (1)"
    )
    assert list(_statements(script)) == [
        "CREATE TABLE t (x);",
        "CREATE TRIGGER g AFTER INSERT ON t BEGIN UPDATE t SET x = ';'; END;",
        "\nINSERT INTO t VALUES (1)",
    ]
    assert list(_statements("SELECT 1;\n  \n")) == ["SELECT 1;"]


# Transactions ----------------------------------------------------------------------------------


class Planned(Exception):
    pass


async def test_what_a_rolled_back_transaction_kept_in_memory_is_undone(
    store: ReviewStore,
) -> None:
    undone: list[str] = []
    with pytest.raises(RuntimeError, match=r"^undo_on_rollback\(\) needs a transaction under way$"):
        store.db.undo_on_rollback(lambda: undone.append("never"))
    with pytest.raises(Planned):
        async with store.db.transaction():
            store.db.undo_on_rollback(lambda: undone.append("outer 1"))
            with pytest.raises(Planned):
                async with store.db.transaction():  # a savepoint
                    store.db.undo_on_rollback(lambda: undone.append("inner, failed"))
                    raise Planned
            assert undone == ["inner, failed"]
            async with store.db.transaction():
                store.db.undo_on_rollback(lambda: undone.append("inner, kept"))
            store.db.undo_on_rollback(lambda: undone.append("outer 2"))
            raise Planned
    assert undone == ["inner, failed", "outer 2", "inner, kept", "outer 1"]
    undone.clear()
    async with store.db.transaction():
        store.db.undo_on_rollback(lambda: undone.append("committed"))
    assert undone == []


# Backups -----------------------------------------------------------------------------------------


@pytest.mark.sqlite_only  # PostgreSQL is backed up with pg_dump
async def test_a_backup_is_a_plain_file_made_with_its_folders(
    store: ReviewStore, tmp_path: Path
) -> None:
    await store.reviews.add(make_review("Her"))
    copy = tmp_path / "new" / "nested" / "copy.db"
    assert await store.backup(copy) == copy
    assert not stat.S_IMODE(copy.stat().st_mode) & 0o111  # not executable
    assert sorted(p.name for p in copy.parent.iterdir()) == ["copy.db"]  # no partial left
    again = await store.backup(copy)  # over an earlier backup
    with raw(again) as db:
        assert db.execute("SELECT title FROM reviews").fetchall() == [("Her",)]
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)


@pytest.mark.sqlite_only  # PostgreSQL is backed up with pg_dump
async def test_a_backup_where_it_cannot_go_is_one_line(
    store: ReviewStore, db_path: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    expected = {
        tmp_path: f"{tmp_path} is a folder: give the backup a file name,"
        f" e.g. {tmp_path / db_path.name}",
        db_path: f"{db_path} is the database itself: back it up to another file",
        blocker / "copy.db": f"cannot write the backup {blocker / 'copy.db'} (File exists):"
        " check the path and the permissions of its folder",
    }
    for destination, message in expected.items():
        with pytest.raises(StoreError) as refused:
            await store.backup(destination)
        assert str(refused.value) == message
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")]
