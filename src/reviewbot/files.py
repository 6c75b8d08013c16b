"""Review files: Markdown with a YAML header, or JSON; read into reviews and written back out."""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from .errors import ValidationError
from .review import AUTHOR_ID_RULE, Review, normalise, printable, shown

KEYS = {"title", "creator", "category", "rating", "author", "author_id", "date", "url", "image"}
KEYS |= {"spoiler"}
_TRUE, _FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0", ""}
# A header holds a few short values; these bounds keep any header quick to read.
HEADER_MAX = 16_384  # characters between the two '---' lines
_NESTING_MAX = 8  # lists and mappings (refused anyway) within one value
# Where a review's field is named differently in a file.
_FILE_KEYS = {"image_url": "image", "published_at": "date"}
# Non-blocking, so that opening a named pipe (refused) does not wait for a writer.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)


class FileError(Exception):
    """A review file that cannot be imported; the message says what is wrong and where."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{printable(str(path))}: {message}")  # one line, whatever the name
        self.path = path


@dataclass(frozen=True, slots=True)
class FileReview:
    """A review read from a file; `dated` is False when the file gave no date."""

    review: Review
    dated: bool


def find_review_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The files named, and every .md and .json below the folders named, in a stable order."""
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if (
                    found.is_file()
                    and found.suffix.lower() in {".md", ".json"}
                    and not found.name.lower().startswith("readme")
                ):
                    yield found
        else:
            yield path


def read_review_file(path: Path, guild_id: int | None = None) -> list[FileReview]:
    """Every review in one file, all checked; `FileError` if any part of it is wrong."""
    text = _read_text(path)
    if path.suffix.lower() == ".json":
        entries = _json_entries(path, text)
    else:
        entries = [_markdown_entry(path, text)]
    reviews = []
    for number, entry in enumerate(entries, start=1):
        where = f"review {number}: " if len(entries) > 1 else ""
        try:
            reviews.append(_review_from(entry, guild_id))
        except ValidationError as error:
            field_name = _FILE_KEYS.get(error.field, error.field)
            raise FileError(path, f"{where}{field_name}: {error}") from None
    if len(reviews) > 1:
        _check_distinct(path, reviews)
    return reviews


def _read_text(path: Path) -> str:
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise FileError(path, "no such file") from None
    except OSError as error:
        raise FileError(path, f"cannot be read ({error.strerror or error})") from None
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise FileError(path, "is a folder, not a review file")
        if not stat.S_ISREG(mode):
            raise FileError(path, "is not a regular file (a pipe or device?); name a review file")
        with open(descriptor, "rb", closefd=False) as file:
            data = file.read()
    except OSError as error:
        raise FileError(path, f"cannot be read ({error.strerror or error})") from None
    finally:
        os.close(descriptor)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = error.object.count(b"\n", 0, error.start) + 1
        raise FileError(path, f"not UTF-8 text (line {line:,}); save it as UTF-8") from None
    # Line ends as Path.read_text reads them: CRLF and CR become LF.
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _check_distinct(path: Path, reviews: list[FileReview]) -> None:
    first_with: dict[tuple[int | None, str, str], int] = {}
    for number, item in enumerate(reviews, start=1):
        first = first_with.setdefault(item.review.identity, number)
        if first != number:
            raise FileError(
                path,
                f"reviews {first} and {number} are the same review (same title and creator); "
                "keep one of them",
            )


class _HeaderRefused(Exception):
    """Something a review header has no use for, at a line of the file."""

    def __init__(self, message: str, mark: Any) -> None:
        line = f" (line {mark.line + 2})" if mark is not None else ""  # line 1 is the '---'
        super().__init__(f"{message}{line}")


_SEQUENCE, _MAPPING = yaml.BaseLoader.DEFAULT_SEQUENCE_TAG, yaml.BaseLoader.DEFAULT_MAPPING_TAG


