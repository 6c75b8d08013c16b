"""Opening a database file: checked first, migrated under the write lock, or read-only."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from pathlib import Path

import aiosqlite

from . import schema
from .problems import StoreError, database_problem, foreign, no_database, read_only
from .schema import BUSY_TIMEOUT_MS, check_not_newer, has_tables, user_version

READER_BUSY_TIMEOUT_MS = 1_000
# Page caches. SQLite's default (2 MiB) is too small for a large catalogue. Quick reads (title
# search, neighbours) are mostly row reads at random places and get the larger share; the
# other connection (writes, typo and text search) needs less. Measured in bench/README.md.
CACHE_KIB = 16 * 1024
READER_CACHE_KIB = 88 * 1024
# Temporary b-trees (a materialised CTE, an IN list) kept in memory: in a file, each one cost
# more than the statement around it. They hold a few rows.
TEMP_STORE = "MEMORY"
# The files SQLite keeps beside a database while it is open or was left open.
SIDE_FILES = ("-journal", "-wal", "-shm")

Connections = tuple[aiosqlite.Connection, sqlite3.Connection, int, int]


async def connect(path: Path, *, read_only: bool) -> Connections:
    """A store's two connections (writing, quick-read), the schema version found and now.

    A database that cannot be used raises `StoreError`, whose message is one line.
    """
    try:
        if read_only:
            return await _for_reading(path)
        return await _for_writing(path)
    except sqlite3.Error as error:
        problem = database_problem(path, error)
        if problem is None:
            raise
        raise problem from error


async def _for_writing(path: Path) -> Connections:
    _check_path(path, create=True)
    # The plain connection first: a file that cannot be opened fails here, where it is simple
    # (aiosqlite, failing to connect, could still be stopping its thread as the loop closes).
    reader = quick_reader(str(path), uri=False)
    try:
        before = version = user_version(reader)  # checked before anything is written
        if version == 0 and has_tables(reader):
            raise foreign(path)
        check_not_newer(path, version)
        db = await aiosqlite.connect(path, isolation_level=None)
        try:
            await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await _write_ahead_log(db)
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            await db.execute(f"PRAGMA temp_store = {TEMP_STORE}")
            if version != schema.LATEST_SCHEMA:
                before, version = await asyncio.to_thread(schema.migrate, path)
        except BaseException:
            await db.close()
            raise
    except BaseException:
        reader.close()
        raise
    return db, reader, before, version


async def _write_ahead_log(db: aiosqlite.Connection) -> None:
    """WAL mode. Switching to it takes the file for a moment; while another opening holds it
    to migrate a new file, SQLite refuses at once instead of waiting (it would deadlock), so
    the wait is here, within the same budget as any busy database."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            await db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            await asyncio.sleep(0.005)


async def _for_reading(path: Path) -> Connections:
    _check_path(path, create=False)
    reader, database, uri, version = _open_for_reading(path)
    try:
        if version != schema.LATEST_SCHEMA:  # brought up to date first, like any opening
            reader.close()
            _, version = await asyncio.to_thread(schema.migrate, path)
            reader = quick_reader(database, uri=uri)
        db = await aiosqlite.connect(database, uri=uri, isolation_level=None)
        try:
            await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await db.execute("PRAGMA query_only = ON")
            await db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            await db.execute(f"PRAGMA temp_store = {TEMP_STORE}")
        except BaseException:
            await db.close()
            raise
    except BaseException:
        reader.close()
        raise
    return db, reader, version, version


def _check_path(path: Path, *, create: bool) -> None:
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file: check REVIEWBOT_DB or --db")
    if not create:
        if not path.exists():
            raise no_database(path)
        return
    if path.exists() and not os.access(path, os.W_OK):  # SQLite would open it read-only
        raise read_only(path)
    if path.parent.exists() and not path.parent.is_dir():
        raise StoreError(
            f"{path.parent} is a file, so the database {path} cannot be made in it:"
            " check REVIEWBOT_DB or --db"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(
            f"cannot make the folder {path.parent} for the database ({error.strerror}):"
            " check REVIEWBOT_DB or --db"
        ) from error


def _open_for_reading(path: Path) -> tuple[sqlite3.Connection, str, bool, int]:
    """A connection that never writes to an existing reviewbot database, the name it was opened
    by (a path, or a URI when the flag says so), and the schema version."""
    database, uri = str(path), False
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)) and not any(
        Path(f"{path}{end}").exists() for end in SIDE_FILES
    ):
        # Nobody has it open (a writer keeps a log beside it), and this user may not write
        # it: read the file as it stands. Opened as usual, SQLite would make log files that
        # it could not remove, and that would stand in the way of the file's owner.
        database, uri = path.absolute().as_uri() + "?mode=ro&immutable=1", True
    reader = quick_reader(database, uri=uri)
    try:
        version = user_version(reader)
        if version == 0:
            if has_tables(reader):
                raise foreign(path)
            raise no_database(path)
        check_not_newer(path, version)
    except BaseException:
        reader.close()
        raise
    return reader, database, uri, version


def quick_reader(database: str, *, uri: bool) -> sqlite3.Connection:
    """The connection for quick reads, which never writes."""
    reader = sqlite3.connect(database, isolation_level=None, uri=uri)
    try:
        # In WAL mode a read waits for no writer; only recovering a crashed writer's
        # log (milliseconds) could hold it up, and then it waits here, briefly.
        reader.execute(f"PRAGMA busy_timeout = {READER_BUSY_TIMEOUT_MS}")
        reader.execute(f"PRAGMA cache_size = -{READER_CACHE_KIB}")
        reader.execute(f"PRAGMA temp_store = {TEMP_STORE}")
        # How many titles hold each word, as the title index counts them: read (a whole pass
        # over the index) only when typo search first needs it.
        reader.execute(
            "CREATE VIRTUAL TABLE temp.title_word_counts USING fts5vocab(main, 'title_fts', 'row')"
        )
        reader.execute("PRAGMA query_only = ON")
    except BaseException:
        reader.close()
        raise
    return reader
