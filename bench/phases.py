"""The benchmark phases; each runs in a fresh process and returns a JSON-ready dict."""

from __future__ import annotations

import contextlib
import random
import sqlite3
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from pathlib import Path
from statistics import median
from typing import Any

import aiosqlite

import baselines
import plans
from measure import current_rss_mb, latency, peak_rss_mb
from queries import KINDS, Query, make_query, rank_of_hit
from reviewbot.review import Review, normalise
from reviewbot.store import ReviewStore
from synthetic import GUILD_ID, Vocabulary, generate

NAV_SAMPLES = 500
FLOOR = "aiosqlite SELECT 1"
STATEMENT_SAMPLES = 30  # queries per kind whose statements are captured, explained and replayed


def database_files(db: Path) -> list[Path]:
    return [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]


def database_bytes(db: Path) -> dict[str, int]:
    wal = db.with_name(db.name + "-wal")
    return {"file": db.stat().st_size, "wal": wal.stat().st_size if wal.exists() else 0}


def storage_breakdown(db: Path) -> dict[str, int]:
    """Bytes per table with its indexes (diagnostic; SQLite's dbstat, read-only)."""
    with baselines.connect(db) as conn:
        rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    groups: dict[str, int] = defaultdict(int)
    for name, size in rows:
        if name.startswith(("body_fts", "title_fts")):
            group = name.split("_fts")[0] + "_fts (full-text index)"
        elif name.startswith(("reviews_", "sqlite_autoindex_reviews")):
            group = "reviews indexes"
        else:
            group = name
        groups[group] += size
    return dict(sorted(groups.items(), key=lambda item: -item[1]))


# Build ------------------------------------------------------------------------------------


async def build(db: Path, n: int, seed: int, batch: int, bulk: bool) -> dict[str, Any]:
    """Generate `n` reviews and store them through `import_reviews`, `batch` at a time.

    With `bulk`, inside `store.imports.bulk_load()` as `reviewbot import` does for large loads: one
    transaction, and the full-text indexes rebuilt at its end (counted in the import time).
    """
    for path in database_files(db):
        path.unlink(missing_ok=True)
    started = time.perf_counter()
    async with ReviewStore.open(db) as store:
        schema = store.schema_version
        loading = store.imports.bulk_load() if bulk else contextlib.nullcontext()
        async with loading:
            figures = await _import_batches(store, generate(n, seed), n, batch)
            moment = time.perf_counter()
        figures["rebuild_seconds"] = time.perf_counter() - moment  # bulk: the index rebuild
        moment = time.perf_counter()
    closing = time.perf_counter() - moment  # the final checkpoint of the write-ahead log
    importing = figures["batch_seconds"] + figures["rebuild_seconds"]
    return {
        "reviews": n,
        "seed": seed,
        "batch": batch,
        "mode": "bulk_load" if bulk else "batch transactions",
        "schema_version": schema,
        "import_seconds": importing,
        "import_rate": n / importing,
        **figures,
        "close_seconds": closing,
        "build_seconds": time.perf_counter() - started,
        "bytes": database_bytes(db),
        "storage": storage_breakdown(db),
        "peak_rss_mb": peak_rss_mb(),
    }


async def _import_batches(
    store: ReviewStore, reviews: Iterator[Review], n: int, batch: int
) -> dict[str, Any]:
    generating = importing = 0.0
    tenths: list[float] = []  # import rate per tenth of the build, to see it slow as it grows
    tenth_start, tenth_reviews, done = 0.0, 0, 0
    while done < n:
        moment = time.perf_counter()
        chunk = [(review, True) for review in islice(reviews, batch)]
        generating += time.perf_counter() - moment
        moment = time.perf_counter()
        await store.imports.add_or_update(chunk)
        importing += time.perf_counter() - moment
        done += len(chunk)
        tenth_reviews += len(chunk)
        if tenth_reviews >= n / 10 or done == n:
            tenths.append(tenth_reviews / (importing - tenth_start))
            tenth_start, tenth_reviews = importing, 0
            rate = f"{done / importing:,.0f} reviews/s so far"
            print(f"  imported {done:,} of {n:,}: {rate}", file=sys.stderr, flush=True)
    return {
        "batch_seconds": importing,
        "import_rate_by_tenth": tenths,
        "generate_seconds": generating,
    }


# Queries ----------------------------------------------------------------------------------


async def make_queries(db: Path, n: int, seed: int, per_kind: int) -> list[dict[str, Any]]:
    """`per_kind` queries of each kind, each made from a random catalogue review."""
    rng = random.Random(f"queries-{seed}")
    rank = Vocabulary(random.Random(f"vocabulary-{seed}")).rank
    made: list[Query] = []
    async with ReviewStore.open(db) as store:
        for kind in KINDS:
            count = 0
            while count < per_kind:
                review = await store.reviews.get(rng.randint(1, n))
                text = None if review is None else make_query(kind, review, rng, rank)
                if review is None or review.id is None or not text:
                    continue
                accepted = await _accepted(store, kind, review)
                made.append(Query(kind, text, review.id, accepted))
                count += 1
    rng.shuffle(made)
    return [q.as_dict() for q in made]


