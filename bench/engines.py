"""PostgreSQL beside SQLite, same machine, same queries, same run: search, previous/next and
"n of total", and the post queue delivered by one process and by two.

    .venv/bin/python bench/engines.py --size 100k        (see bench/README.md, "Engines")

The SQLite catalogue is the catalogue benchmark's (built first if missing); the PostgreSQL one
is copied from it with `reviewbot migrate-to`'s copy, into a server started for the run (or
the one --url names). Search and navigation take turns pass by pass, engine by engine, so a
burst of load on the machine hits both alike.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from statistics import median
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import phases
from catalogue import BATCH, OUT, parse_size, size_label
from measure import latency
from postgres_server import PostgresServer
from queries import KINDS, Query
from reviewbot.review import Review, utc_now
from reviewbot.shards import ALL_SHARDS, Shards
from reviewbot.store import ReviewStore
from reviewbot.store.transfer import copy_catalogue

ENGINES = ("sqlite", "postgresql")
# A server as a deployment would run it (every commit flushed), with a cache of the size the
# SQLite store gives its two connections' page caches and more.
SERVER = {
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "autovacuum": "on",
    "shared_buffers": "512MB",
    "effective_cache_size": "8GB",
    "max_connections": "100",
}
SERVERS = 200  # servers the queued posts are spread over, half on each shard of 2
SHARD_SHIFT = 22


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=parse_size, default=100_000, help="10k, 100k or 1m")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", help="a PostgreSQL server's maintenance database to use")
    parser.add_argument("--queries", type=int, default=200, help="queries of each kind")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes (median per query)")
    parser.add_argument("--posts", type=int, default=2_000, help="posts queued per queue run")
    parser.add_argument(
        "--send-ms",
        type=float,
        action="append",
        help="what each post's send to Discord costs, simulated (default: 0 and 20)",
    )
    parser.add_argument("--only", choices=("search", "navigation", "queue"), action="append")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)  # TARGET SHARDS SEND_MS
    return parser


# The catalogue on both engines ----------------------------------------------------------------


def sqlite_catalogue(n: int, seed: int) -> Path:
    db = OUT / f"catalogue-{size_label(n)}-s{seed}.db"
    if not db.exists():
        print(f"Building {n:,} reviews into {db} ...", flush=True)
        asyncio.run(phases.build(db, n, seed, BATCH))
    return db


async def database(server: str, name: str) -> str:
    """The URL of database `name` on the server, made if missing."""
    admin = await asyncpg.connect(server)
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return server.rsplit("/", 1)[0] + f"/{name}"


async def postgres_catalogue(server: str, source: Path, tag: str) -> tuple[str, dict[str, Any]]:
    """The catalogue copied into PostgreSQL (once per server), and how long the copy took."""
    url = await database(server, f"reviewbot_bench_{tag.replace('-', '_')}")
    async with ReviewStore.open(source, read_only=True) as sqlite, ReviewStore.open(url) as pg:
        if await pg.reviews.count() == await sqlite.reviews.count():
            return url, {"reused": True}
        print("Copying the catalogue into PostgreSQL ...", flush=True)
        start = time.perf_counter()
        counts = await copy_catalogue(sqlite, pg)
        seconds = time.perf_counter() - start
    size = await _size_mb(url)
    return url, {"copy_seconds": seconds, "reviews": counts["reviews"], "database_mb": size}


async def _size_mb(url: str) -> float:
    connection = await asyncpg.connect(url)
    try:
        size = await connection.fetchval("SELECT pg_database_size(current_database())")
    finally:
        await connection.close()
    return float(size) / 2**20


# Search and navigation ------------------------------------------------------------------------


async def search(
    stores: dict[str, ReviewStore], queries: list[Query], repeat: int
) -> dict[str, Any]:
    """Every query on each engine: a warm-up pass each, then `repeat` timed passes, the
    engines taking turns (and turns about who goes first)."""
    times = {engine: [[] for _ in queries] for engine in stores}
    answers: dict[str, list[list[int]]] = {engine: [] for engine in stores}
    for round_ in range(repeat + 1):
        order = list(stores) if round_ % 2 == 0 else list(stores)[::-1]
        for engine in order:
            store = stores[engine]
            for i, query in enumerate(queries):
                start = time.perf_counter_ns()
                hits = await store.search(query.text, guild_id=None, limit=25)
                if round_:
                    times[engine][i].append((time.perf_counter_ns() - start) / 1e6)
                elif engine in answers:
                    answers[engine].append([hit.id for hit in hits])
    result: dict[str, Any] = {}
    for engine, per_query in times.items():
        medians = [median(t) for t in per_query]
        result[engine] = {"all": latency(medians)}
        for kind in KINDS:
            result[engine][kind] = latency(
                [m for m, q in zip(medians, queries, strict=True) if q.kind == kind]
            )
    sqlite, postgresql = answers["sqlite"], answers["postgresql"]
    result["same_answers"] = sum(a == b for a, b in zip(sqlite, postgresql, strict=True))
    result["queries"] = len(queries)
    return result


async def navigation(stores: dict[str, ReviewStore], n: int, seed: int, repeat: int) -> Any:
    places = await phases.pick_places(stores["sqlite"], n, seed)
    groups = []
    for engine, store in stores.items():
        reviews, guild = store.reviews, phases.GUILD_ID
        groups.append(
            {
                f"{engine}: next": [
                    lambda a=a, i=i, r=reviews, g=guild: r.step(g, a, i, True) for a, i, _ in places
                ],
                f"{engine}: previous": [
                    lambda a=a, i=i, r=reviews, g=guild: r.step(g, a, i, False)
                    for a, i, _ in places
                ],
                f"{engine}: context (n of total)": [
                    lambda i=i, r=reviews, g=guild: r.context(i, g) for _, i, _ in places
                ],
            }
        )
    medians = await phases.interleaved(groups, repeat)
    return {name: latency(values) for name, values in medians.items()}


# Run in a process of its own: its peak memory, read before it ends (a child's `ru_maxrss`
# would count its parent's memory, copied when it was forked).
_MEMORY_PROBE = """
import sys
from reviewbot.cli import main
main(["search", "teh godfater"])
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(int(peak.split()[1]) / 1024, file=sys.stderr)
"""


def search_process_memory(target: str | Path) -> float:
    """Peak RSS, MB, of a `reviewbot search` process whose typo search loads every title word
    into memory, as a bot process does on its first typo."""
    environment = {**os.environ, "LOG_LEVEL": "WARNING"}
    for name in ("DISCORD_TOKEN", "REVIEWBOT_DATABASE_URL"):
        environment.pop(name, None)
    if isinstance(target, Path):
        environment["REVIEWBOT_DB"] = str(target)
    else:
        environment["REVIEWBOT_DATABASE_URL"] = target
    done = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    return float(done.stderr.strip().splitlines()[-1])


# The post queue -------------------------------------------------------------------------------


def server_on(shard: int, k: int) -> int:
    """The k-th server id on `shard` of 2."""
    return (((1_000_000 + k) * 2 + shard) << SHARD_SHIFT) | 7


async def fill_queue(target: str | Path, posts: int) -> None:
    async with ReviewStore.open(target) as store:
        review = await store.reviews.add(
            Review.create(title="Queued", rating="4", body="Queued.", published_at=utc_now())
        )
        servers = [server_on(k % 2, k // 2) for k in range(SERVERS)]
        for start in range(0, posts, SERVERS):
            for guild_id in servers[: posts - start]:
                await store.posts.queue(guild_id, [review.stored_id])
        if not isinstance(target, Path):  # statistics, as autovacuum keeps a running bot's
            await store.db.execute("ANALYZE outbox")


async def work(target: str, shards: Shards, send_ms: float) -> None:
    """A worker process: deliver this process's servers' posts (a send is a sleep) until none
    is left, after the parent's go."""
    async with ReviewStore.open(target) as store:
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        delivered = 0
        while batch := await store.posts.due(shards=shards):
            for item in batch:
                if send_ms:
                    await asyncio.sleep(send_ms / 1000)
                await store.posts.delivered(item, channel_id=1, message_id=item.id)
                delivered += 1
        print(json.dumps({"delivered": delivered}), flush=True)


