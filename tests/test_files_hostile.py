"""Hostile review files: each is one clear FileError or valid reviews, quickly, never a crash."""

import subprocess
import sys
from pathlib import Path

import pytest

from reviewbot.files import HEADER_MAX, FileError, read_review_file

ROOT = Path(__file__).resolve().parent.parent


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")
    return path


def markdown(header: str, body: str = "Body.\n") -> str:
    return f"---\n{header}\n---\n{body}"


def refusal(path: Path) -> str:
    """The message of the FileError reading `path` raises, after the path."""
    with pytest.raises(FileError) as caught:
        read_review_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and message.isprintable()  # one line
    return message[len(f"{path}: ") :]


def alias_bomb(key: str) -> str:
    """A few hundred bytes of YAML that stand for 9**9 strings once the aliases are expanded."""
    lines = [f"{key}:", '  - &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(8):
        anchor, alias = chr(ord("b") + level), chr(ord("a") + level)
        lines.append(f"  - &{anchor} [" + ",".join([f"*{alias}"] * 9) + "]")
    return "\n".join(lines)


READ_ONE_FILE = """
import resource, sys
from pathlib import Path
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from reviewbot.files import FileError, read_review_file
try:
    print(f"read {len(read_review_file(Path(sys.argv[1])))}")
except FileError as error:
    print(f"refused {error}")
"""


def read_in_a_bounded_process(path: Path, *, memory: int = 512 << 20) -> str:
    """Read one file in a process of its own with little memory and time, so that a reader that
    hangs or balloons fails this test instead of taking the test run down with it."""
    result = subprocess.run(
        [sys.executable, "-c", READ_ONE_FILE, str(path), str(memory)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


# A header cannot make the reader work hard: no anchors or aliases, no nesting, bounded size.


def test_an_alias_bomb_is_refused_at_once_in_little_memory(tmp_path: Path) -> None:
    path = write(tmp_path / "bomb.md", markdown(f"title: Boom\nrating: 4\n{alias_bomb('spoiler')}"))
    assert len(path.read_bytes()) < 500
    outcome = read_in_a_bounded_process(path)
    assert outcome == (
        f"refused {path}: the header uses a YAML anchor or alias (& or *), which review files do "
        "not allow; put a value that starts with & or * in quotes (line 5)"
    )


@pytest.mark.parametrize(
    "header",
    [
        f"{alias_bomb('title')}\nrating: 4",
        f"title: Boom\n{alias_bomb('rating')}",
        f"title: Boom\nrating: 4\n{alias_bomb('lol')}",
        f"title: Boom\nrating: 4\n{alias_bomb('spoiler')}",
        "title: &name Boom\nrating: 4",
        "title: Boom\nrating: 4\ncreator: *name",
        "title: Boom\nrating: 4\ncreator: [&x a, *x]",
        "title: Boom\n&key rating: 4",
    ],
)
@pytest.mark.parametrize("body", ["Body.\n", ""])
def test_any_anchor_or_alias_in_the_header_is_refused(
    tmp_path: Path, header: str, body: str
) -> None:
    path = write(tmp_path / "anchors.md", markdown(header, body))
    assert "uses a YAML anchor or alias (& or *)" in refusal(path)


def test_a_quoted_value_may_start_with_an_ampersand_or_a_star(tmp_path: Path) -> None:
    path = write(tmp_path / "quoted.md", markdown("title: '&*'\ncreator: \"*x\"\nrating: 4"))
    [item] = read_review_file(path)
    assert (item.review.title, item.review.creator) == ("&*", "*x")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("title: [Her, Him]\nrating: 4", "title: 'title' must be text, not a list"),
        ("title:\n  - Her\nrating: 4", "title: 'title' must be text, not a list"),
        (
            "title: Her\ncreator: {a: b}\nrating: 4",
            "creator: 'creator' must be text, not a mapping",
        ),
        ("title: Her\nrating: [4]", "rating: the rating must be a number or text like 4/5"),
        ("title: Her\nrating: 4\ndate: [2024]", "date: the date must be ISO 8601 text"),
        ("title: Her\nrating: 4\nspoiler: [yes]", "spoiler: spoiler must be true or false"),
        ("title: " + "[" * 5000 + "\nrating: 4", "the header is nested too deeply (line 2)"),
        ("title: Her\nrating: 4\nurl: " + "{a: " * 50, "the header is nested too deeply (line 4)"),
        ("- title\n- Her", "the header must be 'key: value' lines"),
        ("? [a]\n: b", "not valid YAML (line 2: found unhashable key)"),
    ],
)
def test_a_list_or_mapping_where_text_is_wanted_is_refused(
    tmp_path: Path, header: str, message: str
) -> None:
    assert message in refusal(write(tmp_path / "kinds.md", markdown(header)))


def test_a_header_is_bounded_in_size(tmp_path: Path) -> None:
    padding = "# a comment\n" * (HEADER_MAX // 12 - 2)
    fits = write(tmp_path / "fits.md", markdown(f"title: Her\nrating: 4\n{padding}"))
    assert [item.review.title for item in read_review_file(fits)] == ["Her"]
    header = f"title: Her\nrating: 4\n{padding}{'# one line more' * 2}"
    path = write(tmp_path / "long.md", markdown(header))
    assert refusal(path) == (
        f"the header is {len(header):,} characters long; the limit is {HEADER_MAX:,} "
        "(the review text goes below the second '---')"
    )
