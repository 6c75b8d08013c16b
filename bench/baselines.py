"""The naive ways the store is compared with, and which reviews a query counts as found.

The one place outside the store that runs SQL, on plain read-only sqlite3 connections of its own.
"""

from __future__ import annotations

import difflib
import random
import sqlite3
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from measure import latency
from queries import Query, rank_of_hit
from reviewbot.review import normalise

LIKE_SQL = "SELECT id, title FROM reviews WHERE title LIKE ? LIMIT 25"
TITLES_SQL = "SELECT id, title_norm FROM reviews WHERE guild_id = 0"
SAME_TITLE_SQL = "SELECT id FROM reviews WHERE guild_id = 0 AND title_norm = ?"
OFFSET_SQL = (
    "SELECT id FROM reviews WHERE guild_id IN (0, ?) ORDER BY published_at, id LIMIT 1 OFFSET ?"
)
COUNT_BEFORE_SQL = (
    "SELECT count(*) FROM reviews WHERE guild_id IN (0, ?) AND (published_at, id) < (?, ?)"
)
COUNT_SQL = "SELECT count(*) FROM reviews WHERE guild_id IN (0, ?)"


@contextmanager
def connect(db: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def time_sync(call: Callable[[], Any]) -> tuple[float, Any]:
    """Wall time of one call in milliseconds, and its result."""
    start = time.perf_counter_ns()
    result = call()
    return (time.perf_counter_ns() - start) / 1e6, result


def same_title(conn: sqlite3.Connection, title: str) -> list[int]:
    """The catalogue's reviews with this title (several creators may share one)."""
    return [row[0] for row in conn.execute(SAME_TITLE_SQL, (normalise(title),))]


def like_scan(db: Path, queries: Sequence[Query]) -> list[dict[str, Any]]:
    """`title LIKE '%q%'`: per query its time (ms) and the rank of its review (or None)."""
    with connect(db) as conn:
        conn.execute(LIKE_SQL, ("%no such title, a warm-up that reads the whole table%",))
        rows = []
        for query in queries:
            ms, found = time_sync(
                lambda q=query: conn.execute(LIKE_SQL, (f"%{q.text}%",)).fetchall()
            )
            rows.append({"ms": ms, "rank": rank_of_hit([r[0] for r in found], query.accepted)})
    return rows


class TitleList:
    """Every catalogue title in memory, as a fuzzy scan over titles would keep them."""

    def __init__(self, db: Path) -> None:
        with connect(db) as conn:
            rows = conn.execute(TITLES_SQL).fetchall()
        self.ids_by_title: dict[str, list[int]] = {}
        for review_id, title in rows:
            self.ids_by_title.setdefault(title, []).append(review_id)
        self.distinct = list(self.ids_by_title)
        self.sorted_all = sorted(title for _, title in rows)

    def fuzzy(self, query: Query) -> dict[str, Any]:
        """`difflib.get_close_matches` over every distinct title: its time and hit rank."""
        text = normalise(query.text)
        ms, titles = time_sync(lambda: difflib.get_close_matches(text, self.distinct, n=10))
        ids = [i for title in titles for i in self.ids_by_title[title]]
        return {"ms": ms, "rank": rank_of_hit(ids, query.accepted)}

    def sharing_prefix(self, text: str) -> int:
        """How many reviews have a title starting with `text` (normalised)."""
        prefix = normalise(text)
        return bisect_right(self.sorted_all, prefix + "\U0010ffff") - bisect_left(
            self.sorted_all, prefix
        )


def offset_page(db: Path, guild_id: int, samples: int, seed: int) -> dict[str, float]:
    """ "Page N" with OFFSET at random positions: the walk keyset navigation replaces."""
    rng = random.Random(seed)
    with connect(db) as conn:
        total = conn.execute(COUNT_SQL, (guild_id,)).fetchone()[0]
        conn.execute(OFFSET_SQL, (guild_id, total - 1)).fetchall()  # warm-up
        times = [
            time_sync(
                lambda: conn.execute(OFFSET_SQL, (guild_id, rng.randrange(total))).fetchall()
            )[0]
            for _ in range(samples)
        ]
    return latency(times)


def count_before(db: Path, guild_id: int, places: Sequence[tuple[str, int]]) -> dict[str, float]:
    """A naive count(*) of the reviews before a review, for "n of total"."""
    with connect(db) as conn:
        times = [
            time_sync(lambda p=p: conn.execute(COUNT_BEFORE_SQL, (guild_id, *p)).fetchone())[0]
            for p in places
        ]
    return latency(times)
