"""Fixtures for tests that use a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reviewbot.review import Review, ReviewSummary, normalise
from reviewbot.store import ReviewStore
from reviewbot.store.rows import SUMMARY, VISIBLE, scope, summary

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def make_review(title: str, **fields: Any) -> Review:
    """A valid review with sensible defaults; `day` offsets published_at from EPOCH."""
    day = fields.pop("day", 0)
    fields.setdefault("published_at", EPOCH + timedelta(days=day))
    fields.setdefault("rating", "4")
    fields.setdefault("body", f"A review of {title}.")
    return Review.create(title=title, **fields)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "reviews.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[ReviewStore]:
    async with ReviewStore.open(db_path) as opened:
        yield opened


AddMany = Callable[..., Any]


def find_title(store: ReviewStore, title: str, guild_id: int | None) -> list[ReviewSummary]:
    """Every review titled `title` (ignoring case, accents and spacing) that the server sees,
    newest first: what the tests check title lookups against."""
    found = store.db.read(
        f"SELECT {SUMMARY} FROM reviews r WHERE {VISIBLE} AND r.title_norm = :text"  # noqa: S608
        " ORDER BY r.published_at DESC, r.id DESC",
        {"guild": scope(guild_id), "text": normalise(title)},
    )
    return [summary(row) for row in found]


def integrity_check(store: ReviewStore) -> list[str]:
    """SQLite's own check of the whole file: ["ok"] when sound."""
    return [row[0] for row in store.db.read("PRAGMA integrity_check")]
