"""Search planning: typed text becomes safe full-text queries, and tiered hits become one ranking.

Tiers, best first: exact title, title prefix, every title word, title words within a typo or two,
then the review text. Nothing a person types reaches FTS5 unquoted: each word becomes a quoted
token, so quotes, `*`, `AND`, `NEAR(`, `^` or `:` are only ever words or separators.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

from rapidfuzz.distance import OSA

from .review import TITLE_MAX, normalise

_WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 12  # more words than any title has; keeps the full-text query small
MAX_WORD_LENGTH = 60
TYPO_MIN_LENGTH = 3  # shorter words have too many one-letter neighbours to be worth guessing
PREFIX_MIN_LENGTH = 4  # a short FTS prefix ("the"*) merges huge doclists (bench/README.md)


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


def one_deletions(word: str) -> set[str]:
    """The word and each spelling with one letter left out (symmetric-delete typo matching)."""
    if len(word) < TYPO_MIN_LENGTH:
        return {word}
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def spelling_rows(terms: Iterable[str]) -> list[tuple[str, str]]:
    """(variant, term) rows for the typo index, in key order (faster to insert)."""
    return sorted({(variant, term) for term in terms for variant in one_deletions(term)})


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def edit_distance(a: str, b: str, cap: int = 3) -> int:
    """Optimal-string-alignment distance (a swap of neighbours is one edit), capped at `cap`.

    rapidfuzz computes it in C++, far faster than the same dynamic programme in Python, and
    ranking a fresh typo's candidates compares hundreds of word pairs.
    """
    return OSA.distance(a, b, score_cutoff=cap - 1)


@dataclass(frozen=True, slots=True)
class SearchPlan:
    """Everything the store needs to run one search, computed once from the typed text."""

    text: str  # normalised, as titles are stored
    words: tuple[str, ...]
    prefix_end: str  # exclusive upper bound of titles starting with `text`
    title_match: str | None  # every word, the last one also as a prefix while it is being typed
    body_match: str | None

    @property
    def searchable(self) -> bool:
        return bool(self.text)

    def typo_variants(self) -> str:
        """JSON `[[word index, spelling], ...]`: each word and its one-letter deletions."""
        pairs = [[i, v] for i, w in enumerate(self.words) for v in sorted(one_deletions(w))]
        return json.dumps(pairs, ensure_ascii=False)


def plan_search(typed: str) -> SearchPlan:
    text = normalise(typed[: TITLE_MAX * 4])[:TITLE_MAX]
    found = words(text)
    title_match = body_match = None
    if found:
        tokens = [_quoted(w) for w in found]
        last = found[-1]
        still_typing = typed == typed.rstrip() and len(last) >= PREFIX_MIN_LENGTH
        if still_typing:  # the word itself or any word it begins
            tokens[-1] += "*"
        title_match = " AND ".join(tokens)
        body_match = " AND ".join(_quoted(w) for w in found)
    return SearchPlan(
        text=text,
        words=tuple(found),
        prefix_end=text + "\U0010ffff",
        title_match=title_match,
        body_match=body_match,
    )


@dataclass(frozen=True, slots=True)
class Candidate:
    """One review a tier found, with what ranking needs."""

    tier: Tier
    id: int
    title_norm: str
    published_at: str
    score: float = 0.0  # body hits: the review's length (shorter is better)


def rank(plan: SearchPlan, candidates: Iterable[Candidate], limit: int) -> list[Candidate]:
    """Order hits tier by tier, each review once, at its best tier."""
    best: dict[int, Candidate] = {}
    for c in candidates:
        if c.id not in best or c.tier < best[c.id].tier:
            best[c.id] = c
    newest_first = sorted(best.values(), key=lambda c: (c.published_at, c.id), reverse=True)
    return sorted(newest_first, key=lambda c: _sort_key(plan, c))[:limit]


def _sort_key(plan: SearchPlan, c: Candidate) -> tuple[int, float, str]:
    """Ties keep the newest review first (the list is sorted newest first before this key)."""
    if c.tier is Tier.TYPO:
        return (c.tier, _typo_distance(plan.words, words(c.title_norm)), c.title_norm)
    if c.tier is Tier.BODY:
        return (c.tier, c.score, "")
    # Within the title tiers the title with the fewest extra characters is the closest match.
    return (c.tier, len(c.title_norm) - len(plan.text), c.title_norm)


def _typo_distance(wanted: Sequence[str], title_words: Sequence[str]) -> float:
    if not title_words:
        return float(len(wanted) * 3)
    # Most typed words are spelt right: a word of the title is 0 away without comparing it
    # with every other word.
    present = set(title_words)
    total = sum(
        0 if w in present else min(edit_distance(w, t) for t in title_words) for w in wanted
    )
    return total + 0.01 * max(0, len(title_words) - len(wanted))