async def _accepted(store: ReviewStore, kind: str, review: Review) -> tuple[int, ...]:
    """Finding any review with the same title counts for title queries; the review for text."""
    assert review.id is not None
    if kind == "body":
        return (review.id,)
    twins = [
        row[0]
        for row in store.db.read(
            "SELECT id FROM reviews WHERE guild_id = 0 AND title_norm = ?",
            (normalise(review.title),),
        )
    ]
    return tuple(sorted({review.id, *twins}))


# Search -----------------------------------------------------------------------------------


async def search(db: Path, queries: Sequence[Query], repeat: int) -> dict[str, Any]:
    """Every query through `store.search`: a warm-up pass, then `repeat` timed passes."""
    rss_start = current_rss_mb()
    async with ReviewStore.open(db) as store:
        rss_open = current_rss_mb()
        for query in queries:
            await store.search(query.text, guild_id=None, limit=25)
        rss_warm = current_rss_mb()
        times: list[list[float]] = [[] for _ in queries]
        found: list[list[int]] = [[] for _ in queries]
        for _ in range(repeat):
            for i, query in enumerate(queries):
                start = time.perf_counter_ns()
                hits = await store.search(query.text, guild_id=None, limit=25)
                times[i].append((time.perf_counter_ns() - start) / 1e6)
                found[i] = [hit.id for hit in hits]
    rows = [
        {"kind": q.kind, "ms": median(t), "rank": rank_of_hit(f, q.accepted), "results": len(f)}
        for q, t, f in zip(queries, times, found, strict=True)
    ]
    return {
        "queries": rows,
        "repeat": repeat,
        "rss_start_mb": rss_start,
        "rss_after_open_mb": rss_open,
        "rss_after_warm_up_mb": rss_warm,
        "rss_end_mb": current_rss_mb(),
        "peak_rss_mb": peak_rss_mb(),
    }


# Previous / next --------------------------------------------------------------------------


async def navigation(db: Path, n: int, seed: int, repeat: int) -> dict[str, Any]:
    """step, context, latest and random as one server sees the catalogue plus its reviews."""
    rng = random.Random(f"navigation-{seed}")
    async with ReviewStore.open(db) as store:
        places: list[tuple[datetime, int]] = []
        while len(places) < NAV_SAMPLES:
            review = await store.reviews.get(rng.randint(1, n), GUILD_ID)
            if review is not None and review.id is not None:
                places.append((review.published_at, review.id))
        calls = {
            "step (next)": [
                lambda at=at, i=i: store.reviews.step(GUILD_ID, at, i, True) for at, i in places
            ],
            "step (previous)": [
                lambda at=at, i=i: store.reviews.step(GUILD_ID, at, i, False) for at, i in places
            ],
            "context": [lambda i=i: store.reviews.context(i, GUILD_ID) for _, i in places],
            "latest": [lambda: store.reviews.latest(GUILD_ID)] * 200,
            "random": [lambda: store.reviews.random(GUILD_ID)] * 200,
        }
        async with aiosqlite.connect(db) as bare:  # the floor, timed pass by pass alongside
            floor_calls = {FLOOR: [lambda: bare.execute_fetchall("SELECT 1")] * NAV_SAMPLES}
            figures = await _interleaved([calls, floor_calls], repeat)
    floor = figures.pop(FLOOR)
    stored = [(at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), i) for at, i in places[:40]]
    return {
        "operations": figures,
        "baselines": {
            "OFFSET page (sqlite3)": baselines.offset_page(db, GUILD_ID, 40, seed),
            "count(*) before (sqlite3)": baselines.count_before(db, GUILD_ID, stored),
        },
        "floor": {
            FLOOR: floor,
            "sqlite3 SELECT 1": baselines.sqlite3_round_trip(db),
        },
    }


async def _interleaved(
    groups: Sequence[dict[str, list[Callable[[], Awaitable[Any]]]]], repeat: int
) -> dict[str, dict[str, float]]:
    """Time each group's calls round-robin, the groups taking turns pass by pass, so that a
    burst of load on the machine hits every kind alike.

    Each round starts one kind further on, so that no kind always follows the same other one.
    The floor (an aiosqlite call) is a group of its own: the call right after its thread hop
    runs 25-40 µs slower (the CPU's caches are cold), which no request in the bot meets (a
    quick read follows the gateway's own work on the same thread). A warm-up pass first; each
    call's figure is the median of its `repeat` timed runs.
    """
    times: dict[str, list[list[float]]] = {
        name: [[] for _ in calls] for group in groups for name, calls in group.items()
    }
    for timed in (False, *[True] * repeat):
        for group in groups:
            names = list(group)
            for i in range(max(len(calls) for calls in group.values())):
                turn = i % len(names)
                for name in names[turn:] + names[:turn]:
                    calls = group[name]
                    if i < len(calls):
                        start = time.perf_counter_ns()
                        await calls[i]()
                        if timed:
                            times[name][i].append((time.perf_counter_ns() - start) / 1e6)
    return {name: latency([median(t) for t in runs]) for name, runs in times.items()}


