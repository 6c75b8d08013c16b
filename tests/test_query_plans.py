"""No statement the store runs reads a whole table, and no request's work grows with the catalogue.

Checked on small synthetic catalogues through the store's public statement tracer. SQLite plans
these statements as it would for a large catalogue (with no statistics gathered it assumes big
tables), so a full scan here is a full scan of a million reviews there.
"""

from __future__ import annotations

import random
import re
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from reviewbot.errors import ReviewNotFoundError
from reviewbot.review import Category, Rating, utc_now
from reviewbot.shards import Shards
from reviewbot.store import FetchState, ReviewStore

from .store_fixtures import EPOCH, make_review

GUILD = 77
OTHER_SHARD_GUILD = (1 << 22) | 77  # on shard 1 of 2, where GUILD is on shard 0
TABLES = {
    "reviews",
    "review_bodies",
    "review_counts",
    "title_terms",
    "outbox",
    "posts",
    "feeds",
}
FULL_TEXT = {"title_fts", "body_fts"}
WORDS = ["night", "river", "glass", "solaris", "amelie", "harbour", "quiet", "storm", "the"]
_SOURCE = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", re.IGNORECASE)

Operation = Callable[[ReviewStore], Awaitable[object]]


async def _resolve_a_miss(store: ReviewStore) -> None:
    with pytest.raises(ReviewNotFoundError):
        await store.reviews.resolve_title("amelia lighthuose", GUILD)


async def _typo_in_a_title_another_process_stored(store: ReviewStore) -> None:
    async with ReviewStore.open(store.path) as other:  # its statements are not this store's
        await other.reviews.add(make_review("Zephyr Quokka", guild_id=GUILD))
    assert [hit.title for hit in await store.search("zephir quoka", GUILD)] == ["Zephyr Quokka"]


# What readers and the post queue ask of the store, by name.
OPERATIONS: dict[str, Operation] = {
    "search exact": lambda s: s.search("night river 3"),
    "search prefix": lambda s: s.search("harb"),
    "search word": lambda s: s.search("glass"),
    "search words": lambda s: s.search("quiet storm"),
    "search typo": lambda s: s.search("solaros", GUILD),
    "search two-edit typo": lambda s: s.search("slaoriss", GUILD),
    "search typo in a word being typed": lambda s: s.search("the harbuo", GUILD),
    "search typo and a word begun": lambda s: s.search("qeuit ri", GUILD),
    "search a new title's typo": _typo_in_a_title_another_process_stored,
    "search text": lambda s: s.search("lighthouse keeper", GUILD),
    "search filtered": lambda s: s.search("night", category=Category.FILM, min_rating=Rating(6)),
    "suggest": lambda s: s.search.suggest("nigth rivr", GUILD),
    "context": lambda s: s.reviews.context(5, GUILD),
    "next": lambda s: s.reviews.step(GUILD, EPOCH + timedelta(days=300), 5, True),
    "previous": lambda s: s.reviews.step(None, EPOCH + timedelta(days=300), 5, False),
    "latest": lambda s: s.reviews.latest(GUILD),
    "nearest": lambda s: s.reviews.nearest(GUILD, EPOCH + timedelta(days=400)),
    "random": lambda s: s.reviews.random(GUILD, Category.BOOK),
    "recent": lambda s: s.reviews.recent(GUILD, 25),
    "count": lambda s: s.reviews.count(GUILD),
    "show by title": lambda s: s.reviews.resolve_title("amelie", GUILD),
    "show a missing title": _resolve_a_miss,
    "get": lambda s: s.reviews.get(9, GUILD),
    "queue due": lambda s: s.posts.due(),
    "queue status": lambda s: s.posts.status(GUILD),
    "queue next retry": lambda s: s.posts.next_retry(),
    "queue due on shard 1 of 2": lambda s: s.posts.due(shards=Shards(2, (1,))),
    "queue next retry on shards 0-1 of 4": lambda s: s.posts.next_retry(Shards(4, (0, 1))),
    "feeds due": lambda s: s.feeds.due(utc_now(), 64),
    "feeds due on shard 0 of 2": lambda s: s.feeds.due(utc_now(), 64, Shards(2, (0,))),
    "feeds next due on shard 1 of 2": lambda s: s.feeds.next_due(Shards(2, (1,))),
}


