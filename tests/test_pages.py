"""Splitting review bodies into pages: limits, preferred break points, spoilers, graphemes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewbot.pages import (
    MIN_PAGE,
    boundary_before,
    is_boundary,
    split_pages,
    spoiler_wrap,
)

SPOILER_SPAN = re.compile(r"\|\|(.+?)\|\|", re.DOTALL)
FAST = settings(max_examples=60, deadline=None)


def page_count(text: str, limit: int, *, spoiler: bool = False) -> int:
    """How many pages `split_pages` makes of `text`."""
    return len(split_pages(text, limit, spoiler=spoiler))


def squeeze(text: str, drop: str = "") -> str:
    """The text without whitespace (dropped at split points) and without `drop` characters."""
    return "".join(ch for ch in text if not ch.isspace() and ch not in drop)


def locate(text: str, pages: list[str]) -> list[tuple[int, int]]:
    """Where each page (holding no added markup) sits in `text`; only whitespace between."""
    spans, position = [], 0
    for page in pages:
        start = text.index(page, position)
        assert text[position:start].strip() == "", "characters lost between pages"
        spans.append((start, start + len(page)))
        position = start + len(page)
    assert text[position:].strip() == ""
    return spans


def hidden_and_shown(page: str) -> tuple[str, str]:
    hidden = "".join(SPOILER_SPAN.findall(page))
    return squeeze(hidden), squeeze(SPOILER_SPAN.sub("", page))


# -- concrete cases -------------------------------------------------------------------------


def test_short_text_is_one_page() -> None:
    assert split_pages("A fine film.", 4096) == ["A fine film."]
    assert page_count("A fine film.", 4096) == 1


def test_long_body_splits_on_paragraph_boundaries() -> None:
    paragraphs = [f"Paragraph {n}. " + "Some words about the film. " * 25 for n in range(14)]
    body = "\n\n".join(p.strip() for p in paragraphs)
    assert len(body) > 9000
    pages = split_pages(body, 4096)
    assert len(pages) == 3
    wanted = {p.strip() for p in paragraphs}
    for page in pages:
        assert len(page) <= 4096
        assert set(page.split("\n\n")) <= wanted  # only whole paragraphs on every page
    assert "\n\n".join(pages) == body


def test_paragraph_of_a_whole_page_without_spaces() -> None:
    word = "x" * 4096
    pages = split_pages(f"Before.\n\n{word}\n\nAfter.", 4096)
    assert pages == ["Before.", word, "After."]


def test_word_longer_than_a_page_is_split_at_the_limit_not_truncated() -> None:
    word = "y" * 10_000
    pages = split_pages(word, 4096)
    assert [len(p) for p in pages] == [4096, 4096, 1808]
    assert "".join(pages) == word


def test_prefers_line_then_sentence_then_space() -> None:
    line = "First line with words. Then more words here\n"
    pages = split_pages(line * 6, 100)
    assert all(page.rstrip().endswith("here") for page in pages)
    pages = split_pages("Short sentence here. " * 12, 100)
    assert all(page.rstrip().endswith(".") for page in pages)
    pages = split_pages("word " * 60, 64)
    assert all(page.rstrip().endswith("word") and len(page) <= 64 for page in pages)


def test_inline_spoiler_straddling_a_page_end_is_closed_and_reopened() -> None:
    secret = "the butler did it " * 300
    body = f"Great film. ||{secret.strip()}|| Go and see it."
    pages = split_pages(body, 4096)
    assert len(pages) == 2
    first, second = pages
    assert first.startswith("Great film. ||") and first.endswith("||")
    assert second.startswith("||") and second.endswith("|| Go and see it.")
    for page in pages:
        assert page.count("||") % 2 == 0
    hidden = "".join(squeeze(hidden_and_shown(p)[0]) for p in pages)
    assert hidden == squeeze(secret)


def test_spoiler_that_fits_a_page_moves_to_the_next_page_whole() -> None:
    body = "Opening words. " * 250 + "||" + "hidden " * 100 + "|| the end"
    pages = split_pages(body, 4096)
    assert len(pages) == 2
    assert pages[0].count("||") == 0
    assert pages[1].startswith("||hidden") and pages[1].count("||") == 2


def test_code_block_cut_by_a_page_end_is_closed_and_reopened_with_its_language() -> None:
    body = "Code:\n```py\n" + "    total = total + 1\n" * 300 + "```\nDone."
    pages = split_pages(body, 1000)
    assert len(pages) > 2
    for page in pages[1:]:
        assert page.startswith("```py\n    total")
    for page in pages:
        assert len(page) <= 1000
        assert page.count("```") % 2 == 0
    assert pages[-1].endswith("```\nDone.")


def test_bars_inside_code_are_not_spoilers() -> None:
    body = "`a || b` " * 40
    pages = split_pages(body, 100)
    assert all(page.count("`") % 2 == 0 for page in pages)
    assert all(len(page) <= 100 for page in pages)


def test_a_run_of_backticks_is_not_split_into_a_new_pair() -> None:
    text = "aa`" + "x" * 60 + "```"  # a lone backtick and an unclosed fence: no code at all
    assert split_pages(text, 64) == ["aa`" + "x" * 60, "```"]


def test_combining_marks_stay_with_their_letter() -> None:
    text = "e\u0301" * 200  # é as e + combining acute
    pages = split_pages(text, 65)
    assert all(len(page) % 2 == 0 and len(page) <= 65 for page in pages)
    assert "".join(pages) == text


def test_flags_and_emoji_sequences_are_not_split() -> None:
    flags = "🇫🇷" * 100
    assert all(len(page) % 2 == 0 for page in split_pages(flags, 65))
    family = "👨\u200d👩\u200d👧" * 50  # five code points each
    pages = split_pages(family, 67)
    assert all(len(page) % 5 == 0 for page in pages)
    assert "".join(pages) == family


def test_grapheme_boundaries() -> None:
    assert not is_boundary("e\u0301", 1)
    assert not is_boundary("👍\U0001f3fd", 1)
    assert not is_boundary("👨\u200d👩", 1) and not is_boundary("👨\u200d👩", 2)
    assert is_boundary("🇫🇷🇩🇪", 2) and not is_boundary("🇫🇷🇩🇪", 3)
    assert boundary_before("ae\u0301\u0323b", 3) == 1


SPLIT_IN_A_FRESH_PROCESS = """
import json, sys
from reviewbot.pages import split_pages
body, limit, spoiler = json.load(sys.stdin)
json.dump(split_pages(body, limit, spoiler=spoiler), sys.stdout)
"""


@pytest.mark.parametrize("spoiler", [False, True])
def test_pages_are_the_same_in_every_process(spoiler: bool) -> None:
    # Page N of a review must be the same text for every reader and after a restart: a fresh
    # interpreter (no cached split, another hash seed) cuts the same pages as this one.
    sentence = "Words, ||more|| words and `code || bars` — 🇫🇷 e\u0301 。"
    nested = "||a spoiler holding `" + "code " * 200 + "` and more||"  # cut inside both
    body = "\n\n".join(f"{n}. " + sentence * (n % 7 + 3) + nested * (n % 2) for n in range(60))
    wanted = split_pages(body, 700, spoiler=spoiler)
    assert len(wanted) > 5
    for seed in ("1", "2", "3"):
        fresh = subprocess.run(
            [sys.executable, "-c", SPLIT_IN_A_FRESH_PROCESS],
            input=json.dumps([body, 700, spoiler]),
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            timeout=60,
            check=True,
        )
        assert json.loads(fresh.stdout) == wanted


def test_too_small_a_page_is_refused() -> None:
    with pytest.raises(ValueError):
        split_pages("text", MIN_PAGE - 1)


def test_spoiler_wrap_neutralises_inner_bars() -> None:
    wrapped = spoiler_wrap("It ||was|| him |")
    assert wrapped.startswith("||") and wrapped.endswith("||")
    assert "||" not in wrapped[2:-2]
    assert wrapped.replace("\u200b", "") == "||It ||was|| him |||"
    assert spoiler_wrap("") == ""


def test_spoiler_pages_are_each_wrapped_whole() -> None:
    body = "It ||was|| the butler, in the library, with the candlestick. " * 120
    pages = split_pages(body, 4096, spoiler=True)
    assert len(pages) == 2
    for page in pages:
        assert len(page) <= 4096
        assert page.startswith("||") and page.endswith("||")
        assert "||" not in page[2:-2]


# -- properties -----------------------------------------------------------------------------

ANY_TEXT = st.lists(
    st.sampled_from(
        [*"ab .!?\n|`\u00a0", "py\n", "```", "||", "\u0301", "\u200d", "👍", "🇫", "ש", "。"]
    ),
    max_size=400,
).map("".join)


@FAST
@given(text=ANY_TEXT, limit=st.integers(MIN_PAGE, 300))
def test_pages_fit_and_keep_every_character(text: str, limit: int) -> None:
    pages = split_pages(text, limit)
    assert all(len(page) <= limit for page in pages)
    kept, original = squeeze("".join(pages), "|`"), squeeze(text, "|`")
    if "`" not in text:
        assert kept == original
    else:  # reopened code blocks repeat their language name
        letters = iter(kept)
        assert all(ch in letters for ch in original)
    assert all(pages) or text == ""


PLAIN = st.text(alphabet="abc xyz.\né", max_size=300)
SEGMENT = st.one_of(
    PLAIN.map(lambda text: ("shown", text)),
    PLAIN.filter(str.strip).map(lambda text: ("hidden", text)),
)


@FAST
@given(segments=st.lists(SEGMENT, max_size=8), limit=st.integers(MIN_PAGE, 400))
def test_spoilers_stay_balanced_and_hidden(segments: list[tuple[str, str]], limit: int) -> None:
    text = "".join(f"||{part}||" if kind == "hidden" else part for kind, part in segments)
    pages = split_pages(text, limit)
    hidden = "".join(squeeze(part) for kind, part in segments if kind == "hidden")
    shown = "".join(squeeze(part) for kind, part in segments if kind == "shown")
    for page in pages:
        assert len(page) <= limit
        assert page.count("||") % 2 == 0
        assert "|" not in SPOILER_SPAN.sub("", page)
    assert "".join(hidden_and_shown(p)[0] for p in pages) == hidden
    assert "".join(hidden_and_shown(p)[1] for p in pages) == shown


CLUSTERS = st.sampled_from(
    [
        "a",
        "b",
        " ",
        "\n",
        ".",
        "e\u0301",
        "a\u0308\u0323",
        "س\u064e",
        "क\u093f",
        "שָׁ",
        "👍\U0001f3fd",
        "👨\u200d👩\u200d👧",
        "🇫🇷",
        "❤\ufe0f",
        "\u1100\u1161\u11a8",
    ]
)


@FAST
@given(clusters=st.lists(CLUSTERS, max_size=400), limit=st.integers(MIN_PAGE, 160))
def test_pages_never_split_a_grapheme(clusters: list[str], limit: int) -> None:
    text = "".join(clusters)
    boundaries = {0}
    for cluster in clusters:
        boundaries.add(max(boundaries) + len(cluster))
    pages = split_pages(text, limit)
    for start, end in locate(text, pages):
        assert start in boundaries and end in boundaries
    for page in pages[1:]:
        assert unicodedata.category(page[0]) not in {"Mn", "Mc", "Me"}
        assert not page.endswith("\u200d")


@FAST
@given(text=ANY_TEXT, limit=st.integers(MIN_PAGE, 300))
def test_whole_spoiler_pages_fit_and_hide_everything(text: str, limit: int) -> None:
    if not text:
        return
    for page in split_pages(text, limit, spoiler=True):
        assert len(page) <= limit
        assert page.startswith("||") and page.endswith("||")
        assert "||" not in page[2:-2] and not page[2:-2].endswith("|")
