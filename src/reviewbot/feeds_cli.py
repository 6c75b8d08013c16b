"""`reviewbot feed …`; `reviewbot import` of a feed's URL or a Letterboxd or Goodreads export."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .config import Settings
from .errors import UserError
from .feeds.exports import read_export
from .feeds.fetch import Fetcher
from .feeds.follow import Follower
from .files import FileError
from .review import Category, printable
from .store import Feed, ImportResult, ReviewStore

EXIT_OK, EXIT_NOT_FOUND, EXIT_FAILED = 0, 1, 3


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def _follower(store: ReviewStore, settings: Settings, fetcher: Fetcher) -> Follower:
    return Follower(store, fetcher, interval=settings.feed_interval)


def _fail(command: str, error: Exception | str) -> None:
    print(f"reviewbot {command}: {printable(str(error))}", file=sys.stderr)


async def feed_command(store: ReviewStore, args: argparse.Namespace, settings: Settings) -> int:
    command = f"feed {args.action}"
    async with Fetcher(allow_private=settings.feeds_allow_private) as fetcher:
        follower = _follower(store, settings, fetcher)
        try:
            if args.action == "add":
                feed, applied = await follower.add(
                    args.url,
                    guild_id=args.guild,
                    channel_id=args.channel,
                    category=args.category or Category.OTHER,
                )
                where = f"server {args.guild}" if args.guild else "the catalogue"
                print(
                    f"Following {feed.url} ({feed.title or 'untitled'}) for {where}:"
                    f" {applied.added:,} review(s) joined quietly, {applied.skipped:,} entr(ies)"
                    " skipped (not reviews). New entries are announced from now on"
                    + (" (the catalogue announces nowhere)." if args.guild is None else ".")
                )
                return EXIT_OK
            if args.action == "list":
                feeds = await store.feeds.followed(args.guild)
                if not feeds:
                    print("No feeds are followed here. Add one with `reviewbot feed add URL`.")
                for feed in feeds:
                    print(feed_line(feed))
                return EXIT_OK
            if args.action == "remove":
                feed = await follower.remove(args.guild, args.url)
                print(f"Stopped following {feed.url}; its reviews stay.")
                return EXIT_OK
            outcome = await follower.check(args.guild, args.url)
        except UserError as error:
            _fail(command, error)
            return EXIT_NOT_FOUND if "No feed with that address" in str(error) else EXIT_FAILED
    if outcome.error:
        _fail(command, outcome.summary())
        return EXIT_FAILED
    print(f"Checked {outcome.feed.url}: {outcome.summary()}")
    return EXIT_OK


def feed_line(feed: Feed) -> str:
    """One feed's health in a line of the terminal."""
    fetched = (
        f"last fetched {feed.last_fetch_at:%Y-%m-%d %H:%M} UTC (HTTP {feed.last_status or '-'})"
        if feed.last_fetch_at
        else "never fetched"
    )
    state = "PAUSED" if feed.paused else f"next poll {feed.next_poll_at:%Y-%m-%d %H:%M} UTC"
    parts = [
        feed.url,
        feed.category.value,
        fetched,
        f"{feed.entries_seen:,} entries seen",
        f"{feed.failures} failure(s) in a row",
        state,
    ]
    if feed.last_error:
        parts.append(f"error: {feed.last_error}")
    if feed.note:
        parts.append(f"note: {feed.note}")
    return printable("  ·  ".join(parts))


async def import_feeds(
    store: ReviewStore, urls: Sequence[str], args: argparse.Namespace, settings: Settings
) -> bool:
    """Import each feed once; True if any failed (each failure is one line)."""
    if not urls:
        return False
    failed = False
    async with Fetcher(allow_private=settings.feeds_allow_private) as fetcher:
        follower = _follower(store, settings, fetcher)
        for url in urls:
            try:
                outcome = await follower.import_url(
                    url,
                    guild_id=args.guild,
                    category=args.category or Category.OTHER,
                    walk_all=args.all_pages,
                )
            except UserError as error:
                print(f"error: {printable(url)}: {printable(str(error))}", file=sys.stderr)
                failed = True
                continue
            print(f"Imported {url}: {outcome.summary()}.")
    return failed


async def import_exports(store: ReviewStore, paths: Sequence[Path], guild_id: int | None) -> bool:
    """Import each Letterboxd or Goodreads export whole or not at all; True if any failed."""
    failed = False
    for path in paths:
        try:
            export = read_export(path, guild_id)
        except FileError as error:
            print(f"error: {error}", file=sys.stderr)
            failed = True
            continue
        counts = dict.fromkeys(ImportResult, 0)
        for result, _ in await store.imports.add_or_update(export.reviews):
            counts[result] += 1
        summary = ", ".join(f"{n:,} {result.value}" for result, n in counts.items())
        print(
            f"Imported {printable(str(path))} ({export.kind}): {summary},"
            f" {export.skipped:,} skipped (no review text or rating, or an older review of the"
            " same work)."
        )
    return failed
