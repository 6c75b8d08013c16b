"""A profiling pass over the reading workload: where the bot's event loop thread spends its CPU."""

from __future__ import annotations

import asyncio
import io
import os
import pstats
import re
import signal
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from bench.bot_probe import Subject, start_subject
from bench.bot_profiled import PROFILE_VARIABLE
from bench.bot_workload import Request, sample_reviews, show_requests, typed_requests
from bench.measure import text_table

from reviewbot.store import ReviewStore

_SITE = re.compile(r"/site-packages/([^/]+)/")
_STDLIB = re.compile(r"/lib/python3\.\d+/([^/.]+)")


def package(filename: str) -> str:
    """Which code a profiled function belongs to: a package, a stdlib module, or C builtins."""
    if filename == "~":
        return "builtins (C)"
    if "/src/reviewbot/" in filename:
        return "reviewbot"
    for pattern in (_SITE, _STDLIB):
        found = pattern.search(filename)
        if found:
            return found.group(1)
    return Path(filename).stem


def by_package(stats: pstats.Stats) -> list[tuple[str, float, float]]:
    """Own CPU time per package, in ms and as a share of the whole, largest first."""
    own: dict[str, float] = defaultdict(float)
    for (filename, _, _), row in stats.stats.items():  # type: ignore[attr-defined]
        own[package(filename)] += row[2]
    total = sum(own.values()) or 1.0
    return sorted(((k, v * 1000, v / total * 100) for k, v in own.items()), key=lambda r: -r[1])


def summary(path: Path, family: str, requests: int) -> str:
    stats = pstats.Stats(str(path))
    rows = [[name, ms / requests, share] for name, ms, share in by_package(stats)[:12]]
    table = text_table(
        f"{family}: the event loop thread's own CPU by package, per request",
        ["package", "ms/request", "%"],
        rows,
    )
    listing = io.StringIO()
    stats.stream = listing  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(r"reviewbot|discord/(app_commands|interactions)", 40)
    return table + listing.getvalue()


async def profile_reading(db: Path, requests: int, warmup: int, seed: int, prefix: Path) -> str:
    """Profile every show, then every autocomplete request, each after its own warm-up."""
    reviews = await sample_reviews(db, requests + warmup, seed + 1)
    env = {"REVIEWBOT_DB": str(db), PROFILE_VARIABLE: str(prefix)}
    bot = await start_subject("profiled", "bench.bot_profiled", "reviewbot", "run", env=env)
    try:
        families: list[tuple[str, Sequence[Request], Callable[[Request], Awaitable[object]]]] = [
            ("show", show_requests(reviews), lambda r: bot.slash("review show", title=r.text)),
            (
                "autocomplete",
                typed_requests(reviews, seed + 2),
                lambda r: bot.autocomplete("review show", "title", r.text),
            ),
        ]
        reports = []
        for number, (family, workload, send) in enumerate(families, start=1):
            path = await _profiled(bot, number, prefix, workload, warmup, send)
            reports.append(summary(path, family, len(workload) - warmup))
    finally:
        await bot.stop()
    return "\n".join([*reports, await profile_floor(requests, warmup, Path(f"{prefix}-floor"))])


async def profile_floor(requests: int, warmup: int, prefix: Path) -> str:
    """The floor bot's slash command, profiled the same way: discord.py's share of the above."""
    env = {PROFILE_VARIABLE: str(prefix)}
    floor = await start_subject("floor-profiled", "bench.bot_profiled", "bench.bot_floor", env=env)
    try:
        workload = [Request("floor", "")] * (requests + warmup)
        path = await _profiled(floor, 1, prefix, workload, warmup, lambda r: floor.slash("floor"))
    finally:
        await floor.stop()
    return summary(path, "floor: slash command", requests)


async def profile_queue(db: Path, posts: int, seed: int, prefix: Path) -> str:
    """Profile the delivery of `posts` queued reviews (`db` is a copy the queue may write to)."""
    ids = [r.id for r in await sample_reviews(db, posts, seed + 3) if r.id is not None]
    env = {"REVIEWBOT_DB": str(db), PROFILE_VARIABLE: str(prefix)}
    bot = await start_subject("profiled", "bench.bot_profiled", "reviewbot", "run", env=env)
    try:
        async with ReviewStore.open(db) as store:
            await store.guilds.set_review_channel(bot.guild.id, bot.channel.id)
            os.kill(bot.pid, signal.SIGUSR1)
            await store.posts.queue(bot.guild.id, ids)
            await bot.discord.wait_for(
                lambda: len(bot.discord.channel_messages(bot.channel)) >= len(ids),
                120,
                "the queued posts",
            )
        os.kill(bot.pid, signal.SIGUSR2)
        path = Path(f"{prefix}-1.prof")
        await bot.discord.wait_for(path.exists, 10, f"the bot to save {path.name}")
        await asyncio.sleep(0.2)
    finally:
        await bot.stop()
    return summary(path, "post queue", len(ids))


async def _profiled(
    bot: Subject,
    number: int,
    prefix: Path,
    workload: Sequence[Request],
    warmup: int,
    send: Callable[[Request], Awaitable[object]],
) -> Path:
    for request in workload[:warmup]:
        await send(request)
    os.kill(bot.pid, signal.SIGUSR1)
    for request in workload[warmup:]:
        await send(request)
    os.kill(bot.pid, signal.SIGUSR2)
    path = Path(f"{prefix}-{number}.prof")
    await bot.discord.wait_for(path.exists, 10, f"the bot to save {path.name}")
    await asyncio.sleep(0.2)  # let it finish writing
    return path
