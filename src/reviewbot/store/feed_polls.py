"""Feeds' values and the steps that store a poll, alike on either engine; each does the SQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..errors import UserError
from ..review import Category, Review, shown
from .imports import ImportResult
from .rows import guild, optional_time

FLOOD_LIMIT = 3  # more new entries than this in one poll: announce only the newest


class FeedExistsError(UserError):
    def __init__(self, url: str) -> None:
        super().__init__(f"This feed is already followed here: {shown(url, 200)}")


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry of a feed, ready to store: the key that recognises it, a digest of what it
    says, and the review it is (None when it is not a review, with `skipped` saying why)."""

    key: str
    digest: str
    review: Review | None
    dated: bool = True
    skipped: str | None = None


@dataclass(frozen=True, slots=True)
class FetchState:
    """What a fetch said that the next one sends back or compares with."""

    status: int
    etag: str | None = None
    last_modified: str | None = None
    body_digest: str | None = None


@dataclass(frozen=True, slots=True)
class Feed:
    id: int
    guild_id: int | None  # None: the operator's catalogue
    url: str
    channel_id: int | None
    category: Category
    title: str | None
    etag: str | None
    last_modified: str | None
    body_digest: str | None
    last_fetch_at: datetime | None
    last_status: int | None
    last_new_at: datetime | None
    failures: int
    paused: bool
    next_poll_at: datetime
    last_error: str | None
    note: str | None
    created_at: datetime
    entries_seen: int = 0


@dataclass
class Applied:
    """What storing one poll's entries did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    announced: list[Review] = field(default_factory=list)
    new: list[Review] = field(default_factory=list)  # entries never seen before, now reviews
    problems: list[str] = field(default_factory=list)
    note: str | None = None


def read_feed(row: Sequence[Any], read_time: Callable[[Any], Any] = optional_time) -> Feed:
    """A row read with the feed columns as a feed; `read_time` turns the engine's stored time
    (None kept) into a datetime."""
    return Feed(
        id=row[0],
        guild_id=guild(row[1]),
        url=row[2],
        channel_id=row[3],
        category=Category(row[4]),
        title=row[5],
        etag=row[6],
        last_modified=row[7],
        body_digest=row[8],
        last_fetch_at=read_time(row[9]),
        last_status=row[10],
        last_new_at=read_time(row[11]),
        failures=row[12],
        paused=bool(row[13]),
        next_poll_at=read_time(row[14]),
        last_error=row[15],
        note=row[16],
        created_at=read_time(row[17]),
        entries_seen=row[18],
    )


Known = dict[str, tuple[int | None, str]]  # entry key: (the review it became, its digest)


def unique_entries(entries: Sequence[FeedEntry]) -> list[FeedEntry]:
    """The entries in feed order, each key once: a key listed twice keeps its last entry."""
    return list({entry.key: entry for entry in reversed(entries)}.values())[::-1]


async def store_entries(
    entries: Sequence[FeedEntry],
    known: Known,
    *,
    savepoint: Callable[[], AbstractAsyncContextManager[Any]],
    store_review: Callable[
        [FeedEntry, int | None, tuple[int | None, str] | None, Applied], Awaitable[int]
    ],
    remember: Callable[[FeedEntry, int | None], Awaitable[Any]],
) -> Applied:
    """Walk a poll's unique entries: skip the unchanged, store each review in a savepoint of
    its own, and remember every entry stored; the engine supplies the three steps."""
    applied = Applied()
    for entry in entries:
        old = known.get(entry.key)
        if old is not None and old[1] == entry.digest:
            applied.unchanged += 1
            continue
        review_id = old[0] if old is not None else None
        if entry.review is None:
            applied.skipped += 1
        else:
            try:
                async with savepoint():  # one entry fails alone
                    review_id = await store_review(entry, review_id, old, applied)
            except UserError as error:  # e.g. retitled to a title another review has
                applied.problems.append(f"“{shown(entry.review.title)}”: {error}")
                continue  # not remembered: tried again at the next poll
        await remember(entry, review_id)
    return applied


def count_import(
    applied: Applied,
    result: ImportResult,
    stored_review: Review,
    old: tuple[int | None, str] | None,
) -> int:
    """Count what importing an entry's review did; a review added for an entry never seen
    before is new. Returns the review's id."""
    if result is ImportResult.ADDED:
        applied.added += 1
        if old is None:
            applied.new.append(stored_review)
    elif result is ImportResult.UPDATED:
        applied.updated += 1
    else:
        applied.unchanged += 1
    return stored_review.stored_id


def success_note(applied: Applied) -> str | None:
    """The note a successful poll leaves on the feed, if it has one."""
    return applied.note or ("; ".join(applied.problems)[:1000] if applied.problems else None)


def to_announce(applied: Applied) -> list[Review]:
    """The new reviews to announce, oldest first: only the newest in a flood, with a note
    saying so."""
    fresh = sorted(applied.new, key=lambda r: (r.published_at, r.stored_id))
    if len(fresh) > FLOOD_LIMIT:
        newest = fresh[-1]
        applied.note = (
            f"{len(fresh)} new entries appeared at once (did the blog change its entry"
            f" ids?): only the newest, “{shown(newest.title)}”, was announced; the others"
            " joined quietly."
        )
        fresh = [newest]
    applied.announced = fresh
    return fresh
