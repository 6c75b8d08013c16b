"""The `reviewbot` command as an operator meets it: each failure is one line, never a traceback."""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from reviewbot.store import LATEST_SCHEMA

from .test_files import ROOT, SAMPLE, write

EXIT_FAILED = 3
TOKEN = "A" * 24 + "." + "B" * 6 + "." + "C" * 27  # the shape of a bot token, and no more
NOBODY = 65534
# `python -m reviewbot` with writes past a size failing as on a full disk (EFBIG, not a signal).
SMALL_DISK = (
    "import resource, runpy, signal, sys\n"
    "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
    "limit = int(sys.argv.pop(1))\n"
    "resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))\n"
    "runpy.run_module('reviewbot', run_name='__main__', alter_sys=True)\n"
)

Arg = str | bytes | Path


def environment(db: Arg, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "REVIEWBOT_DB": os.fsdecode(db),
        "REVIEWBOT_CATALOGUE": str(SAMPLE),
        "LOG_LEVEL": "WARNING",  # the terminal then shows only what went wrong
        "LC_ALL": "C.UTF-8",
    }
    env.pop("DISCORD_TOKEN", None)
    return {**env, **extra}


def reviewbot(
    *args: Arg, db: Arg, disk_limit: int | None = None, user: int | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """`python -m reviewbot ARGS` with REVIEWBOT_DB set, as `user` when given."""
    prelude = ["-c", SMALL_DISK, str(disk_limit)] if disk_limit else ["-m", "reviewbot"]
    return subprocess.run(
        [sys.executable, *prelude, *args],
        capture_output=True,
        text=True,
        errors="backslashreplace",
        env=environment(db, **env),
        cwd=ROOT,
        timeout=120,
        **({"user": user, "group": user, "extra_groups": []} if user is not None else {}),
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a failure printed on stderr."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def imported(db: Path, *paths: Arg) -> None:
    result = reviewbot("import", *(paths or [SAMPLE]), db=db)
    assert result.returncode == 0, result.stderr


def count(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as raw:
        return int(raw.execute("SELECT count(*) FROM reviews").fetchone()[0])


def assert_sound(db: Path) -> None:
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        raw.execute("INSERT INTO body_fts (body_fts) VALUES ('integrity-check')")
        raw.execute("INSERT INTO title_fts (title_fts) VALUES ('integrity-check')")


def digest(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
        if path.is_file() and not path.is_symlink()
    }


def review_files(folder: Path, count: int, *, body: str = "A few words.", start: int = 0) -> Path:
    for number in range(start, start + count):
        write(
            folder / f"r{number:05d}.md", f"---\ntitle: Number {number}\nrating: 3\n---\n{body}\n"
        )
    return folder


# Export -----------------------------------------------------------------------------------


def test_export_never_writes_through_a_link_planted_in_the_folder(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    imported(db)
    assert reviewbot("export", tmp_path / "probe", db=db).returncode == 0
    first, second = sorted(p.name for p in (tmp_path / "probe").iterdir())[:2]
    victim = write(tmp_path / "elsewhere" / "victim.txt", "keep me")
    out = tmp_path / "out"
    out.mkdir()
    (out / first).symlink_to(victim)
    (out / second).symlink_to(tmp_path / "elsewhere" / "new.txt")  # dangling: would be made

    result = reviewbot("export", out, db=db)
    assert result.returncode == EXIT_FAILED
    line = one_line(result)
    assert str(out / first) in line and "symbolic link" in line
    assert victim.read_text() == "keep me"
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == ["victim.txt"]
    assert sorted(p.name for p in out.iterdir()) == [first, second]  # no temporary files


def test_export_refuses_a_folder_of_other_files_unless_forced(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    imported(db)
    out = tmp_path / "out"
    write(out / "notes.txt", "mine")
    refused = reviewbot("export", out, db=db)
    assert refused.returncode == EXIT_FAILED
    line = one_line(refused)
    assert str(out) in line and "notes.txt" in line and "--force" in line
    assert digest(out) == {"notes.txt": hashlib.sha256(b"mine").hexdigest()}

    forced = reviewbot("export", out, "--force", db=db)
    assert forced.returncode == 0, forced.stderr
    assert (out / "notes.txt").read_text() == "mine"  # other files are left alone
    assert len(list(out.glob("*.md"))) == count(db)


def test_export_writes_the_same_export_again_but_not_over_another(tmp_path: Path) -> None:
    db, other = tmp_path / "x.db", tmp_path / "other.db"
    imported(db)
    imported(other, review_files(tmp_path / "few", 3))
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    assert reviewbot("export", out, db=db).returncode == 0
    first = digest(out)
    again = reviewbot("export", out, db=db)  # the same export: its own files are fine
    assert again.returncode == 0, again.stderr
    assert digest(out) == first

    mixed = reviewbot("export", out, db=other)
    assert mixed.returncode == EXIT_FAILED
    assert "not this export" in one_line(mixed)
    assert digest(out) == first

    forced = reviewbot("export", out, "--force", db=other)
    assert forced.returncode == 0, forced.stderr
    assert reviewbot("export", fresh, db=other).returncode == 0
    assert digest(out) == digest(fresh)  # exactly the new export, the earlier one gone


def test_export_into_a_file_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    imported(db)
    target = write(tmp_path / "a-file.md", "not a folder")
    result = reviewbot("export", target, db=db)
    assert result.returncode == EXIT_FAILED
    assert one_line(result) == (
        f"reviewbot export: {target} is a file, not a folder: give a folder to export into"
    )
    assert target.read_text() == "not a folder"


def test_an_export_that_runs_out_of_disk_leaves_nothing(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    imported(db)
    imported(db, write(tmp_path / "long.md", "---\ntitle: Long\nrating: 4\n---\n" + "📚" * 19_000))
    out = tmp_path / "out"
    result = reviewbot("export", out, db=db, disk_limit=64 * 1024)
    assert result.returncode == EXIT_FAILED
    line = one_line(result)
    assert str(out) in line and "nothing was exported" in line
    assert not out.exists()
    write(out / "notes.txt", "mine")
    again = reviewbot("export", out, "--force", db=db, disk_limit=64 * 1024)
    assert again.returncode == EXIT_FAILED
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


# Backup -----------------------------------------------------------------------------------


def test_a_backup_that_runs_out_of_disk_leaves_nothing(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    imported(db)
    copies = tmp_path / "copies"
    copies.mkdir()
    result = reviewbot("backup", copies / "copy.db", db=db, disk_limit=64 * 1024)
    assert result.returncode == EXIT_FAILED
    line = one_line(result)
    assert str(copies / "copy.db") in line and "disk" in line
    assert list(copies.iterdir()) == []
    assert_sound(db)


@pytest.mark.parametrize("command", ["backup", "export"])
def test_backup_and_export_of_no_database_create_nothing(tmp_path: Path, command: str) -> None:
    db = tmp_path / "data" / "reviews.db"
    result = reviewbot(command, tmp_path / "out", db=db)
    assert result.returncode == EXIT_FAILED
    assert one_line(result) == (
        f"reviewbot {command}: no database at {db}; import reviews first or check REVIEWBOT_DB"
    )
    assert sorted(tmp_path.iterdir()) == []


def test_backup_into_a_folder_or_onto_the_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    imported(db)
    into_folder = reviewbot("backup", tmp_path, db=db)
    assert into_folder.returncode == EXIT_FAILED
    assert "is a folder" in one_line(into_folder)
    onto_itself = reviewbot("backup", db, db=db)
    assert onto_itself.returncode == EXIT_FAILED
    assert "is the database itself" in one_line(onto_itself)
    assert_sound(db)


# Import -----------------------------------------------------------------------------------


def test_a_file_the_database_refuses_fails_alone_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    imported(db)
    with sqlite3.connect(db) as raw:  # a rule the operator added to their database
        raw.execute(
            "CREATE TRIGGER no_poison BEFORE INSERT ON reviews WHEN NEW.title = 'Poison'"
            " BEGIN SELECT RAISE(ABORT, 'no poison here'); END"
        )
    folder = review_files(tmp_path / "in", 2)
    poison = write(folder / "poison.md", "---\ntitle: Poison\nrating: 1\n---\nx\n")
    result = reviewbot("import", folder, db=db)
    assert result.returncode == EXIT_FAILED
    assert one_line(result) == f"error: {poison}: could not be stored (no poison here)"
    assert "2 added" in result.stdout


@pytest.mark.parametrize("bulk", ["--no-bulk", "--bulk"])
def test_an_import_that_runs_out_of_disk_stops_in_one_line(tmp_path: Path, bulk: str) -> None:
    db = tmp_path / "x.db"
    imported(db)
    before = count(db)
    folder = review_files(tmp_path / "in", 3000, body="Some words for the index here. " * 40)
    result = reviewbot("import", bulk, folder, db=db, disk_limit=1024 * 1024)
    assert result.returncode == EXIT_FAILED
    line = one_line(result)
    assert line.startswith("reviewbot import: stopped: ") and str(db) in line
    assert_sound(db)
    after = count(db)
    if bulk == "--bulk":
        assert after == before and "Nothing was imported" in line
    else:  # whole batches of whole files, and the import stopped part-way
        assert before <= after < before + 3000 and (after - before) % 500 == 0
        assert f"{after - before:,} added" in line if after > before else "Nothing" in line
    assert {p.name for p in tmp_path.iterdir() if p.is_file()} <= {"x.db", "x.db-shm", "x.db-wal"}


class Lines:
    """The lines a process writes to a pipe, read as they come, up to its end."""

    def __init__(self, stream: IO[str]) -> None:
        self.seen: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._ended = False
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def _next(self, within: float) -> str | None:
        line = self._lines.get(timeout=within)
        if line is None:
            self._ended = True
        else:
            self.seen.append(line)
        return line

    def wait_for(self, text: str, within: float) -> str:
        deadline = time.monotonic() + within
        with contextlib.suppress(queue.Empty):
            while not self._ended and (left := deadline - time.monotonic()) > 0:
                line = self._next(left)
                if line is not None and text in line:
                    return line
        raise AssertionError(f"no line with {text!r} within {within} s: {self.seen}")

    def all(self, within: float = 60) -> list[str]:
        """Every line, once the stream has ended."""
        while not self._ended:
            self._next(within)
        return self.seen


def start_import(db: Path, *args: Arg) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "reviewbot", "import", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(db),
        cwd=ROOT,
    )


def stderr_lines(process: subprocess.Popen[str]) -> Lines:
    assert process.stderr is not None
    return Lines(process.stderr)


@pytest.fixture
def writer_holding_the_lock(tmp_path: Path) -> Iterator[tuple[Path, sqlite3.Connection]]:
    db = tmp_path / "busy.db"
    imported(db)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE reviews SET rating = rating")
    yield db, holder
    holder.close()


def test_an_import_waits_for_another_writer_then_goes_on(
    tmp_path: Path, writer_holding_the_lock: tuple[Path, sqlite3.Connection]
) -> None:
    db, holder = writer_holding_the_lock
    before = count(db)
    process = start_import(db, review_files(tmp_path / "in", 3))
    lines = stderr_lines(process)
    try:
        waiting = lines.wait_for("waiting", within=60)
        assert waiting.startswith(
            f"reviewbot import: another import (or the bot) is writing to {db}; waiting"
        )
        assert process.poll() is None
        holder.execute("ROLLBACK")
        assert lines.all() == [waiting]
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
        process.wait()
    assert process.stdout is not None
    assert "3 added" in process.stdout.read()
    assert count(db) == before + 3


def test_an_import_gives_up_in_one_line_when_the_writer_stays(
    tmp_path: Path, writer_holding_the_lock: tuple[Path, sqlite3.Connection]
) -> None:
    db, _ = writer_holding_the_lock
    before = count(db)
    process = start_import(db, "--wait", "1", review_files(tmp_path / "in", 3))
    lines = stderr_lines(process)
    try:
        waiting, gave_up = lines.all()
        assert process.wait(timeout=60) == EXIT_FAILED
    finally:
        process.kill()
        process.wait()
    assert "waiting" in waiting
    assert gave_up.startswith(f"reviewbot import: stopped: {db} stayed busy for ")
    assert "another import (or the bot) is writing to it" in gave_up
    assert count(db) == before


def test_six_imports_into_a_new_database_at_once_all_succeed(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    processes = [start_import(db, SAMPLE) for _ in range(6)]
    results = []
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        results.append((process.returncode, stderr))
    assert results == [(0, "")] * 6
    assert_sound(db)
    imported(tmp_path / "alone.db")
    assert count(db) == count(tmp_path / "alone.db")


# The database file ------------------------------------------------------------------------


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    db = write(tmp_path / "x.db", "hello, not SQLite\n" * 100)
    for command in (["search", "her"], ["import", str(SAMPLE)], ["backup", str(tmp_path / "c")]):
        result = reviewbot(*command, db=db)
        assert result.returncode == EXIT_FAILED
        assert one_line(result) == (
            f"reviewbot {command[0]}: {db} is not an SQLite database: check REVIEWBOT_DB or --db"
        )
    assert db.read_text() == "hello, not SQLite\n" * 100


def test_a_database_from_a_newer_reviewbot_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    imported(db)
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA user_version = 99")
    for command in ("search", "import"):
        result = reviewbot(command, "her" if command == "search" else SAMPLE, db=db)
        assert result.returncode == EXIT_FAILED
        assert one_line(result).endswith(
            f"is at schema version 99, newer than this reviewbot knows ({LATEST_SCHEMA}):"
            " upgrade reviewbot"
        )


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "places.sqlite"
    with sqlite3.connect(db) as raw:
        raw.execute("CREATE TABLE places (url TEXT)")
    result = reviewbot("import", SAMPLE, db=db)
    assert result.returncode == EXIT_FAILED
    assert "not reviewbot's" in one_line(result)
    with sqlite3.connect(db) as raw:
        assert [r[0] for r in raw.execute("SELECT name FROM sqlite_master")] == ["places"]


def test_a_database_path_that_is_a_folder_or_inside_a_file_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "folder.db"
    folder.mkdir()
    result = reviewbot("import", SAMPLE, db=folder)
    assert result.returncode == EXIT_FAILED
    assert one_line(result) == (
        f"reviewbot import: {folder} is a folder, not a database file: check REVIEWBOT_DB or --db"
    )
    inside = write(tmp_path / "a-file", "x") / "reviews.db"
    result = reviewbot("search", "her", db=inside)
    assert result.returncode == EXIT_FAILED
    assert one_line(result).startswith(f"reviewbot search: {inside.parent} is a file")


def test_reading_goes_on_beside_a_writer_and_a_locked_file_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    imported(db)
    with sqlite3.connect(db, isolation_level=None) as writer:  # the bot, in the middle of a write
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM reviews")
        assert reviewbot("search", "her", db=db).returncode == 0
        assert reviewbot("backup", tmp_path / "copy.db", db=db).returncode == 0
        writer.execute("ROLLBACK")
    assert count(tmp_path / "copy.db") == count(db)

    old = tmp_path / "copy.db"  # a backup keeps the classic journal, where a writer locks reads
    with sqlite3.connect(old, isolation_level=None) as writer:
        writer.execute("BEGIN EXCLUSIVE")
        result = reviewbot("search", "her", db=old)
        writer.execute("ROLLBACK")
    assert result.returncode == EXIT_FAILED
    assert one_line(result) == (
        f"reviewbot search: {old} is busy: another import (or the bot) is writing to it;"
        " try again when it is done"
    )


@pytest.fixture
def other_user(tmp_path: Path) -> Iterator[tuple[int | None, Path]]:
    """A user whom file permissions bind, and a folder of theirs that they can reach.

    Permissions do not stop root, so a test run as root runs the command as `nobody`.
    """
    if os.geteuid() != 0:
        yield None, tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="reviewbot-test-"))
    try:
        folder.chmod(0o755)
        try:
            probe = subprocess.run(
                [sys.executable, "-c", "import reviewbot"],
                user=NOBODY,
                group=NOBODY,
                extra_groups=[],
                capture_output=True,
                cwd=folder,
            )
        except OSError:  # not allowed to change user here
            probe = None
        if probe is None or probe.returncode != 0:
            pytest.skip("run as root, and the user nobody cannot run this Python")
        yield NOBODY, folder
    finally:
        for path in folder.rglob("*"):
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder)


@pytest.mark.parametrize("folder_writable", [False, True])
def test_a_read_only_database_can_be_read_but_not_written(
    other_user: tuple[int | None, Path], folder_writable: bool
) -> None:
    user, home = other_user
    data = home / "data"
    db = data / "reviews.db"
    imported(db)
    reviews = count(db)
    db.chmod(0o444)
    data.chmod(0o777 if folder_writable else 0o555)
    out = home / "out"
    out.mkdir(mode=0o777)
    out.chmod(0o777)
    before = hashlib.sha256(db.read_bytes()).hexdigest()

    found = reviewbot("search", "her", db=db, user=user)
    assert found.returncode == 0, found.stderr
    assert "Her" in found.stdout
    shown = reviewbot("show", "amelie", db=db, user=user)
    assert shown.returncode == 0 and shown.stdout.startswith("Amélie"), shown.stderr
    exported = reviewbot("export", out / "files", db=db, user=user)
    assert exported.returncode == 0, exported.stderr
    backed_up = reviewbot("backup", out / "copy.db", db=db, user=user)
    assert backed_up.returncode == 0, backed_up.stderr
    refused = reviewbot("import", SAMPLE, db=db, user=user)
    assert refused.returncode == EXIT_FAILED
    line = one_line(refused)
    assert line.startswith("reviewbot import: ") and f"{db} is read-only" in line
    assert "check the permissions of the file and its folder" in line
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in data.iterdir()) == ["reviews.db"]

    assert len(list((out / "files").glob("*.md"))) == reviews
    assert count(out / "copy.db") == reviews


def test_a_database_where_it_cannot_be_made_is_one_line(
    other_user: tuple[int | None, Path],
) -> None:
    user, home = other_user
    closed = home / "closed"
    closed.mkdir(mode=0o555)
    closed.chmod(0o555)
    here, below = closed / "reviews.db", closed / "data" / "reviews.db"
    result = reviewbot("import", SAMPLE, db=here, user=user)
    assert result.returncode == EXIT_FAILED
    assert one_line(result) == (
        f"reviewbot import: cannot open {here} (unable to open database file):"
        " check the path and the permissions of its folder"
    )
    result = reviewbot("import", SAMPLE, db=below, user=user)
    assert result.returncode == EXIT_FAILED
    assert one_line(result) == (
        f"reviewbot import: cannot make the folder {below.parent} for the database"
        " (Permission denied): check REVIEWBOT_DB or --db"
    )
    assert list(closed.iterdir()) == []


# Arguments --------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["1e20", "100000000000000000000", "0", "-3", "1001", "٣"])
def test_limit_is_a_whole_number_in_range(tmp_path: Path, limit: str) -> None:
    result = reviewbot("search", "her", f"--limit={limit}", db=tmp_path / "x.db")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "argument --limit: give a whole number from 1 to 1000" in result.stderr
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize(
    ("command", "guild"),
    [
        *(
            (command, guild)
            for command in ("search", "show", "import", "export", "sync")
            for guild in ("0", "100000000000000000000000")
        ),
        ("search", "9223372036854775808"),
        ("search", "²"),
    ],
)
def test_every_guild_option_takes_only_a_server_id(
    tmp_path: Path, command: str, guild: str
) -> None:
    operand = {"search": ["her"], "show": ["her"], "import": [str(SAMPLE)], "export": ["out"]}
    result = reviewbot(command, *operand.get(command, []), "--guild", guild, db=tmp_path / "x.db")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "argument --guild: a server id is a whole number from 1 to 9223372036854775807" in (
        result.stderr
    )
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize("guild", ["0", "18446744073709551616", "12a"])
def test_the_development_server_setting_takes_only_a_server_id(tmp_path: Path, guild: str) -> None:
    result = reviewbot("run", db=tmp_path / "x.db", DISCORD_TOKEN=TOKEN, REVIEWBOT_DEV_GUILD=guild)
    assert result.returncode == 2
    assert one_line(result).startswith("reviewbot: REVIEWBOT_DEV_GUILD must be a server id")
    assert not (tmp_path / "x.db").exists()


def test_the_largest_server_id_is_taken(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    imported(db)
    result = reviewbot("search", "her", "--guild", str(2**63 - 1), db=db)
    assert result.returncode == 0, result.stderr
    assert "Her" in result.stdout


def test_undecodable_bytes_in_arguments_never_crash(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    imported(db)
    for command in (b"search", b"show"):
        result = reviewbot(command, b"caf\xe9", db=db)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert "bytes that are not UTF-8 text" in result.stderr

    base = os.fsencode(tmp_path)
    # Output as to a UTF-8 terminal (where Python's C locale would pass the bytes through).
    exported = reviewbot("export", base + b"/out\xff", db=db, PYTHONIOENCODING="utf-8")
    assert exported.returncode == 0, exported.stderr
    assert "out\\udcff" in exported.stdout
    assert len(os.listdir(base + b"/out\xff")) == count(db)
    backed_up = reviewbot("backup", base + b"/copy\xfe.db", db=db)
    assert backed_up.returncode == 0, backed_up.stderr
    assert os.path.exists(base + b"/copy\xfe.db")

    folder = base + b"/in\xfd"
    os.mkdir(folder)
    with open(folder + b"/good\xfc.md", "w") as good:
        good.write("---\ntitle: Good\nrating: 4\n---\nfine\n")
    with open(folder + b"/bad\xfb.md", "w") as bad:
        bad.write("---\ntitle: Bad\n---\nno rating\n")
    result = reviewbot("import", folder, db=base + b"/odd\xfa.db")
    assert result.returncode == EXIT_FAILED
    assert one_line(result).endswith("bad\\udcfb.md: rating: the rating is required")
    assert "1 added" in result.stdout
    assert count(Path(os.fsdecode(base + b"/odd\xfa.db"))) == 1


# Discord out of reach ---------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("command", ["sync", "run"])
def test_run_and_sync_say_in_one_line_that_discord_cannot_be_reached(
    tmp_path: Path, command: str
) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    result = subprocess.run(
        [sys.executable, "-m", "tests.loopback.launch", url, "--", "reviewbot", command],
        capture_output=True,
        text=True,
        env={**environment(tmp_path / "x.db", DISCORD_TOKEN=TOKEN), "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [error] = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert "Could not reach Discord (" in error and error.endswith("; check the network.")
