"""An SQLite file: given as text, backed up when the last step fails, read past a budget."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from reviewbot.store import ReviewStore, StoreError
from reviewbot.store import db as store_db

from .store_fixtures import make_review


async def test_a_backup_that_cannot_be_put_in_place_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copies = tmp_path / "copies"
    copies.mkdir()
    destination = copies / "copy.db"

    def disk_full(source: str | Path, target: str | Path) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    async with ReviewStore.open(tmp_path / "x.db") as store:
        await store.reviews.add(make_review("Her"))
        monkeypatch.setattr(os, "replace", disk_full)
        with pytest.raises(StoreError) as refused:
            await store.backup(destination)
        monkeypatch.undo()
        assert str(refused.value) == (
            f"cannot write the backup {destination} ({os.strerror(errno.ENOSPC)})"
        )
        assert list(copies.iterdir()) == []
        assert await store.backup(destination) == destination
    async with ReviewStore.open(destination, read_only=True) as copy:
        assert [review.title async for review in copy.reviews.all()] == ["Her"]


async def test_a_read_past_its_budget_is_answered_in_full_another_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with ReviewStore.open(tmp_path / "x.db") as store:
        for day, title in enumerate(["Alien", "Brazil", "Cube"]):
            await store.reviews.add(make_review(title, day=day))
        sql = "SELECT title FROM reviews WHERE title <> ? ORDER BY title"
        assert isinstance(store.db, store_db.Database)
        quick = await store.db.read_briefly(sql, ("Brazil",))
        monkeypatch.setattr(store_db, "BRIEF_READ_SECONDS", -1.0)  # every read is too long
        monkeypatch.setattr(store_db, "BRIEF_READ_CHECK_STEPS", 1)
        slow = await store.db.read_briefly(sql, ("Brazil",))
    assert quick == slow == [("Alien",), ("Cube",)]


async def test_a_files_path_given_as_text_opens_that_file(tmp_path: Path) -> None:
    path = tmp_path / "as text.db"
    async with ReviewStore.open(str(path)) as store:
        await store.reviews.add(make_review("Her"))
        assert store.engine == "sqlite" and store.path == path
    async with ReviewStore.open(path, read_only=True) as again:
        assert [review.title async for review in again.reviews.all()] == ["Her"]


async def test_a_reader_of_a_file_nobody_else_has_open_still_sees_later_writes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x.db"
    async with ReviewStore.open(path) as first:
        await first.reviews.add(make_review("Alien"))
    assert not Path(f"{path}-wal").exists()  # closed: no log beside it
    async with ReviewStore.open(path, read_only=True) as reader:
        assert await reader.reviews.count() == 1
        async with ReviewStore.open(path) as writer:
            await writer.reviews.add(make_review("Brazil"))
        assert await reader.reviews.count() == 2
        assert [review.title async for review in reader.reviews.all()] == ["Alien", "Brazil"]