# Query plans and SQL time -----------------------------------------------------------------


async def statements(db: Path, queries: Sequence[Query], n: int, seed: int) -> dict[str, Any]:
    """Capture what the store runs per call; explain each distinct statement; time it bare."""
    rng = random.Random(f"statements-{seed}")
    captured: dict[str, list[list[plans.Statement]]] = defaultdict(list)
    by_kind: dict[str, list[Query]] = defaultdict(list)
    for query in queries:
        if len(by_kind[query.kind]) < STATEMENT_SAMPLES:
            by_kind[query.kind].append(query)
    async with ReviewStore.open(db) as store, plans.StatementRecorder(store) as recorder:
        recorder.take()
        for kind, group in by_kind.items():
            for query in group:
                await store.search(query.text, guild_id=None, limit=25)
                captured[f"search: {kind}"].append(recorder.take())
        for _ in range(STATEMENT_SAMPLES):
            review = await store.reviews.get(rng.randint(1, n), GUILD_ID)
            if review is None or review.id is None:
                continue
            recorder.take()
            await store.reviews.step(GUILD_ID, review.published_at, review.id, True)
            captured["step"].append(recorder.take())
            await store.reviews.context(review.id, GUILD_ID)
            captured["context"].append(recorder.take())
            await store.reviews.latest(GUILD_ID)
            captured["latest"].append(recorder.take())
            await store.reviews.random(GUILD_ID)
            captured["random"].append(recorder.take())
    return _explain_and_replay(db, captured, recorder.pragmas)


def _explain_and_replay(
    db: Path, captured: dict[str, list[list[plans.Statement]]], pragmas: Sequence[str]
) -> dict[str, Any]:
    explained: dict[str, dict[str, Any]] = {}
    sql_time: dict[str, Any] = {}
    with baselines.connect(db) as conn:
        for pragma in pragmas:  # the store's own page cache settings
            conn.execute(pragma)
        for call, runs in captured.items():
            for statement in (s for run in runs for s in run):
                if statement[0] not in explained:
                    explained[statement[0]] = _explain(conn, call, statement)
            sql_time[call] = {
                **latency(plans.replay_round_robin(conn, runs)),
                "statements_per_call": median(len(run) for run in runs),
            }
    return {
        "statements": list(explained.values()),
        "sql_time": sql_time,
        "replay_pragmas": list(pragmas),
    }


def _explain(conn: sqlite3.Connection, call: str, statement: plans.Statement) -> dict[str, Any]:
    plan = plans.explain(conn, statement)
    return {
        "first_seen_in": call,
        "sql": " ".join(statement[0].split()),
        "plan": plan,
        "scans": plans.scans(statement[0], plan),
    }


# Baselines ----------------------------------------------------------------------------------


def search_baselines(
    db: Path, queries: Sequence[Query], like_sample: int, fuzzy_sample: int
) -> dict[str, Any]:
    """LIKE and difflib on samples of the query set, and how many titles share each prefix."""
    like_set = _sample(queries, like_sample)
    fuzzy_set = _sample(queries, fuzzy_sample)
    like = baselines.like_scan(db, [queries[i] for i in like_set])
    titles = baselines.TitleList(db)
    fuzzy = [titles.fuzzy(queries[i]) for i in fuzzy_set]
    sharing = {
        i: titles.sharing_prefix(q.text) for i, q in enumerate(queries) if q.kind == "prefix"
    }
    return {
        "like": [{"index": i, **row} for i, row in zip(like_set, like, strict=True)],
        "fuzzy": [{"index": i, **row} for i, row in zip(fuzzy_set, fuzzy, strict=True)],
        "fuzzy_load_seconds": titles.load_seconds,
        "prefix_sharing": sharing,
        "peak_rss_mb": peak_rss_mb(),
    }


def _sample(queries: Sequence[Query], per_kind: int) -> list[int]:
    """The first `per_kind` queries of each kind (the set is already in seeded random order)."""
    taken: dict[str, int] = defaultdict(int)
    picked = []
    for i, query in enumerate(queries):
        if taken[query.kind] < per_kind:
            taken[query.kind] += 1
            picked.append(i)
    return picked
