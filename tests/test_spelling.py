from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewbot.search import Spelling
from reviewbot.spelling import WINDOW, Vocabulary, allowed_edits

from .test_search import _reference_distance

# A small alphabet, so that random words are often a typo or two from one another; long enough
# words to reach past the seven letters the deletion index is made from.
letters = st.text(alphabet="abcde", min_size=1, max_size=10)


@st.composite
def typed_and_words(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A typed word, and words of which some begin with a slip of it (or of its start)."""
    typed = draw(letters)
    words = draw(st.lists(letters, max_size=30))
    for _ in range(draw(st.integers(0, 10))):
        start = typed[: draw(st.integers(1, len(typed)))]
        at = draw(st.integers(0, len(start) - 1))
        slip = draw(st.sampled_from(["swap", "change", "add", "drop"]))
        letter = draw(st.sampled_from("abcde"))
        if slip == "swap" and at + 1 < len(start):
            start = start[:at] + start[at + 1] + start[at] + start[at + 2 :]
        elif slip == "change":
            start = start[:at] + letter + start[at + 1 :]
        elif slip == "add":
            start = start[:at] + letter + start[at:]
        elif len(start) > 1:
            start = start[:at] + start[at + 1 :]
        words.append(start + draw(st.text(alphabet="abcde", max_size=4)))
    return typed, list(dict.fromkeys(words))


def within(typed: str, words: list[str]) -> dict[str, int]:
    """Every word the typed one may stand for, by brute force."""
    most = allowed_edits(typed)
    found = {w: _reference_distance(typed, w) for w in words}
    return {w: d for w, d in found.items() if d <= most}


@settings(max_examples=150, deadline=None)
@given(typed_and_words())
def test_near_finds_exactly_the_words_within_the_edits_a_word_allows(
    case: tuple[str, list[str]],
) -> None:
    typed, words = case
    assert Vocabulary(words).near(typed) == within(typed, words)


@settings(max_examples=100, deadline=None)
@given(typed_and_words(), st.integers(0, 30))
def test_words_added_later_are_found_as_if_there_from_the_start(
    case: tuple[str, list[str]], split: int
) -> None:
    typed, words = case
    first, later = words[:split], words[split:]
    grown = Vocabulary(first)
    grown.add(later)
    every = list(dict.fromkeys(first + later))
    assert grown.near(typed) == Vocabulary(every).near(typed) == within(typed, every)
    assert len(grown) == len(every)


@settings(max_examples=150, deadline=None)
@given(typed_and_words())
def test_a_word_being_typed_finds_the_words_whose_long_starts_are_within_its_edits(
    case: tuple[str, list[str]],
) -> None:
    typed, words = case
    most = allowed_edits(typed)
    ends = range(max(WINDOW, len(typed) - most), len(typed) + most + 1)  # starts that long
    expected = {}
    for word in words:
        distance = min((_reference_distance(typed, word[:end]) for end in ends), default=99)
        if most and distance <= most:
            expected[word] = distance
    assert Vocabulary(words).begun_near(typed) == expected


@settings(max_examples=150, deadline=None)
@given(typed_and_words())
def test_the_short_starts_one_edit_from_a_word_being_typed(case: tuple[str, list[str]]) -> None:
    typed, words = case
    starts = {w[:end] for w in words for end in range(2, min(len(w), WINDOW - 1) + 1)}
    expected = {s for s in starts if _reference_distance(typed, s) == 1}
    if allowed_edits(typed) == 0:
        expected = set()
    assert Vocabulary(words).starts_one_edit_from(typed) == expected


def test_short_words_are_taken_as_typed_and_long_ones_may_be_two_edits_away() -> None:
    assert [allowed_edits("x" * n) for n in range(1, 8)] == [0, 0, 1, 1, 2, 2, 2]
    vocabulary = Vocabulary(["of", "part", "fleabag", "godfather"])
    assert vocabulary.near("og") == {}  # two letters: any change makes another word
    assert vocabulary.near("prat") == {"part": 1}  # a swap
    assert vocabulary.near("prta") == {}  # two edits in a short word: too far
    assert vocabulary.near("fleebeg") == {"fleabag": 2}
    assert vocabulary.near("godfahtr") == {"godfather": 2}  # a swap and a letter left out


_short = st.text(alphabet="abc", min_size=1, max_size=5)
_edits = st.integers(0, 2)


@settings(max_examples=300)
@given(
    words=st.dictionaries(_short, _edits, max_size=4),
    begun=st.dictionaries(_short, _edits, max_size=4),
    starts=st.dictionaries(_short, _edits, max_size=8),
    title_word=_short,
)
def test_a_title_word_matches_at_its_closest_word_or_start(
    words: dict[str, int], begun: dict[str, int], starts: dict[str, int], title_word: str
) -> None:
    spelling = Spelling("typed", words, begun, starts)
    if title_word in words:
        expected: tuple[int, int] | None = (words[title_word], 0)
    else:
        found = [begun[title_word]] if title_word in begun else []
        found += [edits for start, edits in starts.items() if title_word.startswith(start)]
        expected = (min(found), 1) if found else None
    assert spelling.match(title_word) == expected
    assert replace(spelling, starts={}).match(title_word) == (
        (words[title_word], 0)
        if title_word in words
        else ((begun[title_word], 1) if title_word in begun else None)
    )
