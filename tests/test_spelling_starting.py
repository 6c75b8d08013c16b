"""The title words a short start stands for: all of them up to the limit, none beyond it."""

from __future__ import annotations

from reviewbot.spelling import Vocabulary

WORDS = ["tea", "team", "tear", "ten", "the"]


def test_a_start_stands_for_its_words_up_to_exactly_the_limit() -> None:
    vocabulary = Vocabulary(WORDS)
    assert vocabulary.starting("te", 4) == ["tea", "team", "tear", "ten"]
    assert vocabulary.starting("tea", 3) == ["tea", "team", "tear"]
    assert vocabulary.starting("th", 1) == ["the"]
    assert vocabulary.starting("x", 2) == []


def test_a_start_beginning_more_words_than_the_limit_stands_for_none() -> None:
    vocabulary = Vocabulary(WORDS)
    assert vocabulary.starting("te", 3) is None
    assert vocabulary.starting("t", 4) is None
