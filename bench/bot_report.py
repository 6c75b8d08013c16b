"""The bot benchmark's tables: CPU beside the floor's, and targets with PASS/MISS."""

from __future__ import annotations

import statistics
from typing import Any

from bench.measure import Row, Table, Target
from bench.measure import render as render_tables

SHOW_FLOOR, AUTOCOMPLETE_FLOOR = "floor: slash command", "floor: autocomplete"


def _floor(name: str) -> str:
    return AUTOCOMPLETE_FLOOR if name.startswith("autocomplete") else SHOW_FLOOR


def targets(results: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    reading, posting = results.get("reading"), results.get("posting", {})
    if reading:
        cpu = reading["cpu_ms"]
        for family, limit in (("show", 3.0), ("autocomplete", 10.0)):
            figures, floor = cpu[f"{family}: all"], cpu[_floor(family)]["p50"]
            ratio = Target(f"{family} CPU p50 ÷ floor", figures["p50"] / floor, 2.0, unit="×")
            rows.append(ratio.row(f"floor {floor:.2f} ms"))
            runs = ", ".join(f"{p95:.2f}" for p95 in reading["p95 per run"][family])
            rows.append(Target(f"{family} CPU p95", figures["p95"], limit, unit=" ms").row(runs))
    if posting.get("announce"):
        median = statistics.median(run["from exit"] for run in posting["announce"])
        note = "the bot polls the queue every second"
        rows.append(Target("announce: exit → posted, median", median, 1.0, unit=" s").row(note))
    ends = (reading or {}).get("ends", []) + posting.get("ends", [])
    broken = [v for end in ends for v in end["violations"]]
    rows.append(Target("Discord rules broken", len(broken), 0).row("; ".join(broken)[:120]))
    bots = [end for end in ends if end["name"] == "reviewbot"]
    unclean = [end for end in bots if end["exit_code"] != 0 or end["errors_logged"]]
    note = "; ".join(line for end in unclean for line in end["errors_logged"])[:120]
    stops = Target("reviewbot runs not exiting 0 on SIGTERM, or logging an error", len(unclean), 0)
    rows.append(stops.row(note or f"of {len(bots)}"))
    return rows


def reading_table(size: str, cpu: dict[str, dict[str, float]]) -> Table:
    order = [SHOW_FLOOR, AUTOCOMPLETE_FLOOR, "show: all"]
    order += sorted(n for n in cpu if n.startswith("show: ") and n != "show: all")
    order += ["autocomplete: all"]
    order += [n for n in cpu if n.startswith("autocomplete: ") and n != "autocomplete: all"]
    rows: list[Row] = []
    for name in order:
        f = cpu[name]
        ratio = None if name.startswith("floor") else f["p50"] / cpu[_floor(name)]["p50"]
        rows.append([name, f["n"], f["p50"], f["p95"], f["p99"], ratio])
    headers = ["request", "n", "CPU p50", "CPU p95", "CPU p99", "p50 ÷ floor"]
    return f"Bot process CPU per request, ms, median of the runs — {size}", headers, rows


def queue_table(size: str, posting: dict[str, Any]) -> Table:
    rows: list[Row] = []
    floor = statistics.median(run["cpu_ms_per_message"] for run in posting["floor"])
    for sender, label in (("reviewbot", "reviewbot post queue"), ("floor", "floor: send loop")):
        runs = posting[sender]
        cpu = statistics.median(run["cpu_ms_per_message"] for run in runs)
        rate = statistics.median(run["per_second"] for run in runs)
        each = ", ".join(f"{run['cpu_ms_per_message']:.2f}" for run in runs)
        rows.append([label, rate, cpu, cpu / floor, each])
    headers = ["sender", "messages/s", "CPU ms/message", "÷ floor", "each batch"]
    return f"Post queue, no rate limits, median of the batches — {size}", headers, rows


def announce_table(size: str, runs: list[dict[str, float]]) -> Table:
    rows: list[Row] = []
    for key, label in (("from start", "command start → posted"), ("from exit", "exit → posted")):
        values = [run[key] for run in runs]
        rows.append([label, len(values), statistics.median(values), min(values), max(values)])
    title = f"reviewbot import --announce, one review, seconds — {size}"
    return title, ["interval", "n", "median", "min", "max"], rows


def render(results: dict[str, Any]) -> tuple[str, str]:
    size = results["size"]
    headers = ["target (judged on CPU per request)", "value", "target", "", "beside it"]
    tables: list[Table] = [(f"Targets — {size}", headers, targets(results))]
    if "reading" in results:
        tables.append(reading_table(size, results["reading"]["cpu_ms"]))
    posting = results.get("posting", {})
    if posting.get("floor"):
        tables.append(queue_table(size, posting))
    if posting.get("announce"):
        tables.append(announce_table(size, posting["announce"]))
    load = f"load {results['load before']:.2f} before, {results['load after']:.2f} after"
    return render_tables(tables, [f"measured: {results['code']}, {results['measured at']}, {load}"])
