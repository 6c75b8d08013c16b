"""The `reviewbot` command: run the bot, and look after the catalogue from a terminal."""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import shutil
import sqlite3
import sys
import textwrap
from collections.abc import Sequence
from contextlib import AsyncExitStack
from pathlib import Path

from .catalogue import (
    ExportError,
    ImportReport,
    ImportStopped,
    Waiting,
    export_catalogue,
    import_paths,
    load_sample_if_new,
    write_when_free,
)
from .cli_args import CREATING, READING, parser
from .config import ConfigError, Settings, database_url, load_settings
from .feeds.exports import is_export
from .feeds_cli import feed_command, import_exports, import_feeds, is_url
from .review import Review, ReviewSummary
from .store import ImportResult, NoDatabaseError, ReviewStore, StoreError, database_problem

log = logging.getLogger(__name__)

EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3


def main(argv: Sequence[str] | None = None) -> int:
    _escape_what_cannot_be_printed()
    args = parser().parse_args(argv)
    if args.command == "feed" and getattr(args, "channel", None) and args.guild is None:
        print("reviewbot feed add: --channel needs --guild ID (its server)", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "import" and args.announce and args.guild is None:
        print(
            "reviewbot import: --announce needs --guild ID (the server to post in)", file=sys.stderr
        )
        return EXIT_USAGE
    try:
        settings = load_settings(need_token=args.command in {"run", "sync"})
    except ConfigError as error:
        print(f"reviewbot: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.db is not None:
        try:
            settings = _with_database(settings, args.db)
        except ValueError as error:
            print(f"reviewbot: --db {error}", file=sys.stderr)
            return EXIT_USAGE
    try:
        if args.command in {"run", "sync"}:  # these set up discord.py's logging themselves
            from .bot import run_bot, sync_commands  # Discord is imported only when it is needed

            if args.command == "run":
                return run_bot(settings)
            return sync_commands(settings, args.guild)
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)-8s %(name)s: %(message)s"
        )
        return asyncio.run(_catalogue_command(args, settings))
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        print(f"reviewbot {args.command}: {_explain(error, settings)}", file=sys.stderr)
        return EXIT_FAILED


def _escape_what_cannot_be_printed() -> None:
    """Show what the terminal cannot encode (a file name in another encoding) as escapes."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="backslashreplace")


def _explain(error: Exception, settings: Settings) -> str:
    """One line for the terminal; the traceback of an unexpected error only at DEBUG level."""
    if isinstance(error, StoreError | ExportError):
        return str(error)
    if isinstance(error, ImportStopped):
        return _stopped(error)
    if isinstance(error, sqlite3.Error):
        problem = database_problem(settings.database_name, error)
        if problem is not None:
            return str(problem)
    elif isinstance(error, OSError) and error.filename is not None:
        return f"{error.filename}: {error.strerror}"
    log.debug("Unexpected error", exc_info=error)
    return f"failed unexpectedly ({type(error).__name__}: {error}); LOG_LEVEL=DEBUG shows where"


def _with_database(settings: Settings, database: str) -> Settings:
    """The settings with --db's catalogue: a PostgreSQL URL (checked), else a file."""
    from dataclasses import replace

    if "://" in database:  # a URL, never taken for a file's name
        return replace(settings, database_url=database_url(database))
    return replace(settings, database=Path(database), database_url=None)


def _stopped(stopped: ImportStopped) -> str:
    if not stopped.kept:
        return f"stopped: {stopped.problem}. Nothing was imported (a bulk import is all or nothing)"
    if not any(stopped.report.counts.values()):
        return f"stopped: {stopped.problem}. Nothing was imported"
    return f"stopped: {stopped.problem}. Kept what was imported before ({stopped.report.summary()})"


async def _catalogue_command(args: argparse.Namespace, settings: Settings) -> int:
    async with AsyncExitStack() as stack:
        store = await _open_store(stack, args.command, settings.store_target)
        if args.command in CREATING:
            report = await load_sample_if_new(store, settings.catalogue)
            if report is not None:
                print(
                    f"Loaded the sample catalogue into {settings.database_name}.", file=sys.stderr
                )
        if args.command == "import":
            return await _import(store, args, settings)
        if args.command == "feed":
            return await feed_command(store, args, settings)
        if args.command == "export":
            written = await export_catalogue(store, args.folder, args.guild, force=args.force)
            print(f"Wrote {written:,} review file(s) to {args.folder}")
            return EXIT_OK
        if args.command == "search":
            return await _search(store, " ".join(args.query), args.guild, args.limit)
        if args.command == "show":
            return await _show(store, " ".join(args.title), args.guild)
        if args.command == "migrate-to":
            return await _migrate_to(store, args.target, settings)
        if args.command == "backup":
            await store.backup(args.destination)
            print(f"Backed up {settings.database_name} to {args.destination}")
            return EXIT_OK
    raise AssertionError(args.command)


async def _open_store(stack: AsyncExitStack, command: str, database: str | Path) -> ReviewStore:
    if command in READING:
        try:
            return await stack.enter_async_context(ReviewStore.open(database, read_only=True))
        except NoDatabaseError:
            if command not in CREATING:
                raise
    return await stack.enter_async_context(ReviewStore.open(database))


