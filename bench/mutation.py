"""Mutation scores per module: mutmut over each group of modules with the tests meant for them.

    .venv/bin/python bench/mutation.py [GROUP ...] [--sample N] [--seed S]   (docs/MUTATION.md)

Each group runs in a copy of the project of its own (under bench/out/mutation/GROUP), so that
mutmut's map of which tests reach which function comes from that group's tests alone: a
surviving mutant then costs its group's tests, not the whole suite. `--sample N` tries N mutants
of each module drawn at random (all of them when it has fewer), which turns hours into minutes
and gives the score with its margin; without it every mutant is tried. The scores, and the
survivors to read, are written to bench/out/mutation/GROUP/report.txt and printed.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "mutation"
MUTMUT = Path(sys.executable).parent / "mutmut"
KILLED = {1, 3, 24, -24, 152, 255, 36}  # a failing test, or a timeout (the mutant hung)
NOT_COUNTED = {34, 37}  # skipped, or refused by the type checker before any test ran


@dataclass(frozen=True)
class Group:
    modules: tuple[str, ...]  # dotted names under reviewbot
    tests: tuple[str, ...]


GROUPS = {
    "model": Group(
        ("review", "labels", "errors", "limits", "config"),
        (
            "test_review",
            "test_rating_limits",
            "test_user_messages",
            "test_config",
            "test_files",
            "test_store",
            "test_search",
            "test_render",
        ),
    ),
    "files": Group(
        ("files", "catalogue"),
        (
            "test_files",
            "test_files_hostile",
            "test_catalogue_roundtrip",
            "test_letterboxd_goodreads",
            "test_cli_in_process",
            "test_import_waiting",
            "test_export_folder",
            "test_file_messages",
        ),
    ),
    "cli": Group(("cli", "cli_args", "feeds_cli"), ("test_cli_in_process",)),
    "store": Group(
        tuple(
            f"store.{name}"
            for name in (
                "__init__",
                "connect",
                "db",
                "drafts",
                "feeds",
                "feed_polls",
                "gateway",
                "guilds",
                "imports",
                "positions",
                "posts",
                "problems",
                "reviews",
                "rooms",
                "rows",
                "schema",
            )
        ),
        (
            "test_store",
            "test_store_open",
            "test_store_file",
            "test_outbox_store",
            "test_shards_store",
            "test_query_plans",
            "test_feed_store",
            "test_stored_fields",
            "test_queue_rows",
            "test_backup_and_slow_reads",
            "test_feed_and_server_rows",
            "test_review_walks",
            "test_feed_flood_limit",
            "test_feed_poll_record",
        ),
    ),
    # The store's steps of a poll alone, with the tests that store polls: quick to rerun.
    "feed-polls": Group(
        ("store.feed_polls",),
        (
            "test_feed_store",
            "test_feed_flood_limit",
            "test_feed_poll_record",
            "test_feed_and_server_rows",
        ),
    ),
    "search": Group(
        (
            "search",
            "ranking",
            "spelling",
            "store.search",
            "store.search_sql",
            "store.search_steps",
            "store.title_words",
        ),
        (
            "test_search",
            "test_spelling",
            "test_search_embed",
            "test_search_saved",
            "test_search_slips",
            "test_search_title_words_tier",
            "test_search_ranking_text",
            "test_spelling_starting",
            "test_search_common_words",
            "test_search_typo_ranking",
            "test_spelling_lookups",
        ),
    ),
    "feeds": Group(
        tuple(
            f"feeds.{name}"
            for name in (
                "addresses",
                "entries",
                "errors",
                "exports",
                "fetch",
                "follow",
                "markdown",
            )
        ),
        (
            "test_feed_addresses",
            "test_feed_entries",
            "test_feed_entry_fields",
            "test_feed_fetch",
            "test_feed_fetch_bodies",
            "test_feed_fetch_connections",
            "test_feed_store",
            "test_letterboxd_goodreads",
            "test_bot_feeds",
            "test_feed_messages",
            "test_feed_refusals",
        ),
    ),
    # The poller's mutants that stop it from polling leave the bot tests waiting to their
    # timeout: a group of its own keeps them from holding up the other feeds modules.
    "poller": Group(("feeds.poller",), ("test_feed_poller", "test_bot_feeds")),
    "render": Group(
        ("render", "pages"),
        (
            "test_render",
            "test_pages",
            "test_page_breaks",
            "test_grapheme_edges",
            "test_search_embed",
            "test_card_edges",
        ),
    ),
    "discord": Group(
        (
            "views",
            "commands",
            "funnel",
            "outbox",
            "app",
            "bot",
            "feeds_admin",
            "shards",
            "identify",
            "publishing.admin",
            "publishing.form",
            "publishing.guards",
            "publishing.preview",
            "publishing.publish",
        ),
        (
            "test_bot_reading",
            "test_bot_publishing",
            "test_bot_buttons",
            "test_bot_errors",
            "test_bot_feeds",
            "test_bot_old_messages",
            "test_bot_lifecycle",
            "test_bot_shards",
            "test_shards_store",
            "test_card_edges",
            "test_bot_status_card",
            "test_bot_funnel",
            "test_bot_edited_post",
            "test_bot_permission_changes",
            "test_bot_catalogue_refusals",
            "test_bot_review_form",
            "test_bot_shard_refusal",
            "test_bot_feed_picks",
            "test_bot_posting_refusals",
            "test_bot_channel_setting",
            "test_bot_shard_start",
            "test_bot_unreachable",
            "test_bot_long_titles_and_empty_answers",
            "test_shard_names",
            "test_bot_preview_notes",
            "test_button_labels",
            "test_custom_id_times",
            "test_deleted_review_buttons",
            "test_forged_page_count",
            "test_identify_pacing",
            "test_saved_changes_message",
            "test_shortened_refusals",
            "test_funnelled_components",
            "test_outage_retries",
            "test_clean_stop",
            "test_bot_role_granted",
        ),
    ),
    # Smaller parts of the edge, each with the few test files that reach it: quicker to rerun.
    "edge-admin": Group(
        ("publishing.admin", "publishing.guards", "feeds_admin"),
        (
            "test_bot_publishing",
            "test_bot_feeds",
            "test_bot_status_card",
            "test_bot_catalogue_refusals",
            "test_bot_feed_picks",
            "test_bot_posting_refusals",
            "test_bot_channel_setting",
        ),
    ),
    "edge-funnel": Group(
        ("funnel", "app", "bot"),
        (
            "test_bot_errors",
            "test_bot_lifecycle",
            "test_bot_funnel",
            "test_bot_status_card",
            "test_bot_permission_changes",
            "test_bot_shard_refusal",
            "test_bot_posting_refusals",
            "test_bot_catalogue_refusals",
            "test_bot_shard_start",
            "test_bot_unreachable",
            "test_funnelled_components",
            "test_outage_retries",
            "test_identify_pacing",
            "test_clean_stop",
            "test_bot_role_granted",
        ),
    ),
    "edge-posting": Group(
        ("outbox", "publishing.form"),
        (
            "test_bot_publishing",
            "test_bot_status_card",
            "test_bot_funnel",
            "test_bot_edited_post",
            "test_bot_review_form",
            "test_shortened_refusals",
            "test_outage_retries",
            "test_clean_stop",
        ),
    ),
    "edge-reading": Group(
        ("views", "commands", "publishing.preview", "publishing.publish", "shards", "identify"),
        (
            "test_bot_reading",
            "test_bot_buttons",
            "test_bot_old_messages",
            "test_bot_publishing",
            "test_bot_errors",
            "test_bot_shards",
            "test_shards_store",
            "test_card_edges",
            "test_bot_review_form",
            "test_bot_catalogue_refusals",
            "test_bot_edited_post",
            "test_bot_long_titles_and_empty_answers",
            "test_shard_names",
            "test_bot_preview_notes",
            "test_button_labels",
            "test_custom_id_times",
            "test_deleted_review_buttons",
            "test_forged_page_count",
            "test_identify_pacing",
            "test_saved_changes_message",
        ),
    ),
}
# Tests that wait out discord.py's own retry pauses, or prove a restart in a child process
# (which never sees a mutant): minutes of waiting that kill nothing.
DESELECT = (
    "tests/test_bot_publishing.py::test_five_server_errors_then_success_post_exactly_once",
    "tests/test_bot_publishing.py::test_killed_between_storing_and_posting_posts_once_after_restart",
    # Six processes' worth of migrations racing under a busy timeout: on a loaded machine the
    # mutants' slower code can outlast it, and a failed clean run stops the whole group.
    "tests/test_store_open.py::test_many_connections_opening_a_new_database_at_once_migrate_it_once",
)


def _toml_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(json.dumps(item) for item in items) + "]"


def _source_file(module: str) -> str:
    return "src/reviewbot/" + module.replace(".", "/") + ".py"


def prepare(name: str, group: Group) -> Path:
    """A copy of the project whose mutmut settings name the group's files and tests."""
    where = OUT / name
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    for folder in ("src", "tests", "data"):
        shutil.copytree(ROOT / folder, where / folder, ignore=shutil.ignore_patterns("__pycache__"))
    project = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    project = project.split("[tool.mutmut]")[0]
    selection = [f"tests/{test}.py" for test in group.tests]
    selection += [f"--deselect={test}" for test in DESELECT if test.split("::")[0] in selection]
    project += (
        "[tool.mutmut]\n"
        'source_paths = ["src/reviewbot"]\n'
        'also_copy = ["data/"]\n'
        f"only_mutate = {_toml_list(_source_file(m) for m in group.modules)}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-k", "not postgres"]\n'
        f"pytest_add_cli_args_test_selection = {_toml_list(selection)}\n"
    )
    (where / "pyproject.toml").write_text(project, encoding="utf-8")
    return where


