"""Hostile review files: each is one clear FileError or valid reviews, quickly, never a crash."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from reviewbot.catalogue import import_paths
from reviewbot.files import HEADER_MAX, FileError, FileReview, read_review_file, review_to_markdown
from reviewbot.review import AUTHOR_ID_MAX, Category, Review, normalise
from reviewbot.store import ImportResult, ReviewStore

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


# A bad value is an error for its file, never an exception that ends the whole import.

BIG = "9" * 5000


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "late.md",
            markdown("title: x\nrating: 4\ndate: 9999-12-31T23:59:59-05:00"),
            "date: The date falls outside the years 1 to 9999 once converted to UTC",
        ),
        (
            "early.json",
            '{"title": "x", "rating": 4, "body": "b", "date": "0001-01-01T00:00:00+05:00"}',
            "date: The date falls outside the years 1 to 9999 once converted to UTC",
        ),
        (
            "url.md",
            markdown('title: x\nrating: 4\nurl: "http://[::1"'),
            "url: The link must be a full http(s) address",
        ),
        (
            "image.json",
            '{"title": "x", "rating": 4, "body": "b", "image": "http://[::1"}',
            "image: The image link must be a full http(s) address",
        ),
        ("deep.json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (
            "deep-value.json",
            '{"title": ' + "[" * 100_000 + "]" * 100_000 + ', "rating": 4, "body": "b"}',
            "nested too deeply",
        ),
        (
            "rating.json",
            f'{{"title": "x", "rating": {BIG}, "body": "b"}}',
            "not valid JSON for reviews (a number has over 4,300 digits)",
        ),
        (
            "author.json",
            f'{{"title": "x", "rating": 4, "body": "b", "author_id": {BIG}}}',
            "not valid JSON for reviews (a number has over 4,300 digits)",
        ),
        (
            "title.json",
            f'[{{"title": {BIG}, "rating": 4, "body": "b"}}]',
            "not valid JSON for reviews (a number has over 4,300 digits)",
        ),
        (
            "huge-rating.json",
            f'{{"title": "x", "rating": {"9" * 4000}, "body": "b"}}',
            "rating: That number is not a rating.",
        ),
        (
            "surrogate-title.json",
            '{"title": "Her \\ud800", "rating": 4, "body": "b"}',
            "title: The title holds a broken character (U+D800, half of a UTF-16 pair)",
        ),
        (
            "surrogate-body.json",
            '{"title": "Her", "rating": 4, "body": "Good \\udfff"}',
            "body: The review text holds a broken character (U+DFFF",
        ),
        (
            "surrogate-creator.md",
            markdown('title: Her\ncreator: "Spike \\ud83d"\nrating: 4'),
            "creator: The creator holds a broken character (U+D83D",
        ),
        (
            "surrogate-author.json",
            '{"title": "Her", "rating": 4, "body": "b", "author": "\\udc80"}',
            "author: The author name holds a broken character (U+DC80",
        ),
        (
            "surrogate-url.json",
            '{"title": "Her", "rating": 4, "body": "b", "url": "https://a.example/\\ud800"}',
            "url: The link must be a full http(s) address",
        ),
        (
            "nan.json",
            '{"title": NaN, "rating": 4, "body": "b"}',
            "not valid JSON (NaN is not a JSON number)",
        ),
        (
            "infinity.json",
            '{"title": "x", "rating": -Infinity, "body": "b"}',
            "not valid JSON (-Infinity is not a JSON number)",
        ),
        (
            "huge-float.json",
            '{"title": 1e400, "rating": 4, "body": "b"}',
            "title: 'title' must be text, not a huge number",
        ),
        (
            "huge-float-rating.json",
            '{"title": "x", "rating": 1e400, "body": "b"}',
            "rating: “inf” is not a rating from 0 to 5 stars",
        ),
        ("scalar.json", "5", "JSON reviews are an object or a list of objects"),
        ("null.json", "null", "JSON reviews are an object or a list of objects"),
        ("empty-list.json", "[]", "JSON reviews are an object or a list of objects"),
        ("list-of-text.json", '["a"]', "JSON reviews are an object or a list of objects"),
        ("nul.md", markdown("title: a\x00b\nrating: 4"), "U+0000, line 2"),
        ("c1.md", markdown("title: x\nrating: 4\ncreator: a\x85\x9fb"), "U+009F, line 4"),
        (
            "tabs.md",
            markdown("title: x\n\trating: 4"),
            "not valid YAML (line 3: found character '\\t' that cannot start any token); "
            "use spaces instead of tabs",
        ),
        (
            "key.json",
            '{"title": "x", "rating": 4, "body": "b", "ti\\ntle\\u200b": 1}',
            "ti\\ntle\\u200b: unknown key 'ti\\ntle\\u200b' (known keys: author",
        ),
        (
            "date.json",
            '{"title": "x", "rating": 4, "body": "b", "date": "\\n2024\\u2028' + "0" * 99 + '"}',
            "date: “2024\\u2028" + "0" * 34 + "…” is not an ISO 8601 date",
        ),
        ("invisible.md", markdown('title: "\\u200b\\u0301"\nrating: 4'), "no visible characters"),
    ],
)
def test_a_bad_value_is_one_clear_error_for_its_file(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    assert message in refusal(write(tmp_path / name, text))


def test_the_import_goes_on_past_every_bad_file_with_one_line_each(tmp_path: Path) -> None:
    bad = {
        "bomb.md": markdown(f"title: Boom\nrating: 4\n{alias_bomb('spoiler')}"),
        "late.md": markdown("title: x\nrating: 4\ndate: 9999-12-31T23:59:59-05:00"),
        "url.md": markdown('title: x\nrating: 4\nurl: "http://[::1"'),
        "deep.json": "[" * 100_000 + "]" * 100_000,
        "digits.json": f'{{"title": {BIG}, "rating": 4, "body": "b"}}',
        "surrogate.json": '{"title": "\\ud800", "rating": 4, "body": "b"}',
        "author.json": '{"title": "x", "rating": 4, "body": "b", "author_id": "1' + "0" * 22 + '"}',
        "twice.json": json.dumps([{"title": t, "rating": 4, "body": "b"} for t in "Aa"]),
        "invisible.md": markdown('title: "\\u2060"\nrating: 4'),
        "new\nline.md": markdown("title: x\nrating: 4\nratng: 4"),
    }
    for name, text in bad.items():
        write(tmp_path / "in" / name, text)
    write(tmp_path / "in" / "zz-good.md", markdown("title: Good\nrating: 4"))
    env = {**os.environ, "REVIEWBOT_DB": str(tmp_path / "db.sqlite3")}
    result = subprocess.run(
        [sys.executable, "-m", "reviewbot", "import", str(tmp_path / "in")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode != 0  # some files failed
    assert "Imported: 1 added, 0 updated, 0 unchanged, 10 file(s) failed." in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == len(bad) and "Traceback" not in result.stderr
    assert "new\\nline.md: ratng: unknown key 'ratng'" in result.stderr


@pytest.mark.parametrize(
    "author_id",
    ["12345678901234567890123", "9223372036854775808", "0", "-5", "²", "١٢٣", "", "1e5", "0x10"],
)
@pytest.mark.parametrize("kind", ["md", "json"])
def test_an_author_id_must_be_a_discord_user_id(tmp_path: Path, author_id: str, kind: str) -> None:
    if kind == "md":
        text = markdown(f"title: x\nrating: 4\nauthor_id: {json.dumps(author_id)}")
    else:
        number = author_id.isascii() and author_id.lstrip("-").isdigit()
        value = int(author_id) if number else author_id
        text = json.dumps({"title": "x", "rating": 4, "body": "b", "author_id": value})
    assert refusal(write(tmp_path / f"a.{kind}", text)) == (
        "author_id: The author id must be a Discord user id: digits only, like 80351110224678912."
    )


def test_the_largest_discord_id_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "a.md", markdown(f"title: x\nrating: 4\nauthor_id: {AUTHOR_ID_MAX}"))
    [item] = read_review_file(path)
    assert item.review.author_id == 2**63 - 1


async def test_dates_at_the_edge_of_the_calendar_are_stored(tmp_path: Path) -> None:
    write(
        tmp_path / "in" / "last.md", markdown("title: Last\nrating: 4\ndate: 9999-12-31T23:59:59Z")
    )
    write(tmp_path / "in" / "first.md", markdown("title: First\nrating: 4\ndate: 0001-01-01"))
    write(
        tmp_path / "in" / "zoned.md",
        markdown("title: Zoned\nrating: 4\ndate: 0001-01-01T05:00:00+05:00"),
    )
    async with ReviewStore.open(tmp_path / "db.sqlite3") as store:
        report = await import_paths(store, [tmp_path / "in"])
        assert not report.failures and report.counts[ImportResult.ADDED] == 3
        stored = {r.title: r.published_at async for r in store.reviews.all()}
    assert stored == {
        "First": datetime(1, 1, 1, tzinfo=UTC),
        "Zoned": datetime(1, 1, 1, tzinfo=UTC),
        "Last": datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
    }


def test_a_folder_is_not_read_as_a_file(tmp_path: Path) -> None:
    assert refusal(tmp_path) == "is a folder, not a review file"


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    pipe = tmp_path / "pipe.md"
    os.mkfifo(pipe)
    assert read_in_a_bounded_process(pipe) == (
        f"refused {pipe}: is not a regular file (a pipe or device?); name a review file"
    )


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads anything")
def test_an_unreadable_file_says_so(tmp_path: Path) -> None:
    path = write(tmp_path / "locked.md", markdown("title: x\nrating: 4"))
    path.chmod(0)
    assert refusal(path) == "cannot be read (Permission denied)"


def test_text_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.md"
    path.write_bytes(markdown("title: Amélie\nrating: 4").encode("latin-1"))
    assert refusal(path) == "not UTF-8 text (line 2); save it as UTF-8"


@pytest.mark.parametrize(
    ("raw", "body"),
    [
        (b"\xef\xbb\xbf---\ntitle: Her\nrating: 4\n---\nBody.\n", "Body."),
        (b"---\r\ntitle: Her\r\nrating: 4\r\n---\r\nOne.\r\n\r\nTwo.\r\n", "One.\n\nTwo."),
        (b"---\rtitle: Her\rrating: 4\r---\rOne.\r\rTwo.\r", "One.\n\nTwo."),
        (b"---\ntitle: Her\nrating: '\t4\t'\n---\nOne\x00\x07.\n\tTwo.\n", "One.\n\tTwo."),
    ],
    ids=["bom", "crlf", "cr", "nul-and-tabs"],
)
def test_boms_line_ends_tabs_and_controls_read_as_text(
    tmp_path: Path, raw: bytes, body: str
) -> None:
    path = tmp_path / "odd.md"
    path.write_bytes(raw)
    [item] = read_review_file(path)
    assert (item.review.title, item.review.body, str(item.review.rating)) == ("Her", body, "★★★★☆")


def test_a_json_file_with_a_bom_reads(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b'\xef\xbb\xbf{"title": "Her", "rating": 4, "body": "b"}')
    assert [item.review.title for item in read_review_file(path)] == ["Her"]


# The same review twice in one file is refused, not merged.


@pytest.mark.parametrize(
    ("second", "third"),
    [("Amelie", "AMÉLIE"), ("Other", " amélie ")],
)
async def test_the_same_review_twice_in_one_file_stores_neither(
    tmp_path: Path, second: str, third: str
) -> None:
    entries = [
        {"title": "Amélie", "creator": "Jean-Pierre Jeunet", "rating": 4, "body": "First."},
        {"title": second, "creator": "Someone Else", "rating": 3, "body": "Second."},
        {"title": third, "creator": "jean-pierre  JEUNET", "rating": 2, "body": "Third."},
    ]
    path = write(tmp_path / "in" / "twice.json", json.dumps(entries))
    write(tmp_path / "in" / "good.md", markdown("title: Good\nrating: 4"))
    assert refusal(path) == (
        "reviews 1 and 3 are the same review (same title and creator); keep one of them"
    )
    async with ReviewStore.open(tmp_path / "db.sqlite3") as store:
        report = await import_paths(store, [tmp_path / "in"])
        assert [f.split(": ", 1)[0] for f in report.failures] == [str(path)]
        assert [r.title async for r in store.reviews.all()] == ["Good"]


def test_same_titles_by_different_creators_are_different_reviews(tmp_path: Path) -> None:
    entries = [
        {"title": "Solaris", "creator": "Tarkovsky", "rating": 4, "body": "a"},
        {"title": "Solaris", "creator": "Soderbergh", "rating": 3, "body": "b"},
        {"title": "Solaris", "rating": 3, "body": "c"},
    ]
    path = write(tmp_path / "solaris.json", json.dumps(entries))
    assert [item.review.creator for item in read_review_file(path)] == [
        "Tarkovsky",
        "Soderbergh",
        None,
    ]


# Whatever the importer accepts is exported in a form that reads back the same.


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "Nine \ufffe and \uffff"},
        {"title": "Tag \U000e0001", "creator": "Soft\u00adhyphen \ufeff"},
        {"title": "Private \ue000", "author_name": "Right\u200fto\u202eleft"},
        {"title": "Quotes \" and \\ and '", "creator": "# not a comment: really"},
        {"title": "x", "url": 'https://example.com/"quoted"\\path', "body": "\ufffe\u2028\x85"},
    ],
)
def test_an_exported_review_reads_back_the_same(tmp_path: Path, fields: dict[str, str]) -> None:
    review = Review.create(**({"rating": "4", "body": "Body."} | fields))  # type: ignore[arg-type]
    path = write(tmp_path / "back.md", review_to_markdown(review))
    [item] = read_review_file(path)
    assert item.review == review


# Properties: every file is read into valid reviews or refused with one FileError, quickly.

# An example takes milliseconds; the deadline is there to fail one that hangs or balloons.
FUZZ = settings(max_examples=150, deadline=timedelta(seconds=1))
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())  # surrogates included
VISIBLE_CHARACTER = st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Z"))
# Characters a random pick seldom finds: controls, invisible ones, noncharacters, broken halves.
ODD_CHARACTER = st.sampled_from(
    [*"\x00\x07\x7f\x85\x9f\u00ad\u0301\u200b\u2028\u2029\u2060\ufeff\ufffe\uffff\ud800\udfff"]
)
# Pieces of YAML and JSON syntax, and of the file's own frame, for the fuzzer to combine.
SYNTAX = st.sampled_from(
    [
        *"&*!|>[]{},:#-?%@`'\"\\\t\n\r ",
        "---",
        "\n---\n",
        ": ",
        "&a ",
        "*a",
        "\\u",
        "\\ud800",
        "\\ufffe",
        "http://[::1",
        "http://",
        "9" * 30,
    ]
)
PIECE = st.one_of(ANY_CHARACTER, VISIBLE_CHARACTER, ODD_CHARACTER, SYNTAX)
HOSTILE_TEXT = st.lists(PIECE, max_size=40).map("".join)
DIGITS = st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=25)
ZONES = st.integers(-1439, 1439).map(lambda minutes: timezone(timedelta(minutes=minutes)))
MOMENTS = st.datetimes(timezones=st.none() | ZONES)
KEYS = ["title", "creator", "category", "rating", "author", "author_id", "date", "url", "image"]
# What each header field might hold, hostile or nearly right.
FIELD_TEXT = {
    "author_id": HOSTILE_TEXT | DIGITS | st.integers(-(2**65), 2**65).map(str),
    "date": HOSTILE_TEXT | MOMENTS.map(datetime.isoformat),
    "url": HOSTILE_TEXT | HOSTILE_TEXT.map("https://".__add__),
    "image": HOSTILE_TEXT | HOSTILE_TEXT.map("http://".__add__),
}
VALID_HEADER = {"title": "Her", "rating": "4", "date": "2024-02-14", "url": "https://a.example/"}
# Built when drawn: hypothesis shows its strategies, and Python will not show such numbers.
HUGE_NUMBERS = st.builds(pow, st.sampled_from([-10, 2, 10]), st.sampled_from([63, 64, 400, 4300]))
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | HUGE_NUMBERS
    | st.floats(allow_nan=True, allow_infinity=True)
    | HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(HOSTILE_TEXT, inner, max_size=4),
    max_leaves=12,
)
JSON_FIELDS = {key: JSON_VALUES | FIELD_TEXT.get(key, HOSTILE_TEXT) for key in KEYS}


def json_text(value: Any) -> str:
    """JSON for `value`, even with integers longer than Python converts to text by default."""
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return json.dumps(value)
    finally:
        sys.set_int_max_str_digits(limit)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def read_or_refuse(path: Path) -> list[FileReview]:
    """The reviews in `path`, checked as valid; [] when it is refused with one clear line."""
    try:
        reviews = read_review_file(path)
    except FileError as error:
        message = str(error)
        assert message.startswith(f"{path}: ") and message.isprintable()
        assert len(message) < len(str(path)) + 400
        event("refused")
        return []
    event("read")
    assert reviews
    for item in reviews:
        review = item.review
        assert normalise(review.title) and 1 <= len(review.title) <= 200
        assert 1 <= len(review.body) <= 20_000
        for text in (review.title, review.creator, review.author_name, review.body):
            (text or "").encode("utf-8")  # storable
        for link in (review.url, review.image_url):
            assert link is None or (link.isprintable() and " " not in link)
        assert review.author_id is None or 1 <= review.author_id <= AUTHOR_ID_MAX
        assert review.published_at.tzinfo is UTC and isinstance(review.category, Category)
    return reviews


@FUZZ
@given(
    start=st.sampled_from([b"", b"---\ntitle: x\nrating: 4\n---\n", b'{"title": "x", "body": "']),
    content=st.binary(max_size=400),
    suffix=st.sampled_from([".md", ".json"]),
)
def test_any_bytes_are_read_or_refused(
    scratch: Path, start: bytes, content: bytes, suffix: str
) -> None:
    path = scratch / f"bytes{suffix}"
    path.write_bytes(start + content)
    read_or_refuse(path)


@FUZZ
@given(
    header=st.lists(st.tuples(st.sampled_from([*KEYS, "spoiler"]), HOSTILE_TEXT), max_size=6),
    body=HOSTILE_TEXT,
)
def test_any_header_text_is_read_or_refused(
    scratch: Path, header: list[tuple[str, str]], body: str
) -> None:
    lines = "\n".join(f"{key}: {value}" for key, value in header)
    path = scratch / "header.md"
    path.write_text(f"---\n{lines}\n---\n{body}", encoding="utf-8", errors="surrogatepass")
    read_or_refuse(path)


@FUZZ
@given(data=st.data(), key=st.sampled_from([*KEYS, "spoiler"]), quoted=st.booleans())
def test_any_text_in_one_header_field_is_read_or_refused(
    scratch: Path, data: st.DataObject, key: str, quoted: bool
) -> None:
    value = data.draw(FIELD_TEXT.get(key, HOSTILE_TEXT), label=key)
    fields = VALID_HEADER | {key: json.dumps(value) if quoted else value}
    lines = "\n".join(f"{k}: {v}" for k, v in fields.items())
    path = scratch / "field.md"
    path.write_text(f"---\n{lines}\n---\nBody.\n", encoding="utf-8", errors="surrogatepass")
    read_or_refuse(path)


@FUZZ
@given(
    entries=st.lists(
        st.fixed_dictionaries(
            {"title": st.just("Her") | JSON_FIELDS["title"], "body": st.just("b") | JSON_VALUES},
            optional={key: JSON_FIELDS.get(key, JSON_VALUES) for key in [*KEYS[1:], "spoiler"]},
        ),
        min_size=1,
        max_size=3,
    ),
    as_list=st.booleans(),
)
def test_any_json_values_are_read_or_refused(
    scratch: Path, entries: list[dict[str, Any]], as_list: bool
) -> None:
    path = scratch / "values.json"
    path.write_text(json_text(entries if as_list else entries[0]), encoding="utf-8")
    read_or_refuse(path)


@FUZZ
@given(content=st.lists(PIECE, max_size=200).map("".join))
def test_any_text_as_a_json_file_is_read_or_refused(scratch: Path, content: str) -> None:
    path = scratch / "text.json"
    path.write_text(content, encoding="utf-8", errors="surrogatepass")
    read_or_refuse(path)


@settings(FUZZ, max_examples=200)
@given(
    title=HOSTILE_TEXT,
    creator=st.none() | HOSTILE_TEXT,
    author=st.none() | HOSTILE_TEXT,
    body=st.lists(PIECE, max_size=200).map("".join),
    path_part=HOSTILE_TEXT | st.text(VISIBLE_CHARACTER, max_size=20),
    rating=st.integers(0, 10),
    category=st.sampled_from(Category),
    author_id=st.none() | st.integers(1, AUTHOR_ID_MAX),
    published=MOMENTS,
    spoiler=st.booleans(),
)
def test_every_review_the_importer_accepts_exports_and_reads_back_the_same(
    scratch: Path,
    title: str,
    creator: str | None,
    author: str | None,
    body: str,
    path_part: str,
    rating: int,
    category: Category,
    author_id: int | None,
    published: datetime,
    spoiler: bool,
) -> None:
    entry = {
        "title": title,
        "creator": creator,
        "author": author,
        "body": body,
        "url": f"https://example.com/{path_part}",
        "image": f"https://example.com/{path_part[::-1]}.png",
        "rating": rating / 2,
        "category": category.value,
        "author_id": author_id,
        "date": published.isoformat(),
        "spoiler": spoiler,
    }
    source = scratch / "source.json"
    source.write_text(json.dumps(entry), encoding="utf-8")  # ASCII: surrogates as \u escapes
    accepted = read_or_refuse(source)
    if not accepted:
        return
    exported = scratch / "exported.md"
    exported.write_text(review_to_markdown(accepted[0].review), encoding="utf-8", newline="\n")
    assert read_review_file(exported) == accepted
