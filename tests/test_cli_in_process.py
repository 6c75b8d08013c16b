"""The `reviewbot` command called in this process: what it prints, what it returns, what it refuses.

`main()` is what `python -m reviewbot` runs; calling it here (with the settings in the
environment, as the shell gives them) checks every line the operator reads without starting a
process per case. tests/test_cli.py runs the real command for what needs a process of its own.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reviewbot.cli import _ProgressBar, main
from reviewbot.cli_args import WAIT_DEFAULT
from reviewbot.config import GUILD_ID_MAX
from reviewbot.feeds_cli import feed_line
from reviewbot.review import Category
from reviewbot.store import Feed

from .feed_server import FeedServer, Item, item, rss
from .test_files import SAMPLE, write

SETTINGS = (
    "DISCORD_TOKEN",
    "REVIEWBOT_DB",
    "REVIEWBOT_CATALOGUE",
    "REVIEWBOT_DEV_GUILD",
    "REVIEWBOT_FEED_INTERVAL",
    "REVIEWBOT_FEEDS_ALLOW_PRIVATE",
    "LOG_LEVEL",
)
EVERYTHING = """---
title: Stalker
creator: Andrei Tarkovsky
category: film
rating: 4.5
author: Ana
date: 2019-05-04T10:00:00+00:00
url: https://blog.example/stalker
image: https://blog.example/stalker.jpg
spoiler: true
---
The Zone is a room you enter and never quite leave. The long takes ask for patience and \
pay it back in full, with interest, many times over.

