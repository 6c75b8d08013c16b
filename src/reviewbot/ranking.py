"""Ranking search hits: tier by tier, and typo hits by the words they match and their edits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .search import SearchPlan, Spelling, Tier, words
from .spelling import allowed_edits, edit_distance

_FAR_TYPO = Tier.BODY + 0.5  # where typo hits that are not close rank


@dataclass(frozen=True, slots=True)
class Candidate:
    """One review a tier found, with what ranking needs."""

    tier: Tier
    id: int
    title_norm: str
    published_at: str
    score: float = 0.0  # body hits: the review's length (shorter is better)


def rank(
    plan: SearchPlan,
    candidates: Iterable[Candidate],
    limit: int,
    spellings: Sequence[Spelling] | None = None,
) -> list[Candidate]:
    """Order hits tier by tier, each review once, at its best tier.

    Typo hits: the titles matching more of the typed words first, then those fewer edits away,
    then those matching whole words rather than their starts, then those beginning with more
    of the words in the order typed (as a title starting with the text comes before one
    holding its words), then those with fewer other words. A title that misses a typed word,
    is more than an edit a word away, or holds a typed word only as the misspelt start of a
    longer one, comes after the reviews whose text holds every word as typed.
    """
    best: dict[int, Candidate] = {}
    for c in candidates:
        if c.id not in best or c.tier < best[c.id].tier:
            best[c.id] = c
    newest_first = sorted(best.values(), key=lambda c: (c.published_at, c.id), reverse=True)
    if spellings is None:
        spellings = [Spelling(w, {}) for w in plan.words]
    by_title: dict[str, tuple[int, ...]] = {}
    memo: dict[tuple[int, str], Any] = {}

    def key(c: Candidate) -> tuple[float, tuple[float, ...], str]:
        if c.tier is Tier.TYPO:
            found = by_title.get(c.title_norm)
            if found is None:
                found = _typo_distance(spellings, words(c.title_norm), memo)
                by_title[c.title_norm] = found
            missed, half_edits, misspelt_starts = found[0], found[1], found[-1]
            close = not missed and not misspelt_starts and half_edits <= 2 * len(spellings)
            return (c.tier if close else _FAR_TYPO, found, c.title_norm)
        if c.tier is Tier.BODY:
            return (c.tier, (c.score,), "")
        # Within the title tiers the title with the fewest extra characters is the closest match.
        return (c.tier, (len(c.title_norm) - len(plan.text),), c.title_norm)

    return sorted(newest_first, key=key)[:limit]


def _typo_distance(
    spellings: Sequence[Spelling], title: Sequence[str], memo: dict[tuple[int, str], Any]
) -> tuple[int, ...]:
    """(typed words the title does not match, edits to those it does in half edits, words
    matched only by their start, typed words the title does not begin with in the order typed,
    the title's other words, and words matched by a misspelt start).

    A word matched by its start counts half an edit more when that start was misspelt too: a
    longer word, not finished, is a less likely reading than a whole word as near, and a
    likelier one than a whole word an edit further.
    """
    missed = half_edits = started = misspelt_starts = 0
    present = dict.fromkeys(title)  # in the title's order: of two as close, the first matches
    matched: dict[str, None] = {}  # in the order typed
    for i, spelling in enumerate(spellings):
        if spelling.typed in present:
            matched[spelling.typed] = None
            continue
        closest: tuple[int, int, str] | None = None
        for word in present:
            found = memo.get((i, word), _UNSEEN)
            if found is _UNSEEN:
                found = memo[i, word] = _match(spelling, word)
            if found is not None and (closest is None or found < closest[:2]):
                closest = (*found, word)
        if closest is None:
            missed += 1
            continue
        misspelt_start = closest[1] and closest[0] > 0
        half_edits += 2 * closest[0] + misspelt_start
        started += closest[1]
        misspelt_starts += misspelt_start
        matched[closest[2]] = None
    in_place = 0
    for word, title_word in zip(matched, title, strict=False):
        if word != title_word:
            break
        in_place += 1
    elsewhere = len(spellings) - in_place
    return missed, half_edits, started, elsewhere, len(present) - len(matched), misspelt_starts


_UNSEEN = object()


def _match(spelling: Spelling, word: str) -> tuple[int, int] | None:
    found = spelling.match(word)
    if found is None and not (spelling.words or spelling.begun or spelling.starts):
        distance = edit_distance(spelling.typed, word)  # not spelt out: plain distance
        found = (distance, 0) if distance <= allowed_edits(spelling.typed) else None
    return found
