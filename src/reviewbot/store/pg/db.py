"""A PostgreSQL database through asyncpg: a pool of connections, transactions (savepoints when
nested), undo of in-memory state on rollback, named parameters, and a statement tracer."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

import asyncpg

from ...config import shown_url
from ..problems import StoreError

Params = Mapping[str, Any] | Sequence[Any]
Tracer = Callable[[str], None]
# A statement as PostgreSQL receives it: its text, its values, and whether it is planned for
# those values (`PgDatabase.fetch`'s `replan`) or with the one plan kept for any values.
CallTracer = Callable[[str, Sequence[Any], bool], None]
POOL_SIZE = 4  # connections per pool; a process has two (docs/SCALING.md)
# Every connection reads and writes times in UTC, and skips JIT compilation, which costs far
# more than the short statements the store runs. Each statement is planned once, for any
# values (planning one costs more than running it), and never as a scan of a whole table:
# every statement of the store is written for an index, and a plan made for any values must
# not guess that a server's rows are half the table.
SERVER_SETTINGS = {
    "timezone": "UTC",
    "jit": "off",
    "application_name": "reviewbot",
    "plan_cache_mode": "force_generic_plan",
    "enable_seqscan": "off",
}
# Full-text queries are planned for the words asked, every time (see PgDatabase.fetch).
REPLANNING = {"plan_cache_mode": "force_custom_plan"}
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")

# While a task is inside a transaction: its connection, and what to undo in memory if the
# innermost transaction or savepoint is rolled back.
_current: ContextVar[tuple[asyncpg.Connection, list[Callable[[], None]]] | None] = ContextVar(
    "reviewbot_pg_transaction", default=None
)


@lru_cache(maxsize=512)
def positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """A statement written with `:name` parameters as asyncpg takes it ($1, $2, ...), and the
    names in order of their numbers (a name used twice is one number)."""
    names: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        return f"${names.setdefault(match.group(1), len(names) + 1)}"

    return _NAMED.sub(number, sql), tuple(names)


def _arguments(sql: str, params: Params) -> tuple[str, Sequence[Any]]:
    if isinstance(params, Mapping):
        text, names = positional(sql)
        return text, [params[name] for name in names]
    return sql, params


class PgDatabase:
    """One PostgreSQL database through a pool of connections.

    A read outside a transaction takes any connection; inside one (in the same task), it runs
    on the transaction's connection, so that it sees what the transaction wrote.
    """

    def __init__(self, pool: asyncpg.Pool, url: str, planning: asyncpg.Pool | None = None) -> None:
        self.pool = pool
        self._planning = planning or pool
        self.url = url
        self.path = shown_url(url)  # what messages name, as they name a file's path
        self._tracer: Tracer | None = None
        self._call_tracer: CallTracer | None = None

    async def fetch(self, sql: str, params: Params = (), *, replan: bool = False) -> list[Any]:
        """The rows of a statement. With `replan`, on a connection that plans it for the values
        given every time (a full-text query): a plan made once for any values may read a
        whole index for a rare word, or every match of a common one."""
        text, args = _arguments(sql, params)
        current = _current.get()
        self._traced(text, args, replan and current is None)
        try:
            if current is not None:
                return list(await current[0].fetch(text, *args))
            pool = self._planning if replan else self.pool
            return list(await pool.fetch(text, *args))
        except asyncpg.DataError as error:
            _raise_overflow(error)
            raise

    async def execute(self, sql: str, params: Params = ()) -> str:
        """Run one statement; returns its status ("UPDATE 3")."""
        text, args = _arguments(sql, params)
        self._traced(text, args, False)
        current = _current.get()
        try:
            if current is not None:
                return str(await current[0].execute(text, *args))
            return str(await self.pool.execute(text, *args))
        except asyncpg.DataError as error:
            _raise_overflow(error)
            raise

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self._tracer is not None:
            self._tracer(sql)
        if self._call_tracer is not None:
            for row in rows:
                self._call_tracer(sql, row, False)
        current = _current.get()
        if current is not None:
            await current[0].executemany(sql, rows)
        else:
            await self.pool.executemany(sql, rows)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """A transaction; inside another one (in the same task), a savepoint of it."""
        outer = _current.get()
        if outer is not None:
            connection, outer_undo = outer
            undo: list[Callable[[], None]] = []
            token = _current.set((connection, undo))
            try:
                async with connection.transaction():  # a savepoint
                    yield connection
            except BaseException:
                _run(undo)
                raise
            finally:
                _current.reset(token)
            outer_undo.extend(undo)  # undone too if the transaction around it rolls back
            return
        async with self.pool.acquire() as connection:
            undo = []
            token = _current.set((connection, undo))
            try:
                async with connection.transaction():
                    yield connection
            except BaseException:
                _run(undo)
                raise
            finally:
                _current.reset(token)

    @staticmethod
    def undo_on_rollback(callback: Callable[[], None]) -> None:
        """Call `callback` if the transaction now under way (or the savepoint) is rolled back."""
        current = _current.get()
        if current is None:
            raise RuntimeError("undo_on_rollback() needs a transaction under way")
        current[1].append(callback)

    async def trace(self, tracer: Tracer | None, calls: CallTracer | None = None) -> None:
        """Call `tracer` with the text of every statement the store runs, and `calls` with its
        text, values and planning, to explain it as it ran (None stops)."""
        self._tracer = tracer
        self._call_tracer = calls

    def _traced(self, text: str, args: Sequence[Any], replan: bool) -> None:
        if self._tracer is not None:
            self._tracer(text)
        if self._call_tracer is not None:
            self._call_tracer(text, args, replan)


def _raise_overflow(error: asyncpg.DataError) -> None:
    """A number too large to store is an OverflowError, as it is in SQLite."""
    if isinstance(error.__cause__, OverflowError):
        raise OverflowError(str(error)) from error


def _run(undo: list[Callable[[], None]]) -> None:
    for callback in reversed(undo):
        callback()


def connection_problem(url: str, error: BaseException) -> StoreError:
    """What stops reviewbot using the database at `url`, in one line."""
    name = shown_url(url)
    refused = asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError
    if isinstance(error, asyncpg.InvalidCatalogNameError):
        return StoreError(f"no database at {name}: create it first (createdb), then try again")
    if isinstance(error, refused):
        return StoreError(
            f"PostgreSQL refused the login at {name} ({error}): check the user and password"
        )
    if isinstance(error, asyncpg.InsufficientPrivilegeError):
        return StoreError(
            f"no permission at {name} ({error}): grant the user rights on the database"
        )
    if isinstance(error, OSError | TimeoutError):
        detail = getattr(error, "strerror", None) or str(error) or type(error).__name__
        return StoreError(
            f"cannot reach PostgreSQL at {name} ({detail}): check that the server runs and"
            " REVIEWBOT_DATABASE_URL"
        )
    return StoreError(f"cannot use the database at {name} ({error}): check REVIEWBOT_DATABASE_URL")
