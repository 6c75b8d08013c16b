"""Star ratings hold at most five symbols: a sixth star, half or empty is refused, not capped."""

from __future__ import annotations

import pytest

from reviewbot.errors import ValidationError
from reviewbot.review import RATING_FORMS, Rating


@pytest.mark.parametrize(
    "typed",
    [
        "★★★★★★",  # six full stars
        "★★★★★½",  # five and a half
        "★★★★★☆",  # five stars and a sixth, empty: would read as 5 if symbols went uncounted
        "★★★★½☆☆",  # four and a half in seven symbols
        "☆☆☆☆☆☆",
        "★" * 20,
    ],
)
def test_more_than_five_star_symbols_are_refused_as_not_a_rating(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Rating.parse(typed)
    assert caught.value.field == "rating"
    assert str(caught.value) == f"“{typed}” is not a rating I understand. Use {RATING_FORMS}."


@pytest.mark.parametrize(
    ("typed", "halves"),
    [("★★★★★", 10), ("★★★★½", 9), ("★★★★", 8), ("½", 1), ("☆☆☆☆☆", 0), ("★★½☆☆", 5)],
)
def test_up_to_five_star_symbols_are_read(typed: str, halves: int) -> None:
    assert Rating.parse(typed) == Rating(halves)