def mutant_names(where: Path) -> dict[str, list[str]]:
    """Every mutant mutmut made, by module."""
    found: dict[str, list[str]] = {}
    for meta in sorted((where / "mutants" / "src").rglob("*.meta")):
        module = meta.relative_to(where / "mutants" / "src").as_posix()[: -len(".py.meta")]
        keys = json.loads(meta.read_text())["exit_code_by_key"]
        found[module.replace("/", ".")] = sorted(keys)
    return found


def results(where: Path) -> dict[str, dict[str, int | None]]:
    by_module: dict[str, dict[str, int | None]] = {}
    for meta in sorted((where / "mutants" / "src").rglob("*.meta")):
        module = meta.relative_to(where / "mutants" / "src").as_posix()[: -len(".py.meta")]
        by_module[module.replace("/", ".")] = json.loads(meta.read_text())["exit_code_by_key"]
    return by_module


def run_group(name: str, group: Group, sample: int | None, seed: int, children: int) -> str:
    where = prepare(name, group)
    mutmut = [str(MUTMUT), "run", "--max-children", str(children)]
    log = (where / "mutmut.log").open("w")
    # A first pass with a pattern no mutant has: mutants made, tests mapped, nothing tried.
    subprocess.run([*mutmut, "reviewbot.no_such_module.*"], cwd=where, stdout=log, stderr=log)
    chosen: list[str] = []
    rng = random.Random(seed)
    for names in mutant_names(where).values():
        if sample is not None and len(names) > sample:
            names = sorted(rng.sample(names, sample))
        chosen += names
    for start in range(0, len(chosen), 400):  # keep each command line short
        subprocess.run([*mutmut, *chosen[start : start + 400]], cwd=where, stdout=log, stderr=log)
    return report(name, where, set(chosen))


