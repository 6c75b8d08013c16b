"""Where exactly a page of a long review ends, and how spoilers and code survive the cut.

Each case is small enough to check by eye: the rule it pins is in the test's name.
"""

from __future__ import annotations

import pytest

from reviewbot.pages import split_pages
from reviewbot.render import page_room, render_review
from reviewbot.review import Review, ReviewContext

A, B, C = "a", "b", "c"


# -- breaks outside any markup ---------------------------------------------------------------


def test_a_page_never_ends_inside_a_run_of_spaces() -> None:
    # The run straddles the point where the search for a break in a long page looks first.
    text = A * 199 + " " * 12 + B * 300
    assert split_pages(text, 400) == [A * 199, B * 300]


def test_a_paragraph_break_in_the_second_half_wins_over_a_later_space() -> None:
    words = " ".join(["w" * 9] * 40)
    text = A * 150 + " " + A * 49 + "\n\n" + words
    assert split_pages(text, 400) == [A * 150 + " " + A * 49, words]


def test_a_paragraph_break_right_at_the_limit_ends_the_page() -> None:
    text = A * 40 + "\n\n" + B * 22 + "\n\n" + C * 20
    assert split_pages(text, 64) == [A * 40 + "\n\n" + B * 22, C * 20]


def test_a_paragraph_break_is_found_wherever_it_falls_in_a_long_page() -> None:
    # The last paragraph break before the limit, not an earlier one, even where the search
    # for breaks (from the end back) passes over it in two steps.
    first = "a " * 260 + B * 98
    second = B * 123
    rest = "c " * 200
    text = first + "\n\n" + second + "\n\n" + rest
    assert split_pages(text, 1000) == [first + "\n\n" + second, rest]


def test_a_space_far_back_in_a_long_page_is_found() -> None:
    text = A * 143 + " " + B * 300
    assert split_pages(text, 400) == [A * 143, B * 300]


def test_a_page_may_hold_a_single_letter_rather_than_cut_a_word() -> None:
    text = "a " + C * 400
    assert split_pages(text, 258) == ["a", C * 258, C * 142]


# -- spoilers --------------------------------------------------------------------------------


def test_a_spoiler_moves_whole_to_the_next_page_rather_than_be_cut() -> None:
    secret = "||" + "s " * 24 + "||"  # spaces inside, as many as before it
    text = "w" * 40 + " w " + secret + " tail"
    assert split_pages(text, 64) == ["w" * 40 + " w", secret + " tail"]


def test_a_spoiler_that_fits_a_page_moves_even_if_the_page_ends_early() -> None:
    secret = "||" + C * 27 + " d e f g h i j||"
    text = "aaaa " + B * 21 + " " + secret + " end"
    assert split_pages(text, 64) == ["aaaa " + B * 21, secret + " end"]


def test_a_spoiler_as_long_as_a_page_still_moves_whole() -> None:
    secret = "||" + "c c " * 15 + "||"
    text = "aaaa " + B * 20 + " " + secret + " more"
    assert len(secret) == 64
    assert split_pages(text, 64) == ["aaaa " + B * 20, secret, "more"]


def test_a_page_of_one_short_word_before_a_spoiler_that_fits() -> None:
    text = "a ||" + C * 40 + " d" * 10 + "||" + "e" * 10
    assert split_pages(text, 64) == [
        "a",
        "||" + C * 40 + " d" * 9 + "||",
        "||d||" + "e" * 10,
    ]


def test_a_spoiler_longer_than_a_page_keeps_the_text_before_it_whole() -> None:
    long_secret = "||" + C * 5 + " " + "d" * 100 + "||"
    pages = split_pages("aaaaa " + B * 10 + " " + long_secret, 64)
    assert pages == ["aaaaa " + B * 10, "||ccccc||", "||" + "d" * 60 + "||", "||" + "d" * 40 + "||"]
    assert split_pages("a " + long_secret, 64)[:2] == ["a", "||ccccc||"]
    assert split_pages("x" * 50 + " " + long_secret, 64)[:2] == ["x" * 50, "||ccccc||"]


def test_a_long_spoiler_with_one_early_space_ends_its_page_there() -> None:
    text = "||" + A * 10 + " " + B * 120 + "||"
    assert split_pages(text, 64) == [
        "||" + A * 10 + "||",
        "||" + B * 60 + "||",
        "||" + B * 60 + "||",
    ]


def test_a_long_spoiler_is_cut_at_its_inner_spaces() -> None:
    text = "||" + A * 60 + " x " + B * 100 + "||"
    assert split_pages(text, 64)[:2] == ["||" + A * 60 + "||", "||x||"]


