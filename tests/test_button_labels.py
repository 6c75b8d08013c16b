"""A card's ◀ and ▶ name its neighbours whole up to the label limit, and cut just past it."""

from __future__ import annotations

from typing import Any

from reviewbot.limits import BUTTON_LABEL
from reviewbot.review import Review, ReviewContext
from reviewbot.views import neighbour_label, review_reply

from .loopback.model import walk_components

JSON = dict[str, Any]
ROOM = BUTTON_LABEL - len("◀ ")  # what is left of a label for the title


def labels(shown: ReviewContext) -> list[str]:
    """The labels of the card's buttons, in the order Discord shows them."""
    components = review_reply(shown).view.to_components()
    return [c.get("label", "") for c in walk_components(components) if c["type"] == 2]


def between(previous: str | None, following: str | None) -> ReviewContext:
    review = Review.create(title="Her", rating="4", body="Tender.", author_name="Ana")
    return ReviewContext(
        review.with_id(5),
        previous_id=None if previous is None else 4,
        next_id=None if following is None else 6,
        position=2,
        total=3,
        previous_title=previous,
        next_title=following,
    )


def test_a_title_that_just_fits_is_shown_whole() -> None:
    title = "A" * (ROOM - 1) + "Z"
    assert neighbour_label(title, forward=False) == "◀ " + title
    assert neighbour_label(title, forward=True) == title + " ▶"
    assert len(neighbour_label(title, forward=True)) == BUTTON_LABEL


def test_a_title_one_character_longer_is_cut_with_an_ellipsis() -> None:
    title = "A" * ROOM + "Z"
    assert neighbour_label(title, forward=False) == "◀ " + "A" * (ROOM - 1) + "…"
    assert neighbour_label(title, forward=True) == "A" * (ROOM - 1) + "… ▶"


def test_the_ends_of_the_list_show_plain_labels() -> None:
    assert neighbour_label(None, forward=False) == "◀ Previous"
    assert neighbour_label(None, forward=True) == "Next ▶"


def test_the_card_shows_a_full_title_one_way_and_a_cut_one_the_other() -> None:
    fits, over = "f" * ROOM, "o" * (ROOM + 1)
    assert labels(between(fits, over)) == ["◀ " + fits, "o" * (ROOM - 1) + "… ▶"]
    assert labels(between(over, fits)) == ["◀ " + "o" * (ROOM - 1) + "…", fits + " ▶"]
    assert labels(between(None, None)) == ["◀ Previous", "Next ▶"]