async def catalogue(path: Path, size: int) -> None:
    """`size` reviews of titles made from a few words, a quarter of them in one server's scope."""
    rng = random.Random(7)
    reviews = [
        make_review(
            " ".join(rng.sample(WORDS, rng.randint(1, 3))) + f" {i}",
            day=rng.randint(0, 900),
            body=f"{rng.choice(WORDS)} lighthouse keeper {i}",
            category=rng.choice(list(Category)),
            guild_id=GUILD if i % 4 == 0 else None,
        )
        for i in range(size)
    ]
    async with ReviewStore.open(path) as store:
        await store.imports.add_or_update([(review, True) for review in reviews])
        await store.reviews.add(make_review("Amélie", guild_id=GUILD))
        # The same queue whatever the catalogue's size: its work may grow with the queue only.
        await store.posts.queue(GUILD, list(range(1, 121, 4)))
        await store.posts.queue(OTHER_SHARD_GUILD, list(range(3, 121, 4)))
        for n, guild_id in enumerate([GUILD, OTHER_SHARD_GUILD, None] * 4):
            await store.feeds.add(
                guild_id,
                f"https://blog.example/{n}/feed",
                channel_id=None,
                category=Category.BOOK,
                title=None,
                state=FetchState(200),
                entries=[],
                next_poll_at=utc_now(),
            )


async def traced(path: Path) -> dict[str, list[str]]:
    """The statements each operation runs on the catalogue at `path`."""
    statements: dict[str, list[str]] = {}
    async with ReviewStore.open(path) as store:
        # Typo search reads every title word once per process, to keep them in memory.
        await store.search("warm up the words")
        for name, operation in OPERATIONS.items():
            ran: list[str] = []
            await store.db.trace(ran.append)
            await operation(store)
            await store.db.trace(None)
            # "-- TRIGGER name" marks statements of a trigger, which follow it on their own.
            statements[name] = [sql for sql in ran if not sql.startswith("--")]
    return statements


def full_scans(conn: sqlite3.Connection, sql: str) -> list[str]:
    """Lines of the statement's plan that read every row of a table or full-text index."""
    names = {}
    for table, alias in _SOURCE.findall(sql):
        if table in TABLES | FULL_TEXT:
            names[table] = table
            if alias:
                names[alias] = table
    flagged = []
    for _, _, _, line in conn.execute("EXPLAIN QUERY PLAN " + sql):
        words = line.split()
        if len(words) < 2 or words[0] != "SCAN" or words[1] not in names:
            continue  # SEARCH: an index range or lookup
        if names[words[1]] not in FULL_TEXT:
            flagged.append(line)  # every row of a table, or of one of its indexes
        elif not set("M=") & set(line.rsplit(":", 1)[-1]):  # no MATCH and no rowid lookup
            flagged.append(line)
    return flagged


def steps(conn: sqlite3.Connection, statements: list[str]) -> int:
    """SQLite virtual machine instructions the statements take: the work they do."""
    counted = 0

    def count() -> int:
        nonlocal counted
        counted += 1
        return 0

    conn.set_progress_handler(count, 1)
    try:
        for sql in statements:
            conn.execute(sql).fetchall()
    finally:
        conn.set_progress_handler(None, 1)
    return counted


async def test_no_statement_reads_a_whole_table(tmp_path: Path) -> None:
    path = tmp_path / "plans.db"
    await catalogue(path, 150)
    statements = await traced(path)
    assert all(statements.values())
    with sqlite3.connect(path) as conn:
        scans = {
            name: found
            for name, ran in statements.items()
            for sql in ran
            if (found := full_scans(conn, sql))
        }
    assert scans == {}


async def test_no_request_does_more_work_on_a_larger_catalogue(tmp_path: Path) -> None:
    """Ten times the reviews: a full scan, even of one server's index range, does ten times
    the work; an index probe or a bounded range does about the same."""
    work: dict[str, list[int]] = {name: [] for name in OPERATIONS}
    for size in (1000, 10000):
        path = tmp_path / f"catalogue-{size}.db"
        await catalogue(path, size)
        statements = await traced(path)
        with sqlite3.connect(path) as conn:
            for name, ran in statements.items():
                work[name].append(steps(conn, ran))
    grown = {name: (small, large) for name, (small, large) in work.items() if large > 3 * small}
    assert grown == {}
