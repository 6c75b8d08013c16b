"""The SQLite file: its two connections, their settings, transactions and backups."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import aiosqlite

from .schema import migrate

BUSY_TIMEOUT_MS = 5_000
READER_BUSY_TIMEOUT_MS = 1_000
# Page caches. SQLite's default (2 MiB) is too small for a large catalogue. Quick reads (title
# search, neighbours) are mostly row reads at random places and get the larger share; the
# other connection (writes, typo and text search) needs less. Measured in bench/README.md.
CACHE_KIB = 16 * 1024
READER_CACHE_KIB = 88 * 1024
# A read that is usually quick runs in place, but gives the event loop back (and goes to the
# worker thread instead) once it has run this long; checked every so many SQLite steps.
BRIEF_READ_SECONDS = 0.001
BRIEF_READ_CHECK_STEPS = 1_000
# Temporary b-trees (a materialised CTE, an IN list) kept in memory: in a file, each one cost
# more than the statement around it. They hold a few rows.
TEMP_STORE = "MEMORY"

Params = Mapping[str, Any] | Sequence[Any]
Tracer = Callable[[str], None]

# While a task is inside a transaction: what to undo in memory if the innermost transaction or
# savepoint is rolled back. A transaction begun inside another is a savepoint of it, so a failure
# undoes its own part and leaves the outer one to go on.
_undo: ContextVar[list[Callable[[], None]] | None] = ContextVar("reviewbot_undo", default=None)


class Database:
    """One SQLite file through two connections.

    Writes, and reads that may take milliseconds, go through aiosqlite (a worker thread).
    Quick reads (index probes, short ranges) run in place on a read-only connection of their
    own: an aiosqlite call's hop to its thread and back costs more than they do.
    """

    def __init__(
        self, connection: aiosqlite.Connection, reader: sqlite3.Connection, path: Path
    ) -> None:
        self.connection = connection
        self._reader = reader
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    @asynccontextmanager
    async def open(cls, path: Path) -> AsyncIterator[tuple[Database, int, int]]:
        """The database at `path`, created and migrated as needed, with its schema version
        before and after opening."""
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path, isolation_level=None)
        try:
            await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await connection.execute("PRAGMA journal_mode = WAL")
            await connection.execute("PRAGMA synchronous = NORMAL")
            await connection.execute("PRAGMA foreign_keys = ON")
            await connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            await connection.execute(f"PRAGMA temp_store = {TEMP_STORE}")
            before, version = await migrate(connection)
            reader = sqlite3.connect(path, isolation_level=None)
            try:
                # In WAL mode a read waits for no writer; only recovering a crashed writer's
                # log (milliseconds) could hold it up, and then it waits here, briefly.
                reader.execute(f"PRAGMA busy_timeout = {READER_BUSY_TIMEOUT_MS}")
                reader.execute(f"PRAGMA cache_size = -{READER_CACHE_KIB}")
                reader.execute(f"PRAGMA temp_store = {TEMP_STORE}")
                # How many titles hold each word, as the title index counts them: read (a
                # whole pass over the index) only when typo search first needs it.
                reader.execute(
                    "CREATE VIRTUAL TABLE temp.title_word_counts"
                    " USING fts5vocab(main, 'title_fts', 'row')"
                )
                reader.execute("PRAGMA query_only = ON")
                yield cls(connection, reader, path), before, version
            finally:
                reader.close()
        finally:
            await connection.close()

    def read(self, sql: str, params: Params = ()) -> list[Any]:
        """The rows of a quick read, run on the event loop's thread."""
        return self._reader.execute(sql, params).fetchall()

    async def read_briefly(self, sql: str, params: Params = ()) -> list[Any]:
        """The rows of a read that is quick for most text and slow for some (a full-text query
        of common words): in place, unless it runs past a brief budget; then it is abandoned
        and run again through aiosqlite, so that it holds up nothing else."""
        deadline = time.perf_counter() + BRIEF_READ_SECONDS
        tripped = False

        def too_long() -> bool:
            nonlocal tripped
            tripped = time.perf_counter() > deadline
            return tripped

        self._reader.set_progress_handler(too_long, BRIEF_READ_CHECK_STEPS)
        try:
            return self._reader.execute(sql, params).fetchall()
        except sqlite3.OperationalError:
            if not tripped:
                raise
        finally:
            self._reader.set_progress_handler(None, 0)
        return await self.fetch(sql, params)

    async def fetch(self, sql: str, params: Params = ()) -> list[Any]:
        """The rows of a read that may take milliseconds, or that must see this connection's
        own writes in order (through aiosqlite)."""
        return list(await self.connection.execute_fetchall(sql, params))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction; inside another one, a savepoint of it."""
        outer = _undo.get()
        if outer is not None:
            async with self._savepoint(outer):
                yield self.connection
            return
        undo: list[Callable[[], None]] = []
        async with self._write_lock:
            await self.connection.execute("BEGIN IMMEDIATE")
            token = _undo.set(undo)
            try:
                yield self.connection
                await self.connection.commit()
            except BaseException:
                if self.connection.in_transaction:
                    await self.connection.rollback()
                _run(undo)
                raise
            finally:
                _undo.reset(token)

    @asynccontextmanager
    async def _savepoint(self, outer: list[Callable[[], None]]) -> AsyncIterator[None]:
        undo: list[Callable[[], None]] = []
        await self.connection.execute("SAVEPOINT nested")
        token = _undo.set(undo)
        try:
            yield
        except BaseException:
            await self.connection.execute("ROLLBACK TO nested")
            await self.connection.execute("RELEASE nested")
            _run(undo)
            raise
        finally:
            _undo.reset(token)
        await self.connection.execute("RELEASE nested")
        outer.extend(undo)  # kept by the transaction around it: undone if that rolls back

    @staticmethod
    def undo_on_rollback(callback: Callable[[], None]) -> None:
        """Call `callback` if the transaction now under way (or the savepoint) is rolled back:
        for what a room keeps in memory in step with what it wrote."""
        undo = _undo.get()
        if undo is None:
            raise RuntimeError("undo_on_rollback() needs a transaction under way")
        undo.append(callback)

    async def trace(self, tracer: Tracer | None) -> None:
        """Call `tracer` with the text of every statement either connection runs (None stops).

        For benchmarks and tests: SQLite's own trace hook, so the rooms run unchanged.
        """
        self._reader.set_trace_callback(tracer)
        await self.connection.set_trace_callback(tracer)  # type: ignore[arg-type]  # None is allowed

    async def backup(self, destination: Path) -> Path:
        """A consistent copy of the whole database in one file, safe while others write."""
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(destination.name + ".partial")
        partial.unlink(missing_ok=True)
        target = sqlite3.connect(partial)
        try:
            await self.connection.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
        partial.replace(destination)
        return destination


def _run(undo: list[Callable[[], None]]) -> None:
    for callback in reversed(undo):
        callback()
