"""The bot benchmarks' tables: figures beside their floor, ratios, and targets with PASS/MISS."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.measure import Row, Target, markdown_table, text_table

SHOW_FLOOR = "floor: slash command"
AUTOCOMPLETE_FLOOR = "floor: autocomplete"
SIZES = ("10k", "100k", "1m")
PERCENTILES = ("p50", "p95", "p99")

Table = tuple[str, list[str], list[Row]]


def _floor_of(name: str) -> str:
    return AUTOCOMPLETE_FLOOR if name.startswith("autocomplete") else SHOW_FLOOR


def reading_table(size: str, reading: dict[str, Any]) -> Table:
    groups = reading["groups"]
    order = [SHOW_FLOOR, AUTOCOMPLETE_FLOOR, "show: all"]
    order += sorted(n for n in groups if n.startswith("show") and n != "show: all")
    order += ["autocomplete: all"]
    order += [n for n in groups if n.startswith("autocomplete: ") and n != "autocomplete: all"]
    rows: list[Row] = []
    for name in order:
        cpu, wall = groups[name]["cpu_ms"], groups[name]["wall_ms"]
        floor = groups[_floor_of(name)]["cpu_ms"]["p50"]
        ratio = cpu["p50"] / floor if not name.startswith("floor") else None
        sqlite = groups[name]["other_threads_ms"]["p50"]
        cpu_figures = [cpu[p] for p in PERCENTILES]
        rows.append([name, cpu["n"], *cpu_figures, sqlite, *(wall[p] for p in PERCENTILES), ratio])
    headers = ["request", "n", "CPU p50", "CPU p95", "CPU p99", "SQLite thread p50"]
    headers += ["wall p50", "wall p95", "wall p99", "CPU p50 ÷ floor"]
    runs = len(reading.get("runs") or [None])
    title = f"Bot process CPU and answer time per request, ms, median of {runs} runs — {size}"
    return title, headers, rows


def position_table(size: str, position: dict[str, Any]) -> Table:
    base = position["context"]["p50"]
    named = {"store.reviews.context (review, neighbours, n of total)": position["context"]}
    named |= {
        f"  context, {k} of the catalogue": v for k, v in position["context by place"].items()
    }
    named |= {k: v for k, v in position.items() if k.startswith(("get", "count"))}
    rows: list[Row] = [
        [name, f["n"], f["p50"], f["p95"], f["p99"], f["p50"] / base] for name, f in named.items()
    ]
    headers = ["call", "n", "p50 ms", "p95 ms", "p99 ms", "p50 ÷ context p50"]
    return f'"n of total": store.reviews.context at random places — {size}', headers, rows


def queue_table(size: str, queue: dict[str, Any]) -> Table:
    rows: list[Row] = []
    floor = queue["floor"]["cpu_ms_per_message"]
    for name, label in (
        ("reviewbot", "reviewbot post queue"),
        ("floor", "floor: channel.send loop"),
    ):
        f = queue[name]
        cpu = f["cpu_ms_per_message"]
        timing = [f["per_second"], f["seconds_first_to_last"], f["first_after_s"]]
        each = ", ".join(
            f"{run['cpu_ms_per_message']:.2f}" for run in queue.get(f"{name} runs", [])
        )
        rows.append([label, f["messages"], *timing, cpu, cpu / floor, each])
    headers = ["sender", "messages", "per second", "first→last s", "first after s"]
    headers += ["CPU ms/message", "÷ floor", "each batch"]
    runs = len(queue.get("reviewbot runs") or [None])
    title = f"Post queue, no faults, no rate limits, median of {runs} batches — {size}"
    return title, headers, rows


def announce_table(size: str, announce: dict[str, Any]) -> Table:
    rows: list[Row] = []
    for key, label in (
        ("from_start_s", "command start → message in channel"),
        ("from_exit_s", "command exit → message in channel"),
        ("command_s", "the command itself (start → exit)"),
    ):
        values = [run[key] for run in announce["runs"]]
        rows.append([label, len(values), announce[key]["p50"], min(values), max(values)])
    title = f"reviewbot import --announce, one review → posted, seconds — {size}"
    return title, ["interval", "n", "median", "min", "max"], rows


def targets(results: dict[str, Any]) -> list[tuple[Target, str]]:
    """Each target with the figure it is judged on, and a note (the wall figure beside it)."""
    found: list[tuple[Target, str]] = []
    reading = results.get("reading")
    if reading:
        groups = reading["groups"]
        show, auto = groups["show: all"], groups["autocomplete: all"]
        show_floor = groups[SHOW_FLOOR]["cpu_ms"]["p50"]
        auto_floor = groups[AUTOCOMPLETE_FLOOR]["cpu_ms"]["p50"]
        found += [
            (
                Target("show CPU p50 ÷ floor", show["cpu_ms"]["p50"] / show_floor, 2.0, False, "×"),
                f"floor {show_floor:.3f} ms",
            ),
            (
                Target(
                    "autocomplete CPU p50 ÷ floor",
                    auto["cpu_ms"]["p50"] / auto_floor,
                    2.0,
                    False,
                    "×",
                ),
                f"floor {auto_floor:.3f} ms; ÷ slash floor "
                f"{auto['cpu_ms']['p50'] / show_floor:.2f}×",
            ),
            (
                Target("show CPU p95", show["cpu_ms"]["p95"], 3.0, False, " ms"),
                f"wall p95 {show['wall_ms']['p95']:.2f} ms; runs {_per_run(reading, 'show')}",
            ),
            (
                Target("autocomplete CPU p95", auto["cpu_ms"]["p95"], 10.0, False, " ms"),
                f"wall p95 {auto['wall_ms']['p95']:.2f} ms; "
                f"runs {_per_run(reading, 'autocomplete')}",
            ),
        ]
    position = results.get("position")
    if position:
        by_place = position["context by place"]
        first, last = by_place["fifth 1"]["p50"], by_place["fifth 5"]["p50"]
        found.append(
            (
                Target("context p50, last fifth ÷ first fifth", last / first, 1.5, False, "×"),
                "flat: the count does not grow with the place",
            )
        )
    announce = (results.get("queue") or {}).get("announce")
    if announce:
        found.append(
            (
                Target(
                    "announce: exit → posted, median",
                    announce["from_exit_s"]["p50"],
                    1.0,
                    False,
                    " s",
                ),
                "the bot polls the queue every second",
            )
        )
    broken = _violations(results)
    if broken is not None:
        found.append(
            (Target("Discord rules broken", len(broken), 0, False), "; ".join(broken)[:200])
        )
    return found


def _per_run(reading: dict[str, Any], family: str) -> str:
    """Each run's CPU p95, so the spread behind a median is visible."""
    runs = reading.get("runs") or [reading["groups"]]
    return ", ".join(f"{run[f'{family}: all']['cpu_ms']['p95']:.2f}" for run in runs)