class _HeaderLoader(yaml.BaseLoader):
    """BaseLoader, which reads every value as text, refusing what a header has no use for.

    An alias repeats a whole node without copying it, so a few hundred bytes of nested aliases
    can stand for billions of values: anchors and aliases are refused where they are met. A
    header is one mapping of text, so a list or mapping inside it is read through (a YAML
    error in it is still reported) but not built, and read as empty; deep nesting is refused.
    """

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        _refuse_anchor(event)
        if parent is None or not isinstance(event, yaml.CollectionStartEvent):
            return super().compose_node(parent, index)
        marks: Any = (event.start_mark, self._pass_over_collection().end_mark)
        if isinstance(event, yaml.SequenceStartEvent):
            return yaml.SequenceNode(_SEQUENCE, [], *marks)
        return yaml.MappingNode(_MAPPING, [], *marks)

    def _pass_over_collection(self) -> yaml.Event:
        depth = 0
        while True:
            event = self.get_event()
            _refuse_anchor(event)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > _NESTING_MAX:  # the scanner's work per token grows with the depth
                    raise _HeaderRefused("the header is nested too deeply", event.start_mark)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if depth == 0:
                return event


def _refuse_anchor(event: yaml.Event) -> None:
    if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
        raise _HeaderRefused(
            "the header uses a YAML anchor or alias (& or *), which review files do not allow; "
            "put a value that starts with & or * in quotes",
            event.start_mark,
        )


def _markdown_entry(path: Path, text: str) -> dict[str, Any]:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise FileError(path, "a review file starts with a '---' line, then the header")
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        raise FileError(path, "the header has no closing '---' line") from None
    header_text = "\n".join(lines[1:end])
    if len(header_text) > HEADER_MAX:
        raise FileError(
            path,
            f"the header is {len(header_text):,} characters long; the limit is {HEADER_MAX:,} "
            "(the review text goes below the second '---')",
        )
    try:
        # BaseLoader reads every value as text: `title: 1984` and `creator: Yes` stay as written.
        header = yaml.load(header_text, Loader=_HeaderLoader)
    except _HeaderRefused as error:
        raise FileError(path, str(error)) from None
    except yaml.reader.ReaderError as error:
        line = header_text.count("\n", 0, error.position) + 2
        raise FileError(
            path,
            f"the header holds a character YAML does not allow (U+{error.character:04X}, "
            f"line {line}); remove it, or write it as an escape in double quotes",
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None)
        details = [f"line {mark.line + 2}"] if mark is not None else []
        details += [shown(problem, 80)] if problem else []
        detail = f" ({': '.join(details)})" if details else ""
        hint = "; use spaces instead of tabs" if problem and "'\\t'" in problem else ""
        raise FileError(path, f"the header is not valid YAML{detail}{hint}") from None
    if not isinstance(header, dict):
        raise FileError(path, "the header must be 'key: value' lines")
    return {**header, "body": "\n".join(lines[end + 1 :])}


class _NotANumber(ValueError):
    """NaN or Infinity: Python's JSON reader takes them, JSON itself has no such numbers."""


def _refuse_constant(name: str) -> Any:
    raise _NotANumber(name)


