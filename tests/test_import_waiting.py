"""Importing files beside another writer: waiting, giving up, bulk or batches, what is kept.

These run the catalogue in the test's own process (tests/test_cli.py runs the same cases as a
real command), with a short busy timeout so that a lock held by another connection is felt at
once rather than after the everyday wait.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from reviewbot import catalogue
from reviewbot.catalogue import ImportStopped, Waiting, import_paths, load_sample_if_new
from reviewbot.cli import EXIT_FAILED
from reviewbot.store import DatabaseBusyError, ImportResult, ReviewStore

from .store_fixtures import make_review
from .test_cli_in_process import Shell, shell  # noqa: F401  (a fixture)
from .test_files import write

GUILD = 4242
BUSY_MS = 20


def review_files(folder: Path, count: int, start: int = 0) -> Path:
    for number in range(start, start + count):
        write(
            folder / f"r{number:03d}.md", f"---\ntitle: Number {number}\nrating: 3\n---\nWords.\n"
        )
    return folder


def titles(db: Path) -> list[str]:
    with closing(sqlite3.connect(db)) as raw:
        return [row[0] for row in raw.execute("SELECT title FROM reviews ORDER BY title")]


@pytest.fixture(autouse=True)
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """A busy database is felt after a moment, and the wait is counted from that moment."""
    monkeypatch.setattr("reviewbot.store.connect.BUSY_TIMEOUT_MS", BUSY_MS)
    monkeypatch.setattr(catalogue, "BUSY_TIMEOUT_MS", BUSY_MS)


class Holder:
    """Another connection to the database, holding its write lock until it lets go."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.connection: sqlite3.Connection | None = None

    def hold(self) -> None:
        self.connection = sqlite3.connect(self.db, isolation_level=None)
        self.connection.execute("BEGIN IMMEDIATE")
        self.connection.execute("UPDATE reviews SET rating = rating")

    def let_go(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[Holder]:
    writer = Holder(tmp_path / "busy.db")
    yield writer
    writer.let_go()


async def test_an_import_waits_for_the_writer_says_so_once_and_goes_on(
    tmp_path: Path, holder: Holder
) -> None:
    notices: list[str] = []

    def notice() -> None:
        notices.append("waiting")
        holder.let_go()  # the other writer finishes while we wait

    async with ReviewStore.open(tmp_path / "busy.db") as store:
        holder.hold()
        report = await import_paths(
            store,
            [review_files(tmp_path / "in", 3)],
            bulk=False,
            waiting=Waiting(limit=60, notice=notice),
        )
    assert notices == ["waiting"]
    assert report.failures == []
    assert report.summary() == "3 added, 0 updated, 0 unchanged"
    assert titles(tmp_path / "busy.db") == ["Number 0", "Number 1", "Number 2"]


@pytest.mark.parametrize("bulk", [False, True])
async def test_an_import_gives_up_on_a_writer_that_stays_and_keeps_nothing(
    tmp_path: Path, holder: Holder, bulk: bool
) -> None:
    db = tmp_path / "busy.db"
    notices: list[str] = []
    async with ReviewStore.open(db) as store:
        holder.hold()
        with pytest.raises(ImportStopped) as stopped:
            await import_paths(
                store,
                [review_files(tmp_path / "in", 3)],
                bulk=bulk,
                waiting=Waiting(limit=0, notice=lambda: notices.append("waiting")),
            )
    message = (
        f"{db} stayed busy for 0 s: another import (or the bot) is writing to it;"
        " try again when it is done"
    )
    assert str(stopped.value) == message
    assert isinstance(stopped.value.problem, DatabaseBusyError)
    assert str(stopped.value.problem) == message
    assert stopped.value.kept is not bulk
    assert not any(stopped.value.report.counts.values())
    assert notices == ["waiting"]
    holder.let_go()
    assert titles(db) == []


async def test_an_import_gives_up_only_after_its_limit(tmp_path: Path, holder: Holder) -> None:
    db = tmp_path / "busy.db"
    notices: list[str] = []
    async with ReviewStore.open(db) as store:
        holder.hold()
        with pytest.raises(ImportStopped) as stopped:
            await import_paths(
                store,
                [review_files(tmp_path / "in", 1)],
                bulk=False,
                waiting=Waiting(limit=0.3, notice=lambda: notices.append("waiting")),
            )
    assert notices == ["waiting"]  # told once, however many tries
    assert str(stopped.value).startswith(f"{db} stayed busy for 0 s: ")


@pytest.mark.parametrize(
    ("catalogue_reviews", "server_reviews", "files", "bulk"),
    [
        (0, 0, 3, True),  # as many files as the threshold, into an empty store
        (0, 0, 2, False),  # fewer files than the threshold
        (0, 4, 3, False),  # fewer files than the server already sees
        (4, 0, 3, False),  # the catalogue counts: the server sees it too
        (0, 3, 3, True),  # as many files as the server sees
    ],
)
async def test_an_import_is_bulk_when_it_is_large_beside_what_the_server_sees(
    tmp_path: Path,
    holder: Holder,
    monkeypatch: pytest.MonkeyPatch,
    catalogue_reviews: int,
    server_reviews: int,
    files: int,
    bulk: bool,
) -> None:
    """Told apart by what a stop keeps: a bulk import is all or nothing."""
    monkeypatch.setattr(catalogue, "BULK_FROM", 3)
    async with ReviewStore.open(tmp_path / "busy.db") as store:
        for number in range(catalogue_reviews):
            await store.reviews.add(make_review(f"Shared {number}"))
        for number in range(server_reviews):
            await store.reviews.add(make_review(f"Own {number}", guild_id=GUILD))
        holder.hold()
        with pytest.raises(ImportStopped) as stopped:
            await import_paths(
                store, [review_files(tmp_path / "in", files)], GUILD, waiting=Waiting(limit=0)
            )
    assert stopped.value.kept is not bulk


async def test_progress_is_told_after_every_file(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    folder = review_files(tmp_path / "in", 3)
    write(folder / "r001.md", "no header\n")
    async with ReviewStore.open(tmp_path / "x.db") as store:
        report = await import_paths(store, [folder], progress=lambda *at: seen.append(at))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert report.summary() == "2 added, 0 updated, 0 unchanged, 1 file(s) failed"


async def test_a_file_the_database_refuses_fails_alone_and_the_batch_goes_on(
    tmp_path: Path,
) -> None:
    db = tmp_path / "x.db"
    async with ReviewStore.open(db):
        pass
    with closing(sqlite3.connect(db)) as raw, raw:  # a rule the operator added
        raw.execute(
            "CREATE TRIGGER no_poison BEFORE INSERT ON reviews WHEN NEW.title = 'Poison'"
            " BEGIN SELECT RAISE(ABORT, 'no poison here'); END"
        )
    folder = review_files(tmp_path / "in", 2)
    poison = write(folder / "poison.md", "---\ntitle: Poison\nrating: 1\n---\nx\n")
    async with ReviewStore.open(db) as store:
        report = await import_paths(store, [folder], bulk=False)
    assert report.failures == [f"{poison}: could not be stored (no poison here)"]
    assert report.summary() == "2 added, 0 updated, 0 unchanged, 1 file(s) failed"
    assert [(result, review.title) for result, review in report.stored] == [
        (ImportResult.ADDED, "Number 0"),
        (ImportResult.ADDED, "Number 1"),
    ]
    assert titles(db) == ["Number 0", "Number 1"]


def test_a_bulk_load_refused_at_its_end_is_one_line_and_keeps_nothing(shell: Shell) -> None:  # noqa: F811
    assert shell("import", review_files(shell.folder / "first", 1)).code == 0
    with closing(sqlite3.connect(shell.db)) as raw, raw:  # a rule the operator added
        raw.execute(
            "CREATE TRIGGER no_counting BEFORE INSERT ON review_counts"
            " BEGIN SELECT RAISE(ABORT, 'no counting here'); END"
        )
    before = titles(shell.db)
    ran = shell("import", "--bulk", review_files(shell.folder / "in", 2, start=10))
    assert ran.code == EXIT_FAILED
    assert ran.line == (
        "reviewbot import: failed unexpectedly (IntegrityError: no counting here);"
        " LOG_LEVEL=DEBUG shows where"
    )
    assert titles(shell.db) == before


async def test_a_new_database_gets_the_sample_and_the_log_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sample = review_files(tmp_path / "sample", 2)
    caplog.set_level(logging.INFO, logger="reviewbot.catalogue")
    async with ReviewStore.open(tmp_path / "x.db") as store:
        report = await load_sample_if_new(store, sample)
    assert report is not None and report.summary() == "2 added, 0 updated, 0 unchanged"
    assert [r.getMessage() for r in caplog.records if r.name == "reviewbot.catalogue"] == [
        f"Loaded the sample catalogue from {sample}: 2 added, 0 updated, 0 unchanged"
    ]
    async with ReviewStore.open(tmp_path / "x.db") as store:
        assert await load_sample_if_new(store, sample) is None
