"""The catalogue benchmark's phases; each runs in a fresh process and returns a JSON-ready dict.

The timed loops take an open store, so any store with the same public calls can be measured.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from pathlib import Path
from statistics import median
from typing import Any

import aiosqlite

import baselines
from measure import database_mb, latency, peak_rss_mb, remove_database
from queries import KINDS, Query, make_query, rank_of_hit
from reviewbot.review import Review
from reviewbot.store import ReviewStore, to_db_time
from synthetic import GUILD_ID, Vocabulary, generate

PLACES = 500  # reviews whose neighbours and place are timed
FLOOR = "floor: aiosqlite SELECT 1"
Call = Callable[[], Awaitable[Any]]
Place = tuple[datetime, int, float]  # a review's date and id, and the share of reviews before it


# Build ------------------------------------------------------------------------------------


async def build(db: Path, n: int, seed: int, batch: int) -> dict[str, Any]:
    remove_database(db)
    async with ReviewStore.open(db) as store:
        figures = await import_catalogue(store, generate(n, seed), n, batch)
    return figures | {"database_mb": database_mb(db), "peak_rss_mb": peak_rss_mb()}


async def import_catalogue(
    store: ReviewStore, reviews: Iterator[Review], n: int, batch: int
) -> dict[str, Any]:
    """`n` reviews, `batch` at a time, inside `store.imports.bulk_load()` as `reviewbot import`
    does for large loads; the full-text rebuild at its end counts in the import time.
    Generating the reviews does not."""
    importing, done = 0.0, 0
    async with store.imports.bulk_load():
        while done < n:
            chunk = [(review, True) for review in islice(reviews, batch)]
            start = time.perf_counter()
            await store.imports.add_or_update(chunk)
            importing += time.perf_counter() - start
            done += len(chunk)
            if done % max(n // 10, 1) < len(chunk):
                print(f"  imported {done:,} of {n:,}", file=sys.stderr, flush=True)
        start = time.perf_counter()
    rebuild = time.perf_counter() - start
    seconds = importing + rebuild
    rate = n / seconds
    return {"import_rate": rate, "import_seconds": seconds, "rebuild_seconds": rebuild}


# Queries ----------------------------------------------------------------------------------


async def make_queries(db: Path, n: int, seed: int, per_kind: int) -> list[dict[str, Any]]:
    """`per_kind` queries of each kind, each made from a random catalogue review."""
    rng = random.Random(f"queries-{seed}")
    rank = Vocabulary(random.Random(f"vocabulary-{seed}")).rank
    made: list[Query] = []
    async with ReviewStore.open(db) as store:
        with baselines.connect(db) as truth:
            for kind in KINDS:
                count = 0
                while count < per_kind:
                    review = await store.reviews.get(rng.randint(1, n))
                    text = None if review is None else make_query(kind, review, rng, rank)
                    if review is None or review.id is None or not text:
                        continue
                    same = () if kind == "body" else baselines.same_title(truth, review.title)
                    made.append(Query(kind, text, review.id, tuple(sorted({review.id, *same}))))
                    count += 1
    rng.shuffle(made)
    return [q.as_dict() for q in made]


# Search -----------------------------------------------------------------------------------


async def search(db: Path, queries: Sequence[Query], repeat: int) -> dict[str, Any]:
    async with ReviewStore.open(db) as store:
        rows = await time_searches(store, queries, repeat)
    return {"queries": rows, "repeat": repeat, "peak_rss_mb": peak_rss_mb()}


async def time_searches(
    store: ReviewStore, queries: Sequence[Query], repeat: int
) -> list[dict[str, Any]]:
    """Every query through `store.search`: a warm-up pass, then `repeat` timed passes; each
    query's time is its median, its rank that of the first review that counts as found."""
    times: list[list[float]] = [[] for _ in queries]
    found: list[list[int]] = [[] for _ in queries]
    for timed in (False, *[True] * repeat):
        for i, query in enumerate(queries):
            start = time.perf_counter_ns()
            hits = await store.search(query.text, guild_id=None, limit=25)
            if timed:
                times[i].append((time.perf_counter_ns() - start) / 1e6)
            found[i] = [hit.id for hit in hits]
    return [
        {"kind": q.kind, "ms": median(t), "rank": rank_of_hit(f, q.accepted)}
        for q, t, f in zip(queries, times, found, strict=True)
    ]


# Previous / next --------------------------------------------------------------------------