def test_a_page_that_must_cut_a_spoiler_cuts_after_the_word_before_it() -> None:
    secret = "||" + "q " * 23 + "||"
    text = "x" * 50 + " " + "y" * 30 + secret + " z"
    assert split_pages(text, 64) == [
        "x" * 50,
        "y" * 30 + "||" + "q " * 14 + "q||",
        "||" + "q " * 8 + "|| z",
    ]


def test_one_letter_spoilers_pair_up_and_add_no_bars_between_them() -> None:
    text = "||x|| " + "w" * 30 + " " + "v" * 30 + " ||y|| end"
    assert split_pages(text, 64) == ["||x|| " + "w" * 30, "v" * 30 + " ||y|| end"]


def test_unclosed_bars_are_text_and_code_after_them_is_still_code() -> None:
    inline = "`" + "a " * 40 + "`"
    pages = split_pages("||" + inline + " tail", 64)
    assert pages == ["||`" + "a " * 29 + "a`", "`" + "a " * 10 + "` tail"]
    pages = split_pages("||s||" + inline, 64)
    assert pages == ["||s||`" + "a " * 28 + "a`", "`" + "a " * 11 + "`"]


def test_code_at_the_start_of_a_spoiler_is_closed_and_reopened_inside_it() -> None:
    text = "||`" + "b " * 60 + "`||"
    assert split_pages(text, 64) == [
        "||`" + "b " * 28 + "b`||",
        "||`" + "b " * 28 + "b`||",
        "||`b b `||",
    ]


def test_no_page_ends_right_after_the_opening_bars() -> None:
    text = A * 40 + "|| " + B * 80 + "||"
    assert split_pages(text, 64) == [A * 40, "|| " + B * 59 + "||", "||" + B * 21 + "||"]


def test_a_spoiler_can_end_a_page_after_its_first_letter() -> None:
    text = A * 40 + "||x " + B * 80 + "||"
    assert split_pages(text, 64) == [A * 40 + "||x||", "||" + B * 60 + "||", "||" + B * 20 + "||"]


def test_no_page_ends_on_the_space_just_before_closing_bars() -> None:
    # Cutting there would leave an empty spoiler (`||||`) at the top of the next page.
    text = "||" + A * 50 + " ||" + B * 30
    assert split_pages(text, 64) == ["||" + A * 50 + " ||" + B * 9, B * 21]


def test_added_bars_never_touch_a_bar_of_the_text() -> None:
    text = "||" + "a " * 28 + "a| " + B * 30 + "||"
    pages = split_pages(text, 64)
    assert pages == ["||" + "a " * 27 + "a||", "||a| " + B * 30 + "||"]
    assert not any("|||" in page for page in pages)


# -- code ------------------------------------------------------------------------------------


def test_two_short_code_blocks_add_no_fences_between_them() -> None:
    text = "```x``` " + "w" * 30 + " " + "v" * 30 + " ```y``` end"
    assert split_pages(text, 64) == ["```x``` " + "w" * 30, "v" * 30 + " ```y``` end"]


def test_one_letter_inline_codes_pair_up_and_add_no_backticks_between_them() -> None:
    text = "`x` " + "w" * 30 + " " + "v" * 30 + " `y` end"
    assert split_pages(text, 64) == ["`x` " + "w" * 30, "v" * 30 + " `y` end"]


def test_a_fence_opened_in_a_spoiler_and_closed_after_it_is_not_code() -> None:
    for fence in ("```", "`"):
        text = "||" + fence + " s" * 40 + "|| after " + fence + " " + "t" * 20
        first, second = split_pages(text, 64)
        assert first.startswith("||" + fence + " s") and first.endswith("s||")
        assert second.startswith("||s s") and second.endswith("|| after " + fence + " " + "t" * 20)
        assert fence not in first[2 + len(fence) :]  # no fence added where the page ends


def test_a_code_block_cut_by_pages_keeps_its_language_on_every_page() -> None:
    lines = "x = 1\n" * 30
    pages = split_pages("```python\n" + lines + "```", 64)
    assert pages == ["```python\n" + "x = 1\n" * 7 + "x = 1```"] * 3 + [
        "```python\n" + "x = 1\n" * 6 + "```"
    ]


def test_a_code_block_without_a_language_is_reopened_without_one() -> None:
    text = A * 40 + "```\n" + "b " * 40 + "```"
    assert split_pages(text, 64) == [
        A * 40 + "```\n" + "b " * 8 + "b```",
        "```\n" + "b " * 28 + "b```",
        "```\nb b ```",
    ]


