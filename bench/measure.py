"""Timing, percentiles, memory readings and plain-text/Markdown tables for the benchmarks."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) by linear interpolation between the nearest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency(values_ms: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values_ms),
        "p50": percentile(values_ms, 50),
        "p95": percentile(values_ms, 95),
        "p99": percentile(values_ms, 99),
        "mean": statistics.fmean(values_ms) if values_ms else float("nan"),
    }


async def time_async(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    """Wall time of one awaited call in milliseconds, and its result."""
    start = time.perf_counter_ns()
    result = await call()
    return (time.perf_counter_ns() - start) / 1e6, result


def time_sync(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter_ns()
    result = call()
    return (time.perf_counter_ns() - start) / 1e6, result


def peak_rss_mb() -> float:
    """The process's peak resident set size (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass(frozen=True)
class Target:
    """A figure the catalogue must reach at 1M reviews."""

    name: str
    value: float
    limit: float
    higher_is_better: bool
    unit: str = ""

    @property
    def passed(self) -> bool:
        return self.value >= self.limit if self.higher_is_better else self.value <= self.limit

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "MISS"

    @property
    def wanted(self) -> str:
        return f"{'≥' if self.higher_is_better else '≤'} {number(self.limit)}{self.unit}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "target": self.wanted,
            "pass": self.passed,
        }


def number(value: float | int | str | None) -> str:
    """A figure as people read it: 3 significant digits for small ones, separators for big."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, int) or abs(value) >= 1000:
        return f"{value:,.0f}"
    if value != value:  # NaN
        return "–"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) >= 0.01 else f"{value:.4f}"


Row = Sequence[float | int | str | None]


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
