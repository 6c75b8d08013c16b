"""Bot benchmarks: CPU per `/review show` and autocomplete beside a bare discord.py bot's, the
post queue's rate, and how soon `reviewbot import --announce` is posted.

    .venv/bin/python -m bench.bot --size 100k|1m [--runs N] [--only reading|queue|announce]

The bot runs as its own process against the loopback Discord stand-in (which runs here), so its
CPU clock counts the bot's work only; the floor bot (bench/bot_floor.py) is measured the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import bot_report
from bench.bot_probe import Subject, settle, start_subject
from bench.bot_workload import sample_reviews, show_requests, typed_requests
from bench.measure import code_version, latency, remove_database

from reviewbot.store import ReviewStore

OUT = Path(__file__).resolve().parent / "out"
SECTIONS = ("reading", "queue", "announce")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="100k", help="which catalogue: 10k, 100k or 1m")
    parser.add_argument("--seed", type=int, default=1, help="the catalogue's seed (default 1)")
    parser.add_argument("--db", type=Path, help="catalogue (default bench/out/catalogue-SIZE-…)")
    parser.add_argument("--requests", type=int, default=400, help="timed requests of each family")
    parser.add_argument("--warmup", type=int, default=40, help="untimed requests first")
    parser.add_argument("--runs", type=int, default=3, help="passes and batches (figures: medians)")
    parser.add_argument("--posts", type=int, default=500, help="reviews put in the post queue")
    parser.add_argument("--announces", type=int, default=10, help="import --announce runs")
    parser.add_argument("--only", choices=SECTIONS, action="append", help="this section only")
    return parser


# CPU per request, beside the floor ------------------------------------------------------------


async def reading(db: Path, requests: int, warmup: int, seed: int) -> dict[str, Any]:
    """Each kind of request's CPU figures. The floor's requests and the bot's take turns, so
    both meet the same moments of a noisy machine."""
    reviews = await sample_reviews(db, requests + warmup, seed + 1)
    random.Random(seed).shuffle(reviews)
    shows, typed = show_requests(reviews), typed_requests(reviews, seed + 2)
    samples: dict[str, list[float]] = defaultdict(list)
    ends = []
    floor = await start_subject("floor", "bench.bot_floor")
    try:
        bot = await start_subject("reviewbot", "reviewbot", "run", env={"REVIEWBOT_DB": str(db)})
        try:
            for i, (show, text) in enumerate(zip(shows, typed, strict=True)):
                one_round = {
                    "floor: slash command": await floor.slash("floor"),
                    f"show: {show.kind}": await bot.slash("review show", title=show.text),
                    "floor: autocomplete": await floor.autocomplete("floorac", "text", text.text),
                    f"autocomplete: {text.kind}": await bot.autocomplete(
                        "review show", "title", text.text
                    ),
                }
                if i < warmup:
                    continue
                for name, cpu_ms in one_round.items():
                    samples[name].append(cpu_ms)
                    if not name.startswith("floor"):
                        samples[name.split(":")[0] + ": all"].append(cpu_ms)
        finally:
            ends.append(await bot.stop())
    finally:
        ends.append(await floor.stop())
    return {"cpu_ms": {name: latency(values) for name, values in samples.items()}, "ends": ends}


async def reading_runs(args: argparse.Namespace, db: Path) -> dict[str, Any]:
    """Several passes with fresh processes; each figure is its median over the passes, so one
    noisy moment does not decide a target."""
    runs = [await reading(db, args.requests, args.warmup, args.seed) for _ in range(args.runs)]
    cpu = {
        name: {stat: statistics.median(run["cpu_ms"][name][stat] for run in runs) for stat in f}
        | {"n": f["n"]}
        for name, f in runs[0]["cpu_ms"].items()
    }
    return {
        "cpu_ms": cpu,
        "p95 per run": {
            family: [run["cpu_ms"][f"{family}: all"]["p95"] for run in runs]
            for family in ("show", "autocomplete")
        },
        "ends": [end for run in runs for end in run["ends"]],
    }


# The post queue and `reviewbot import --announce` -----------------------------------------------


async def delivery(
    subject: Subject, count: int, start: Callable[[], Awaitable[Any]]
) -> dict[str, float]:
    """Rate and CPU (less the idle rate) for `count` new messages in the channel after `start()`."""
    discord_, channel = subject.discord, subject.channel
    already = len(discord_.channel_messages(channel))
    idle = await subject.idle_cpu_ms_per_s()
    before, began = await settle(subject.pid), time.monotonic()
    await start()
    await discord_.wait_for(
        lambda: len(discord_.channel_messages(channel)) >= already + count,
        max(60.0, count / 5),
        f"{count} messages from {subject.name}",
    )
    after, elapsed = await settle(subject.pid), time.monotonic() - began
    arrived = discord_.channel_messages(channel)[already:]
    first, last = arrived[0].created_at.timestamp(), arrived[-1].created_at.timestamp()
    return {
        "per_second": (len(arrived) - 1) / (last - first) if last > first else float("nan"),
        "cpu_ms_per_message": ((after - before) / 1e6 - idle * elapsed) / len(arrived),
    }


async def posting(args: argparse.Namespace, db: Path, wanted: set[str]) -> dict[str, Any]:
    """Queued posts through the bot and bursts from the floor, on a copy of the catalogue the
    queue may write to; then `import --announce` runs while the bot runs."""
    copy = OUT / f"bot-queue-{args.size}-s{args.seed}.db"
    remove_database(copy)
    async with ReviewStore.open(db) as store:
        await store.backup(copy)
    try:
        reviews = await sample_reviews(copy, args.posts * args.runs, args.seed + 3)
        ids = [review.id for review in reviews if review.id is not None]
        batches = [ids[i :: args.runs] for i in range(args.runs)] if "queue" in wanted else []
        results: dict[str, Any] = {"ends": []}
        bot = await start_subject("reviewbot", "reviewbot", "run", env={"REVIEWBOT_DB": str(copy)})
        try:
            async with ReviewStore.open(copy) as store:
                await store.guilds.set_review_channel(bot.guild.id, bot.channel.id)
                results["reviewbot"] = [
                    await delivery(bot, len(b), lambda b=b: store.posts.queue(bot.guild.id, b))
                    for b in batches
                ]
            if "announce" in wanted:
                results["announce"] = await announce(bot, copy, args.announces, args.seed)
        finally:
            results["ends"].append(await bot.stop())
        if batches:
            results["floor"], end = await floor_bursts(args.posts, len(batches))
            results["ends"].append(end)
    finally:
        remove_database(copy)
    return results


async def floor_bursts(posts: int, runs: int) -> tuple[list[dict[str, float]], dict[str, Any]]:
    """The floor's `channel.send` loop, `runs` times, and how its process ended."""
    floor = await start_subject("floor", "bench.bot_floor")
    try:
        send = {"count": posts}
        figures = [
            await delivery(
                floor,
                posts,
                lambda: floor.discord.slash(floor.guild, floor.member, "floorburst", **send),
            )
            for _ in range(runs)
        ]
    finally:
        end = await floor.stop()
    return figures, end


