"""Search planning: typed text becomes safe full-text queries, and tiered hits become one ranking.

Tiers, best first: exact title, title prefix, every title word, title words within a typo or two
(see `spelling`), then the review text. Nothing a person types reaches FTS5 unquoted: each word
becomes a quoted token, so quotes, `*`, `AND`, `NEAR(`, `^` or `:` are only ever words or
separators.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Container, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import NamedTuple

from .review import TITLE_MAX, normalise
from .spelling import MAX_EDITS, Vocabulary, edit_distance

__all__ = ["SearchPlan", "Spelling", "Tier", "edit_distance", "plan_search"]

_WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 12  # more words than any title has; keeps the full-text query small
MAX_WORD_LENGTH = 60
PREFIX_MIN_LENGTH = 4  # a short FTS prefix ("the"*) merges huge doclists (bench/README.md)
START_WORDS_MAX = 24  # a shorter start stands for its words when it begins no more than these
STARTS_MAX = 8  # starts of four letters or more looked up for a word being typed
ALTERNATIVES_MAX = 24  # spellings of one typed word put to the full-text index, closest first
READINGS_MAX = 3  # spellings of each word tried when reading the text as the start of a title
LAST_READINGS_MAX = 12  # and of the last word (still being typed, it has more)
CORRECTIONS_MAX = 12  # readings of the whole text looked up as the start of a title


class Tier(IntEnum):
    EXACT = 0
    PREFIX = 1
    WORDS = 2
    TYPO = 3
    BODY = 4


def title_words(text: str) -> set[str]:
    """Every word of an already-normalised title, as the full-text tokenizer sees it."""
    return set(_WORD.findall(text))


def words(text: str) -> list[str]:
    """The words of typed (normalised) text worth searching for, in order."""
    return [w[:MAX_WORD_LENGTH] for w in _WORD.findall(text)][:MAX_WORDS]


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


class SearchPlan(NamedTuple):
    """What the store needs to run one search, from the typed text (a tuple: one is made per
    keystroke, and the full-text queries only when a tier needs them)."""

    text: str  # normalised, as titles are stored
    words: tuple[str, ...]
    typing: bool  # the last word may be unfinished: no space after it

    @property
    def searchable(self) -> bool:
        return bool(self.text)

    @property
    def prefix_end(self) -> str:
        """The exclusive upper bound of titles starting with `text`."""
        return self.text + "\U0010ffff"

    @property
    def short_start(self) -> bool:
        """Whether the last word is being typed and too short to look up as a prefix."""
        return self.typing and len(self.words[-1]) < PREFIX_MIN_LENGTH

    def words_match(self, last_begins: Sequence[str] = ()) -> str | None:
        """Every word, the last one also as a prefix while it is being typed; or, for a start
        too short to look up, as any of the title words it begins (`last_begins`)."""
        if not self.words:
            return None
        tokens = [_quoted(w) for w in self.words]
        if self.typing and len(self.words[-1]) >= PREFIX_MIN_LENGTH:  # or any word it begins
            tokens[-1] += "*"
        elif last_begins:
            tokens[-1] = "(" + " OR ".join(map(_quoted, last_begins)) + ")"
        return " AND ".join(tokens)

    @property
    def body_match(self) -> str | None:
        return " AND ".join(_quoted(w) for w in self.words) if self.words else None


def plan_search(typed: str) -> SearchPlan:
    text = normalise(typed[: TITLE_MAX * 4])[:TITLE_MAX]
    found = tuple(words(text))
    return SearchPlan(text, found, bool(found) and not typed[-1:].isspace())


def words_begun(plan: SearchPlan, vocabulary: Vocabulary | None) -> list[str]:
    """The title words a last word too short to look up as a prefix begins, when they are few
    ("zep": zeppelin, zephyr); none if the vocabulary is not in memory."""
    if vocabulary is None or not plan.words or not plan.short_start:
        return []
    return vocabulary.starting(plan.words[-1], START_WORDS_MAX) or []


# Typos -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Spelling:
    """What one typed word may stand for, each with its edits from what was typed: title words,
    and for the word still being typed, title words it may be the start of, and starts of title
    words (every word beginning with one).

    An open spelling is a start too short to look up (a letter or two that begin thousands of
    words): it narrows nothing down, and a title only ranks higher for matching it.
    """

    typed: str
    words: Mapping[str, int]
    begun: Mapping[str, int] = field(default_factory=dict)
    starts: Mapping[str, int] = field(default_factory=dict)
    open: bool = False
    # The lengths of the starts, shortest first: a title word can begin with only one start of
    # each length, so matching looks each one up rather than trying every start.
    _start_lengths: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lengths = tuple(sorted({len(start) for start in self.starts}))
        object.__setattr__(self, "_start_lengths", lengths)

    @property
    def as_typed(self) -> bool:
        """Whether the typed word stands only for itself (a title word, or the start of some)."""
        return (
            self.words.keys() <= {self.typed}
            and not self.begun
            and self.starts.keys() <= {self.typed}
        )

    def match(self, title_word: str) -> tuple[int, int] | None:
        """(edits, 1 if only as a start else 0) from the typed word to `title_word`, or None
        if it is not one the typed word stands for."""
        edits = self.words.get(title_word)
        if edits is not None:
            return edits, 0
        best = self.begun.get(title_word)
        starts = self.starts
        for length in self._start_lengths:
            if length > len(title_word):
                break
            start_edits = starts.get(title_word[:length])
            if start_edits is not None and (best is None or start_edits < best):
                best = start_edits
        return None if best is None else (best, 1)

    def tokens(self, fuzzy: bool = False) -> list[str]:
        """Full-text tokens for the spellings, closest first: the title words, and the starts
        as typed (with `fuzzy`, also those an edit or two away)."""
        most = MAX_EDITS if fuzzy else 0
        ranked = sorted(
            [(edits, 0, _quoted(word)) for word, edits in self.words.items()]
            + [(edits, 1, _quoted(word)) for word, edits in self.begun.items()]
            + [
                (edits, 1, _quoted(start) + "*")
                for start, edits in self.starts.items()
                if edits <= most and len(start) >= PREFIX_MIN_LENGTH
            ]
        )
        return list(dict.fromkeys(token for _, _, token in ranked))[:ALTERNATIVES_MAX]

    def readings(self, most: int, common: Container[str]) -> list[tuple[int, str]]:
        """(edits, word or start) for the `most` closest ways to read the typed word: among
        equals, a word in many titles, then the longer (the more telling)."""
        found = dict(self.starts)
        found.update(self.begun)
        found.update(self.words)
        ranked = sorted(
            found.items(), key=lambda item: (item[1], item[0] not in common, -len(item[0]), item[0])
        )
        return [(edits, text) for text, edits in ranked[:most]]


def spell(plan: SearchPlan, vocabulary: Vocabulary, fuzzy: bool = False) -> list[Spelling]:
    """Each typed word's spellings: itself when it is a title word, else the title words a typo
    or two from it; and for the word still being typed, the starts of words it is or is an
    edit from (with `fuzzy`, also the words those begin, and the words whose longer starts are
    within its edits)."""
    found = []
    for i, word in enumerate(plan.words):
        near = {word: 0} if word in vocabulary else vocabulary.near(word)
        if plan.typing and i == len(plan.words) - 1:
            found.append(_spell_start(word, near, vocabulary, fuzzy))
        else:
            found.append(Spelling(word, near))
    return found


def widen(spellings: Sequence[Spelling], vocabulary: Vocabulary) -> list[Spelling]:
    """The spellings with the title words an edit from each typed word that is a title word
    itself: a slip may make another word."""
    return [
        replace(s, words=vocabulary.near(s.typed, most=1)) if s.words.keys() == {s.typed} else s
        for s in spellings
    ]


def _spell_start(word: str, near: dict[str, int], vocabulary: Vocabulary, fuzzy: bool) -> Spelling:
    begun = vocabulary.begun_near(word) if fuzzy else {}
    close = _telling_starts(word, vocabulary)
    starts: dict[str, int] = {}
    is_open = False
    telling = 0
    for start, edits in [(word, 0)] + [(start, 1) for start in close]:
        if start in starts:
            continue
        if len(start) >= PREFIX_MIN_LENGTH:
            if edits == 0 or telling < STARTS_MAX:  # the longest, most telling ones
                starts[start] = edits
                telling += 1
            continue
        starts[start] = edits  # too short to ask the index for: the text's readings use it
        if edits and not fuzzy:
            continue  # a short start an edit away stands for many words: a last resort
        words_begun = vocabulary.starting(start, START_WORDS_MAX)
        if words_begun is None and start == word:
            is_open = True
        for other in words_begun or ():
            begun[other] = min(edits, begun.get(other, edits))
    return Spelling(word, near, begun, starts, is_open)


def _telling_starts(word: str, vocabulary: Vocabulary) -> list[str]:
    """The starts of title words an edit from `word`, the most telling first: the longest,
    and among as long, those beginning more title words (a likelier reading), then in a fixed
    order so that every process reads alike. A start that only adds a letter to `word` is
    left out: the words it begins, `word` begins too."""
    close = [s for s in vocabulary.starts_one_edit_from(word) if s[:-1] != word]
    if sum(len(s) >= PREFIX_MIN_LENGTH for s in close) <= STARTS_MAX:
        return sorted(close, key=lambda start: (-len(start), start))
    count = vocabulary.count_starting
    return sorted(close, key=lambda start: (-len(start), -count(start), start))


def typo_match(
    spellings: Sequence[Spelling],
    common: Container[str] = (),
    fuzzy: bool = False,
    joiner: str = "AND",
) -> tuple[str, list[Spelling]] | None:
    """The full-text query for titles holding a spelling of every word (of any, with "OR"),
    and the spellings the query leaves for the titles found to be checked against; or None
    when no title can hold them.

    A word that is, or may be, one in `common` is in so many titles that asking for it too
    only slows the index down: with other words beside it, it is checked afterwards. So is a
    start too short to look up.
    """
    asked = [s for s in spellings if not s.open]
    if joiner == "AND":
        telling = [s for s in asked if not _maybe_common(s, common)]
        if telling:
            asked = telling
    groups = []
    for spelling in asked:
        tokens = spelling.tokens(fuzzy)
        if tokens:
            groups.append("(" + " OR ".join(tokens) + ")")
        elif joiner == "AND":
            return None
    if not groups:
        return None
    left = [s for s in spellings if s not in asked] if joiner == "AND" else []
    return f" {joiner} ".join(groups), left


def suggestion_matches(spellings: Sequence[Spelling], common: Container[str]) -> list[str]:
    """The full-text queries a "did you mean" asks in turn: titles holding a spelling of every
    word, then of any (titles holding only a word of many titles would crowd out the rest)."""
    found: list[str] = []
    for joiner in ("AND", "OR"):
        query = typo_match(spellings, common, fuzzy=True, joiner=joiner)
        if query is not None and query[0] not in found:
            found.append(query[0])
    return found


def _maybe_common(spelling: Spelling, common: Container[str]) -> bool:
    return spelling.typed in common or any(word in common for word in spelling.words)


def holds(spelling: Spelling, title: Collection[str]) -> bool:
    """Whether the title (its words) holds a word the typed word may stand for."""
    if spelling.typed in title:
        return True
    return any(spelling.match(word) is not None for word in title)


def corrected_texts(spellings: Sequence[Spelling], common: Container[str] = ()) -> list[str]:
    """The typed text read with the closest spellings of its words, closest first: what a
    title starting with it was most likely meant to begin with."""
    # (edits, how far down each word's readings, text): the closest readings first, and
    # among those as close, the ones made of each word's likelier readings.
    readings: list[tuple[int, int, str]] = [(0, 0, "")]
    for i, spelling in enumerate(spellings):
        most = LAST_READINGS_MAX if i == len(spellings) - 1 else READINGS_MAX
        options = spelling.readings(most, common) or [(0, spelling.typed)]
        readings = sorted(
            (edits + more, down + place, f"{text} {word}" if text else word)
            for edits, down, text in readings
            for place, (more, word) in enumerate(options)
        )[:CORRECTIONS_MAX]
    return list(dict.fromkeys(text for edits, _, text in readings if edits > 0))