async def navigation(db: Path, n: int, seed: int, repeat: int) -> dict[str, Any]:
    async with ReviewStore.open(db) as store, aiosqlite.connect(db) as bare:
        places = await pick_places(store, n, seed)
        figures = await time_navigation(store, bare, places, repeat)
    stored = [(to_db_time(at), review_id) for at, review_id, _ in places[:30]]
    figures["BASELINE OFFSET page (sqlite3)"] = baselines.offset_page(db, GUILD_ID, 30, seed)
    figures["BASELINE count(*) before (sqlite3)"] = baselines.count_before(db, GUILD_ID, stored)
    return figures


async def pick_places(store: ReviewStore, n: int, seed: int) -> list[Place]:
    """Random reviews server GUILD_ID sees: (published_at, id, share of the catalogue before)."""
    rng = random.Random(f"navigation-{seed}")
    places: list[Place] = []
    while len(places) < PLACES:
        shown = await store.reviews.context(rng.randint(1, n), GUILD_ID)
        if shown is not None and shown.review.id is not None:
            share = (shown.position - 1) / shown.total
            places.append((shown.review.published_at, shown.review.id, share))
    return places


async def time_navigation(
    store: ReviewStore,
    bare: aiosqlite.Connection,
    places: Sequence[Place],
    repeat: int,
) -> dict[str, Any]:
    """Next, previous and the review with its neighbours and place ("n of total"), as server
    GUILD_ID sees the catalogue, beside the floor: an aiosqlite call doing nothing."""
    reviews = store.reviews
    calls: dict[str, list[Call]] = {
        "step (next)": [lambda a=a, i=i: reviews.step(GUILD_ID, a, i, True) for a, i, _ in places],
        "step (previous)": [
            lambda a=a, i=i: reviews.step(GUILD_ID, a, i, False) for a, i, _ in places
        ],
        "context": [lambda i=i: reviews.context(i, GUILD_ID) for _, i, _ in places],
    }
    floor: dict[str, list[Call]] = {FLOOR: [lambda: bare.execute_fetchall("SELECT 1")] * PLACES}
    medians = await interleaved([calls, floor], repeat)
    figures = {name: latency(values) for name, values in medians.items()}
    fifths: list[list[float]] = [[], [], [], [], []]
    for ms, (_, _, share) in zip(medians["context"], places, strict=True):
        fifths[int(share * 5)].append(ms)
    for fifth, values in enumerate(fifths, start=1):
        figures[f"context, fifth {fifth} of the catalogue"] = latency(values)
    return figures


async def interleaved(
    groups: Sequence[dict[str, list[Call]]], repeat: int
) -> dict[str, list[float]]:
    """Each call's median over `repeat` timed passes (after a warm-up pass).

    A group's calls run round-robin, each round starting one kind further on, and the groups
    take turns pass by pass, so a burst of load on the machine hits every kind alike. The floor
    is a group of its own: the call right after its thread hop meets cold CPU caches, which no
    request in the bot does (bench/README.md).
    """
    times = {name: [[] for _ in calls] for group in groups for name, calls in group.items()}
    for timed in (False, *[True] * repeat):
        for group in groups:
            names = list(group)
            for i in range(max(len(calls) for calls in group.values())):
                turn = i % len(names)
                for name in names[turn:] + names[:turn]:
                    if i < len(group[name]):
                        start = time.perf_counter_ns()
                        await group[name][i]()
                        if timed:
                            times[name][i].append((time.perf_counter_ns() - start) / 1e6)
    return {name: [median(t) for t in runs] for name, runs in times.items()}


# Baselines ----------------------------------------------------------------------------------


def search_baselines(
    db: Path, queries: Sequence[Query], like_sample: int, fuzzy_sample: int
) -> dict[str, Any]:
    """LIKE and difflib on the first queries of each kind, and how many titles share each
    prefix query (a prefix most titles share cannot find its source in a top 10)."""
    like_set, fuzzy_set = _sample(queries, like_sample), _sample(queries, fuzzy_sample)
    like = baselines.like_scan(db, [queries[i] for i in like_set])
    titles = baselines.TitleList(db)
    return {
        "like": [{"index": i, **row} for i, row in zip(like_set, like, strict=True)],
        "fuzzy": [{"index": i, **titles.fuzzy(queries[i])} for i in fuzzy_set],
        "prefix_sharing": {
            i: titles.sharing_prefix(q.text) for i, q in enumerate(queries) if q.kind == "prefix"
        },
    }


def _sample(queries: Sequence[Query], per_kind: int) -> list[int]:
    """The first `per_kind` queries of each kind (the set is in seeded random order)."""
    taken = dict.fromkeys(KINDS, 0)
    picked = []
    for i, query in enumerate(queries):
        if taken[query.kind] < per_kind:
            taken[query.kind] += 1
            picked.append(i)
    return picked