async def announce(bot: Subject, db: Path, repeats: int, seed: int) -> list[dict[str, float]]:
    """`reviewbot import --announce --guild ID FILE` for one new review at a time, each after
    a random pause so that they land anywhere in the bot's once-a-second poll."""
    rng = random.Random(seed)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bot-bench-") as folder:
        for i in range(repeats):
            await asyncio.sleep(rng.uniform(0.0, 1.0))
            title = f"Announced review {i} {rng.randrange(10**9)}"
            path = Path(folder) / f"announce-{i}.md"
            path.write_text(f"---\ntitle: {title}\nrating: 4\n---\nJust announced.\n")
            command = [sys.executable, "-m", "reviewbot", "import", "--announce"]
            command += ["--guild", str(bot.guild.id), str(path)]
            started = time.time()
            process = await asyncio.create_subprocess_exec(
                *command,
                env={**os.environ, "REVIEWBOT_DB": str(db)},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            output, _ = await process.communicate()
            exited = time.time()
            if process.returncode != 0:
                raise RuntimeError(f"reviewbot import failed: {output.decode(errors='replace')}")
            message = await bot.discord.wait_for_message(
                bot.channel, lambda m, t=title: bool(m.embeds) and m.embeds[0].get("title") == t, 30
            )
            shown = message.created_at.timestamp()
            rows.append({"from start": shown - started, "from exit": shown - exited})
    return rows


# Running -----------------------------------------------------------------------------------


async def run(args: argparse.Namespace, db: Path) -> dict[str, Any]:
    wanted = set(args.only or SECTIONS)
    results: dict[str, Any] = {"size": args.size, "code": code_version()}
    results["load before"] = os.getloadavg()[0]
    results["measured at"] = datetime.now().astimezone().isoformat(timespec="minutes")
    if "reading" in wanted:
        print(f"Timing {args.requests} requests of each family, {args.runs} times ...", flush=True)
        results["reading"] = await reading_runs(args, db)
    if wanted & {"queue", "announce"}:
        print("Timing the post queue and reviewbot import --announce ...", flush=True)
        results["posting"] = await posting(args, db, wanted)
    results["load after"] = os.getloadavg()[0]
    return results


def main() -> int:
    args = _parser().parse_args()
    db: Path = args.db or OUT / f"catalogue-{args.size}-s{args.seed}.db"
    if not db.with_suffix(".build.json").exists() and args.db is None:
        print(f"No catalogue {db.name}: build it with python3 dev.py bench --size {args.size}")
        return 1
    results = asyncio.run(run(args, db))
    text, markdown = bot_report.render(results)
    tag = f"{args.size}-s{args.seed}"
    (OUT / f"bot-results-{tag}.json").write_text(json.dumps(results, indent=1))
    (OUT / f"bot-results-{tag}.md").write_text(markdown)
    print(text)
    print(f"Saved bench/out/bot-results-{tag}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
