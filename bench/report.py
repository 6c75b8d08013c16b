"""The catalogue benchmark's tables: figures beside their baselines, and targets with PASS/MISS."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from measure import Row, Table, Target, latency
from measure import render as render_tables
from queries import KINDS, Query

UNAMBIGUOUS = 10  # a prefix at most this many titles share can be found in a top 10
SLOWEST = 8


def _hits(ranks: Sequence[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {
        "hit@1": sum(r == 1 for r in ranks) / n,
        "hit@10": sum(r is not None and r <= 10 for r in ranks) / n,
    }


def _figures(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    return latency([r["ms"] for r in rows]) | _hits([r["rank"] for r in rows])


def _by_kind(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["kind"]].append(row)
        grouped["all"].append(row)
    return {kind: grouped[kind] for kind in (*KINDS, "all") if kind in grouped}


def search_figures(results: dict[str, Any]) -> dict[str, dict[str, float]]:
    rows = results["search"]["queries"]
    figures = {kind: _figures(group) for kind, group in _by_kind(rows).items()}
    sharing = results["baselines"]["prefix_sharing"]
    clear = [rows[int(i)] for i, shared in sharing.items() if shared <= UNAMBIGUOUS]
    figures["prefix, ≤10 share it"] = _figures(clear)
    return figures


def baseline_figures(baseline: list[dict[str, Any]], search: list[dict[str, Any]]):
    """Per kind: the baseline's figures, the store's p50 on the same queries, and their ratio."""
    joined = [row | {"kind": search[row["index"]]["kind"]} for row in baseline]
    figures = {}
    for kind, group in _by_kind(joined).items():
        store_p50 = latency([search[r["index"]]["ms"] for r in group])["p50"]
        own = _figures(group)
        figures[kind] = own | {"store p50": store_p50, "ratio": own["p50"] / store_p50}
    return figures


def targets(results: dict[str, Any]) -> list[Target]:
    """The targets set for 1M reviews."""
    search = search_figures(results)
    like = baseline_figures(results["baselines"]["like"], results["search"]["queries"])
    nav = results["navigation"]
    steps = max(nav["step (next)"]["p95"], nav["step (previous)"]["p95"])
    fifths = nav["context, fifth 5 of the catalogue"]["p50"]
    fifths /= nav["context, fifth 1 of the catalogue"]["p50"]
    return [
        Target("search p50", search["all"]["p50"], 0.5, unit=" ms"),
        Target("search p95", search["all"]["p95"], 8.0, unit=" ms"),
        Target("LIKE p50 ÷ store p50", like["all"]["ratio"], 200, True, "×"),
        Target("exact hit@1", search["exact"]["hit@1"], 1.0, True),
        Target("typo hit@10", search["typo"]["hit@10"], 0.95, True),
        Target("body text hit@10", search["body"]["hit@10"], 0.9, True),
        Target("previous/next p95", steps, 0.2, unit=" ms"),
        Target("context p50, last fifth ÷ first", fifths, 1.5, unit="×"),
        Target("import rate", results["build"]["import_rate"], 5_000, True, " reviews/s"),
        Target("search process peak RSS", results["search"]["peak_rss_mb"], 150, unit=" MB"),
    ]


def tables(results: dict[str, Any], queries: Sequence[Query]) -> list[Table]:
    size = results["size"]
    headers = ["figure", "value", "target", ""]
    return [
        (f"Targets — {size}", headers, [t.row()[:4] for t in targets(results)]),
        _build_table(results),
        _search_table(results),
        _baseline_table(results),
        _navigation_table(results),
        _slowest_table(results, queries),
    ]


def _build_table(results: dict[str, Any]) -> Table:
    b = results["build"]
    title = f"Build (bulk import) — {results['size']}" + (" (reused)" if b.get("reused") else "")
    headers = ["reviews/s", "import s", "of which the index rebuild", "database MB", "peak RSS MB"]
    figures = ("import_rate", "import_seconds", "rebuild_seconds", "database_mb", "peak_rss_mb")
    return title, headers, [[b[name] for name in figures]]


def _search_table(results: dict[str, Any]) -> Table:
    rows: list[Row] = [
        [kind, f["n"], f["p50"], f["p95"], f["p99"], f["hit@1"], f["hit@10"]]
        for kind, f in search_figures(results).items()
    ]
    title = f"Search: store.search(q, limit=25), warm, ms — {results['size']}"
    return title, ["kind", "n", "p50", "p95", "p99", "hit@1", "hit@10"], rows


def _baseline_table(results: dict[str, Any]) -> Table:
    search = results["search"]["queries"]
    like = baseline_figures(results["baselines"]["like"], search)
    fuzzy = baseline_figures(results["baselines"]["fuzzy"], search)
    rows: list[Row] = []
    for kind, lk in like.items():
        fz = fuzzy[kind]
        rows.append([kind, lk["n"], lk["store p50"], lk["p50"], lk["hit@10"], lk["ratio"]])
        rows[-1] += [fz["n"], fz["p50"], fz["hit@10"], fz["ratio"]]
    headers = ["kind", "n", "store p50", "LIKE p50", "LIKE hit@10", "LIKE ÷ store"]
    headers += ["n", "difflib p50", "difflib hit@10", "difflib ÷ store"]
    return f"Search beside LIKE and difflib, same queries, ms — {results['size']}", headers, rows


def _navigation_table(results: dict[str, Any]) -> Table:
    rows: list[Row] = [
        [name, f["n"], f["p50"], f["p95"], f["p99"]] for name, f in results["navigation"].items()
    ]
    title = f"Previous/next and n of total, as one server sees them, ms — {results['size']}"
    return title, ["call", "n", "p50", "p95", "p99"], rows


def _slowest_table(results: dict[str, Any], queries: Sequence[Query]) -> Table:
    rows = results["search"]["queries"]
    slowest = sorted(range(len(rows)), key=lambda i: -rows[i]["ms"])[:SLOWEST]
    table: list[Row] = [
        [repr(queries[i].text), queries[i].kind, rows[i]["ms"], rows[i]["rank"]] for i in slowest
    ]
    return f"Slowest searches — {results['size']}", ["query", "kind", "ms", "rank found"], table


def render(results: dict[str, Any], queries: Sequence[Query]) -> tuple[str, str]:
    build = results["build"].get("code", "?")
    notes = [f"measured: {results['code']}; database built by {build}"]
    return render_tables(tables(results, queries), notes)
