"""Bot benchmarks: CPU and latency per `/review show` and autocomplete, the post queue, announce.

    .venv/bin/python -m bench.bot --size 100k|1m [--seed N] [--requests N] ...  (bench/README.md)

The bot runs as its own process against the loopback Discord stand-in (which runs here), so its
CPU clock counts the bot's work only; the floor bot (bench/bot_floor.py) is measured the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from bench import bot_report
from bench.bot_probe import Sample, Subject, other_benchmarks, settle, start_subject
from bench.bot_profile import profile_queue, profile_reading
from bench.bot_workload import sample_reviews, show_requests, typed_requests
from bench.measure import latency

from reviewbot.limits import EMBED_DESCRIPTION
from reviewbot.review import Review
from reviewbot.store import ReviewStore, to_db_time

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
SECTIONS = ("position", "reading", "queue", "announce")


def parse_size(text: str) -> str:
    label = text.strip().lower()
    if not label[:-1].isdigit() or label[-1] not in "km":
        raise argparse.ArgumentTypeError("a size is like 10k, 100k or 1m")
    return label


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=parse_size, default="100k", help="10k, 100k or 1m")
    parser.add_argument("--seed", type=int, default=1, help="the catalogue's seed (default 1)")
    parser.add_argument("--db", type=Path, help="catalogue (default bench/out/catalogue-SIZE-…)")
    parser.add_argument("--requests", type=int, default=400, help="timed requests of each kind")
    parser.add_argument("--warmup", type=int, default=40, help="untimed requests first")
    parser.add_argument(
        "--runs", type=int, default=3, help="reading passes and queue batches (figures: medians)"
    )
    parser.add_argument("--positions", type=int, default=500, help="store.reviews.context samples")
    parser.add_argument("--posts", type=int, default=500, help="reviews put in the post queue")
    parser.add_argument(
        "--announces", type=int, default=10, help="reviewbot import --announce runs"
    )
    parser.add_argument(
        "--only", choices=SECTIONS, action="append", help="run only this section (repeatable)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="instead: profile the bot's reading work (bench/out/bot-profile-SIZE.txt)",
    )
    parser.add_argument(
        "--wait-quiet", action="store_true", help="wait until no catalogue benchmark runs"
    )
    return parser


# Item 4: "n of total" without counting the catalogue -----------------------------------------


def catalogue_module(name: str) -> ModuleType:
    """A module of the catalogue benchmark, which imports its siblings by their bare names."""
    if str(BENCH) not in sys.path:
        sys.path.append(str(BENCH))
    return importlib.import_module(name)


async def timed_ms(call: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter_ns()
    await call()
    return (time.perf_counter_ns() - start) / 1e6


async def position(db: Path, samples: int, seed: int) -> dict[str, Any]:
    """`store.reviews.context` (the review, its neighbours and "n of total") at random places."""
    reviews = await sample_reviews(db, samples, seed + 4)
    rows: list[dict[str, float]] = []
    async with ReviewStore.open(db) as store:
        for review in reviews[:50]:  # warm-up
            await store.reviews.context(review.id or 0, None)
        for review in reviews:
            review_id = review.id or 0
            shown = await store.reviews.context(review_id, None)
            assert shown is not None
            rows.append(
                {
                    "place": shown.position / shown.total,
                    "context": await timed_ms(lambda i=review_id: store.reviews.context(i, None)),
                    "get": await timed_ms(lambda i=review_id: store.reviews.get(i, None)),
                }
            )
    places = [(to_db_time(r.published_at), r.id or 0) for r in reviews[:30]]
    naive = catalogue_module("baselines").count_before(db, 0, places)
    fifths: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        fifths[f"fifth {min(int(row['place'] * 5), 4) + 1}"].append(row["context"])
    return {
        "context": latency([r["context"] for r in rows]),
        "get (no neighbours, no position)": latency([r["get"] for r in rows]),
        "context by place": {k: latency(v) for k, v in sorted(fifths.items())},
        "count(*) before (naive, sqlite3)": naive,
    }


# Items 1–3: CPU and latency per request, beside the floor ------------------------------------


async def reading(db: Path, requests: int, warmup: int, seed: int) -> dict[str, Any]:
    reviews = await sample_reviews(db, requests + warmup, seed + 1)
    random.Random(seed).shuffle(reviews)
    shows, typed = show_requests(reviews), typed_requests(reviews, seed + 2)
    floor = await start_subject("floor", "bench.bot_floor")
    bot: Subject | None = None
    ends: dict[str, Any] = {}
    try:
        bot = await start_subject("reviewbot", "reviewbot", "run", env={"REVIEWBOT_DB": str(db)})
        samples: dict[str, list[Sample]] = defaultdict(list)
        for i, (review, show, text) in enumerate(zip(reviews, shows, typed, strict=True)):
            round_ = {
                "floor: slash command": await floor.slash("floor"),
                f"show: {show.kind}": await bot.slash("review show", title=show.text),
                "floor: autocomplete": await floor.autocomplete("floorac", "text", text.text),
                f"autocomplete: {text.kind}": await bot.autocomplete(
                    "review show", "title", text.text
                ),
            }
            if i >= warmup:
                for name, sample in round_.items():
                    samples[name].append(sample)
                samples[_length_group(review)].append(round_[f"show: {show.kind}"])
        idle = {
            "reviewbot": await bot.idle_cpu_ms_per_s(),
            "floor": await floor.idle_cpu_ms_per_s(),
        }
    finally:
        if bot is not None:
            ends["reviewbot"] = await bot.stop()
        ends["floor"] = await floor.stop()
    return {"groups": _groups(samples), "idle_cpu_ms_per_s": idle, "processes": ends}


async def reading_runs(args: argparse.Namespace, db: Path) -> dict[str, Any]:
    """Several passes with fresh processes; each figure is its median over the passes, so one
    noisy moment on a shared machine does not decide a target."""
    runs = []
    for number in range(args.runs):
        if number:
            await wait_quiet(args.wait_quiet)
        runs.append(await reading(db, args.requests, args.warmup, args.seed))
    groups = {
        name: {
            metric: {
                stat: _median(stat, [run["groups"][name][metric][stat] for run in runs])
                for stat in figures
            }
            for metric, figures in metrics.items()
        }
        for name, metrics in runs[0]["groups"].items()
    }
    return {
        "groups": groups,
        "runs": [run["groups"] for run in runs],
        "idle_cpu_ms_per_s": runs[-1]["idle_cpu_ms_per_s"],
        "processes": {
            f"{name} (run {i})": end
            for i, run in enumerate(runs, start=1)
            for name, end in run["processes"].items()
        },
    }


def _median(stat: str, values: list[float]) -> float:
    return int(values[0]) if stat in ("n", "messages") else statistics.median(values)


def _length_group(review: Review) -> str:
    """Long reviews need several embeds' worth of pages: more text to split, escape and send."""
    if len(review.body) > EMBED_DESCRIPTION:
        return f"show, body over {EMBED_DESCRIPTION:,} chars"
    return f"show, body up to {EMBED_DESCRIPTION:,} chars"