def _json_entries(path: Path, text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise FileError(path, f"not valid JSON (line {error.lineno}: {error.msg})") from None
    except _NotANumber as error:
        raise FileError(path, f"not valid JSON ({error} is not a JSON number)") from None
    except ValueError:  # the only other refusal: an integer too long to convert
        raise FileError(
            path, "not valid JSON for reviews (a number has over 4,300 digits)"
        ) from None
    except RecursionError:
        raise FileError(
            path, "not valid JSON for reviews (lists or objects nested too deeply)"
        ) from None
    entries = data if isinstance(data, list) else [data]
    if not entries or not all(isinstance(e, dict) for e in entries):
        raise FileError(path, "JSON reviews are an object or a list of objects")
    return entries


_KINDS = (
    (bool, "true or false"),
    (list, "a list"),
    (dict, "a mapping"),
    (float, "a huge number"),
)


def _text(entry: Mapping[str, Any], key: str) -> str | None:
    """The value as text; a list, mapping, flag or infinite number is refused, not converted."""
    value = entry.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # JSON's reader refuses integers too long for this
    if isinstance(value, float) and math.isfinite(value):
        return str(value)
    kind = next((name for kind, name in _KINDS if isinstance(value, kind)), "this kind of value")
    raise ValidationError(key, f"'{key}' must be text, not {kind}")


def _review_from(entry: Mapping[str, Any], guild_id: int | None) -> FileReview:
    unknown = sorted(set(entry) - KEYS - {"body"})
    if unknown:
        key = shown(unknown[0])
        raise ValidationError(key, f"unknown key '{key}' (known keys: {', '.join(sorted(KEYS))})")
    if "title" not in entry:
        raise ValidationError("title", "the title is required")
    if "rating" not in entry:
        raise ValidationError("rating", "the rating is required")
    rating = entry["rating"]
    if not isinstance(rating, str | int | float) or isinstance(rating, bool):
        raise ValidationError("rating", "the rating must be a number or text like 4/5")
    published = _date(entry.get("date"))
    author_id = _text(entry, "author_id")
    # ASCII digits only (int() reads other scripts' digits too), and no more than fit 64 bits.
    if author_id is not None and not (
        author_id.isascii() and author_id.isdigit() and len(author_id) <= 19
    ):
        raise ValidationError("author_id", AUTHOR_ID_RULE)
    review = Review.create(
        title=_text(entry, "title") or "",
        creator=_text(entry, "creator"),
        category=_text(entry, "category"),
        rating=rating,
        body=_text(entry, "body") or "",
        author_name=_text(entry, "author"),
        author_id=int(author_id) if author_id else None,
        published_at=published,
        url=_text(entry, "url"),
        image_url=_text(entry, "image"),
        spoiler=_flag(entry.get("spoiler")),
        guild_id=guild_id,
    )
    return FileReview(review, dated=published is not None)


def _date(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError("date", "the date must be ISO 8601 text, like 2024-02-14")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            "date",
            f"“{shown(value)}” is not an ISO 8601 date (2024-02-14 or 2024-02-14T20:30:00+01:00)",
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _flag(value: Any) -> bool:
    # Types before text: str() of a list built from YAML aliases can run to billions of items.
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and (text := value.strip().lower()) in _TRUE | _FALSE:
        return text in _TRUE
    raise ValidationError("spoiler", "spoiler must be true or false")


# What a YAML reader refuses, or reads as a line break, even inside double quotes. JSON's string
# syntax (a subset of YAML's double-quoted one) already escapes the other control characters.
_NOT_YAML_TEXT = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def _yaml_text(value: str) -> str:
    """A YAML double-quoted scalar that reads back as `value`, whatever it holds."""
    quoted = json.dumps(value, ensure_ascii=False)
    return _NOT_YAML_TEXT.sub(lambda found: f"\\u{ord(found.group()):04x}", quoted)


def review_to_markdown(review: Review) -> str:
    """The review as a file that imports back to the same review."""
    header = [
        f"title: {_yaml_text(review.title)}",
        *([f"creator: {_yaml_text(review.creator)}"] if review.creator else []),
        f"category: {review.category.value}",
        f"rating: {review.rating.as_number()}",
        *([f"author: {_yaml_text(review.author_name)}"] if review.author_name else []),
        *([f"author_id: {review.author_id}"] if review.author_id is not None else []),
        f"date: {review.published_at.isoformat()}",
        *([f"url: {_yaml_text(review.url)}"] if review.url else []),
        *([f"image: {_yaml_text(review.image_url)}"] if review.image_url else []),
        *(["spoiler: true"] if review.spoiler else []),
    ]
    return "---\n" + "\n".join(header) + "\n---\n" + review.body + "\n"


def export_file_name(number: int, review: Review) -> str:
    """`000042-the-godfather.md`: numbered in publication order, so that files sort as the
    reviews do and a re-import stores reviews with equal timestamps in the same order."""
    slug = re.sub(r"[^a-z0-9]+", "-", normalise(review.title)).strip("-")[:60].strip("-")
    return f"{number:06d}-{slug or 'review'}.md"
