"""The title words a typed word may stand for: two letters missed anywhere in a word's first
seven, words added after the index was built, every longer word a slipped start begins, and
what a word being typed is read as."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from reviewbot.search import plan_search, spell
from reviewbot.spelling import WINDOW, Vocabulary

LETTERS = "abcdefghijklmnopqrstuvwxyz"


@settings(max_examples=200, deadline=None)
@given(
    word=st.text(alphabet=LETTERS, min_size=5, max_size=10),
    first=st.integers(min_value=0, max_value=WINDOW - 1),
    gap=st.integers(min_value=1, max_value=WINDOW - 1),
)
def test_a_word_with_two_of_its_first_letters_missed_is_found(
    word: str, first: int, gap: int
) -> None:
    second = first + gap
    assume(second < min(len(word), WINDOW))
    typed = word[:first] + word[first + 1 : second] + word[second + 1 :]
    assume(len(typed) >= 5)  # a shorter word may be only one edit from what was meant
    vocabulary = Vocabulary(["harbour", "lights", word])
    assert vocabulary.near(typed).get(word) == 2


def test_words_added_after_the_index_was_built_are_found_by_their_typos() -> None:
    vocabulary = Vocabulary(f"word{n:03}" for n in range(200))
    vocabulary.add(["zeppelin"])  # too few to rebuild the index: kept beside it
    assert vocabulary.near("zepelin") == {"zeppelin": 1}
    assert vocabulary.near("zeplein") == {"zeppelin": 2}


def test_every_longer_word_a_slipped_start_begins_is_found() -> None:
    begun = [f"lighthouse{ending}" for ending in ("", "s", "keeper", "man", "d", "r", "light")]
    vocabulary = Vocabulary([*begun, "lights", "harbour"])
    found = vocabulary.begun_near("lighthx")  # an x for an o: one edit from "lightho…"
    assert {word for word, edits in found.items() if edits == 1} == set(begun)


def test_a_short_start_being_typed_stands_for_the_words_it_begins() -> None:
    vocabulary = Vocabulary(["athens", "athlete", "bath", "harbour"])
    (spelling,) = spell(plan_search("ath"), vocabulary)
    assert set(spelling.begun) == {"athens", "athlete"}
    assert not spelling.open
    # Beginning more words than are worth asking for, it narrows nothing down.
    vocabulary.add(f"th{n:02}" for n in range(30))
    (spelling,) = spell(plan_search("th"), vocabulary)
    assert spelling.open and not spelling.begun