def _groups(samples: dict[str, list[Sample]]) -> dict[str, dict[str, Any]]:
    """Figures per request kind, plus every show and every autocomplete request together."""
    for family in ("show", "autocomplete"):
        together = [
            s for name, group in samples.items() if name.startswith(f"{family}: ") for s in group
        ]
        samples[f"{family}: all"] = together
    return {
        name: {
            "cpu_ms": latency([s.cpu_ms for s in group]),
            "other_threads_ms": latency([s.cpu_ms - s.main_thread_ms for s in group]),
            "wall_ms": latency([s.wall_ms for s in group]),
        }
        for name, group in samples.items()
    }


# Items 5–6: the post queue and `reviewbot import --announce` -----------------------------------


async def copy_catalogue(source: Path, destination: Path) -> None:
    """A consistent copy of the catalogue that the queue benchmark may write to."""
    remove_database(destination)
    async with ReviewStore.open(source) as store:
        await store.backup(destination)


async def delivery(
    subject: Subject, count: int, start: Callable[[], Awaitable[Any]]
) -> dict[str, Any]:
    """Time and CPU for `count` new messages in the subject's channel after `start()`."""
    channel = subject.channel
    already = len(subject.discord.channel_messages(channel))
    idle = await subject.idle_cpu_ms_per_s(2.0)
    (before, _), began, wall = await settle(subject.pid), time.monotonic(), time.time()
    await start()
    await subject.discord.wait_for(
        lambda: len(subject.discord.channel_messages(channel)) >= already + count,
        max(60.0, count / 5),
        f"{count} messages from {subject.name}",
    )
    (after, _), elapsed = await settle(subject.pid), time.monotonic() - began
    arrived = subject.discord.channel_messages(channel)[already:]
    first, last = arrived[0].created_at.timestamp(), arrived[-1].created_at.timestamp()
    cpu_ms = (after - before) / 1e6
    return {
        "messages": len(arrived),
        "seconds_first_to_last": last - first,
        "per_second": (len(arrived) - 1) / (last - first) if last > first else float("nan"),
        "seconds_from_start": elapsed,
        "first_after_s": first - wall,
        "cpu_ms_per_message": (cpu_ms - idle * elapsed) / len(arrived),
        "cpu_ms_per_message_raw": cpu_ms / len(arrived),
        "idle_cpu_ms_per_s": idle,
    }


