"""The statements a store call runs, captured as it reads, with their query plans and SQL time."""

from __future__ import annotations

import re
import sqlite3
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import aiosqlite

from reviewbot.store import ReviewStore

BASE_TABLES = frozenset(
    {"reviews", "review_bodies", "review_counts", "title_term_variants", "guild_settings"}
)
FTS_TABLES = frozenset({"title_fts", "body_fts"})
_SOURCE = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", re.IGNORECASE)
_NOT_ALIAS = frozenset({"where", "join", "on", "order", "group", "limit", "union", "left", "inner"})

Statement = tuple[str, Any]


CACHE_PRAGMAS = ("cache_size", "mmap_size", "temp_store")  # what changes a read's speed


@dataclass
class StatementRecorder:
    """Records every statement the store reads with while it is active.

    Patches `aiosqlite.Connection.execute_fetchall` and `ReviewStore._read` (the store's quick
    reads, run in place) for the duration of a `with` block; the statements still run as usual.
    The store's cache settings (`PRAGMA cache_size = …` and the like, sent with `execute`) are
    kept apart, so a replay can run with the same page cache.
    """

    calls: list[Statement] = field(default_factory=list)
    pragmas: list[str] = field(default_factory=list)

    def __enter__(self) -> StatementRecorder:
        self._fetchall = fetchall = aiosqlite.Connection.execute_fetchall
        self._execute = execute = aiosqlite.Connection.execute
        self._read = read = ReviewStore._read
        calls, pragmas = self.calls, self.pragmas

        async def recording(conn: aiosqlite.Connection, sql: str, parameters: Any = None) -> Any:
            calls.append((sql, parameters))
            return await fetchall(conn, sql, parameters)

        async def recording_read(store: ReviewStore, sql: str, parameters: Any = ()) -> Any:
            calls.append((sql, parameters))
            return await read(store, sql, parameters)

        async def noting_pragmas(
            conn: aiosqlite.Connection, sql: str, parameters: Any = None
        ) -> Any:
            if sql.lstrip().upper().startswith("PRAGMA") and any(p in sql for p in CACHE_PRAGMAS):
                pragmas.append(sql)
            return await execute(conn, sql, parameters)

        aiosqlite.Connection.execute_fetchall = recording  # type: ignore[method-assign]
        aiosqlite.Connection.execute = noting_pragmas  # type: ignore[assignment,method-assign]
        ReviewStore._read = recording_read  # type: ignore[method-assign]
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        aiosqlite.Connection.execute_fetchall = self._fetchall  # type: ignore[method-assign]
        aiosqlite.Connection.execute = self._execute  # type: ignore[method-assign]
        ReviewStore._read = self._read  # type: ignore[method-assign]

    def take(self) -> list[Statement]:
        taken = list(self.calls)
        self.calls.clear()
        return taken


def aliases(sql: str) -> dict[str, str]:
    """Name (or alias) → table, for the tables a statement reads."""
    found: dict[str, str] = {}
    for table, alias in _SOURCE.findall(sql):
        if table.lower() in BASE_TABLES | FTS_TABLES:
            found[table] = table
            if alias and alias.lower() not in _NOT_ALIAS:
                found[alias] = table
    return found


def explain(conn: sqlite3.Connection, statement: Statement) -> list[str]:
    sql, params = statement
    plan_sql = "EXPLAIN QUERY PLAN " + sql
    return [row[3] for row in conn.execute(plan_sql, params or ())]


def scans(sql: str, plan: Sequence[str]) -> list[str]:
    """Plan lines that read every row of a table or index (or every row of a full-text index)."""
    names = aliases(sql)
    flagged = []
    for line in plan:
        words = line.split()
        if len(words) < 2 or words[0] != "SCAN" or words[1] not in names:
            continue
        table = names[words[1]]
        if table in FTS_TABLES:
            index = line.rsplit(":", 1)[-1] if "VIRTUAL TABLE INDEX" in line else ""
            if "M" not in index and "=" not in index:  # no MATCH, no rowid: a full-text scan
                flagged.append(f"{line}  [{table}: full-text table scan]")
        elif "USING" not in line:
            flagged.append(f"{line}  [{table}: FULL TABLE SCAN]")
        else:
            flagged.append(f"{line}  [{table}: full index scan, stops only at a LIMIT]")
    return flagged


def replay_ms(conn: sqlite3.Connection, statements: Sequence[Statement]) -> float:
    """One run of these statements straight on sqlite3, in milliseconds."""
    start = time.perf_counter_ns()
    for sql, params in statements:
        conn.execute(sql, params or ()).fetchall()
    return (time.perf_counter_ns() - start) / 1e6


def replay_round_robin(
    conn: sqlite3.Connection, runs: Sequence[Sequence[Statement]], repeat: int = 3
) -> list[float]:
    """Each call's statements replayed in turn (as the calls ran, not one call over and over,
    which would flatter it with hot caches): a warm-up pass, then the median of `repeat`."""
    times: list[list[float]] = [[] for _ in runs]
    for timed in (False, *[True] * repeat):
        for i, run in enumerate(runs):
            ms = replay_ms(conn, run)
            if timed:
                times[i].append(ms)
    return [statistics.median(t) for t in times]
