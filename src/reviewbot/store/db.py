"""The SQLite file: its two connections, their settings, transactions and backups."""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import aiosqlite

from .connect import SIDE_FILES, connect
from .problems import StoreError, database_problem

# A read that is usually quick runs in place, but gives the event loop back (and goes to the
# worker thread instead) once it has run this long; checked every so many SQLite steps.
BRIEF_READ_SECONDS = 0.001
BRIEF_READ_CHECK_STEPS = 1_000
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
    async def open(
        cls, path: Path, *, read_only: bool = False
    ) -> AsyncIterator[tuple[Database, int, int]]:
        """The database at `path` with its schema version before and after opening: created
        and migrated as needed, or with `read_only` an existing one opened for reading only
        (which works on a file this user may not write; `NoDatabaseError` when there is none).
        A database that cannot be used raises `StoreError`, whose message is one line."""
        connection, reader, before, version = await connect(path, read_only=read_only)
        try:
            yield cls(connection, reader, path), before, version
        finally:
            reader.close()
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
        """A consistent copy of the whole database in one file, safe while others write.

        The copy is made under a temporary name beside `destination` and renamed into place
        when whole, so a failure (a full disk) leaves no partial file and replaces nothing.
        """
        partial = _backup_file(destination, self.path)
        try:
            target = sqlite3.connect(partial)
            try:
                await self.connection.backup(target)
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()
            os.replace(partial, destination)
        except BaseException as error:
            _remove_with_side_files(partial)
            if isinstance(error, sqlite3.Error):
                problem = database_problem(destination, error)
                if problem is not None:
                    raise problem from error
            if isinstance(error, OSError):
                raise StoreError(
                    f"cannot write the backup {destination} ({error.strerror})"
                ) from error
            raise
        return destination


def _backup_file(destination: Path, database: Path) -> Path:
    """A new file to copy the database into, beside `destination`, once it is a sound place."""
    if destination.is_dir():
        raise StoreError(
            f"{destination} is a folder: give the backup a file name,"
            f" e.g. {destination / database.name}"
        )
    if destination.exists() and destination.samefile(database):
        raise StoreError(f"{destination} is the database itself: back it up to another file")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        return _new_file_beside(destination)
    except OSError as error:
        raise StoreError(
            f"cannot write the backup {destination} ({error.strerror}):"
            " check the path and the permissions of its folder"
        ) from error


def _new_file_beside(destination: Path) -> Path:
    """A new, empty file with a hidden name of its own in `destination`'s folder."""
    while True:
        partial = destination.with_name(f".{destination.name}.{secrets.token_hex(8)}.partial")
        try:  # O_EXCL: never a file (or a link) that is there already
            os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666))
        except FileExistsError:
            continue
        return partial


def _remove_with_side_files(database: Path) -> None:
    for leftover in (database, *(Path(f"{database}{end}") for end in SIDE_FILES)):
        leftover.unlink(missing_ok=True)


def _run(undo: list[Callable[[], None]]) -> None:
    for callback in reversed(undo):
        callback()