async def queue(
    db: Path, copy: Path, posts: int, runs: int, announces: int, seed: int
) -> dict[str, Any]:
    """`runs` batches of `posts` queued reviews through the bot, then as many floor bursts."""
    await copy_catalogue(db, copy)
    try:
        results = await _queue_on(copy, posts, runs, announces, seed)
    finally:
        remove_database(copy)
    for sender in ("reviewbot", "floor"):
        results[sender] = _median_delivery(results[f"{sender} runs"])
    return results


async def _queue_on(copy: Path, posts: int, runs: int, announces: int, seed: int) -> dict[str, Any]:
    reviews = await sample_reviews(copy, posts * runs, seed + 3)
    ids = [r.id for r in reviews if r.id is not None]
    batches = [ids[i * posts : (i + 1) * posts] for i in range(runs)]
    results: dict[str, Any] = {"processes": {}}
    bot = await start_subject("reviewbot", "reviewbot", "run", env={"REVIEWBOT_DB": str(copy)})
    try:
        guild = bot.guild
        async with ReviewStore.open(copy) as store:
            await store.guilds.set_review_channel(guild.id, bot.channel.id)
            results["reviewbot runs"] = [
                await delivery(bot, len(batch), lambda b=batch: store.posts.queue(guild.id, b))
                for batch in batches
            ]
        if announces:
            results["announce"] = await announce(bot, copy, announces, seed)
    finally:
        results["processes"]["reviewbot"] = await bot.stop()
    floor = await start_subject("floor", "bench.bot_floor")
    try:
        burst = {"count": posts}
        results["floor runs"] = [
            await delivery(
                floor,
                posts,
                lambda: floor.discord.slash(floor.guild, floor.member, "floorburst", **burst),
            )
            for _ in batches
        ]
    finally:
        results["processes"]["floor"] = await floor.stop()
    return results


def _median_delivery(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {key: _median(key, [run[key] for run in runs]) for key in runs[0]}


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".partial"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def announce(bot: Subject, db: Path, repeats: int, seed: int) -> dict[str, Any]:
    """`reviewbot import --announce --guild ID FILE` for one new review, while the bot runs."""
    rng = random.Random(seed)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bot-bench-") as folder:
        for i in range(repeats):
            await asyncio.sleep(rng.uniform(0.0, 1.0))  # land anywhere in the bot's poll cycle
            title = f"Announced review {i} {rng.randrange(10**9)}"
            path = Path(folder) / f"announce-{i}.md"
            path.write_text(f"---\ntitle: {title}\nrating: 4\n---\nJust announced.\n")
            rows.append(await _announce_one(bot, db, path, title))
    return {
        "runs": rows,
        "from_start_s": latency([r["from_start_s"] for r in rows]),
        "from_exit_s": latency([r["from_exit_s"] for r in rows]),
        "command_s": latency([r["command_s"] for r in rows]),
    }


async def _announce_one(bot: Subject, db: Path, path: Path, title: str) -> dict[str, float]:
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
        bot.channel, lambda m: bool(m.embeds) and m.embeds[0].get("title") == title, within=30
    )
    shown = message.created_at.timestamp()
    return {
        "from_start_s": shown - started,
        "from_exit_s": shown - exited,
        "command_s": exited - started,
    }


# Running ---------------------------------------------------------------------------------------