def test_a_first_line_that_is_not_a_language_is_code_text() -> None:
    text = A * 40 + "```x " + B * 60 + "```"
    assert split_pages(text, 64) == [A * 40 + "```x```", "```\n" + B * 57 + "```", "```\nbbb```"]


def test_a_page_may_end_right_after_a_code_block() -> None:
    for block in ("```\na b c\n```", "```py\na b c\n```"):
        assert split_pages(block + " " + "w" * 60, 64) == [block, "w" * 60]


def test_a_code_block_cut_just_before_its_closing_fence_is_still_closed() -> None:
    text = "```py\n" + B * 50 + " x```" + C * 20
    assert split_pages(text, 64) == ["```py\n" + B * 50 + "```", "```py\nx```" + C * 20]


def test_added_backticks_never_touch_a_backtick_of_the_text() -> None:
    # Double-backtick code holding single backticks: a cut beside one would fuse them.
    after = "``" + "a " * 28 + "a` " + B * 30 + "``"
    assert split_pages(after, 64) == ["``" + "a " * 27 + "a``", "``a` " + B * 30 + "``"]
    before = "``" + "a " * 28 + " `" + B * 30 + "``"
    assert split_pages(before, 64) == ["``" + "a " * 26 + "a``", "``a  `" + B * 30 + "``"]


# -- graphemes and text without spaces -------------------------------------------------------


def test_a_mark_after_a_space_stays_with_it_on_the_next_page() -> None:
    text = A * 40 + " \u0301" + B * 40
    assert split_pages(text, 64) == [A * 40, " \u0301" + B * 40]


def test_a_joiner_before_a_space_keeps_them_together() -> None:
    text = A * 40 + "\u200d " + B * 40
    assert split_pages(text, 64) == [A * 40 + "\u200d " + B * 22, B * 18]
    spoiler = "||" + A * 50 + " " + B * 30 + "\u200d " + B * 60 + "||"
    pages = split_pages(spoiler, 64)
    assert pages == [
        "||" + A * 50 + "||",
        "||" + B * 30 + "\u200d " + B * 28 + "||",
        "||" + B * 32 + "||",
    ]


def test_a_spoiler_without_spaces_moves_whole_rather_than_be_cut() -> None:
    text = A * 40 + "||" + B * 40 + "||" + C * 10
    assert split_pages(text, 64) == [A * 40, "||" + B * 40 + "||" + C * 10]


def test_a_letter_with_more_marks_than_a_page_holds_is_cut_between_marks() -> None:
    zalgo = "e" + "\u0301" * 100  # one grapheme, longer than a page
    assert split_pages(zalgo, 64) == [zalgo[:64], zalgo[64:]]
    assert split_pages("see " + zalgo, 64) == ["see", zalgo[:64], zalgo[64:]]


def test_a_review_of_one_enormous_grapheme_can_still_be_shown() -> None:
    body = "e" + "\u0301" * 5000
    review = Review.create(title="Zalgo", rating="3", body=body).with_id(1)
    shown = ReviewContext(review, None, None, 1, 1)
    first = render_review(shown)
    assert first.page_count == -(-len(body) // page_room(review))
    last = render_review(shown, first.page_count - 1)
    assert last.page == first.page_count - 1


def test_a_cjk_full_stop_right_at_the_limit_ends_the_page() -> None:
    text = A * 40 + "。" + B * 22 + "。" + C * 20
    assert split_pages(text, 64) == [A * 40 + "。" + B * 22 + "。", C * 20]


def test_a_long_spoiler_without_spaces_keeps_its_flags_whole() -> None:
    flags = "🇫🇷" * 100
    pages = split_pages("||x" + flags + "||", 64)
    inner = [page.removeprefix("||").removesuffix("||") for page in pages]
    assert inner[0].startswith("x") and all(len(text) % 2 == 0 for text in inner[1:])
    assert len(inner[0]) % 2 == 1 and "".join(inner) == "x" + flags


def test_added_bars_never_touch_a_bar_of_the_text_even_without_spaces() -> None:
    for text in ("||" + "a|" * 100 + "||", "||" + "\u200d|" * 100 + "||"):
        pages = split_pages(text, 64)
        assert len(pages) > 2
        assert not any(page.endswith("|||") for page in pages[:-1])


def test_bars_at_the_start_of_a_spoiler_are_its_text() -> None:
    text = "abc ||||x|| " + "word " * 20
    pages = split_pages(text, 64)
    assert pages[0].startswith("abc ||||x||") and "".join(pages).replace(" ", "") == text.replace(
        " ", ""
    )


def test_a_page_too_small_for_any_text_is_refused_with_the_minimum() -> None:
    with pytest.raises(ValueError, match="at least 64 characters, not 63"):
        split_pages("text", 63)