def _violations(results: dict[str, Any]) -> list[str] | None:
    processes = [
        p
        for section in ("reading", "queue")
        for p in (results.get(section) or {}).get("processes", {}).values()
    ]
    if not processes:
        return None
    return [v for p in processes for v in p["violations"]]


def targets_table(size: str, results: dict[str, Any]) -> Table:
    rows: list[Row] = [[t.name, t.value, t.wanted, t.verdict, note] for t, note in targets(results)]
    headers = ["target (judged on CPU per request)", "value", "target", "", "beside it"]
    return f"Targets — {size}", headers, rows


def tables(size: str, results: dict[str, Any]) -> list[Table]:
    found = [targets_table(size, results)]
    if "reading" in results:
        found.append(reading_table(size, results["reading"]))
    if "position" in results:
        found.append(position_table(size, results["position"]))
    queue = results.get("queue") or {}
    if "reviewbot" in queue and queue["reviewbot"]["messages"] > 1:
        found.append(queue_table(size, queue))
    if "announce" in queue:
        found.append(announce_table(size, queue["announce"]))
    return found


def _notes(size: str, results: dict[str, Any]) -> list[str]:
    notes = []
    for name in ("position", "reading", "queue"):
        section = results.get(name)
        if section:
            busy = " — another benchmark was running" if section["other_benchmarks_running"] else ""
            load = ", ".join(f"{x:.2f}" for x in section["load_average_before_after"])
            when = f"{section['measured_at']}, reviewbot {section.get('code', '?')}"
            notes.append(f"{size} {name}: {when}, load {load}{busy}")
    reading = results.get("reading")
    if reading:
        idle = ", ".join(f"{k} {v:.2f} ms/s" for k, v in reading["idle_cpu_ms_per_s"].items())
        notes.append(f"{size} idle CPU (heartbeats, polling), not in the figures: {idle}")
    errors = [
        line
        for section in ("reading", "queue")
        for p in (results.get(section) or {}).get("processes", {}).values()
        for line in p["errors_logged"]
    ]
    notes += [f"{size} bot logged: {line}" for line in errors[:10]]
    return notes


def render(saved: dict[str, Any]) -> tuple[str, str]:
    """Plain text for the terminal and Markdown for bench/README.md, every size measured."""
    sizes: Sequence[str] = sorted(saved, key=lambda s: SIZES.index(s) if s in SIZES else 99)
    text, markdown = [], []
    for size in sizes:
        for title, headers, rows in tables(size, saved[size]):
            text.append(text_table(title, headers, rows))
            markdown.append(markdown_table(title, headers, rows))
        notes = _notes(size, saved[size])
        text += [*notes, ""]
        markdown += [*(f"- {n}" for n in notes), ""]
    return "\n".join(text), "\n".join(markdown)
