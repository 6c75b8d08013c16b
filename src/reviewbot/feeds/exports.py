"""Letterboxd and Goodreads exports as reviews: the ZIP or its reviews.csv, and the library CSV.

A file is read whole or refused whole with the row at fault named (as review files are); rows
that are not reviews (no text, no rating) are skipped and counted. Several reviews of one work
(rewatches, rereads) are one review by the identity rule: the newest is kept.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import ValidationError
from ..files import FileError
from ..review import Category, Rating, Review, shown
from .markdown import html_to_markdown

MAX_BYTES = 50 * 1024 * 1024  # of one CSV, uncompressed
LETTERBOXD = {"Date", "Name", "Letterboxd URI", "Rating", "Review"}
GOODREADS = {"Book Id", "Title", "Author", "My Rating", "My Review"}


@dataclass
class ExportReviews:
    """The reviews an export holds, each with whether it was dated, and what was skipped."""

    kind: str
    reviews: list[tuple[Review, bool]]
    skipped: int = 0


def is_export(path: Path) -> bool:
    return path.suffix.lower() in {".zip", ".csv"}


def read_export(path: Path, guild_id: int | None = None) -> ExportReviews:
    """The reviews of a Letterboxd ZIP or reviews.csv, or a Goodreads library CSV."""
    text = _csv_text(path)
    rows = csv.DictReader(io.StringIO(text))
    try:
        columns = set(rows.fieldnames or [])
    except csv.Error as error:  # the header line itself (a field past the csv module's limit)
        raise _unreadable(path, error) from None
    if columns >= LETTERBOXD:
        return _gather(path, "Letterboxd", rows, guild_id, _letterboxd)
    if columns >= GOODREADS:
        return _gather(path, "Goodreads", rows, guild_id, _goodreads)
    raise FileError(
        path,
        "not a Letterboxd or Goodreads export (its first line names neither's columns);"
        " give Letterboxd's ZIP or reviews.csv, or Goodreads' library export",
    )


def _csv_text(path: Path) -> str:
    try:
        if path.suffix.lower() == ".zip":
            data = _from_zip(path)
        else:
            if path.stat().st_size > MAX_BYTES:
                raise FileError(path, f"larger than {MAX_BYTES // 1024 // 1024} MiB")
            data = path.read_bytes()
    except FileNotFoundError:
        raise FileError(path, "no such file") from None
    except IsADirectoryError:
        raise FileError(path, "is a folder, not an export file") from None
    except OSError as error:
        raise FileError(path, f"cannot be read ({error.strerror or error})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileError(path, "not UTF-8 text; exports are UTF-8, download it again") from None


def _from_zip(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as archive:
            member = next(
                (i for i in archive.infolist() if i.filename.rsplit("/", 1)[-1] == "reviews.csv"),
                None,
            )
            if member is None:
                raise FileError(path, "holds no reviews.csv: is it Letterboxd's data export?")
            if member.file_size > MAX_BYTES:
                raise FileError(path, f"its reviews.csv is larger than {MAX_BYTES // 2**20} MiB")
            with archive.open(member) as file:
                data = file.read(MAX_BYTES + 1)  # what it says its size is may be a lie
            if len(data) > MAX_BYTES:
                raise FileError(path, f"its reviews.csv is larger than {MAX_BYTES // 2**20} MiB")
            return data
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError):
        raise FileError(path, "not a ZIP archive that can be read") from None


Row = Mapping[str, str | None]
Convert = Callable[[Row, int | None], tuple[Review, bool] | None]


def _gather(
    path: Path,
    kind: str,
    rows: Iterable[Row],
    guild_id: int | None,
    convert: Convert,
) -> ExportReviews:
    newest: dict[tuple[int | None, str, str], tuple[Review, bool]] = {}
    skipped = 0
    try:
        for number, row in enumerate(rows, start=2):  # line 1 is the header
            try:
                found = convert(row, guild_id)
            except ValidationError as error:
                raise FileError(path, f"line {number}: {error.field}: {error}") from None
            if found is None:
                skipped += 1
                continue
            review, dated = found
            old = newest.get(review.identity)
            if old is not None:
                skipped += 1
                if old[0].published_at > review.published_at:
                    continue
            newest[review.identity] = (review, dated)
    except csv.Error as error:
        raise _unreadable(path, error) from None
    return ExportReviews(kind, list(newest.values()), skipped)


def _unreadable(path: Path, error: csv.Error) -> FileError:
    return FileError(path, f"not a readable CSV file ({error})")


def _value(row: Row, name: str) -> str:
    return (row.get(name) or "").strip()


def _date(text: str, form: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, form).replace(tzinfo=UTC)
    except ValueError:
        raise ValidationError("date", f"“{shown(text)}” is not a date") from None


def _letterboxd(row: Row, guild_id: int | None) -> tuple[Review, bool] | None:
    body = html_to_markdown(_value(row, "Review"))
    rating = _value(row, "Rating")
    if not body or not rating:
        return None
    when = _date(_value(row, "Watched Date") or _value(row, "Date"), "%Y-%m-%d")
    review = Review.create(
        title=_value(row, "Name"),
        category=Category.FILM,
        rating=Rating.parse(rating),
        body=body,
        published_at=when,
        url=_value(row, "Letterboxd URI") or None,
        guild_id=guild_id,
    )
    return review, when is not None


def _goodreads(row: Row, guild_id: int | None) -> tuple[Review, bool] | None:
    body = html_to_markdown(_value(row, "My Review"))
    rating = _value(row, "My Rating")
    if not body or rating in ("", "0"):
        return None
    when = _date(_value(row, "Date Read") or _value(row, "Date Added"), "%Y/%m/%d")
    book = _value(row, "Book Id")
    review = Review.create(
        title=_value(row, "Title"),
        creator=_value(row, "Author") or None,
        category=Category.BOOK,
        rating=Rating.parse(rating),
        body=body,
        published_at=when,
        url=f"https://www.goodreads.com/book/show/{book}" if book.isdigit() else None,
        spoiler=_value(row, "Spoiler").lower() == "true",
        guild_id=guild_id,
    )
    return review, when is not None
