"""Where exactly a page of a long review ends, and how spoilers and code survive the cut.

Each case is small enough to check by eye: the rule it pins is in the test's name.
"""

from __future__ import annotations

from reviewbot.pages import split_pages
from reviewbot.render import page_room, render_review
from reviewbot.review import Review, ReviewContext

A, B, C = "a", "b", "c"


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