A second paragraph.
Its second line.
"""


@dataclass
class Ran:
    code: int | str | None
    out: str
    err: str

    @property
    def line(self) -> str:
        """The one line a failure printed on stderr."""
        lines = self.err.splitlines()
        assert len(lines) == 1 and "Traceback" not in self.err, self.err
        return lines[0]


class Shell:
    """`reviewbot ARGS` in this process, with its exit status and what it printed."""

    def __init__(self, capsys: pytest.CaptureFixture[str], folder: Path) -> None:
        self.capsys = capsys
        self.folder = folder
        self.db = folder / "reviews.db"

    def __call__(self, *args: str | Path) -> Ran:
        self.capsys.readouterr()
        try:
            code: int | str | None = main([str(arg) for arg in args])
        except SystemExit as stopped:  # argparse's refusals and --help
            code = stopped.code
        captured = self.capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    def rows(self, sql: str, db: Path | None = None) -> list[tuple[object, ...]]:
        with closing(sqlite3.connect(db or self.db)) as raw:
            return [tuple(row) for row in raw.execute(sql)]


@pytest.fixture
def shell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Shell]:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REVIEWBOT_DB", str(tmp_path / "reviews.db"))
    monkeypatch.setenv("REVIEWBOT_CATALOGUE", str(SAMPLE))
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    monkeypatch.setenv("COLUMNS", "88")
    yield Shell(capsys, tmp_path)


# Refused before anything is opened ---------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["search", "x", "--limit", "0"], "argument --limit: give a whole number from 1 to 1000"),
        (
            ["search", "x", "--limit", "1001"],
            "argument --limit: give a whole number from 1 to 1000",
        ),
        (
            ["show", "x", "--guild", "0"],
            f"argument --guild: a server id is a whole number from 1 to {GUILD_ID_MAX}",
        ),
        (
            ["import", "x", "--wait", "604801"],
            "argument --wait: give a whole number of seconds from 0 (do not wait) to 604800",
        ),
        (
            ["import", "x", "--category", "poem"],
            "argument --category: Category must be one of: film, album, book, game, show, other.",
        ),
        (
            ["feed", "add", "https://blog.example/feed", "--category", "poem"],
            "argument --category: Category must be one of: film, album, book, game, show, other.",
        ),
        (
            ["search", "caf\udce9"],
            "argument QUERY: holds bytes that are not UTF-8 text: check the terminal's encoding",
        ),
        (
            ["show", "\udcff"],
            "argument TITLE: holds bytes that are not UTF-8 text: check the terminal's encoding",
        ),
    ],
)
def test_a_bad_argument_is_refused_in_one_line_naming_it(
    shell: Shell, args: list[str], error: str
) -> None:
    ran = shell(*args)
    command = " ".join(args[:2]) if args[0] == "feed" else args[0]
    assert ran.code == 2 and ran.err.splitlines()[-1] == f"reviewbot {command}: error: {error}"
    assert not shell.db.exists()


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["feed", "add", "https://blog.example/feed", "--channel", "5"],
            "reviewbot feed add: --channel needs --guild ID (its server)",
        ),
        (
            ["import", "x.md", "--announce"],
            "reviewbot import: --announce needs --guild ID (the server to post in)",
        ),
        (["run"], "reviewbot: DISCORD_TOKEN is not set: put your bot's token in a .env file"),
        (["sync"], "reviewbot: DISCORD_TOKEN is not set: put your bot's token in a .env file"),
    ],
)
def test_an_option_or_setting_missing_is_one_line(shell: Shell, args: list[str], line: str) -> None:
    ran = shell(*args)
    assert ran.code == 2 and ran.line.startswith(line)
    assert not shell.db.exists()


def test_a_bad_setting_stops_any_command(shell: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    ran = shell("search", "her")
    assert ran.code == 2
    assert ran.line == "reviewbot: LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL."


def test_the_limits_of_each_number_are_accepted(shell: Shell) -> None:
    assert shell("search", "her", "--limit", "1000").code == 0
    assert shell("search", "her", "--limit", "1", "--guild", str(GUILD_ID_MAX)).code == 0
    ran = shell("import", write(shell.folder / "a.md", "---\ntitle: A\nrating: 1\n---\nA."))
    assert ran.code == 0  # the default wait
    ran = shell("import", shell.folder / "a.md", "--wait", "0", "--category", "FILM")
    assert ran.code == 0
    assert shell("import", shell.folder / "a.md", "--wait", "604800").code == 0


GUILD_OPTIONS = [
    ["sync", "--guild"],
    ["import", "x.md", "--guild"],
    ["export", "out", "--guild"],
    ["search", "x", "--guild"],
    ["show", "x", "--guild"],
    ["feed", "add", "https://blog.example/feed", "--guild"],
    ["feed", "add", "https://blog.example/feed", "--guild", "5", "--channel"],
    ["feed", "list", "--guild"],
    ["feed", "remove", "https://blog.example/feed", "--guild"],
    ["feed", "check", "https://blog.example/feed", "--guild"],
]


@pytest.mark.parametrize("args", GUILD_OPTIONS, ids=lambda args: " ".join(args[:2]))
@pytest.mark.parametrize("wrong", ["0", "x1", str(GUILD_ID_MAX + 1)])
def test_every_server_or_channel_option_takes_only_an_id(
    shell: Shell, args: list[str], wrong: str
) -> None:
    ran = shell(*args, wrong)
    command = " ".join(args[:2]) if args[0] == "feed" else args[0]
    assert ran.code == 2
    assert ran.err.splitlines()[-1] == (
        f"reviewbot {command}: error: argument {args[-1]}: a server id is a whole number from 1"
        f" to {GUILD_ID_MAX}"
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        ([], "reviewbot: error: the following arguments are required: COMMAND"),
        (["feed"], "reviewbot feed: error: the following arguments are required: ACTION"),
        (["import"], "reviewbot import: error: the following arguments are required: PATH|URL"),
    ],
)
def test_a_missing_command_is_refused(shell: Shell, args: list[str], line: str) -> None:
    ran = shell(*args)
    assert ran.code == 2 and ran.err.splitlines()[-1] == line


# Help -----------------------------------------------------------------------------------------

HELP = {
    (): [
        "usage: reviewbot [-h] [--version] [--db FILE|URL] COMMAND ...",
        "A Discord bot that shares reviews, and its catalogue.",
        "--db FILE|URL database file, or a postgresql:// URL (default: REVIEWBOT_DATABASE_URL,"
        " else REVIEWBOT_DB)",
        "run connect to Discord and answer commands",
        "sync register the slash commands with Discord",
        "import load review files (.md, .json, folders), a feed's URL, or a Letterboxd or"
        " Goodreads export (.zip, .csv)",
        "export write the catalogue out as Markdown files",
        "search search reviews by title and text",
        "show print one review",
        "feed follow blogs' feeds (see `reviewbot feed -h`)",
        "backup copy the database safely, even while it runs",
    ],
    ("sync",): ["--guild GUILD only this server (instant)"],
    ("import",): [
        "PATH|URL [PATH|URL ...]",
        "--guild GUILD store them as this server's reviews",
        "--bulk, --no-bulk one transaction, full-text indexes rebuilt at the end (default: for"
        " large loads)",
        "--announce queue newly added reviews to be posted in the server (needs --guild)",
        "--all for a feed's URL: walk back through its older pages too",
        "--category CATEGORY for a feed: the kind of work it reviews",
        f"--wait SECONDS while another import or the bot writes, wait this long (default"
        f" {WAIT_DEFAULT})",
    ],
    ("export",): [
        "DIR",
        "--guild GUILD this server's reviews instead",
        "--force write into a folder that holds other files (an earlier export's are replaced)",
    ],
    ("search",): [
        "QUERY [QUERY ...]",
        "--guild GUILD search as this server sees the catalogue",
        "--limit LIMIT at most this many, 1 to 1000 (default 10)",
    ],
    ("show",): ["TITLE [TITLE ...]", "--guild GUILD as this server sees the catalogue"],
    ("feed",): [
        "ACTION",
        "add follow a feed: its entries join quietly, new ones later",
        "list the feeds followed, with their health",
        "remove stop following a feed",
        "check poll a feed now",
    ],
    ("feed", "add"): [
        "URL",
        "--category CATEGORY the kind of work the blog reviews",
        "--guild GUILD follow it for this server (its reviews)",
        "--channel CHANNEL announce in this channel (needs --guild)",
    ],
    ("feed", "list"): ["--guild GUILD this server's feeds"],
    ("feed", "remove"): ["URL", "--guild GUILD a feed of this server"],
    ("feed", "check"): ["URL", "--guild GUILD a feed of this server"],
    ("backup",): ["DEST"],
}


@pytest.mark.parametrize("command", list(HELP), ids=lambda c: " ".join(c) or "reviewbot")
def test_help_explains_every_command_and_option(shell: Shell, command: tuple[str, ...]) -> None:
    ran = shell(*command, "--help")
    assert ran.code == 0 and ran.err == ""
    text = f" {' '.join(ran.out.split())} "
    for explained in HELP[command]:
        assert f" {explained} " in text
    if command:
        assert text.startswith(f" usage: reviewbot {' '.join(command)} [-h]")


def test_version(shell: Shell) -> None:
    from reviewbot import __version__

    ran = shell("--version")
    assert (ran.code, ran.out) == (0, f"reviewbot {__version__}\n")


# Reading the catalogue ---------------------------------------------------------------------


def test_search_prints_numbered_hits_and_loads_the_sample_once(shell: Shell) -> None:
    first = shell("search", "1984")
    assert first.code == 0
    assert first.out.splitlines()[0] == "  1. ★★★★½  1984 — George Orwell  (book, 2017-01-28)"
    assert first.err == f"Loaded the sample catalogue into {shell.db}.\n"
    again = shell("search", "the", "godfather", "--limit", "1")
    assert again.code == 0 and again.err == ""
    assert again.out == "  1. ★★★★★  The Godfather — Francis Ford Coppola  (film, 2018-03-24)\n"
    for number in range(12):
        write(
            shell.folder / "echo" / f"{number}.md", f"---\ntitle: Echo {number}\nrating: 3\n---\nE."
        )
    assert shell("import", shell.folder / "echo").code == 0
    ten = shell("search", "echo").out.splitlines()
    assert len(ten) == 10 and ten[9].startswith(" 10. ★★★☆☆  Echo ")


def test_a_search_that_finds_nothing_offers_close_titles(shell: Shell) -> None:
    ran = shell("search", "xyzzy", "kid")
    assert ran.code == 1
    assert ran.out == "No reviews match “xyzzy kid”.\nDid you mean “Kid A”?\n"
    none = shell("search", "qqqqqqqq")
    assert (none.code, none.out) == (1, "No reviews match “qqqqqqqq”.\n")


def test_a_server_searches_and_shows_the_catalogue_and_its_own(shell: Shell) -> None:
    write(shell.folder / "own" / "a.md", "---\ntitle: Zebra Crossing\nrating: 2\n---\nOurs.")
    assert shell("import", shell.folder / "own", "--guild", "9").code == 0
    assert shell("search", "zebra").code == 1
    close = shell("search", "xyzzy", "zebra", "--guild", "9")
    assert close.out == "No reviews match “xyzzy zebra”.\nDid you mean “Zebra Crossing”?\n"
    found = shell("search", "zebra", "--guild", "9")
    assert found.code == 0 and "Zebra Crossing" in found.out
    assert shell("show", "zebra", "crossing").code == 1
    shown = shell("show", "zebra", "crossing", "--guild", "9")
    assert shown.code == 0 and shown.out.startswith("Zebra Crossing\n★★☆☆☆  other  ·  ")


def test_show_prints_the_whole_review_wrapped_to_the_terminal(
    shell: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert shell("import", write(shell.folder / "s.md", EVERYTHING)).code == 0
    monkeypatch.setenv("COLUMNS", "60")
    ran = shell("show", "stalker")
    assert ran.code == 0 and ran.err == ""
    assert ran.out == (
        "Stalker — Andrei Tarkovsky\n"
        "★★★★½  film  ·  2019-05-04  ·  1 of 1\n"
        "\n"
        "(The whole review is marked as a spoiler.)\n"
        "\n"
        "The Zone is a room you enter and never quite leave. The long\n"
        "takes ask for patience and pay it back in full, with\n"
        "interest, many times over.\n"
        "\n"
        "A second paragraph.\n"
        "Its second line.\n"
        "\n"
        "— Ana\n"
        "Link: https://blog.example/stalker\n"
        "Cover: https://blog.example/stalker.jpg\n\n"
    )
    monkeypatch.setenv("COLUMNS", "200")  # never wider than 88
    write(shell.folder / "w.md", f"---\ntitle: Wide\nrating: 3\n---\n{'a' * 84} bcde")
    assert shell("import", shell.folder / "w.md").code == 0
    assert shell("show", "wide").out.splitlines()[3:5] == ["a" * 84, "bcde"]
    wide = shell("show", "stalker").out.splitlines()
    assert max(len(line) for line in wide) <= 88
    assert (
        wide[5]
        == "The Zone is a room you enter and never quite leave. The long takes ask for patience and"
    )


def test_show_of_a_plain_review_has_no_extra_lines(shell: Shell) -> None:
    write(
        shell.folder / "p.md",
        "---\ntitle: Plain\nrating: 3\ndate: 2020-02-02\n---\nJust this.\n  \nAnd that.",
    )
    assert shell("import", shell.folder / "p.md").code == 0
    ran = shell("show", "plain")
    assert ran.out == (
        "Plain\n★★★☆☆  other  ·  2020-02-02  ·  1 of 1\n\nJust this.\n\nAnd that.\n\n"
    )


def test_show_of_an_unknown_title_says_so(shell: Shell) -> None:
    ran = shell("show", "nothing", "like", "it")
    assert ran.code == 1 and ran.out.startswith("No review titled “nothing like it”.")


# Importing -----------------------------------------------------------------------------------


def test_import_counts_what_it_did_and_names_each_bad_file(shell: Shell) -> None:
    folder = shell.folder / "in"
    write(folder / "a.md", "---\ntitle: Alpha\nrating: 4\n---\nGood.")
    write(folder / "b.md", "---\ntitle: Beta\nrating: 3\n---\nFine.")
    write(folder / "c.md", "---\ntitle: Gamma\nrating: eleven\n---\nBad.")
    ran = shell("import", folder)
    assert ran.code == 3
    assert ran.out == "Imported: 2 added, 0 updated, 0 unchanged, 1 file(s) failed.\n"
    assert ran.line.startswith(f"error: {folder / 'c.md'}: rating: “eleven” is not a rating")
    (folder / "c.md").unlink()
    write(folder / "b.md", "---\ntitle: Beta\nrating: 2\n---\nWorse.")
    again = shell("import", folder)
    assert (again.code, again.err) == (0, "")
    assert again.out == "Imported: 0 added, 1 updated, 1 unchanged.\n"
    assert shell.rows("SELECT title, rating FROM reviews ORDER BY id") == [
        ("Alpha", 8),
        ("Beta", 4),
    ]


@pytest.mark.parametrize("bulk", ["--bulk", "--no-bulk"])
def test_import_in_bulk_or_not_stores_the_same(shell: Shell, bulk: str) -> None:
    ran = shell("import", SAMPLE, bulk)
    assert ran.code == 0 and ran.out == "Imported: 20 added, 0 updated, 0 unchanged.\n"
    assert shell.rows("SELECT count(*) FROM reviews r JOIN body_fts f ON f.rowid = r.id") == [(20,)]


def test_import_announce_queues_only_new_reviews_of_the_server(shell: Shell) -> None:
    folder = shell.folder / "in"
    write(folder / "a.md", "---\ntitle: Alpha\nrating: 4\n---\nGood.")
    first = shell("import", folder, "--guild", "77", "--announce")
    assert first.code == 0
    assert first.out.splitlines() == [
        "Imported: 1 added, 0 updated, 0 unchanged.",
        "Queued 1 new review(s) to be posted in server 77.",
    ]
    write(folder / "b.md", "---\ntitle: Beta\nrating: 3\n---\nFine.")
    write(folder / "a.md", "---\ntitle: Alpha\nrating: 5\n---\nBetter.")
    second = shell("import", folder, "--guild", "77", "--announce")
    assert second.out.splitlines()[-1] == "Queued 1 new review(s) to be posted in server 77."
    assert shell.rows(
        "SELECT o.guild_id, r.title, o.action FROM outbox o JOIN reviews r ON r.id = o.review_id"
        " ORDER BY o.id"
    ) == [(77, "Alpha", "post"), (77, "Beta", "post")]
    quiet = shell("import", folder, "--guild", "77")
    assert quiet.out == "Imported: 0 added, 0 updated, 2 unchanged.\n"
    assert shell.rows("SELECT count(*) FROM outbox") == [(2,)]


def test_import_of_files_and_exports_together(shell: Shell) -> None:
    fixtures = Path(__file__).resolve().parent / "fixtures" / "feeds"
    folder = shell.folder / "files.csv"  # a folder named like an export is still a folder
    write(folder / "a.md", "---\ntitle: Alpha\nrating: 4\n---\nGood.")
    ran = shell("import", folder, fixtures / "goodreads_library_export.csv")
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == [
        f"Imported {fixtures / 'goodreads_library_export.csv'} (Goodreads): 2 added, 0 updated,"
        " 0 unchanged, 2 skipped (no review text or rating, or an older review of the same"
        " work).",
        "Imported: 1 added, 0 updated, 0 unchanged.",
    ]
    bad = shell("import", shell.folder / "missing.zip", fixtures / "goodreads_library_export.csv")
    assert bad.code == 3 and bad.line == f"error: {shell.folder / 'missing.zip'}: no such file"
    assert bad.out.endswith(
        ": 0 added, 0 updated, 2 unchanged, 2 skipped (no review text or"
        " rating, or an older review of the same work).\n"
    )
    both = shell("import", folder, shell.folder / "missing.csv")
    assert both.code == 3 and both.out == "Imported: 0 added, 0 updated, 1 unchanged.\n"
    only_bad = shell("import", shell.folder / "missing.csv")
    assert (only_bad.code, only_bad.out) == (3, "")
    broken = shell.folder / "broken.csv"  # its first line is past the csv module's limit
    broken.write_text("x" * 200_000 + "\n")
    goes_on = shell("import", broken, fixtures / "goodreads_library_export.csv", "--guild", "6")
    assert goes_on.code == 3 and goes_on.line == (
        f"error: {broken}: not a readable CSV file (field larger than field limit (131072))"
    )
    assert "(Goodreads): 2 added" in goes_on.out
    only_good = shell("import", fixtures / "goodreads_library_export.csv", "--guild", "5")
    assert only_good.code == 0 and "(Goodreads): 2 added" in only_good.out
    assert shell.rows("SELECT count(*) FROM reviews WHERE guild_id = 5") == [(2,)]


# Export and backup -----------------------------------------------------------------------------


def test_export_and_backup_say_what_they_wrote(shell: Shell) -> None:
    assert shell("import", SAMPLE).code == 0
    write(shell.folder / "own.md", "---\ntitle: Ours\nrating: 2\n---\nOurs.")
    assert shell("import", shell.folder / "own.md", "--guild", "3").code == 0
    out = shell.folder / "out"
    ran = shell("export", out)
    assert (ran.code, ran.out, ran.err) == (0, f"Wrote 20 review file(s) to {out}\n", "")
    assert len(list(out.glob("*.md"))) == 20
    own = shell("export", shell.folder / "own", "--guild", "3")
    assert own.out == f"Wrote 1 review file(s) to {shell.folder / 'own'}\n"
    assert [p.name for p in (shell.folder / "own").iterdir()] == ["000001-ours.md"]
    write(out / "notes.txt", "mine")
    refused = shell("export", out)
    assert refused.code == 3 and refused.line.startswith(f"reviewbot export: {out} holds 1 file")
    forced = shell("export", out, "--force")
    assert forced.code == 0 and (out / "notes.txt").exists()
    copy = shell.folder / "copy.db"
    backup = shell("backup", copy)
    assert (backup.code, backup.out) == (0, f"Backed up {shell.db} to {copy}\n")
    assert shell.rows("SELECT count(*) FROM reviews", db=copy) == [(21,)]


def test_export_and_backup_of_no_database_create_nothing(shell: Shell) -> None:
    for args in (["export", shell.folder / "out"], ["backup", shell.folder / "b.db"]):
        ran = shell(*args)
        assert ran.code == 3
        assert ran.line == (
            f"reviewbot {args[0]}: no database at {shell.db}; import reviews first or check"
            " REVIEWBOT_DB"
        )
    assert sorted(p.name for p in shell.folder.iterdir()) == []


def test_the_db_option_wins_over_the_setting(shell: Shell) -> None:
    other = shell.folder / "other.db"
    ran = shell("--db", other, "search", "her")
    assert ran.code == 0 and ran.err == f"Loaded the sample catalogue into {other}.\n"
    assert other.exists() and not shell.db.exists()


def test_a_failure_of_the_system_is_one_line_with_the_path(shell: Shell) -> None:
    assert shell("import", SAMPLE).code == 0
    folder = shell.folder / ("n" * 300)
    ran = shell("export", folder)
    assert ran.code == 3 and ran.line == f"reviewbot export: {folder}: File name too long"
    backup = shell("backup", shell.folder)
    assert backup.code == 3 and backup.line.startswith(
        f"reviewbot backup: {shell.folder} is a folder"
    )


def damage(db: Path) -> None:
    """Overwrite the page after the header page (the reviews table's) with noise."""
    with db.open("r+b") as file:
        file.seek(4096)
        file.write(b"\xff" * 4096)


def test_a_damaged_database_is_one_line_and_stops_an_import(shell: Shell) -> None:
    assert shell("import", SAMPLE).code == 0
    damage(shell.db)
    problem = f"{shell.db} is damaged (database disk image is malformed): restore it from a backup"
    shown = shell("show", "her")
    assert (shown.code, shown.line) == (3, f"reviewbot show: {problem}")
    folder = shell.folder / "in"
    write(folder / "a.md", "---\ntitle: Alpha\nrating: 4\n---\nGood.")
    write(folder / "b.md", "---\ntitle: Beta\nrating: eleven\n---\nBad.")
    stopped = shell("import", folder)
    assert stopped.code == 3 and stopped.out == ""
    assert stopped.err.splitlines() == [
        f"error: {folder / 'b.md'}: rating: “eleven” is not a rating I understand. Use a number"
        " from 0 to 5 in half steps (4 or 4.5), 4/5, 9/10, or stars like ★★★★☆ or ★★★★½.",
        f"reviewbot import: stopped: {problem}. Nothing was imported",
    ]
    bulk = shell("import", folder, "--bulk")
    assert bulk.code == 3 and bulk.err.splitlines()[-1] == (
        f"reviewbot import: stopped: {problem}. Nothing was imported (a bulk import is all or"
        " nothing)"
    )


def test_an_unexpected_failure_is_one_line_and_its_traceback_only_at_debug(
    shell: Shell, caplog: pytest.LogCaptureFixture
) -> None:
    assert shell("import", SAMPLE).code == 0
    with closing(sqlite3.connect(shell.db)) as raw:
        raw.execute("DROP TABLE review_bodies")
    caplog.set_level("DEBUG", logger="reviewbot.cli")
    ran = shell("show", "her")
    assert ran.code == 3 and ran.line == (
        "reviewbot show: failed unexpectedly (OperationalError: no such table: review_bodies);"
        " LOG_LEVEL=DEBUG shows where"
    )
    [record] = [r for r in caplog.records if r.name == "reviewbot.cli"]
    assert (record.levelname, record.getMessage()) == ("DEBUG", "Unexpected error")
    assert record.exc_info is not None and record.exc_info[0] is sqlite3.OperationalError


def test_names_the_terminal_cannot_show_are_escaped(shell: Shell) -> None:
    assert shell("import", SAMPLE).code == 0
    folder = shell.folder / "out\udcff"
    ran = shell("export", folder)
    assert ran.code == 0 and ran.out == f"Wrote 20 review file(s) to {shell.folder}/out\\udcff\n"


# The progress bar ------------------------------------------------------------------------------


def test_the_progress_bar_shows_large_imports_once_per_percent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    small = _ProgressBar()
    for done in range(1, 200):
        small(done, 199)
    small.finish()
    assert capsys.readouterr().err == ""
    bar = _ProgressBar()
    for done in (1, 2, 3, 100, 150, 200):
        bar(done, 200)
    bar.finish()
    err = capsys.readouterr().err
    started = _ProgressBar()
    started(1, 1000)
    started.finish()
    assert capsys.readouterr().err == "\r" + "·" * 30 + "   0%  1/1,000 files\n"
    assert err.split("\r")[1:] == [
        "·" * 30 + "   0%  1/200 files",
        "·" * 30 + "   1%  2/200 files",
        "█" * 15 + "·" * 15 + "  50%  100/200 files",
        "█" * 22 + "·" * 8 + "  75%  150/200 files",
        "█" * 30 + " 100%  200/200 files\n",
    ]


# Feeds from the shell ------------------------------------------------------------------------


@pytest.fixture
def feeds_allowed(shell: Shell, monkeypatch: pytest.MonkeyPatch) -> Shell:
    monkeypatch.setenv("REVIEWBOT_FEEDS_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("REVIEWBOT_FEED_INTERVAL", "7200")
    return shell


async def in_thread(shell: Shell, *args: str | Path) -> Ran:
    """The command in a thread of its own, so the feed server in this loop keeps answering."""
    return await asyncio.to_thread(shell, *args)


def with_newer(feed: str, newer: Item) -> str:
    """`feed` with one more entry before the others, which stay as they were to the byte
    (a feed built again would date its entries anew)."""
    entry = rss([newer]).split("<item>", 1)[1]
    return feed.replace("<item>", "<item>" + entry.split("</channel>", 1)[0] + "<item>", 1)


async def test_feed_add_list_check_and_remove_say_what_they_did(
    feeds_allowed: Shell, feed_server: FeedServer
) -> None:
    shell, url = feeds_allowed, feed_server.url()
    first = rss([item("a", "Her 4/5"), item("n", "News of the week")])
    feed_server.serve("/feed", first)
    none = await in_thread(shell, "feed", "list")
    assert none.out == "No feeds are followed here. Add one with `reviewbot feed add URL`.\n"
    added = await in_thread(shell, "feed", "add", url, "--category", "film")
    assert (added.code, added.err) == (0, "")
    [(wait,)] = shell.rows(
        "SELECT (julianday(next_poll_at) - julianday(last_fetch_at)) * 86400 FROM feeds"
    )
    assert 7200 * 0.9 - 1 <= wait <= 7200 * 1.1 + 1  # REVIEWBOT_FEED_INTERVAL, with jitter
    assert added.out == (
        f"Following {url} (Test Blog) for the catalogue: 1 review(s) joined quietly, 1 entr(ies)"
        " skipped (not reviews). New entries are announced from now on (the catalogue announces"
        " nowhere).\n"
    )
    assert shell.rows("SELECT title, category, guild_id FROM reviews") == [("Her", "film", 0)]
    again = await in_thread(shell, "feed", "add", url)
    assert again.code == 3
    assert again.line == f"reviewbot feed add: This feed is already followed here: {url}"

    listed = await in_thread(shell, "feed", "list")
    [line] = listed.out.splitlines()
    assert line.startswith(f"{url}  ·  film  ·  last fetched ")
    assert "UTC (HTTP 200)  ·  2 entries seen  ·  0 failure(s) in a row  ·  next poll " in line
    assert (await in_thread(shell, "feed", "list", "--guild", "5")).out.startswith("No feeds")

    feed_server.serve("/feed", with_newer(first, item("b", "Heat 5/5")))
    checked = await in_thread(shell, "feed", "check", url)
    assert (checked.code, checked.out) == (
        0,
        f"Checked {url}: HTTP 200: 1 new review(s), 0 updated.\n",
    )
    feed_server.fail("/feed", 500)
    failed = await in_thread(shell, "feed", "check", url)
    assert failed.code == 3
    assert failed.line == (
        "reviewbot feed check: 127.0.0.1 answered 500: the blog's server has a problem;"
        " the bot will retry."
    )

    removed = await in_thread(shell, "feed", "remove", url)
    assert (removed.code, removed.out) == (0, f"Stopped following {url}; its reviews stay.\n")
    for action in ("remove", "check"):
        gone = await in_thread(shell, "feed", action, url)
        assert gone.code == 1
        assert gone.line == (
            f"reviewbot feed {action}: No feed with that address is followed here: {url}"
        )
    assert shell.rows("SELECT count(*) FROM reviews") == [(2,)]


async def test_a_servers_feed_announces_in_its_channel(
    feeds_allowed: Shell, feed_server: FeedServer
) -> None:
    shell, url = feeds_allowed, feed_server.url()
    first = rss([item("a", "Her 4/5")], title="")
    feed_server.serve("/feed", first)
    added = await in_thread(shell, "feed", "add", url, "--guild", "77", "--channel", "55")
    assert added.out == (
        f"Following {url} (untitled) for server 77: 1 review(s) joined quietly, 0 entr(ies)"
        " skipped (not reviews). New entries are announced from now on.\n"
    )
    feed_server.serve("/feed", with_newer(first, item("b", "Heat 5/5")))
    elsewhere = await in_thread(shell, "feed", "check", url)
    assert elsewhere.code == 1  # not followed for the catalogue
    checked = await in_thread(shell, "feed", "check", url, "--guild", "77")
    assert (
        checked.out == f"Checked {url}: HTTP 200: 1 new review(s), 0 updated. Announcing “Heat”.\n"
    )
    assert shell.rows("SELECT guild_id, action, channel_id FROM outbox") == [(77, "post", 55)]
    assert shell.rows("SELECT guild_id, category FROM reviews WHERE title = 'Heat'") == [
        (77, "other")
    ]
    removed = await in_thread(shell, "feed", "remove", url, "--guild", "77")
    assert removed.code == 0


async def test_without_the_setting_a_private_feed_is_refused(
    shell: Shell, feed_server: FeedServer
) -> None:
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    refused = await in_thread(shell, "feed", "add", feed_server.url())
    assert refused.code == 3
    assert refused.line.startswith("reviewbot feed add: 127.0.0.1 is a loopback address")
    imported = await in_thread(shell, "import", feed_server.url())
    assert imported.code == 3 and "is a loopback address" in imported.line
    secure = await in_thread(shell, "import", "HTTPS://127.0.0.1:9/feed")
    assert secure.line.startswith("error: HTTPS://127.0.0.1:9/feed: 127.0.0.1 is a loopback")
    assert feed_server.requests == []


async def test_import_of_feed_urls_counts_each_and_names_each_failure(
    feeds_allowed: Shell, feed_server: FeedServer
) -> None:
    shell = feeds_allowed
    generator = "<generator>https://wordpress.org/?v=6.5</generator>"
    feed_server.serve("/feed", rss([item("p2", "Two 2/5"), item("x", "Notes")], extra=generator))
    feed_server.serve("/feed?paged=2", rss([item("p1", "One 1/5", days_ago=4)], extra=generator))
    page = feed_server.url("/page")
    feed_server.serve("/page", "<html>not a feed</html>", content_type="text/html")
    once = await in_thread(shell, "import", page, feed_server.url(), "--category", "book")
    assert once.code == 3
    assert once.out == (
        f"Imported {feed_server.url()}: 1 added, 0 updated, 0 unchanged, 1 skipped (not reviews)"
        " from 1 page(s).\n"
    )
    assert once.line.startswith(f"error: {page}: That address gave something that is not an RSS")
    walked = await in_thread(shell, "import", feed_server.url(), "--all", "--guild", "9")
    assert walked.code == 0 and walked.out == (
        f"Imported {feed_server.url()}: 2 added, 0 updated, 0 unchanged, 1 skipped (not reviews)"
        " from 2 page(s).\n"
    )
    assert shell.rows("SELECT guild_id, category, title FROM reviews ORDER BY id") == [
        (0, "book", "Two"),
        (9, "other", "Two"),
        (9, "other", "One"),
    ]
    assert shell.rows("SELECT count(*) FROM feeds") == [(0,)]


def test_a_feeds_line_shows_its_health() -> None:
    created = datetime(2024, 5, 1, 8, 30, tzinfo=UTC)
    fresh = Feed(
        id=1,
        guild_id=None,
        url="https://blog.example/feed",
        channel_id=None,
        category=Category.BOOK,
        title=None,
        etag=None,
        last_modified=None,
        body_digest=None,
        last_fetch_at=None,
        last_status=None,
        last_new_at=None,
        failures=0,
        paused=False,
        next_poll_at=datetime(2024, 5, 1, 8, 45, 59, tzinfo=UTC),
        last_error=None,
        note=None,
        created_at=created,
        entries_seen=1234,
    )
    assert feed_line(fresh) == (
        "https://blog.example/feed  ·  book  ·  never fetched  ·  1,234 entries seen  ·"
        "  0 failure(s) in a row  ·  next poll 2024-05-01 08:45 UTC"
    )
    ailing = replace(
        fresh,
        last_fetch_at=datetime(2024, 5, 2, 9, 5, tzinfo=UTC),
        failures=10,
        paused=True,
        last_error="It broke.\nBadly.",
        note="Only the newest was announced.",
    )
    assert feed_line(ailing) == (
        "https://blog.example/feed  ·  book  ·  last fetched 2024-05-02 09:05 UTC (HTTP -)  ·"
        "  1,234 entries seen  ·  10 failure(s) in a row  ·  PAUSED  ·  error: It broke.\\nBadly."
        "  ·  note: Only the newest was announced."
    )
    answered = replace(ailing, last_status=503, last_error=None, note=None, paused=False)
    assert "(HTTP 503)" in feed_line(answered) and "error:" not in feed_line(answered)


# Copying a catalogue, and the database named on the command line --------------------------------


def test_migrate_to_a_new_file_copies_everything_and_says_how_much(shell: Shell) -> None:
    assert shell("search", "her").code == 0  # loads the sample catalogue
    copy = shell.folder / "copy.db"
    ran = shell("migrate-to", str(copy))
    assert ran.code == 0 and ran.err == ""
    copied = re.fullmatch(
        rf"Copied 20 review\(s\) and ([\d,]+) other row\(s\) from {re.escape(str(shell.db))}"
        rf" to {re.escape(str(copy))}\.\n",
        ran.out,
    )
    assert copied is not None and int(copied.group(1).replace(",", "")) > 0
    again = shell("--db", str(copy), "search", "godfather", "--limit", "1")
    assert again.out == "  1. ★★★★★  The Godfather — Francis Ford Coppola  (film, 2018-03-24)\n"
    itself = shell("migrate-to", str(shell.db))
    assert (itself.code, itself.out) == (3, "")
    assert itself.err == (
        f"reviewbot migrate-to: {shell.db} is the catalogue itself: give another database to"
        " copy into\n"
    )
    other = shell("migrate-to", "mysql://u:secret@h/db")
    assert other.code == 3 and "secret" not in other.err
    assert other.err.startswith("reviewbot migrate-to: the target must be a PostgreSQL URL")


def test_a_database_url_on_the_command_line_is_checked_first(shell: Shell) -> None:
    ran = shell("--db", "postgresql://", "search", "her")
    assert ran.code == 2 and ran.out == ""
    assert ran.err == (
        "reviewbot: --db names no server; write it like"
        " postgresql://USER:PASSWORD@HOST:5432/DATABASE\n"
    )
    assert not shell.db.exists()
