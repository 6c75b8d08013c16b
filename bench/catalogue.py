"""Catalogue benchmarks: build a synthetic catalogue, then time search and previous/next on it.

    python3 dev.py bench --size 10k|100k|1m [--seed N] [--rebuild] ...   (see bench/README.md)

Each phase runs in a fresh process (so its memory is its own); this one builds the query set,
starts them, and prints and saves the figures.
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
import reviewbot
from queries import Query
from reviewbot.store import ReviewStore

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
PHASES = ("build", "search", "navigation", "statements", "baselines")
DEFAULT_BATCH = 5_000


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
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", type=Path, help="database (default bench/out/catalogue-SIZE…)")
    parser.add_argument("--rebuild", action="store_true", help="build even if a database exists")
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="reviews per import")
    parser.add_argument(
        "--no-bulk",
        action="store_true",
        help="build with one transaction per batch instead of inside store.imports.bulk_load()",
    )
    parser.add_argument("--queries", type=int, default=200, help="queries of each kind")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes (median per query)")
    parser.add_argument("--like-sample", type=int, default=30, help="LIKE queries of each kind")
    parser.add_argument("--fuzzy-sample", type=int, help="difflib queries of each kind")
    parser.add_argument(
        "--report-only", action="store_true", help="print the last run's figures again"
    )
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)  # one phase, inside
    return parser


class Run:
    """Where one size and seed keeps its database, query set and phase results."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.n: int = args.size
        self.tag = f"{size_label(self.n)}-s{args.seed}"
        OUT.mkdir(parents=True, exist_ok=True)
        self.db: Path = args.db or OUT / f"catalogue-{self.tag}.db"
        self.build_info = self.db.with_suffix(".build.json")
        self.query_file = OUT / f"queries-{self.tag}.json"

    def phase_file(self, phase: str) -> Path:
        return OUT / f"{phase}-{self.tag}.json"

    def queries(self) -> list[Query]:
        return [Query.from_dict(q) for q in json.loads(self.query_file.read_text())]

    def run_phase(self, phase: str) -> dict[str, Any]:
        """Run one phase in a fresh interpreter with the same arguments; read its results."""
        argv = [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:], "--phase", phase]
        subprocess.run(argv, check=True)
        result: dict[str, Any] = json.loads(self.phase_file(phase).read_text())
        return result


def run_one_phase(run: Run) -> None:
    args, n, db = run.args, run.n, run.db
    phase = args.phase
    if phase == "build":
        bulk = not args.no_bulk and hasattr(ReviewStore, "bulk_load")
        result = asyncio.run(phases.build(db, n, args.seed, args.batch, bulk))
    elif phase == "search":
        result = asyncio.run(phases.search(db, run.queries(), args.repeat))
    elif phase == "navigation":
        result = asyncio.run(phases.navigation(db, n, args.seed, args.repeat))
    elif phase == "statements":
        result = asyncio.run(phases.statements(db, run.queries(), n, args.seed))
    else:
        fuzzy = args.fuzzy_sample or (30 if n <= 100_000 else 5)
        result = phases.search_baselines(db, run.queries(), args.like_sample, fuzzy)
    run.phase_file(phase).write_text(json.dumps(result, indent=1))


def code_version() -> dict[str, Any]:
    """Which reviewbot is measured: its folder, and its commit when that is a git work tree."""
    src = Path(reviewbot.__file__).resolve().parent

    def git(*argv: str) -> str:
        done = subprocess.run(["git", "-C", str(src), *argv], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    return {
        "path": str(src),
        "commit": commit or "not a git work tree",
        "uncommitted_changes": bool(git("status", "--porcelain", "--", ".")) if commit else None,
    }


def ensure_database(run: Run) -> dict[str, Any]:
    if run.args.rebuild or not (run.db.exists() and run.build_info.exists()):
        print(f"Building {run.n:,} reviews into {run.db} ...", flush=True)
        run.build_info.unlink(missing_ok=True)
        info = run.run_phase("build") | {"code": code_version()}
        run.build_info.write_text(json.dumps(info, indent=1))
        return {**info, "reused": False}
    print(f"Reusing {run.db} (--rebuild to build it again)", flush=True)
    info = json.loads(run.build_info.read_text())
    return {**info, "reused": True}


def main() -> int:
    args = _parser().parse_args()
    run = Run(args)
    if args.phase:
        run_one_phase(run)
        return 0
    results: dict[str, Any] = {"size": size_label(run.n), "reviews": run.n, "seed": args.seed}
    results["code"] = code_version()
    if args.report_only:
        results["build"] = json.loads(run.build_info.read_text())
        results |= {p: json.loads(run.phase_file(p).read_text()) for p in PHASES[1:]}
    else:
        results["build"] = ensure_database(run)
        print("Making the query set ...", flush=True)
        made = asyncio.run(phases.make_queries(run.db, run.n, args.seed, args.queries))
        run.query_file.write_text(json.dumps(made, indent=1))
        for phase in PHASES[1:]:
            print(f"Running the {phase} phase ...", flush=True)
            results[phase] = run.run_phase(phase)
    summary = report.summarise(results, run.queries())
    (OUT / f"results-{results['size']}.json").write_text(json.dumps(summary, indent=1))
    text, markdown = report.render(summary)
    (OUT / f"results-{results['size']}.md").write_text(markdown)
    print(text)
    print(f"Saved bench/out/results-{results['size']}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
