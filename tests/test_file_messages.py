"""A review file's refusals as whole lines, and header values read exactly as written."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reviewbot.files import FileError, read_review_file

from .test_files import write


def refusal(path: Path) -> str:
    with pytest.raises(FileError) as refused:
        read_review_file(path)
    return str(refused.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "gone.md"
    assert refusal(missing) == f"{missing}: no such file"


def test_a_path_through_a_file_cannot_be_read(tmp_path: Path) -> None:
    inside = write(tmp_path / "plain.md", "x") / "review.md"
    assert refusal(inside) == f"{inside}: cannot be read (Not a directory)"


@pytest.mark.parametrize("header", ["- title\n- Her", "just words", "42"])
def test_a_header_that_is_not_keys_and_values_is_refused(tmp_path: Path, header: str) -> None:
    path = write(tmp_path / "r.md", f"---\n{header}\n---\nBody.\n")
    assert refusal(path) == f"{path}: the header must be 'key: value' lines"


def test_numbers_in_a_json_file_become_text_as_written(tmp_path: Path) -> None:
    entry = {"title": 2.5, "creator": 1984, "rating": 3, "body": "x"}
    path = write(tmp_path / "r.json", json.dumps(entry))
    (item,) = read_review_file(path)
    assert (item.review.title, item.review.creator) == ("2.5", "1984")


def test_a_date_without_a_zone_is_taken_as_utc(tmp_path: Path) -> None:
    path = write(tmp_path / "r.md", "---\ntitle: Her\nrating: 4\ndate: 2024-02-14T20:30\n---\nx\n")
    (item,) = read_review_file(path)
    assert item.review.published_at == datetime(2024, 2, 14, 20, 30, tzinfo=UTC)
    assert item.dated
