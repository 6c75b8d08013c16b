"""Loading review files into the store and writing the store back out as files."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .files import (
    FileError,
    FileReview,
    export_file_name,
    find_review_files,
    read_review_file,
    review_to_markdown,
)
from .review import Review
from .store import ImportResult, ReviewStore

log = logging.getLogger(__name__)

BATCH_FILES = 500  # files per transaction: a crash loses at most this batch, never part of a file
BULK_FROM = 10_000  # files from which an import into a store no larger is loaded in one go


@dataclass
class ImportReport:
    counts: dict[ImportResult, int] = field(default_factory=lambda: dict.fromkeys(ImportResult, 0))
    failures: list[str] = field(default_factory=list)
    stored: list[tuple[ImportResult, Review]] = field(default_factory=list)

    @property
    def files_failed(self) -> int:
        return len(self.failures)

    def summary(self) -> str:
        parts = [f"{n:,} {result.value}" for result, n in self.counts.items()]
        if self.failures:
            parts.append(f"{len(self.failures):,} file(s) failed")
        return ", ".join(parts)


Progress = Callable[[int, int], None]


async def import_paths(
    store: ReviewStore,
    paths: Iterable[Path],
    guild_id: int | None = None,
    progress: Progress | None = None,
    *,
    bulk: bool | None = None,
) -> ImportReport:
    """Import every review file under `paths`; each file is stored whole or not at all.

    Files are stored in batches, one transaction each, so an interrupted import keeps the
    batches already done. A bulk import (`bulk=True`, or by default a load of at least
    `BULK_FROM` files and at least as many as are stored) is one transaction that rebuilds the
    full-text indexes at the end: faster, and an interruption leaves the database as it was.
    """
    files = list(find_review_files(paths))
    if bulk is None:
        bulk = len(files) >= max(BULK_FROM, await store.reviews.count(guild_id))
    if bulk:
        async with store.imports.bulk_load():
            return await _import_files(store, files, guild_id, progress)
    return await _import_files(store, files, guild_id, progress)


async def _import_files(
    store: ReviewStore, files: list[Path], guild_id: int | None, progress: Progress | None
) -> ImportReport:
    report = ImportReport()
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
            await _store_batch(store, batch, report)
            batch = []
        if progress:
            progress(done, len(files))
    return report


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
    store: ReviewStore, batch: list[tuple[Path, list[FileReview]]], report: ImportReport
) -> None:
    if not batch:
        return
    try:
        outcomes = await store.imports.add_or_update(
            [(item.review, item.dated) for _, reviews in batch for item in reviews]
        )
    except Exception:
        if len(batch) == 1:
            path = batch[0][0]
            log.exception("Could not store %s", path)
            report.failures.append(f"{path}: could not be stored (see the log)")
            return
        # Find the file at fault by storing the batch one file at a time.
        for one in batch:
            await _store_batch(store, [one], report)
        return
    for result, review in outcomes:
        report.counts[result] += 1
        report.stored.append((result, review))


async def export_catalogue(store: ReviewStore, folder: Path, guild_id: int | None = None) -> int:
    """Write every review of one scope as a Markdown file in `folder`; returns how many."""
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    async for review in store.reviews.all(guild_id):
        written += 1
        (folder / export_file_name(written, review)).write_text(
            review_to_markdown(review), encoding="utf-8", newline="\n"
        )
    return written


async def load_sample_if_new(store: ReviewStore, catalogue: Path) -> ImportReport | None:
    """Fill a database created just now with the sample catalogue; None when nothing was done."""
    if not store.created or not catalogue.is_dir():
        return None
    report = await import_paths(store, [catalogue])
    log.info("Loaded the sample catalogue from %s: %s", catalogue, report.summary())
    return report
