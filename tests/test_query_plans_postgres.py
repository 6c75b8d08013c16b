"""No statement the PostgreSQL store runs reads a whole table, as PostgreSQL plans it.

The same operations as tests/test_query_plans.py, on PostgreSQL: each statement's plan is the
one the store's connection makes (one plan for any values, or, for full-text queries, one for
the values given), read with EXPLAIN; no node may scan every row of one of the store's tables.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from reviewbot.store import ReviewStore
from reviewbot.store.pg.db import REPLANNING, SERVER_SETTINGS, PgDatabase

from .store_fixtures import fresh_postgres
from .test_query_plans import OPERATIONS as SHARED_OPERATIONS
from .test_query_plans import TABLES, Operation, catalogue

Call = tuple[str, Sequence[Any], bool]
# PostgreSQL guesses a word it keeps no statistics of to be in a share of the rows: with few
# results wanted, a plan may hope to meet them soon, walking the reviews newest first.
OPERATIONS: dict[str, Operation] = {
    **SHARED_OPERATIONS,
    "search a word no review holds, few wanted": lambda s: s.search("vexqzt", limit=3),
    "search a word no title holds, few wanted": lambda s: s.search("keeper", limit=3),
}
_PARAMETER = re.compile(r"\$(\d+)")


async def traced(url: str) -> dict[str, list[Call]]:
    """The statements each operation runs, as PostgreSQL received them."""
    calls: dict[str, list[Call]] = {}
    async with ReviewStore.open(url) as store:
        assert isinstance(store.db, PgDatabase)
        await store.search("warm up the words")
        for name, operation in OPERATIONS.items():
            ran: list[Call] = []
            await store.db.trace(None, lambda *call, ran=ran: ran.append(call))
            await operation(store)
            await store.db.trace(None)
            calls[name] = ran
    return calls


def scans(plan: dict[str, Any]) -> list[str]:
    """Sequential scans of the store's tables anywhere in a plan."""
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in TABLES:
        found.append(f"Seq Scan on {plan['Relation Name']}")
    for child in plan.get("Plans", []):
        found += scans(child)
    return found


async def plan_of(connection: asyncpg.Connection, call: Call) -> dict[str, Any]:
    sql, args, replan = call
    if replan:  # planned for these values, as the store's second pool plans it
        found = await connection.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args)
    else:  # the one plan for any values the store's connections keep
        count = max((int(n) for n in _PARAMETER.findall(sql)), default=0)
        await connection.execute(f"PREPARE checked AS {sql}")
        try:
            nulls = ", ".join(["NULL"] * count)
            found = await connection.fetchval(
                f"EXPLAIN (FORMAT JSON) EXECUTE checked{f'({nulls})' if count else ''}"
            )
        finally:
            await connection.execute("DEALLOCATE checked")
    plan: dict[str, Any] = json.loads(found)[0]["Plan"]
    return plan


async def test_no_statement_reads_a_whole_table(postgres: str) -> None:
    await catalogue(postgres, 150)  # type: ignore[arg-type]
    checker = await asyncpg.connect(postgres, server_settings=SERVER_SETTINGS)
    replanner = await asyncpg.connect(postgres, server_settings={**SERVER_SETTINGS, **REPLANNING})
    try:
        await checker.execute("ANALYZE")
        calls = await traced(postgres)
        assert all(calls.values())
        found = {}
        for name, ran in calls.items():
            for call in ran:
                connection = replanner if call[2] else checker
                flagged = scans(await plan_of(connection, call))
                if flagged:
                    found[name] = flagged
        assert found == {}
    finally:
        await checker.close()
        await replanner.close()


def literal(value: Any) -> str:
    """A value as SQL text PostgreSQL turns into the parameter's type (EXECUTE takes no
    parameters of its own)."""
    if value is None:
        return "NULL"
    if isinstance(value, list):
        items = ['"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value]
        text = "{" + ",".join(items) + "}"
    elif isinstance(value, timedelta):
        text = f"{value.total_seconds()} seconds"
    elif isinstance(value, datetime):
        text = value.isoformat()
    else:
        text = str(value).lower() if isinstance(value, bool) else str(value)
    return "'" + text.replace("'", "''") + "'"


async def work_of(connection: asyncpg.Connection, call: Call) -> int:
    """Buffers the statement reads, run with the plan the store's connection uses (a write is
    rolled back)."""
    sql, args, replan = call
    transaction = connection.transaction()
    await transaction.start()
    try:
        if replan:
            found = await connection.fetchval(
                f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", *args
            )
        else:
            await connection.execute(f"PREPARE measured AS {sql}")
            values = ", ".join(literal(v) for v in args)
            found = await connection.fetchval(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE measured"
                + (f"({values})" if args else "")
            )
            await connection.execute("DEALLOCATE measured")
    finally:
        await transaction.rollback()
    plan = json.loads(found)[0]["Plan"]
    return int(plan["Shared Hit Blocks"] + plan["Shared Read Blocks"])


async def delivered_before(url: str, posts: int) -> None:
    """`posts` rows the post queue finished before the catalogue's: it keeps them (for
    `/review status`), so a bot that has posted much has a long history behind its queue."""
    async with ReviewStore.open(url) as store:
        await store.db.execute(
            "INSERT INTO outbox (guild_id, action, state, not_before, created_at, done_at)"
            " SELECT 77 + n % 50, 'post', 'done', now(), now(), now()"
            " FROM generate_series(1, $1::bigint) n",
            (posts,),
        )


async def test_no_request_does_more_work_on_a_larger_catalogue(postgres: str) -> None:
    """Ten times the reviews (and the posts delivered before them): a full scan, even of one
    server's index range, reads ten times the buffers; an index probe or a bounded range about
    as many."""
    work: dict[str, list[int]] = {name: [] for name in OPERATIONS}
    for size in (1000, 10000):
        url = await fresh_postgres(postgres)
        await delivered_before(url, size)
        await catalogue(url, size)  # type: ignore[arg-type]
        measurer = await asyncpg.connect(url, server_settings=SERVER_SETTINGS)
        replanner = await asyncpg.connect(url, server_settings={**SERVER_SETTINGS, **REPLANNING})
        try:
            await measurer.execute("ANALYZE")
            for name, ran in (await traced(url)).items():
                total = 0
                for call in ran:
                    total += await work_of(replanner if call[2] else measurer, call)
                work[name].append(total)
        finally:
            await measurer.close()
            await replanner.close()
    grown = {name: (small, large) for name, (small, large) in work.items() if large > 3 * small}
    assert grown == {}


async def test_taking_due_posts_reads_no_more_after_ten_times_the_posts(postgres: str) -> None:
    """The queue keeps every row it finished: the rows taken next are found as quickly after
    ten times the posts were delivered."""
    work = []
    for delivered in (1000, 10000):
        url = await fresh_postgres(postgres)
        await delivered_before(url, delivered)
        await catalogue(url, 200)  # type: ignore[arg-type]
        measurer = await asyncpg.connect(url, server_settings=SERVER_SETTINGS)
        try:
            await measurer.execute("ANALYZE")
            [call] = (await traced(url))["queue due"]
            work.append(await work_of(measurer, call))
        finally:
            await measurer.close()
    small, large = work
    assert large < 1.5 * small, work
