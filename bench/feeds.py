"""Polling many feeds: CPU per feed per poll and memory, against a local feed server.

    .venv/bin/python bench/feeds.py                   # 100, 1,000 and 10,000 feeds
    .venv/bin/python bench/feeds.py --feeds 1000      # one size

The feed server runs in a process of its own, so its work is not counted as the poller's.
Each size is measured twice: a round where nothing changed (every feed answers 304 to its
ETag), and a round where one feed has one new entry (one 200 that is parsed, stored and queued).
The target: 10,000 unchanged feeds polled within one interval (900 s) on one core using less
than 5% of it, that is under 45 s of CPU for the round.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from reviewbot.feeds.entries import parse_feed  # noqa: E402
from reviewbot.feeds.fetch import Fetcher  # noqa: E402
from reviewbot.feeds.follow import Follower  # noqa: E402
from reviewbot.feeds.poller import FeedPoller  # noqa: E402
from reviewbot.review import Category, utc_now  # noqa: E402
from reviewbot.store import FetchState, ReviewStore  # noqa: E402

INTERVAL = 900.0
TARGET_CPU_SHARE = 0.05
ITEMS = 10  # entries per feed, as a blog's feed holds


def feed_body(number: int, version: int) -> bytes:
    now = utc_now().replace(microsecond=0, second=0, minute=0)
    items = []
    for i in range(ITEMS + version):
        when = format_datetime(now - timedelta(days=ITEMS + version - i))
        items.append(
            f"<item><title>Work {number}-{i} ★★★★☆</title><guid>f{number}-e{i}</guid>"
            f"<link>https://blog{number}.example/{i}</link><pubDate>{when}</pubDate>"
            f"<description><![CDATA[<p>Review {i} of blog {number}: a paragraph or two of"
            " honest words about the work, its good parts and its less good ones.</p>]]>"
            "</description></item>"
        )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel>'
        f"<title>Blog {number}</title>{''.join(reversed(items))}</channel></rss>"
    ).encode()


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


def serve(port_out: multiprocessing.Queue[int], feeds: int) -> None:  # in its own process
    from aiohttp import web

    versions = [0] * feeds
    cache: dict[tuple[int, int], tuple[bytes, str]] = {}

    def body(number: int) -> tuple[bytes, str]:
        key = (number, versions[number])
        if key not in cache:
            data = feed_body(*key)
            cache[key] = (data, etag_of(data))
        return cache[key]

    async def feed(request: web.Request) -> web.Response:
        number = int(request.match_info["n"])
        data, tag = body(number)
        if request.headers.get("If-None-Match") == tag:
            return web.Response(status=304, headers={"ETag": tag})
        return web.Response(body=data, headers={"ETag": tag}, content_type="application/rss+xml")

    async def change(request: web.Request) -> web.Response:
        versions[int(request.match_info["n"])] += 1
        return web.Response(text="ok")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/f/{n}", feed)
        app.router.add_post("/change/{n}", change)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        port_out.put(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(main())


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def set_up(store: ReviewStore, base: str, feeds: int) -> None:
    """`feeds` followed feeds, each as if added a while ago with its entries seen."""
    for number in range(feeds):
        body = feed_body(number, 0)
        parsed = parse_feed(body, f"{base}/f/{number}", category=Category.FILM, guild_id=1)
        state = FetchState(200, etag_of(body), None, hashlib.sha256(body).hexdigest())
        await store.feeds.add(
            1,
            f"{base}/f/{number}",
            channel_id=None,
            category=Category.FILM,
            title=parsed.title,
            state=state,
            entries=parsed.entries,
            next_poll_at=utc_now() + timedelta(days=1),
        )


async def make_all_due(store: ReviewStore) -> None:
    async with store.db.transaction() as db:
        await db.execute("UPDATE feeds SET next_poll_at = ?", ("2000-01-01T00:00:00.000000Z",))


async def poll_round(follower: Follower, feeds: int) -> tuple[float, float, int]:
    """Poll every (due) feed once; returns CPU seconds, wall seconds and polls."""
    poller = FeedPoller(follower, concurrency=32)
    cpu, wall = time.process_time(), time.perf_counter()
    poller.start()
    while poller.polls < feeds:  # noqa: ASYNC110 - the poller offers a count, not an event
        await asyncio.sleep(0.01)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await poller.stop()
    return cpu, wall, poller.polls


async def measure(feeds: int, base: str, folder: Path) -> dict[str, float]:
    import aiohttp

    database = folder / f"feeds-{feeds}.db"
    async with ReviewStore.open(database) as store:
        await set_up(store, base, feeds)
        async with Fetcher(allow_private=True) as fetcher:
            follower = Follower(store, fetcher, interval=INTERVAL)
            rss_before = rss_mb()
            await make_all_due(store)
            cpu, wall, polls = await poll_round(follower, feeds)
            unchanged = {"cpu": cpu, "wall": wall, "polls": polls, "rss": rss_mb() - rss_before}
            async with aiohttp.ClientSession() as session:
                await session.post(f"{base}/change/0")
            await make_all_due(store)
            cpu, wall, polls = await poll_round(follower, feeds)
            queued = await store.db.fetch("SELECT count(*) FROM outbox")
    return {
        "feeds": feeds,
        "unchanged_cpu_s": unchanged["cpu"],
        "unchanged_wall_s": unchanged["wall"],
        "unchanged_cpu_ms_per_feed": unchanged["cpu"] / unchanged["polls"] * 1000,
        "one_new_cpu_s": cpu,
        "one_new_wall_s": wall,
        "one_new_cpu_ms_per_feed": cpu / polls * 1000,
        "queued_posts": queued[0][0],
        "rss_growth_mb": unchanged["rss"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def report(rows: list[dict[str, float]]) -> str:
    lines = [
        "| feeds | unchanged: CPU s / wall s | CPU ms per feed | one new entry: CPU s / wall s"
        " | CPU ms per feed | posts queued | peak RSS MB |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['feeds']:,.0f} | {row['unchanged_cpu_s']:.2f} / {row['unchanged_wall_s']:.2f}"
            f" | {row['unchanged_cpu_ms_per_feed']:.3f}"
            f" | {row['one_new_cpu_s']:.2f} / {row['one_new_wall_s']:.2f}"
            f" | {row['one_new_cpu_ms_per_feed']:.3f} | {row['queued_posts']:.0f}"
            f" | {row['peak_rss_mb']:.0f} |"
        )
    largest = rows[-1]
    share = largest["unchanged_cpu_s"] / INTERVAL
    verdict = (
        "met" if share < TARGET_CPU_SHARE and largest["unchanged_wall_s"] < INTERVAL else "missed"
    )
    lines.append("")
    lines.append(
        f"{largest['feeds']:,.0f} unchanged feeds: {largest['unchanged_cpu_s']:.1f} s of CPU in a"
        f" {INTERVAL:.0f} s interval = {share:.2%} of one core (target < {TARGET_CPU_SHARE:.0%},"
        f" polled in {largest['unchanged_wall_s']:.1f} s): {verdict}."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, action="append", help="feeds (repeatable)")
    args = parser.parse_args()
    sizes = args.feeds or [100, 1000, 10000]
    rows = []
    for feeds in sizes:
        ports: multiprocessing.Queue[int] = multiprocessing.get_context("spawn").Queue()
        server = multiprocessing.get_context("spawn").Process(
            target=serve, args=(ports, feeds), daemon=True
        )
        server.start()
        try:
            base = f"http://127.0.0.1:{ports.get(timeout=30)}"
            with tempfile.TemporaryDirectory() as folder:
                row = asyncio.run(measure(feeds, base, Path(folder)))
        finally:
            server.terminate()
            server.join()
        print(f"{feeds:,} feeds: {row}", flush=True)
        rows.append(row)
    print()
    print(report(rows))


if __name__ == "__main__":
    main()
