"""The search call's steps around the SQL, alike on either engine: its parameters, the typo
tiers' order of asking, and ranking the hits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from ..ranking import Candidate, rank
from ..review import Category, Rating, ReviewSummary
from ..search import (
    SearchPlan,
    Spelling,
    Tier,
    corrected_texts,
    holds,
    spell,
    suggestion_matches,
    title_words,
    typo_match,
    widen,
)
from ..spelling import MAX_EDITS, Vocabulary
from .search_sql import HIT_TIER_AT, SCORE_AT, TITLE_NORM_AT

Hits = dict[int, Any]  # rows by review id


def keep(found: list[Any], spellings: list[Spelling]) -> dict[int, Any]:
    """The typo hits (by id) whose titles hold a spelling of each of these typed words."""
    if not spellings:
        return {row[0]: row for row in found}
    kept = {}
    for row in found:
        title = title_words(row[TITLE_NORM_AT])
        if all(holds(spelling, title) for spelling in spellings):
            kept[row[0]] = row
    return kept


def search_params(
    plan: SearchPlan,
    scope: int,
    limit: int,
    category: Category | None,
    min_rating: Rating | None,
) -> dict[str, Any]:
    """The parameters every title tier of a search reads."""
    return {
        "guild": scope,
        "text": plan.text,
        "prefix_end": plan.prefix_end,
        "limit": limit,
        "category": category.value if category else None,
        "min_rating": min_rating.halves if min_rating else 0,
    }


async def typo_hits(
    plan: SearchPlan,
    vocabulary: Vocabulary,
    params: dict[str, Any],
    text_found: bool,
    words_asked: bool,
    *,
    typo_rows: Callable[[str, dict[str, Any]], Awaitable[list[Any]]],
    corrected_starts: Callable[[list[str], dict[str, Any]], Awaitable[list[Any]]],
) -> tuple[list[Any], list[Spelling]]:
    """Titles a typo or two from the text, and the spellings that rank them; the engine reads
    the titles matching a full-text query (`typo_rows`) and those starting with any of some
    texts (`corrected_starts`).

    Titles holding the typed words that are title words as they are, and the others' close
    title words (a word being typed: the words it begins); and titles starting with the
    text as its closest spellings read it. With a word being typed two edits from every
    whole title word, also the longer words its start is an edit from. If that finds
    nothing and some review's text holds the words as typed: only titles whose word being
    typed begins with a slip (ranked after the text). If nothing at all: the title words an
    edit from those typed words that are title words; then the starts of words a word being
    typed may be misspelt from; then, if the words before the one being typed are title
    words as typed, those alone.
    """

    async def rows_holding(spellings: list[Spelling], fuzzy: bool = False) -> Hits:
        query = typo_match(spellings, vocabulary.common, fuzzy)
        if query is None:
            return {}
        match, left = query
        return keep(await typo_rows(match, params), left)

    async def rows_starting(spellings: list[Spelling]) -> Hits:
        texts = corrected_texts(spellings, vocabulary.common)
        return keep(await corrected_starts(texts, params), spellings) if texts else {}

    vocabulary.forget_lookups()
    spellings = spell(plan, vocabulary)
    found: Hits = {}
    if not (words_asked and all(s.as_typed for s in spellings)):  # else: asked already
        found = await rows_holding(spellings)
    found |= await rows_starting(spellings)
    if found and plan.typing and _far(spellings[-1], vocabulary):
        # The word being typed is two edits from any whole title word: the start of a longer
        # one an edit away is the likelier reading, and ranks first when found.
        fuzzy = spell(plan, vocabulary, fuzzy=True)
        more = await rows_holding(fuzzy, fuzzy=True)
        if more:
            return list((found | more).values()), fuzzy
    if found:
        return list(found.values()), spellings
    if text_found:  # and, after the text's hits, titles whose word being typed has a slip
        slipped = plan.typing and any(spellings[-1].starts.values())
        found = await rows_holding(spellings, fuzzy=True) if slipped else {}
        return list(found.values()), spellings
    if any(word in vocabulary for word in plan.words):  # a slip may make another word
        widened = widen(spellings, vocabulary)
        found = await rows_holding(widened)
        found |= await rows_starting(widened)
        if found:
            return list(found.values()), widened
    if plan.typing:
        spellings = spell(plan, vocabulary, fuzzy=True)
        found = await rows_holding(spellings, fuzzy=True)
    before = spellings[:-1]
    if not found and plan.typing and before and all(s.as_typed for s in before):
        # The words before the one being typed are titles' words as typed: that one may
        # be too far gone to tell.
        found = await rows_holding(before)
    return list(found.values()), spellings


async def suggestion_hits(
    plan: SearchPlan,
    vocabulary: Vocabulary,
    limit: int,
    typo_rows: Callable[[str], Awaitable[list[Any]]],
) -> tuple[list[Any], list[Spelling]]:
    """The titles a "did you mean" ranks, and the spellings that rank them: the engine reads
    the titles matching each full-text query in turn (`typo_rows`) until there are enough."""
    vocabulary.forget_lookups()
    spellings = widen(spell(plan, vocabulary, fuzzy=True), vocabulary)
    hits: list[Any] = []
    for match in suggestion_matches(spellings, vocabulary.common):
        hits += await typo_rows(match)
        if len(hits) >= limit:
            break
    return hits, spellings


def _far(spelling: Spelling, vocabulary: Vocabulary) -> bool:
    """Whether a typed word is no title word, nor within an edit of one, nor begins one."""
    words = spelling.words.values()
    return all(edits >= MAX_EDITS for edits in words) and not vocabulary.begins(spelling.typed)


def ranked(
    plan: SearchPlan,
    hits: Sequence[Sequence[Any]],
    spellings: list[Spelling],
    limit: int,
    *,
    summary: Callable[[Sequence[Any]], ReviewSummary],
    published: Callable[[Any], str],
) -> list[ReviewSummary]:
    """The best `limit` hits as summaries; `published` gives a hit's time as sortable text."""
    by_id = {row[0]: row for row in hits}
    candidates = [
        Candidate(
            Tier(row[HIT_TIER_AT]), row[0], row[TITLE_NORM_AT], published(row[6]), row[SCORE_AT]
        )
        for row in hits
    ]
    return [summary(by_id[c.id]) for c in rank(plan, candidates, limit, spellings)]