def deliver_with(target: str | Path, processes: int, send_ms: float) -> dict[str, Any]:
    """Posts per second, from the go to the last post, by one process (every shard) or two (a
    shard each)."""
    shard_sets = ["all"] if processes == 1 else ["0", "1"]
    workers = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", str(target), shards, str(send_ms)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for shards in shard_sets
    ]
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    start = time.perf_counter()
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    delivered = 0
    for worker in workers:
        assert worker.stdout is not None
        delivered += json.loads(worker.stdout.readline())["delivered"]
        worker.wait()
    seconds = time.perf_counter() - start
    return {"delivered": delivered, "seconds": seconds, "posts_per_second": delivered / seconds}


async def queue_target(engine: str, server: str, run: int) -> str | Path:
    if engine == "sqlite":
        path = OUT / f"queue-{run}.db"
        for leftover in OUT.glob(f"queue-{run}.db*"):
            leftover.unlink()
        return path
    url = await database(server, f"reviewbot_queue_{run}")
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()
    return url


def queue(server: str, posts: int, sends: list[float]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    run = 0
    for send_ms in sends:
        for engine in ENGINES:
            for processes in (1, 2):
                run += 1
                target = asyncio.run(queue_target(engine, server, run))
                asyncio.run(fill_queue(target, posts))
                name = f"{engine}, send {send_ms:g} ms, {processes} process(es)"
                figures[name] = deliver_with(target, processes, send_ms)
                print(f"  {name}: {figures[name]['posts_per_second']:.0f} posts/s", flush=True)
    return figures


# Report ---------------------------------------------------------------------------------------


def markdown(results: dict[str, Any]) -> str:
    lines = [f"### {results['size']} reviews", ""]
    if "search" in results:
        found = results["search"]
        lines += [
            "| search, ms | SQLite p50 | SQLite p95 | PostgreSQL p50 | PostgreSQL p95 |",
            "| --- | --- | --- | --- | --- |",
        ]
        for kind in ("all", *KINDS):
            s, p = found["sqlite"][kind], found["postgresql"][kind]
            lines.append(
                f"| {kind} | {s['p50']:.2f} | {s['p95']:.2f} | {p['p50']:.2f} | {p['p95']:.2f} |"
            )
        lines += [
            "",
            f"The same answers on both engines for {found['same_answers']} of"
            f" {found['queries']} queries.",
            "",
        ]
    if "memory_mb" in results:
        memory = results["memory_mb"]
        lines += [
            f"Peak memory of a process that has loaded the title words (`reviewbot search` with"
            f" a typo): SQLite {memory['sqlite']:.0f} MB, PostgreSQL {memory['postgresql']:.0f}"
            " MB.",
            "",
        ]
    if "navigation" in results:
        lines += ["| navigation, ms | p50 | p95 | p99 |", "| --- | --- | --- | --- |"]
        for name, row in results["navigation"].items():
            lines.append(f"| {name} | {row['p50']:.3f} | {row['p95']:.3f} | {row['p99']:.3f} |")
        lines.append("")
    if "queue" in results:
        lines += ["| post queue | posts/s | ratio to one process |", "| --- | --- | --- |"]
        rows = results["queue"]
        for name, row in rows.items():
            one = rows.get(name.replace("2 process(es)", "1 process(es)"), row)
            ratio = row["posts_per_second"] / one["posts_per_second"]
            lines.append(f"| {name} | {row['posts_per_second']:.0f} | {ratio:.2f}× |")
        lines.append("")
    return "\n".join(lines)


async def timed(args: argparse.Namespace, server: str, sqlite_db: Path, only: set[str]) -> Any:
    tag = f"{size_label(args.size)}-s{args.seed}"
    url, copied = await postgres_catalogue(server, sqlite_db, tag)
    results: dict[str, Any] = {"size": f"{args.size:,}", "copy": copied}
    print("Making the query set ...", flush=True)
    made = await phases.make_queries(sqlite_db, args.size, args.seed, args.queries)
    queries = [Query.from_dict(q) for q in json.loads(json.dumps(made))]
    async with (
        ReviewStore.open(sqlite_db, read_only=True) as sqlite,
        ReviewStore.open(url, read_only=True) as pg,
    ):
        stores = {"sqlite": sqlite, "postgresql": pg}
        if "search" in only:
            print("Searching ...", flush=True)
            results["search"] = await search(stores, queries, args.repeat)
        if "navigation" in only:
            print("Previous/next ...", flush=True)
            results["navigation"] = await navigation(stores, args.size, args.seed, args.repeat)
    if "search" in only:
        results["memory_mb"] = {
            "sqlite": search_process_memory(sqlite_db),
            "postgresql": search_process_memory(url),
        }
    return results


def main() -> int:
    args = _parser().parse_args()
    if args.worker:
        target, shards, send_ms = args.worker
        chosen = ALL_SHARDS if shards == "all" else Shards(2, (int(shards),))
        asyncio.run(work(target, chosen, float(send_ms)))
        return 0
    only = set(args.only or ("search", "navigation", "queue"))
    OUT.mkdir(parents=True, exist_ok=True)
    sqlite_db = sqlite_catalogue(args.size, args.seed)
    with (
        PostgresServer.start(settings=SERVER, parent=OUT)
        if not args.url
        else _given(args.url) as running
    ):
        server = running.url
        results = asyncio.run(timed(args, server, sqlite_db, only))
        if "queue" in only:
            print("The post queue ...", flush=True)
            results["queue"] = queue(server, args.posts, args.send_ms or [0.0, 20.0])
    tag = f"engines-{size_label(args.size)}-s{args.seed}"
    (OUT / f"{tag}.json").write_text(json.dumps(results, indent=1))
    text = markdown(results)
    (OUT / f"{tag}.md").write_text(text)
    print(text)
    return 0


class _given:
    """A server someone else runs: nothing to start or stop."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self) -> _given:
        return self

    def __exit__(self, *_: object) -> None:
        return None


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
