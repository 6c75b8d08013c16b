"""Where an export may write: its own folder or an earlier export's, never over other things.

The catalogue's export in the test's own process (tests/test_cli.py runs the command itself):
each refusal is one whole line, and a refused or failed export leaves the folder as it was.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from reviewbot.catalogue import ExportError, export_catalogue
from reviewbot.store import ReviewStore

from .store_fixtures import make_review
from .test_files import write


def contents(folder: Path) -> dict[str, str]:
    return {
        path.name: path.read_text(encoding="utf-8") if path.is_file() else "<folder>"
        for path in sorted(folder.iterdir())
    }


async def stored(db: Path, *titles: str) -> Path:
    async with ReviewStore.open(db) as store:
        for day, title in enumerate(titles):
            await store.reviews.add(make_review(title, day=day))
    return db


async def export(db: Path, folder: Path, *, force: bool = False) -> int:
    async with ReviewStore.open(db) as store:
        return await export_catalogue(store, folder, force=force)


async def test_a_folder_of_other_files_is_refused_unless_forced(tmp_path: Path) -> None:
    db = await stored(tmp_path / "x.db", "Alien", "Brazil")
    out = tmp_path / "out"
    write(out / "notes.txt", "mine")
    with pytest.raises(ExportError) as refused:
        await export(db, out)
    assert str(refused.value) == (
        f"{out} holds 1 file(s) that are not this export (such as notes.txt): export into an"
        " empty folder, or give --force to write over an earlier export there"
    )
    assert contents(out) == {"notes.txt": "mine"}

    assert await export(db, out, force=True) == 2
    assert sorted(contents(out)) == ["000001-alien.md", "000002-brazil.md", "notes.txt"]


async def test_an_earlier_export_is_refused_and_replaced_only_when_forced(tmp_path: Path) -> None:
    first = await stored(tmp_path / "first.db", "Alien", "Brazil", "Cube")
    second = await stored(tmp_path / "second.db", "Alien", "Dune")
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    await export(first, out)
    earlier = contents(out)

    with pytest.raises(ExportError) as refused:
        await export(second, out)
    assert str(refused.value) == (
        f"{out} holds 2 file(s) that are not this export (such as 000002-brazil.md): export"
        " into an empty folder, or give --force to write over an earlier export there"
    )
    assert contents(out) == earlier

    write(out / "notes.txt", "mine")
    assert await export(second, out, force=True) == 2
    await export(second, fresh)
    assert contents(out) == {**contents(fresh), "notes.txt": "mine"}


async def test_a_forced_export_leaves_a_folder_named_like_an_export_alone(tmp_path: Path) -> None:
    db = await stored(tmp_path / "x.db", "Alien")
    out = tmp_path / "out"
    (out / "000009-kept.md").mkdir(parents=True)
    assert await export(db, out, force=True) == 1
    assert sorted(contents(out)) == ["000001-alien.md", "000009-kept.md"]


async def test_a_link_where_a_file_would_go_is_refused_in_one_line(tmp_path: Path) -> None:
    db = await stored(tmp_path / "x.db", "Alien", "Brazil")
    out = tmp_path / "out"
    victim = write(tmp_path / "victim.txt", "keep me")
    out.mkdir()
    (out / "000002-brazil.md").symlink_to(victim)
    with pytest.raises(ExportError) as refused:
        await export(db, out)
    assert str(refused.value) == (
        f"{out / '000002-brazil.md'} is a symbolic link: remove it, or export into another"
        " folder; nothing was exported"
    )
    assert victim.read_text() == "keep me"
    assert sorted(path.name for path in out.iterdir()) == ["000002-brazil.md"]


async def test_a_folder_where_a_file_would_go_is_refused_in_one_line(tmp_path: Path) -> None:
    db = await stored(tmp_path / "x.db", "Alien", "Brazil")
    out = tmp_path / "out"
    (out / "000002-brazil.md").mkdir(parents=True)
    with pytest.raises(ExportError) as refused:
        await export(db, out)
    assert str(refused.value) == (
        f"{out / '000002-brazil.md'} is a folder where a review file would go: move it, or"
        " export into another folder; nothing was exported"
    )
    assert contents(out) == {"000002-brazil.md": "<folder>"}


def failing_replace(after: int) -> Callable[..., None]:
    """`os.replace` that works `after` times, then finds the disk full."""
    real = os.replace
    calls = 0

    def replace(source: str | Path, destination: str | Path) -> None:
        nonlocal calls
        calls += 1
        if calls > after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(source, destination)

    return replace


@pytest.mark.parametrize(
    ("renamed", "done"), [(0, "nothing was exported"), (2, "only 2 of 3 files was exported")]
)
async def test_an_export_that_fails_part_way_says_how_far_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renamed: int, done: str
) -> None:
    db = await stored(tmp_path / "x.db", "Alien", "Brazil", "Cube")
    out = tmp_path / "new" / "out"
    monkeypatch.setattr(os, "replace", failing_replace(renamed))
    with pytest.raises(ExportError) as failed:
        await export(db, out)
    assert str(failed.value) == (f"could not write to {out} ({os.strerror(errno.ENOSPC)}); {done}")
    if renamed:  # the files already in place stay; no temporary file is left
        assert sorted(contents(out)) == ["000001-alien.md", "000002-brazil.md"]
    else:  # the folder this export made is gone again
        assert not out.exists()
        assert (tmp_path / "new").is_dir()


async def test_a_failed_export_into_a_folder_it_found_leaves_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = await stored(tmp_path / "x.db", "Alien")
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(os, "replace", failing_replace(0))
    with pytest.raises(ExportError):
        await export(db, out)
    assert out.is_dir() and contents(out) == {}
