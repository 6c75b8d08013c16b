"""Where exactly a page of a long review ends, and how spoilers and code survive the cut.

Each case is small enough to check by eye: the rule it pins is in the test's name.
"""

from __future__ import annotations

from reviewbot.pages import split_pages
from reviewbot.render import page_room, render_review
from reviewbot.review import Review, ReviewContext

A, B, C = "a", "b", "c"


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
