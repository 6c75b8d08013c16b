"""Search in SQL: the title tiers, typos and review text, saved searches, and the title words."""

from __future__ import annotations

import json
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from ..review import Category, Rating, ReviewSummary, utc_now
from ..search import (
    PREFIX_MIN_LENGTH,
    SearchPlan,
    Spelling,
    plan_search,
    words_begun,
)
from . import rows
from . import search_sql as sql
from .db import Database
from .search_sql import TITLE_NORM_AT
from .search_steps import ranked, search_params, suggestion_hits, typo_hits
from .title_words import TitleWords

# Typo and text tiers fetch this many per result wanted (at most 200) before ranking them.
CANDIDATES_PER_RESULT, MAX_CANDIDATES = 4, 200
SUGGESTIONS_FETCHED = 50
CORRECTED_PER_READING = 5


def _shortest_first(found: list[Any], limit: int) -> list[Any]:
    """Title hits in the order shown: the title with the fewest extra characters first (the
    exact title has none), then the newest; the first `limit` of them by title, then id."""
    if len(found) > limit:  # two scopes' worth: keep the shortest titles, newest id first
        found.sort(key=_ID, reverse=True)
        found.sort(key=_LENGTH_AND_TITLE)
        del found[limit:]
    found.sort(key=_PUBLISHED_AND_ID, reverse=True)
    found.sort(key=_LENGTH_AND_TITLE)
    return found


_ID = itemgetter(0)
_PUBLISHED_AND_ID = itemgetter(6, 0)
_LENGTH_AND_TITLE = itemgetter(TITLE_NORM_AT + 1, TITLE_NORM_AT)  # title rows hold the length


@dataclass(frozen=True, slots=True)
class SavedSearch:
    id: int
    guild_id: int | None
    query: str
    category: Category | None
    min_rating: Rating | None