def report(name: str, where: Path, chosen: set[str]) -> str:
    lines = [f"{'module':<24} {'tried':>6} {'killed':>7} {'score':>7}  margin"]
    survivors: list[str] = []
    all_tried = all_killed = 0
    for module, codes in results(where).items():
        tried = killed = 0
        for key, code in codes.items():
            if key not in chosen or code is None or code in NOT_COUNTED:
                continue
            tried += 1
            if code in KILLED:
                killed += 1
            else:
                survivors.append(f"{key} (exit {code})")
        if not tried:
            continue
        all_tried += tried
        all_killed += killed
        lines.append(_line(module, tried, killed))
    lines.append(_line(f"[{name}]", all_tried, all_killed))
    lines += ["", "Survivors (mutmut show NAME in " + where.relative_to(ROOT).as_posix() + "):"]
    lines += [f"  {survivor}" for survivor in survivors]
    text = "\n".join(lines) + "\n"
    (where / "report.txt").write_text(text, encoding="utf-8")
    return text


def _line(module: str, tried: int, killed: int) -> str:
    score = killed / tried
    margin = 1.96 * math.sqrt(score * (1 - score) / tried)  # the sample's 95% margin
    return f"{module:<24} {tried:>6} {killed:>7} {score:>7.1%}  ±{margin:.1%}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("groups", nargs="*", metavar="GROUP", help=", ".join(GROUPS))
    parser.add_argument("--sample", type=int, help="mutants tried per module (default: all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--children", type=int, default=2, help="mutants tried at once")
    args = parser.parse_args()
    if not MUTMUT.exists():
        sys.exit("mutmut is not installed: .venv/bin/pip install mutmut==3.8.1")
    unknown = sorted(set(args.groups) - set(GROUPS))
    if unknown:
        parser.error(f"no group {', '.join(unknown)}: choose from {', '.join(GROUPS)}")
    for name in args.groups or list(GROUPS):
        print(run_group(name, GROUPS[name], args.sample, args.seed, args.children), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
