"""Turns the phases' raw results into figures, targets with PASS/MISS, and tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from measure import Row, Target, latency, markdown_table, text_table
from queries import KINDS, Query

MB = 1024 * 1024
SLOWEST = 8
UNAMBIGUOUS = 10  # a prefix at most this many titles share can be found in a top 10


def _hits(ranks: Sequence[int | None]) -> dict[str, float]:
    return {
        "hit@1": sum(r == 1 for r in ranks) / len(ranks) if ranks else float("nan"),
        "hit@10": sum(r is not None and r <= 10 for r in ranks) / len(ranks) if ranks else 0.0,
    }


def _by_kind(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["kind"]].append(row)
        grouped["all"].append(row)
    return grouped


def _figures(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    return {**latency([r["ms"] for r in rows]), **_hits([r["rank"] for r in rows])}


def search_figures(search: dict[str, Any], sharing: dict[str, int]) -> dict[str, Any]:
    rows = search["queries"]
    grouped = _by_kind(rows)
    figures = {kind: _figures(grouped[kind]) for kind in KINDS if kind in grouped}
    clear = [rows[int(i)] for i, shared in sharing.items() if shared <= UNAMBIGUOUS]
    if clear:
        figures["prefix, ≤10 share it"] = _figures(clear)
    figures["all"] = _figures(rows)
    return figures


def baseline_figures(baseline_rows: list[dict[str, Any]], search_rows: list[dict[str, Any]]):
    """Per kind: the baseline's figures, the store's on the same queries, and the ratio."""
    joined = [
        {**row, "kind": search_rows[row["index"]]["kind"], "store": search_rows[row["index"]]}
        for row in baseline_rows
    ]
    figures = {}
    for kind, group in _by_kind(joined).items():
        store_p50 = latency([r["store"]["ms"] for r in group])["p50"]
        own = _figures(group)
        figures[kind] = {**own, "store p50": store_p50, "ratio": own["p50"] / store_p50}
    return figures


def summarise(results: dict[str, Any], queries: Sequence[Query]) -> dict[str, Any]:
    build, search = results["build"], results["search"]
    base, nav = results["baselines"], results["navigation"]
    figures = search_figures(search, base["prefix_sharing"])
    like = baseline_figures(base["like"], search["queries"])
    fuzzy = baseline_figures(base["fuzzy"], search["queries"])
    steps = [nav["operations"]["step (next)"], nav["operations"]["step (previous)"]]
    size = build["bytes"]["file"] + build["bytes"]["wal"]
    targets = [
        Target("search p50 (ms)", figures["all"]["p50"], 0.5, False),
        Target("search p95 (ms)", figures["all"]["p95"], 8.0, False),
        Target("LIKE p50 / store p50", like["all"]["ratio"], 200, True, "×"),
        Target("typo hit@10", figures["typo"]["hit@10"], 0.95, True),
        Target("exact hit@1", figures["exact"]["hit@1"], 1.0, True),
        Target("body text hit@10", figures["body"]["hit@10"], 0.9, True),
        Target("previous/next p95 (ms)", max(s["p95"] for s in steps), 0.2, False),
        Target("import (reviews/s)", build["import_rate"], 5_000, True),
        Target("search process peak RSS (MB)", search["peak_rss_mb"], 150, False),
    ]
    return {
        **{k: results[k] for k in ("size", "reviews", "seed", "code")},
        "build": {**build, "database_mb": size / MB, "bytes_per_review": size / results["reviews"]},
        "search": {k: v for k, v in search.items() if k != "queries"} | {"figures": figures},
        "baselines": {
            "like": like,
            "fuzzy": fuzzy,
            "fuzzy_load_seconds": base["fuzzy_load_seconds"],
        },
        "navigation": nav,
        "statements": results["statements"],
        "targets": [t.as_dict() for t in targets],
        "slowest_queries": _slowest(search["queries"], queries),
        "query_examples": {kind: [q.text for q in queries if q.kind == kind][:3] for kind in KINDS},
    }


def _slowest(rows: Sequence[dict[str, Any]], queries: Sequence[Query]) -> list[dict[str, Any]]:
    ordered = sorted(range(len(rows)), key=lambda i: -rows[i]["ms"])[:SLOWEST]
    return [{"text": queries[i].text, **rows[i]} for i in ordered]


# Tables -------------------------------------------------------------------------------------


def _tables(summary: dict[str, Any]) -> list[tuple[str, list[str], list[Row]]]:
    return [
        _build_table(summary),
        _storage_table(summary),
        _search_table(summary),
        _baseline_table(summary),
        _navigation_table(summary),
        _memory_table(summary),
        _sql_time_table(summary),
        _targets_table(summary),
    ]


def _build_table(s: dict[str, Any]) -> tuple[str, list[str], list[Row]]:
    b = s["build"]
    tenths = b["import_rate_by_tenth"]
    rows: list[Row] = [
        ["reviews", b["reviews"], ""],
        ["batch (reviews per import_reviews call)", b["batch"], ""],
        ["mode", b.get("mode", "batch transactions"), ""],
        ["import rate (reviews/s, incl. full-text indexes)", b["import_rate"], "≥ 5,000"],
        ["  first tenth / last tenth (reviews/s)", f"{tenths[0]:,.0f} / {tenths[-1]:,.0f}", ""],
        ["import time (s)", b["import_seconds"], ""],
        ["generating reviews (s, not in the rate)", b["generate_seconds"], ""],
        ["  of which the bulk index rebuild (s)", b.get("rebuild_seconds", 0.0), ""],
        ["closing: final checkpoint (s)", b["close_seconds"], ""],
        ["build time (s)", b["build_seconds"], ""],
        ["database size (MB, file + wal)", b["database_mb"], ""],
        ["bytes per review", b["bytes_per_review"], ""],
        ["build peak RSS (MB)", b["peak_rss_mb"], ""],
    ]
    reused = " (reused build)" if b.get("reused") else ""
    return f"Build — {s['size']}{reused}", ["figure", "value", "target"], rows


def _storage_table(s: dict[str, Any]) -> tuple[str, list[str], list[Row]]:
    storage = s["build"]["storage"]
    total = sum(storage.values())
    rows: list[Row] = [[name, size / MB, 100 * size / total] for name, size in storage.items()]
    return "Storage by table (dbstat)", ["table", "MB", "%"], rows


def _search_table(s: dict[str, Any]) -> tuple[str, list[str], list[Row]]:
    rows: list[Row] = [
        [kind, f["n"], f["p50"], f["p95"], f["p99"], f["hit@1"], f["hit@10"]]
        for kind, f in s["search"]["figures"].items()
    ]
    runs = s["search"]["repeat"]
    title = f"Search: store.search(q, guild_id=None, limit=25), warm, ms (median of {runs} runs)"
    return title, ["kind", "n", "p50", "p95", "p99", "hit@1", "hit@10"], rows


def _baseline_table(s: dict[str, Any]) -> tuple[str, list[str], list[Row]]:
    like, fuzzy = s["baselines"]["like"], s["baselines"]["fuzzy"]
    rows: list[Row] = []
    for kind in [*KINDS, "all"]:
        lk, fz = like.get(kind), fuzzy.get(kind)
        if lk is None:
            continue
        rows.append(
            [
                kind,
                lk["n"],
                lk["store p50"],
                lk["p50"],
                lk["hit@10"],
                f"{lk['ratio']:,.0f}×",
                fz["n"] if fz else None,
                fz["p50"] if fz else None,
                fz["hit@1"] if fz else None,
                fz["hit@10"] if fz else None,
                f"{fz['ratio']:,.0f}×" if fz else None,
            ]
        )
    headers = [
        "kind",
        "n",
        "store p50",
        "LIKE p50",
        "LIKE hit@10",
        "LIKE/store",
        "n",
        "difflib p50",
        "difflib hit@1",
        "hit@10",
        "difflib/store",
    ]
    title = "Search against BASELINES (plain sqlite3 LIKE, difflib), same queries and database, ms"
    return title, headers, rows


def _navigation_table(s: dict[str, Any]) -> tuple[str, list[str], list[Row]]:
    nav = s["navigation"]
    rows: list[Row] = []
    for name, f in nav["operations"].items():
        target = "≤ 0.2 (p95)" if name.startswith("step") else ""
        rows.append([f"store.{name}", f["n"], f["p50"], f["p95"], f["p99"], target])
    for name, f in nav["baselines"].items():
        rows.append([f"BASELINE {name}", f["n"], f["p50"], f["p95"], f["p99"], ""])
    for name, f in nav["floor"].items():
        rows.append([f"floor: {name}", f["n"], f["p50"], f["p95"], f["p99"], ""])
    title = "Previous/next and friends, as one server sees the catalogue, ms"
    return title, ["call", "n", "p50", "p95", "p99", "target"], rows


def _memory_table(s: dict[str, Any]) -> tuple[str, list[str], list[Row]]:
    search = s["search"]
    rows: list[Row] = [
        ["search process: RSS at start", search["rss_start_mb"], ""],
        ["search process: RSS after open", search["rss_after_open_mb"], ""],
        ["search process: RSS after warm-up", search["rss_after_warm_up_mb"], ""],
        ["search process: peak RSS", search["peak_rss_mb"], "≤ 150"],
        ["build process: peak RSS", s["build"]["peak_rss_mb"], ""],
    ]
    return "Memory, MB", ["process", "MB", "target"], rows


def _sql_time_table(s: dict[str, Any]) -> tuple[str, list[str], list[Row]]:
    api = {f"search: {k}": f for k, f in s["search"]["figures"].items()}
    api |= {"step": s["navigation"]["operations"]["step (next)"]}
    api |= {k: s["navigation"]["operations"][k] for k in ("context", "latest", "random")}
    rows: list[Row] = []
    for call, f in s["statements"]["sql_time"].items():
        whole = api.get(call, {}).get("p50")
        rows.append(
            [call, f["statements_per_call"], f["p50"], f["p95"], whole, (whole or 0) - f["p50"]]
        )
    title = "Where the time goes: the store's statements replayed on plain sqlite3 vs the call, ms"
    headers = ["call", "statements", "SQL p50", "SQL p95", "call p50", "call − SQL"]
    return title, headers, rows


def _targets_table(s: dict[str, Any]) -> tuple[str, list[str], list[Row]]:
    rows: list[Row] = [[t["name"], t["value"], t["target"], _verdict(t)] for t in s["targets"]]
    return (
        f"Targets (set for 1M reviews; this run: {s['size']})",
        ["figure", "value", "target", ""],
        rows,
    )


def _verdict(target: dict[str, Any]) -> str:
    return "PASS" if target["pass"] else "MISS"


def _slowest_lines(summary: dict[str, Any]) -> list[str]:
    lines = ["Slowest searches (ms, kind, results, rank of the source, query)"]
    for row in summary["slowest_queries"]:
        rank = row["rank"] or "–"
        lines.append(f"- {row['ms']:.1f}  {row['kind']}  {row['results']}  {rank}  {row['text']!r}")
    return [*lines, ""]


def _plans(summary: dict[str, Any]) -> list[str]:
    lines = ["Query plans of the store's statements (EXPLAIN QUERY PLAN)"]
    flagged = [st for st in summary["statements"]["statements"] if st["scans"]]
    total = len(summary["statements"]["statements"])
    lines.append(f"{total} distinct statements; {len(flagged)} read every row of something:")
    for st in flagged:
        lines.append(f"- in {st['first_seen_in']}: {st['sql'][:110]}…")
        lines += [f"    {scan}" for scan in st["scans"]]
    if not flagged:
        lines.append("- none")
    return [*lines, ""]


def _code_line(summary: dict[str, Any]) -> str:
    code = summary.get("code") or {}
    built = summary["build"].get("code") or {}
    dirty = " with uncommitted changes" if code.get("uncommitted_changes") else ""
    line = f"reviewbot measured: {code.get('commit', '?')}{dirty} ({code.get('path', '?')})"
    if built and built.get("commit") != code.get("commit"):
        line += f"; database built by {built.get('commit')}"
    return line


def render(summary: dict[str, Any]) -> tuple[str, str]:
    """The figures as text for the terminal and as Markdown for the README."""
    tables = _tables(summary)
    text = [_code_line(summary) + "\n", *(text_table(*t) for t in tables)]
    text += ["\n".join(_slowest_lines(summary)), "\n".join(_plans(summary))]
    header = f"### Catalogue benchmark — {summary['size']} reviews (seed {summary['seed']})\n"
    header += f"\n{_code_line(summary)}\n"
    markdown = [header] + [markdown_table(*t) for t in tables]
    markdown += ["#### " + "\n".join(_slowest_lines(summary))]
    markdown += ["#### " + "\n".join(_plans(summary)).replace("\n    ", "\n    - ")]
    return "\n".join(text), "\n".join(markdown)
