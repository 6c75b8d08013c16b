"""store.search beside the best search approach we know, on the same queries, in one run.

    .venv/bin/python bench/search_vs_best.py --size 100k     (see "Search against the best
    .venv/bin/python bench/search_vs_best.py --size 1m        approach" in bench/README.md)

Both answer the same 1,000 queries (bench/search_set.py) on the same synthetic catalogue, each
query five rounds, the two taking turns query by query (which goes first alternates); a query's
figure is the median of its rounds. Memory is measured in fresh processes.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import reviewbot
import search_set
from reviewbot.store import ReviewStore
from search_best import BestApproach
from search_set import Query

LIMIT = 25  # what autocomplete asks for, and the store's default
SYSTEMS = ("reviewbot", "best")
KINDS = ("exact", "prefix", "word", "typo", "text")


def parse_size(text: str) -> int:
    number, unit = text.lower().rstrip("km"), text.lower()[len(text.rstrip("kmKM")) :]
    return int(number) * {"": 1, "k": 1_000, "m": 1_000_000}[unit]


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    at = (len(ordered) - 1) * p / 100
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def rank_of(found: Sequence[int], accepted: Sequence[int]) -> int | None:
    wanted = set(accepted)
    return next((i for i, review_id in enumerate(found, 1) if review_id in wanted), None)


# Timing --------------------------------------------------------------------------------------


async def timed_rounds(
    path: Path, queries: list[Query], rounds: int, clock: Callable[[], int] = time.perf_counter_ns
) -> dict[str, Any]:
    """Each query `rounds` times through both, turn about; medians per query."""
    best = BestApproach(path)
    times = {name: [[] for _ in queries] for name in SYSTEMS}
    found: dict[str, list[list[int]]] = {name: [[] for _ in queries] for name in SYSTEMS}
    async with ReviewStore.open(path) as store:

        async def reviewbot_search(text: str) -> list[int]:
            return [hit.id for hit in await store.search(text, None, LIMIT)]

        async def best_search(text: str) -> list[int]:
            return [hit[0] for hit in best.search(text, LIMIT)]

        calls = {"reviewbot": reviewbot_search, "best": best_search}
        started = time.perf_counter()
        await reviewbot_search("warm up the typo index")  # a typo search builds what it needs
        first_typo_seconds = time.perf_counter() - started
        for query in queries:  # warm-up pass, untimed
            for call in calls.values():
                await call(query.text)
        gc.collect()
        order = list(range(len(queries)))
        for round_number in range(rounds):
            random.Random(round_number).shuffle(order)
            for turn, i in enumerate(order):
                text = queries[i].text
                names = SYSTEMS if (turn + round_number) % 2 == 0 else SYSTEMS[::-1]
                for name in names:
                    start = clock()
                    result = await calls[name](text)
                    times[name][i].append((clock() - start) / 1e6)
                    found[name][i] = result
    best.close()
    return {
        "rows": [
            {
                "kind": q.kind,
                "edits": q.edits,
                "partial": q.partial,
                "text": q.text,
                **{f"{name} ms": statistics.median(times[name][i]) for name in SYSTEMS},
                **{f"{name} rank": rank_of(found[name][i], q.accepted) for name in SYSTEMS},
            }
            for i, q in enumerate(queries)
        ],
        "best_build_seconds": best.build_seconds,
        "reviewbot_first_typo_seconds": first_typo_seconds,
    }


# Memory (each in a fresh process) ------------------------------------------------------------


def memory_of(system: str, path: Path) -> dict[str, float]:
    """Bytes the system keeps in Python for search after it has answered a typo, and the time
    its in-memory structure took to build (when it has one)."""
    tracemalloc.start()
    if system == "best":
        started = time.perf_counter()
        best = BestApproach(path)
        seconds = time.perf_counter() - started
        held = tracemalloc.get_traced_memory()[0]
        best.close()
        return {"mb": held / 1e6, "build_seconds_traced": seconds}

    async def reviewbot_typo() -> tuple[float, float]:
        async with ReviewStore.open(path) as store:
            before = tracemalloc.get_traced_memory()[0]
            started = time.perf_counter()
            await store.search("warm up the typo index", None, LIMIT)
            seconds = time.perf_counter() - started
            return tracemalloc.get_traced_memory()[0] - before, seconds

    held, seconds = asyncio.run(reviewbot_typo())
    return {"mb": held / 1e6, "build_seconds_traced": seconds}


def measure_memory(path: Path) -> dict[str, dict[str, float]]:
    found = {}
    for system in SYSTEMS:
        argv = [sys.executable, __file__, "--memory-of", system, "--db", str(path)]
        done = subprocess.run(argv, check=True, capture_output=True, text=True)
        found[system] = json.loads(done.stdout)
    return found


# Figures ------------------------------------------------------------------------------------


def figures(rows: list[dict[str, Any]], name: str) -> dict[str, float]:
    ms = [r[f"{name} ms"] for r in rows]
    ranks = [r[f"{name} rank"] for r in rows]
    return {
        "n": len(rows),
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "hit@1": sum(r == 1 for r in ranks) / len(rows),
        "hit@10": sum(r is not None and r <= 10 for r in ranks) / len(rows),
    }


def groups(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["kind"]].append(row)
        grouped["all"].append(row)
        if row["kind"] == "typo":
            grouped[f"typo, {row['edits']} edit{'s' if row['edits'] > 1 else ''}"].append(row)
            grouped["typo, partial title" if row["partial"] else "typo, whole title"].append(row)
    order = [*KINDS, "typo, 1 edit", "typo, 2 edits", "typo, whole title", "typo, partial title"]
    return {name: grouped[name] for name in [*order, "all"] if grouped[name]}


def number(value: float) -> str:
    return f"{value:.3g}"


def markdown(summary: dict[str, Any]) -> str:
    lines = [
        "| kind | n | reviewbot p50 / p95 ms | best p50 / p95 ms | reviewbot p50 ÷ best"
        " | hit@1 / hit@10 reviewbot | best |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, both in summary["figures"].items():
        ours, best = both["reviewbot"], both["best"]
        lines.append(
            f"| {kind} | {ours['n']} | {number(ours['p50'])} / {number(ours['p95'])}"
            f" | {number(best['p50'])} / {number(best['p95'])}"
            f" | {ours['p50'] / best['p50']:.2f}"
            f" | {ours['hit@1']:.2f} / {ours['hit@10']:.2f}"
            f" | {best['hit@1']:.2f} / {best['hit@10']:.2f} |"
        )
    memory = summary.get("memory")
    if memory:
        lines += [
            "",
            "| in memory, after a typo search | reviewbot | best |",
            "| --- | ---: | ---: |",
            f"| Python objects held, MB | {memory['reviewbot']['mb']:.1f}"
            f" | {memory['best']['mb']:.1f} |",
            f"| built in, s | {summary['reviewbot_first_typo_seconds']:.2f}"
            f" | {summary['best_build_seconds']:.2f} |",
        ]
    return "\n".join(lines)


def targets(summary: dict[str, Any], before: dict[str, Any] | None) -> list[tuple[str, str, bool]]:
    f = summary["figures"]
    ours, best = f["all"]["reviewbot"], f["all"]["best"]
    p95_limit = 2.0 if summary["reviews"] <= 100_000 else 8.0
    typo, exact = f["typo"]["reviewbot"], f["exact"]["reviewbot"]
    found = [
        (
            "all p50 ≤ best p50",
            f"{ours['p50']:.3f} vs {best['p50']:.3f} ms",
            ours["p50"] <= best["p50"],
        ),
        (f"all p95 ≤ {p95_limit:g} ms", f"{ours['p95']:.3f} ms", ours["p95"] <= p95_limit),
        ("typo p50 ≤ 0.5 ms", f"{typo['p50']:.3f} ms", typo["p50"] <= 0.5),
        ("typo hit@10 ≥ 0.95", f"{typo['hit@10']:.3f}", typo["hit@10"] >= 0.95),
        ("exact hit@1 = 1", f"{exact['hit@1']:.3f}", exact["hit@1"] == 1.0),
    ]
    memory = summary.get("memory")
    if memory:
        found.append(
            (
                "memory ≤ 50 MB",
                f"{memory['reviewbot']['mb']:.1f} MB",
                memory["reviewbot"]["mb"] <= 50,
            )
        )
    if before:
        for kind in KINDS:
            now, then = f[kind]["reviewbot"]["hit@1"], before["figures"][kind]["reviewbot"]["hit@1"]
            found.append((f"{kind} hit@1 ≥ before", f"{now:.2f} vs {then:.2f}", now >= then))
    return found


def code_version() -> dict[str, Any]:
    src = Path(reviewbot.__file__).resolve().parent

    def git(*argv: str) -> str:
        done = subprocess.run(["git", "-C", str(src), *argv], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    changed = bool(git("status", "--porcelain", "--", ".")) if commit else None
    return {"path": str(src), "commit": commit or "not a git work tree", "changed": changed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=parse_size, default=100_000, help="100k or 1m")
    parser.add_argument("--seed", type=int, default=1, help="the synthetic catalogue's seed")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", type=Path, help="this catalogue instead of bench/out/search-…")
    parser.add_argument("--name", default="", help="a label for this run's result files")
    parser.add_argument("--before", type=Path, help="a earlier run's .json, for hit@1 targets")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory processes")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="time answers by the clock on the wall (default) or by this process's CPU time",
    )
    parser.add_argument("--memory-of", choices=SYSTEMS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_of:
        print(json.dumps(memory_of(args.memory_of, args.db)))
        return 0
    path = args.db or search_set.ensure(args.size, args.seed)
    queries = search_set.query_set(path)
    load_before = os.getloadavg()
    summary: dict[str, Any] = {
        "reviews": args.size,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": code_version(),
        "rounds": args.rounds,
        "clock": args.clock,
    }
    if not args.no_memory:
        summary["memory"] = measure_memory(path)
    clock = time.perf_counter_ns if args.clock == "wall" else time.process_time_ns
    timed = asyncio.run(timed_rounds(path, queries, args.rounds, clock))
    summary["load"] = [round(x, 2) for x in (*load_before, *os.getloadavg())]
    summary["best_build_seconds"] = timed["best_build_seconds"]
    summary["reviewbot_first_typo_seconds"] = timed["reviewbot_first_typo_seconds"]
    summary["figures"] = {
        kind: {name: figures(rows, name) for name in SYSTEMS}
        for kind, rows in groups(timed["rows"]).items()
    }
    before = json.loads(args.before.read_text()) if args.before else None
    summary["targets"] = targets(summary, before)
    label = search_set.label(args.size) + (f"-{args.name}" if args.name else "")
    out = search_set.OUT / f"search-vs-best-{label}"
    out.with_suffix(".json").write_text(json.dumps({**summary, "rows": timed["rows"]}, indent=1))
    text = [
        f"{args.size:,} reviews, {len(queries)} queries × {args.rounds} rounds, {args.clock} time,"
        f" reviewbot {summary['code']['commit']}"
        f"{' with changes' if summary['code']['changed'] else ''}, {summary['when']},"
        f" load {summary['load'][0]:.2f} → {summary['load'][3]:.2f}",
        "",
        markdown(summary),
        "",
        "| target | value | |",
        "| --- | ---: | --- |",
        *(
            f"| {name} | {value} | {'PASS' if ok else 'MISS'} |"
            for name, value, ok in summary["targets"]
        ),
    ]
    out.with_suffix(".md").write_text("\n".join(text) + "\n")
    print("\n".join(text))
    print(f"\nSaved {out.with_suffix('.md')} and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
