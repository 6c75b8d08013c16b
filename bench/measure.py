"""Percentiles, memory, targets and tables, shared by the catalogue and the bot benchmarks."""

from __future__ import annotations

import resource
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import reviewbot


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) by linear interpolation between the nearest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
    }


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class Target:
    """A figure beside the value it must reach."""

    name: str
    value: float
    limit: float
    higher_is_better: bool = False
    unit: str = ""

    @property
    def passed(self) -> bool:
        return self.value >= self.limit if self.higher_is_better else self.value <= self.limit

    @property
    def wanted(self) -> str:
        return f"{'≥' if self.higher_is_better else '≤'} {number(self.limit)}{self.unit}"

    def row(self, note: str = "") -> list[float | str]:
        return [self.name, self.value, self.wanted, "PASS" if self.passed else "MISS", note]


def number(value: float | int | str | None) -> str:
    """A figure as people read it: 3 significant digits for small ones, separators for big."""
    if value is None or (isinstance(value, float) and value != value):  # None or NaN
        return "–"
    if isinstance(value, str):
        return value
    if value == 0:
        return "0"
    if isinstance(value, int) or abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) >= 0.01 else f"{value:.4f}"


Row = Sequence[Any]
Table = tuple[str, list[str], list[Row]]


def text_table(title: str, headers: Sequence[str], rows: Sequence[Row]) -> str:
    cells = [list(headers), *[[number(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        first = row[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True))])

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    return "\n".join([title, rule, line(cells[0]), rule, *map(line, cells[1:]), ""])


def markdown_table(title: str, headers: Sequence[str], rows: Sequence[Row]) -> str:
    body = [
        f"#### {title}",
        "",
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join(["---"] + ["---:"] * (len(headers) - 1)) + " |",
    ]
    body += ["| " + " | ".join(number(v) for v in row) + " |" for row in rows]
    return "\n".join([*body, ""])


def render(tables: Sequence[Table], notes: Sequence[str]) -> tuple[str, str]:
    """The tables and notes as plain text for the terminal and as Markdown for the README."""
    text = [text_table(*table) for table in tables] + [*notes, ""]
    markdown = [markdown_table(*table) for table in tables] + [*(f"- {n}" for n in notes), ""]
    return "\n".join(text), "\n".join(markdown)


def code_version() -> str:
    """Which reviewbot is measured: the commit of the tree it is imported from, or its folder."""
    src = Path(reviewbot.__file__).resolve().parent
    git = ["git", "-C", str(src)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if head.returncode != 0:
        return f"reviewbot from {src} (not a git work tree)"
    changed = subprocess.run([*git, "status", "--porcelain", "."], capture_output=True, text=True)
    return f"reviewbot {head.stdout.strip()}" + (
        " with uncommitted changes" if changed.stdout else ""
    )


def remove_database(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def database_mb(db: Path) -> float:
    """The database file's size; closing the store checkpointed its write-ahead log into it."""
    return db.stat().st_size / 2**20
