"""Fixtures for tests that use a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reviewbot.review import Review
from reviewbot.store import ReviewStore

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