async def _migrate_to(source: ReviewStore, target: str, settings: Settings) -> int:
    """`reviewbot migrate-to TARGET`: every row of the catalogue, copied into an empty one."""
    from .store.transfer import copy_catalogue

    try:
        into = Settings(token=None, database_url=database_url(target)) if "://" in target else None
    except ValueError as error:
        raise StoreError(f"the target {error}") from None
    destination: str | Path = into.store_target if into else Path(target)
    same = (
        destination == settings.database_url
        if into
        else settings.database_url is None and _same_file(Path(target), settings.database)
    )
    if same:
        raise StoreError(f"{target} is the catalogue itself: give another database to copy into")
    name = into.database_name if into else target
    async with ReviewStore.open(destination) as copy:
        counts = await copy_catalogue(source, copy)
    others = sum(counts.values()) - counts["reviews"]
    print(
        f"Copied {counts['reviews']:,} review(s) and {others:,} other row(s)"
        f" from {settings.database_name} to {name}."
    )
    return EXIT_OK


def _same_file(one: Path, other: Path) -> bool:
    return one.exists() and other.exists() and one.samefile(other)


async def _import(store: ReviewStore, args: argparse.Namespace, settings: Settings) -> int:
    urls = [a for a in args.paths if is_url(a)]
    paths = [Path(a) for a in args.paths if not is_url(a)]
    exports = [p for p in paths if is_export(p) and not p.is_dir()]
    files = [p for p in paths if p not in exports]
    failed = await import_feeds(store, urls, args, settings)
    failed |= await import_exports(store, exports, args.guild)
    if not files:
        return EXIT_FAILED if failed else EXIT_OK
    status = await _import_files(store, args, files)
    return EXIT_FAILED if failed else status


async def _import_files(store: ReviewStore, args: argparse.Namespace, paths: list[Path]) -> int:
    progress = _ProgressBar() if sys.stderr.isatty() else None

    def notice() -> None:
        if progress:
            progress.finish()
        print(
            f"reviewbot import: another import (or the bot) is writing to {store.path};"
            f" waiting (up to {args.wait:,} s)…",
            file=sys.stderr,
            flush=True,
        )

    waiting = Waiting(limit=args.wait, notice=notice)
    try:
        report: ImportReport = await import_paths(
            store, paths, args.guild, progress, bulk=args.bulk, waiting=waiting
        )
    except ImportStopped as stopped:
        if progress:
            progress.finish()
        for failure in stopped.report.failures:
            print(f"error: {failure}", file=sys.stderr)
        raise
    if progress:
        progress.finish()
    for failure in report.failures:
        print(f"error: {failure}", file=sys.stderr)
    print(f"Imported: {report.summary()}.")
    if args.announce:
        added = [r.id for result, r in report.stored if result is ImportResult.ADDED and r.id]
        guild = args.guild
        queued = await write_when_free(store, lambda: store.posts.queue(guild, added), waiting)
        print(f"Queued {queued:,} new review(s) to be posted in server {args.guild}.")
    return EXIT_FAILED if report.failures else EXIT_OK


class _ProgressBar:
    """A one-line progress bar on the terminal, for imports of many files."""

    SHOW_FROM = 200  # files; small imports finish before a bar would help

    def __init__(self) -> None:
        self._shown = -1

    def __call__(self, done: int, total: int) -> None:
        if total < self.SHOW_FROM:
            return
        percent = done * 100 // total
        if percent == self._shown:
            return
        self._shown = percent
        width = 30
        filled = width * done // total
        bar = "█" * filled + "·" * (width - filled)
        print(f"\r{bar} {percent:3d}%  {done:,}/{total:,} files", end="", file=sys.stderr)

    def finish(self) -> None:
        if self._shown >= 0:
            print(file=sys.stderr)


async def _search(store: ReviewStore, query: str, guild_id: int | None, limit: int) -> int:
    from .errors import did_you_mean

    hits = await store.search(query, guild_id=guild_id, limit=limit)
    if not hits:
        suggestions = await store.search.suggest(query, guild_id)
        print(f"No reviews match “{query}”.")
        if suggestions:
            print(did_you_mean(suggestions))
        return EXIT_NOT_FOUND
    for number, hit in enumerate(hits, start=1):
        print(_hit_line(number, hit))
    return EXIT_OK


def _hit_line(number: int, hit: ReviewSummary) -> str:
    from .labels import with_creator

    work = with_creator(hit.title, hit.creator)
    return f"{number:>3}. {hit.rating}  {work}  ({hit.category}, {hit.published_at:%Y-%m-%d})"


async def _show(store: ReviewStore, title: str, guild_id: int | None) -> int:
    from .errors import ReviewNotFoundError

    try:
        found = await store.reviews.resolve_title(title, guild_id)
    except ReviewNotFoundError as error:
        print(error)
        return EXIT_NOT_FOUND
    print(_format_review(found.review, f"{found.position:,} of {found.total:,}"))
    return EXIT_OK


def _format_review(review: Review, place: str) -> str:
    width = min(shutil.get_terminal_size((88, 24)).columns, 88)
    by = f" — {review.creator}" if review.creator else ""
    lines = [
        f"{review.title}{by}",
        f"{review.rating}  {review.category}  ·  {review.published_at:%Y-%m-%d}  ·  {place}",
        "",
    ]
    if review.spoiler:
        lines += ["(The whole review is marked as a spoiler.)", ""]
    for paragraph in review.body.split("\n\n"):
        lines += [textwrap.fill(line, width) or "" for line in paragraph.split("\n")]
        lines.append("")
    signed = [f"— {review.author_name}"] if review.author_name else []
    links = [
        f"{label}: {url}"
        for label, url in (("Link", review.url), ("Cover", review.image_url))
        if url
    ]
    return "\n".join(lines + signed + links).rstrip() + "\n"
