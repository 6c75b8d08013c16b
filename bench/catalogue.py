"""Catalogue benchmarks: build a synthetic catalogue, then time search and previous/next on it.

    python3 dev.py bench --size 10k|100k|1m [--seed N] [--rebuild] ...   (see bench/README.md)

Each phase runs in a fresh process, so the memory it reports is its own; this one makes the
query set, starts the phases, and prints and saves the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import phases
import report
from measure import code_version
from queries import Query

OUT = Path(__file__).resolve().parent / "out"
PHASES = ("search", "navigation", "baselines")
BATCH = 5_000  # reviews per `add_or_update` call while building


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+)([km]?)", text.strip().lower())
    if not match:
        raise argparse.ArgumentTypeError("a size is like 10k, 100k, 1m or 2500")
    return int(match.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2)]


def size_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    return f"{n // 1_000}k" if n % 1_000 == 0 else str(n)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=parse_size, default=10_000, help="10k, 100k or 1m")
    parser.add_argument("--seed", type=int, default=1, help="another catalogue and query set")
    parser.add_argument("--db", type=Path, help="database (default bench/out/catalogue-SIZE…)")
    parser.add_argument("--rebuild", action="store_true", help="build even if a database exists")
    parser.add_argument("--queries", type=int, default=200, help="queries of each kind")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes (median per query)")
    parser.add_argument("--like-sample", type=int, default=30, help="LIKE queries of each kind")
    parser.add_argument("--fuzzy-sample", type=int, help="difflib queries of each kind")
    parser.add_argument("--phase", choices=("build", *PHASES), help=argparse.SUPPRESS)
    return parser


class Run:
    """Where one size and seed keeps its database, query set and phase results."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.n: int = args.size
        self.tag = f"{size_label(self.n)}-s{args.seed}"
        OUT.mkdir(parents=True, exist_ok=True)
        self.db: Path = args.db or OUT / f"catalogue-{self.tag}.db"
        self.build_file = self.db.with_suffix(".build.json")
        self.query_file = OUT / f"queries-{self.tag}.json"

    def phase_file(self, phase: str) -> Path:
        return OUT / f"{phase}-{self.tag}.json"

    def queries(self) -> list[Query]:
        return [Query.from_dict(q) for q in json.loads(self.query_file.read_text())]

    def in_fresh_process(self, phase: str) -> dict[str, Any]:
        argv = [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:], "--phase", phase]
        subprocess.run(argv, check=True)
        result: dict[str, Any] = json.loads(self.phase_file(phase).read_text())
        return result

    def run_phase(self) -> None:
        """The phase named by --phase, in this process."""
        args, n = self.args, self.n
        if args.phase == "build":
            result = asyncio.run(phases.build(self.db, n, args.seed, BATCH))
        elif args.phase == "search":
            result = asyncio.run(phases.search(self.db, self.queries(), args.repeat))
        elif args.phase == "navigation":
            result = asyncio.run(phases.navigation(self.db, n, args.seed, args.repeat))
        else:
            fuzzy = args.fuzzy_sample or (30 if n <= 100_000 else 5)  # difflib is slow at 1M
            result = phases.search_baselines(self.db, self.queries(), args.like_sample, fuzzy)
        self.phase_file(args.phase).write_text(json.dumps(result, indent=1))

    def database(self) -> dict[str, Any]:
        """The build's figures: a new build's, or those saved beside the database reused."""
        if self.args.rebuild or not (self.db.exists() and self.build_file.exists()):
            print(f"Building {self.n:,} reviews into {self.db} ...", flush=True)
            self.build_file.unlink(missing_ok=True)
            built = self.in_fresh_process("build") | {"code": code_version()}
            self.build_file.write_text(json.dumps(built, indent=1))
            return built
        print(f"Reusing {self.db} (--rebuild builds it again)", flush=True)
        built = json.loads(self.build_file.read_text())
        return built | {"reused": True}


def main() -> int:
    args = _parser().parse_args()
    run = Run(args)
    if args.phase:
        run.run_phase()
        return 0
    results: dict[str, Any] = {"size": size_label(run.n), "seed": args.seed}
    results |= {"code": code_version(), "build": run.database()}
    print("Making the query set ...", flush=True)
    made = asyncio.run(phases.make_queries(run.db, run.n, args.seed, args.queries))
    run.query_file.write_text(json.dumps(made, indent=1))
    for phase in PHASES:
        print(f"Running the {phase} phase ...", flush=True)
        results[phase] = run.in_fresh_process(phase)
    text, markdown = report.render(results, run.queries())
    (OUT / f"results-{run.tag}.json").write_text(json.dumps(results, indent=1))
    (OUT / f"results-{run.tag}.md").write_text(markdown)
    print(text)
    print(f"Saved bench/out/results-{run.tag}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