class Search:
    """Reviews found by title and text, best first; and searches kept for their result pages.

    Called as a function: `await store.search(text, guild_id)`.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self.title_words = TitleWords(db)

    async def __call__(
        self,
        text: str,
        guild_id: int | None = None,
        limit: int = 25,
        *,
        category: Category | None = None,
        min_rating: Rating | None = None,
        include_body: bool = True,
    ) -> list[ReviewSummary]:
        """Reviews visible to `guild_id` best first: exact, prefix, words, typos, then text.

        The title tiers are quick reads ranked in SQL; typos and review text are searched only
        when no title matches, and go to aiosqlite's thread only if they run long.
        """
        plan = plan_search(text)
        if not plan.searchable or limit <= 0:
            return []
        scope = rows.scope(guild_id)
        params = search_params(plan, scope, limit, category, min_rating)
        filtered = category is not None or min_rating is not None
        server = scope != rows.CATALOGUE
        found = _shortest_first(self._db.read(sql.TITLES[filtered, server], params), limit)
        room = limit - len(found)
        exact = bool(found) and found[0][TITLE_NORM_AT] == plan.text
        if room == 0 and found[-1][TITLE_NORM_AT] == plan.text:  # perhaps more than fit
            found = self._db.read(sql.EXACT_TITLES[filtered], params)
        # A title of several words typed in full names its reviews: nothing more is wanted.
        whole_title = len(plan.words) > 1 and exact
        # With no title starting with the text, the typed words are most likely misspelt.
        words_asked = bool(room > 0 and plan.words and not whole_title)
        begun = self._short_start_words(plan) if words_asked else []
        words_asked = words_asked and (bool(found) or self._may_hold(plan, begun))
        if words_asked:
            params |= {"title_match": plan.words_match(begun), "room": room}
            found += _shortest_first(self._db.read(sql.TITLE_WORDS[filtered], params), room)
        if found or not plan.words:
            return list(map(rows.summary, found))
        params["many"] = min(MAX_CANDIDATES, limit * CANDIDATES_PER_RESULT)
        text_hits = []
        if include_body:
            params["body_match"] = plan.body_match
            text_hits = await self._newest(sql.TEXT_HITS_OLDEST, sql.TEXT_HITS, params)
        hits, spellings = await self._typo_hits(plan, params, bool(text_hits), words_asked)
        return self._ranked(plan, hits + text_hits, spellings, limit)

    async def _newest(
        self, oldest_first: str, newest_first: str, params: dict[str, Any]
    ) -> list[Any]:
        """The newest `many` hits of a full-text query, newest first: read oldest first, and
        again newest first only if there are more."""
        found = await self._db.read_briefly(oldest_first, params)
        if len(found) > params["many"]:
            return await self._db.read_briefly(newest_first, params)
        found.reverse()
        return found

    def _short_start_words(self, plan: SearchPlan) -> list[str]:
        if not plan.short_start:  # the common case: no need for the title words
            return []
        return words_begun(plan, self.title_words.vocabulary(build=False))

    def _may_hold(self, plan: SearchPlan, begun: list[str]) -> bool:
        """False when the title words (if already in memory) show that no title holds every
        typed word: a full-text query would find nothing."""
        vocabulary = self.title_words.vocabulary(build=False)
        if vocabulary is None:
            return True
        *whole, last = plan.words
        for word in whole:
            if word not in vocabulary and word.isascii():  # tokenized alike by both
                return False
        if last in vocabulary or not last.isascii() or begun:
            return True
        return plan.typing and len(last) >= PREFIX_MIN_LENGTH and vocabulary.begins(last)

    async def _typo_hits(
        self, plan: SearchPlan, params: dict[str, Any], text_found: bool, words_asked: bool
    ) -> tuple[list[Any], list[Spelling]]:
        vocabulary = self.title_words.vocabulary()
        assert vocabulary is not None
        return await typo_hits(
            plan,
            vocabulary,
            params,
            text_found,
            words_asked,
            typo_rows=self._typo_rows,
            corrected_starts=self._corrected_starts,
        )

    async def _corrected_starts(self, texts: list[str], params: dict[str, Any]) -> list[Any]:
        """Titles starting with any of these texts."""
        server = params["guild"] != rows.CATALOGUE
        return await self._db.read_briefly(
            sql.CORRECTED_STARTS[server],
            params | {"texts": json.dumps(texts), "per_reading": CORRECTED_PER_READING},
        )

    async def _typo_rows(self, match: str, params: dict[str, Any]) -> list[Any]:
        """Titles matching a full-text query, the newest first."""
        return await self._newest(sql.TYPO_HITS_OLDEST, sql.TYPO_HITS, params | {"match": match})

    def _ranked(
        self, plan: SearchPlan, hits: list[Any], spellings: list[Spelling], limit: int
    ) -> list[ReviewSummary]:
        return ranked(plan, hits, spellings, limit, summary=rows.summary, published=str)

    async def warm(self) -> int:
        """Put the title words in memory now, so that no reader's typo search waits for them
        to be built; how many there are."""
        vocabulary = self.title_words.vocabulary()
        assert vocabulary is not None
        return len(vocabulary)

    async def suggest(self, text: str, guild_id: int | None, limit: int = 3) -> list[str]:
        """Titles close to `text` when a search found nothing: as many of its words as can be
        matched, each within a typo or two."""
        plan = plan_search(text)
        if not plan.words:
            return []
        vocabulary = self.title_words.vocabulary()
        assert vocabulary is not None
        params = {
            "guild": rows.scope(guild_id),
            "many": SUGGESTIONS_FETCHED,
            "category": None,
            "min_rating": 0,
        }

        async def typo_rows(match: str) -> list[Any]:
            return await self._newest(
                sql.TYPO_HITS_OLDEST, sql.TYPO_HITS, params | {"match": match}
            )

        hits, spellings = await suggestion_hits(plan, vocabulary, limit, typo_rows)
        ranked = self._ranked(plan, hits, spellings, limit)
        return [hit.title for hit in ranked]

    async def save(
        self,
        guild_id: int | None,
        query: str,
        category: Category | None = None,
        min_rating: Rating | None = None,
    ) -> SavedSearch:
        """Remember a search so that its result pages can be reached from a custom id."""
        async with self._db.transaction() as db:
            cursor = await db.execute(
                "INSERT INTO saved_searches (guild_id, query, category, min_rating, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    rows.scope(guild_id),
                    query,
                    category.value if category else None,
                    min_rating.halves if min_rating else 0,
                    rows.to_db_time(utc_now()),
                ),
            )
        assert cursor.lastrowid is not None
        return SavedSearch(cursor.lastrowid, guild_id, query, category, min_rating)

    async def saved(self, search_id: int, guild_id: int | None) -> SavedSearch | None:
        """A saved search, only in the server it was made in."""
        found = await self._db.fetch(
            "SELECT query, category, min_rating FROM saved_searches WHERE id = ? AND guild_id = ?",
            (search_id, rows.scope(guild_id)),
        )
        for query, category, halves in found:
            return SavedSearch(
                search_id,
                guild_id,
                query,
                Category(category) if category else None,
                Rating(halves) if halves else None,
            )
        return None
