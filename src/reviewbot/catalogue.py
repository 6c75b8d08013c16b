"""Loading review files into the store and writing the store back out as files."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from .files import (
    FileError,
    FileReview,
    export_file_name,
    find_review_files,
    read_review_file,
    review_to_markdown,
)
from .review import Review
from .store import (
    DatabaseBusyError,
    ImportResult,
    ReviewStore,
    StoreError,
    database_problem,
)
from .store.schema import BUSY_TIMEOUT_MS

log = logging.getLogger(__name__)

BATCH_FILES = 500  # files per transaction: a crash loses at most this batch, never part of a file
BULK_FROM = 10_000  # files from which an import into a store no larger is loaded in one go


@dataclass
class ImportReport:
    counts: dict[ImportResult, int] = field(default_factory=lambda: dict.fromkeys(ImportResult, 0))
    failures: list[str] = field(default_factory=list)
    stored: list[tuple[ImportResult, Review]] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{n:,} {result.value}" for result, n in self.counts.items()]
        if self.failures:
            parts.append(f"{len(self.failures):,} file(s) failed")
        return ", ".join(parts)


Progress = Callable[[int, int], None]
T = TypeVar("T")


@dataclass(frozen=True)
class Waiting:
    """How long an import waits for another writer (an import, the bot), and who is told."""

    limit: float = 300.0  # seconds in all, from the first try that found the database busy
    notice: Callable[[], None] = lambda: None


class ImportStopped(Exception):
    """The database took no more (full disk, read-only, busy too long): the import ended early.

    `report` counts what was stored before; nothing of it is kept when `kept` is False (a bulk
    import is one transaction, undone whole).
    """

    def __init__(self, problem: StoreError, report: ImportReport, *, kept: bool) -> None:
        super().__init__(str(problem))
        self.problem = problem
        self.report = report
        self.kept = kept


async def import_paths(
    store: ReviewStore,
    paths: Iterable[Path],
    guild_id: int | None = None,
    progress: Progress | None = None,
    *,
    bulk: bool | None = None,
    waiting: Waiting = Waiting(),
) -> ImportReport:
    """Import every review file under `paths`; each file is stored whole or not at all.

    Files are stored in batches, one transaction each, so an interrupted import keeps the
    batches already done. A bulk import (`bulk=True`, or by default a load of at least
    `BULK_FROM` files and at least as many as are stored) is one transaction that rebuilds the
    full-text indexes at the end: faster, and an interruption leaves the database as it was.
    A file that cannot be stored is reported and the others go on; a database that can take
    no more stops the import with `ImportStopped`.
    """
    files = list(find_review_files(paths))
    if bulk is None:
        bulk = len(files) >= max(BULK_FROM, await store.reviews.count(guild_id))
    report = ImportReport()
    try:
        if bulk:
            async with AsyncExitStack() as stack:
                await write_when_free(
                    store, lambda: stack.enter_async_context(store.imports.bulk_load()), waiting
                )
                await _import_files(store, files, guild_id, progress, report, waiting)
        else:
            await _import_files(store, files, guild_id, progress, report, waiting)
    except StoreError as problem:
        raise ImportStopped(problem, report, kept=not bulk) from problem
    except sqlite3.Error as error:  # from the bulk load's own work, at its end
        found = database_problem(store.path, error)
        if found is None:
            raise
        raise ImportStopped(found, report, kept=not bulk) from error
    return report


async def write_when_free(
    store: ReviewStore, write: Callable[[], Awaitable[T]], waiting: Waiting
) -> T:
    """`write()`, tried again while another connection holds the write lock, up to a limit.

    A failure of the database itself (full disk, read-only) raises `StoreError`.
    """
    busy_since: float | None = None
    while True:
        try:
            return await write()
        except sqlite3.Error as error:
            problem = database_problem(store.path, error)
            if problem is None:
                raise
            if not isinstance(problem, DatabaseBusyError):
                raise problem from error
            now = time.monotonic()
            if busy_since is None:
                busy_since = now - BUSY_TIMEOUT_MS / 1000  # each try waits that long first
                waiting.notice()
            if now - busy_since >= waiting.limit:
                raise DatabaseBusyError(
                    f"{store.path} stayed busy for {now - busy_since:.0f} s: another import"
                    " (or the bot) is writing to it; try again when it is done"
                ) from error


async def _import_files(
    store: ReviewStore,
    files: list[Path],
    guild_id: int | None,
    progress: Progress | None,
    report: ImportReport,
    waiting: Waiting,
) -> None:
    seen: dict[tuple[int | None, str, str], Path] = {}
    batch: list[tuple[Path, list[FileReview]]] = []
    for done, path in enumerate(files, start=1):
        try:
            reviews = read_review_file(path, guild_id)
            _check_not_seen(path, reviews, seen)
        except FileError as error:
            report.failures.append(str(error))
        else:
            batch.append((path, reviews))
        if len(batch) >= BATCH_FILES or done == len(files):
            await _store_batch(store, batch, report, waiting)
            batch = []
        if progress:
            progress(done, len(files))


def _check_not_seen(
    path: Path, reviews: list[FileReview], seen: dict[tuple[int | None, str, str], Path]
) -> None:
    for item in reviews:
        first = seen.setdefault(item.review.identity, path)
        if first != path:
            raise FileError(
                path, f"“{item.review.title}” with the same creator is already in {first}"
            )


async def _store_batch(
    store: ReviewStore,
    batch: list[tuple[Path, list[FileReview]]],
    report: ImportReport,
    waiting: Waiting,
) -> None:
    if not batch:
        return
    items = [(item.review, item.dated) for _, reviews in batch for item in reviews]
    try:
        outcomes = await write_when_free(store, lambda: store.imports.add_or_update(items), waiting)
    except StoreError:
        raise
    except Exception as error:
        if len(batch) == 1:
            path = batch[0][0]
            log.debug("Could not store %s", path, exc_info=True)
            report.failures.append(f"{path}: could not be stored ({error})")
            return
        # Find the file at fault by storing the batch one file at a time.
        for one in batch:
            await _store_batch(store, [one], report, waiting)
        return
    for result, review in outcomes:
        report.counts[result] += 1
        report.stored.append((result, review))


class ExportError(Exception):
    """The export cannot be written as asked; the message is one line saying what to do."""


# The names `export_file_name` gives, and those of the temporary files they are written as.
_EXPORTED = re.compile(r"\d{6,}-[a-z0-9-]+\.md")
_TEMPORARY = re.compile(r"\.\d{6,}-[a-z0-9-]+\.md\.[0-9a-f]{16}\.tmp")


async def export_catalogue(
    store: ReviewStore, folder: Path, guild_id: int | None = None, *, force: bool = False
) -> int:
    """Write every review of one scope as a Markdown file in `folder`; returns how many.

    The folder must be empty or hold only the files this export writes (the same export,
    written again); with `force` it may hold other files, which are left alone, except files
    of an earlier export that this one does not write, which are removed. Every file is first
    written under a temporary name and flushed to disk; only when all are written are they
    renamed into place, so a failed export leaves the folder as it was. No symbolic link is
    followed or replaced.
    """
    made = _export_folder(folder)
    before = _entries(folder)
    if not force:
        others = sorted(name for name in before if not _EXPORTED.fullmatch(name))
        if others:
            _remove_folder_if_made(folder, made)
            raise _not_only_this_export(folder, others)
    written: list[tuple[Path, str]] = []  # (temporary file, final name)
    renamed = 0
    try:
        async for review in store.reviews.all(guild_id):
            name = export_file_name(len(written) + 1, review)
            _check_file_place(folder / name, before.get(name))
            written.append((_write_temporary(folder, name, review_to_markdown(review)), name))
        names = {name for _, name in written}
        stale = sorted(name for name in before if name not in names)
        if stale and not force:
            raise _not_only_this_export(folder, stale)
        for temporary, name in written:
            _check_file_place(folder / name, None)
            os.replace(temporary, folder / name)
            renamed += 1
    except BaseException as error:
        for temporary, _ in written[renamed:]:
            temporary.unlink(missing_ok=True)
        _remove_folder_if_made(folder, made)
        if isinstance(error, OSError):
            done = f"only {renamed:,} of {len(written):,} files" if renamed else "nothing"
            raise ExportError(
                f"could not write to {folder} ({error.strerror}); {done} was exported"
            ) from error
        raise
    for name in stale:
        entry = before[name]
        if (_EXPORTED.fullmatch(name) or _TEMPORARY.fullmatch(name)) and entry.is_file(
            follow_symlinks=False
        ):
            (folder / name).unlink(missing_ok=True)
    _sync_folder(folder)
    return len(written)


def _export_folder(folder: Path) -> bool:
    """Make the export folder if need be; True when this made it."""
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder} is a file, not a folder: give a folder to export into")
    if folder.is_dir():
        return False
    try:
        folder.mkdir(parents=True)
    except OSError as error:
        raise ExportError(f"cannot make the folder {folder} ({error.strerror})") from error
    return True


def _remove_folder_if_made(folder: Path, made: bool) -> None:
    if made:
        with contextlib.suppress(OSError):
            folder.rmdir()


def _entries(folder: Path) -> dict[str, os.DirEntry[str]]:
    with os.scandir(folder) as entries:
        return {entry.name: entry for entry in entries}


def _not_only_this_export(folder: Path, names: list[str]) -> ExportError:
    return ExportError(
        f"{folder} holds {len(names):,} file(s) that are not this export (such as {names[0]}):"
        " export into an empty folder, or give --force to write over an earlier export there"
    )


def _check_file_place(path: Path, entry: os.DirEntry[str] | None) -> None:
    """A file is written only where there is nothing, or a plain file of an earlier export."""
    if path.is_symlink():
        raise ExportError(
            f"{path} is a symbolic link: remove it, or export into another folder;"
            " nothing was exported"
        )
    if (entry is not None and entry.is_dir(follow_symlinks=False)) or path.is_dir():
        raise ExportError(
            f"{path} is a folder where a review file would go: move it, or export into another"
            " folder; nothing was exported"
        )


def _write_temporary(folder: Path, name: str, text: str) -> Path:
    """`text` in a new hidden file beside where `name` goes, flushed to the disk."""
    data = text.encode("utf-8")
    while True:
        temporary = folder / f".{name}.{secrets.token_hex(8)}.tmp"
        try:
            # O_EXCL: a name already taken, even by a link, is never opened or followed.
            descriptor = os.open(
                temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666
            )
        except FileExistsError:
            continue
        break
    try:
        with open(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _sync_folder(folder: Path) -> None:
    """Make the renames durable; not every system can open a folder to sync it."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


async def load_sample_if_new(store: ReviewStore, catalogue: Path) -> ImportReport | None:
    """Fill a database created just now with the sample catalogue; None when nothing was done."""
    if not store.created or not catalogue.is_dir():
        return None
    report = await import_paths(store, [catalogue])
    log.info("Loaded the sample catalogue from %s: %s", catalogue, report.summary())
    return report