def catalogue_path(args: argparse.Namespace) -> Path:
    db: Path = args.db or OUT / f"catalogue-{args.size}-s{args.seed}.db"
    built = db.with_suffix(".build.json")
    if not db.exists():
        raise SystemExit(
            f"{db} does not exist: build it with python3 dev.py bench --size {args.size}"
        )
    if args.db is None and not built.exists():
        raise SystemExit(f"{db} is still being built ({built.name} is missing); try again later")
    return db


async def wait_quiet(wait: bool) -> list[str]:
    running = other_benchmarks()
    while running and wait:
        print("Waiting for the catalogue benchmark to finish ...", flush=True)
        await asyncio.sleep(30)
        running = other_benchmarks()
    for line in running:
        print(f"Warning: another benchmark is running, figures will be noisy: {line}", flush=True)
    return running


async def run(args: argparse.Namespace, db: Path) -> dict[str, Any]:
    wanted: Sequence[str] = args.only or SECTIONS
    results: dict[str, Any] = {"size": args.size, "database": str(db)}
    if "position" in wanted:
        print("Timing store.reviews.context at random places ...", flush=True)
        results["position"] = await stamped(args, position(db, args.positions, args.seed))
    if "reading" in wanted:
        print(f"Timing {args.requests} requests of each kind, {args.runs} times ...", flush=True)
        results["reading"] = await stamped(args, reading_runs(args, db))
    if "queue" in wanted or "announce" in wanted:
        print("Timing the post queue and reviewbot import --announce ...", flush=True)
        posts = args.posts if "queue" in wanted else 1
        announces = args.announces if "announce" in wanted else 0
        copy = OUT / f"bot-queue-{args.size}-s{args.seed}.db"
        work = queue(db, copy, posts, args.runs, announces, args.seed)
        results["queue"] = await stamped(args, work)
    return results


def code_version() -> str:
    """The commit measured, and whether the bot's source differed from it."""
    git = ["git", "-C", str(BENCH.parent)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    changed = subprocess.run([*git, "status", "--porcelain", "src"], capture_output=True, text=True)
    return head.stdout.strip() + (" with uncommitted changes in src/" if changed.stdout else "")


async def stamped(args: argparse.Namespace, work: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    """A section's figures with when they were taken and how busy the machine was."""
    others = await wait_quiet(args.wait_quiet)
    load, started = os.getloadavg(), datetime.now().astimezone()
    figures = await work
    started_meanwhile = [line for line in other_benchmarks() if line not in others]
    return {
        **figures,
        "measured_at": started.isoformat(timespec="seconds"),
        "code": code_version(),
        "other_benchmarks_running": others + started_meanwhile,
        "load_average_before_after": [load[0], os.getloadavg()[0]],
    }


def save(results: dict[str, Any]) -> tuple[str, str]:
    """Merge this size's results into bench/out/bot-results.json and render every size."""
    path = OUT / "bot-results.json"
    saved: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    saved[results["size"]] = {**saved.get(results["size"], {}), **results}
    path.write_text(json.dumps(saved, indent=1))
    text, markdown = bot_report.render(saved)
    (OUT / "bot-results.md").write_text(markdown)
    return text, markdown


def profile(args: argparse.Namespace, db: Path) -> int:
    """A separate pass under cProfile: its figures are slowed by profiling, so none are saved."""
    prefix = OUT / f"bot-profile-{args.size}"
    text = asyncio.run(_profiles(args, db, prefix))
    Path(f"{prefix}.txt").write_text(text)
    print(text)
    print(f"Saved {prefix.name}.txt (and the raw profiles {prefix.name}-*.prof)")
    return 0


async def _profiles(args: argparse.Namespace, db: Path, prefix: Path) -> str:
    reading = await profile_reading(db, args.requests, args.warmup, args.seed, prefix)
    copy = OUT / f"bot-queue-{args.size}-s{args.seed}.db"
    await copy_catalogue(db, copy)
    try:
        queue = await profile_queue(copy, args.posts, args.seed, Path(f"{prefix}-queue"))
    finally:
        remove_database(copy)
    return reading + "\n" + queue


def main() -> int:
    args = _parser().parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db = catalogue_path(args)
    if args.profile:
        return profile(args, db)
    results = asyncio.run(run(args, db))
    text, _ = save(results)
    print(text)
    print("Saved bench/out/bot-results.json and bench/out/bot-results.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
