"""The statements a store call runs, captured as it reads, with their query plans and SQL time."""

from __future__ import annotations

import re
import sqlite3
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from reviewbot.store import ReviewStore, connect

BASE_TABLES = frozenset(
    {"reviews", "review_bodies", "review_counts", "title_term_variants", "guild_settings"}
)
FTS_TABLES = frozenset({"title_fts", "body_fts"})
_SOURCE = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", re.IGNORECASE)
_NOT_ALIAS = frozenset({"where", "join", "on", "order", "group", "limit", "union", "left", "inner"})

Statement = tuple[str, Any]


@dataclass
class StatementRecorder:
    """Records every statement a store runs while it is active, through its public tracer.

    SQLite hands the tracer each statement with its values filled in, so a statement is
    replayed as recorded. `pragmas` are the store's page cache settings, so that a replay
    runs with the same cache.
    """

    store: ReviewStore
    calls: list[Statement] = field(default_factory=list)
    pragmas: list[str] = field(
        default_factory=lambda: [
            f"PRAGMA cache_size = -{connect.READER_CACHE_KIB}",
            f"PRAGMA temp_store = {connect.TEMP_STORE}",
        ]
    )

    async def __aenter__(self) -> StatementRecorder:
        await self.store.db.trace(self._record)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.store.db.trace(None)

    def _record(self, sql: str) -> None:
        if not sql.startswith("--"):  # "-- TRIGGER name": the trigger's own statements follow
            self.calls.append((sql, None))

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
