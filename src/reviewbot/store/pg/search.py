"""Search in PostgreSQL: the same tiers as in SQLite, each the PostgreSQL way.

Titles by range over the "C"-ordered title index; words (whole or begun) in a GIN index over
each title's words as the search core splits them; review text in a GIN index over each body's
words; typos from the title words kept in memory, caught up from `title_terms`. The search core
writes its full-text queries in FTS5's syntax (quoted words, `*` for a start, AND, OR, brackets);
`tsquery` turns them into PostgreSQL's, lexemes taken as they are (no dictionary).
"""

from __future__ import annotations

import re
from typing import Any

from ...review import Category, Rating, ReviewSummary, utc_now
from ...search import (
    PREFIX_MIN_LENGTH,
    SearchPlan,
    Spelling,
    Tier,
    plan_search,
    words_begun,
)
from ..rows import to_db_time
from ..search import (
    CANDIDATES_PER_RESULT,
    CORRECTED_PER_READING,
    MAX_CANDIDATES,
    SUGGESTIONS_FETCHED,
    TITLE_NORM_AT,
    SavedSearch,
    _shortest_first,
)
from ..search_steps import ranked, search_params, suggestion_hits, typo_hits
from . import rows
from .db import PgDatabase
from .rows import FILTERS, SUMMARY, VISIBLE
from .title_words import COMMON_TERMS, TitleWords

_TOKEN = re.compile(r'"((?:[^"]|"")*)"(\*?)|(\()|(\))|(AND)|(OR)')
_GUILD = ":guild::bigint"
_TEXT = ":text::text"
_END = ":prefix_end::text"


def tsquery(match: str) -> str:
    """An FTS5 query as the search core writes it, as `tsquery` text: every word a quoted
    lexeme (so nothing typed is an operator), `*` a prefix, AND `&`, OR `|`."""
    parts = []
    for word, star, opening, closing, conjunction, disjunction in _TOKEN.findall(match):
        if opening or closing:
            parts.append(opening or closing)
        elif conjunction:
            parts.append("&")
        elif disjunction:
            parts.append("|")
        else:
            lexeme = word.replace('""', '"').replace("\\", "\\\\").replace("'", "''")
            parts.append(f"'{lexeme}'" + (":*" if star else ""))
    return " ".join(parts)


def _titles(filtered: bool, server: bool) -> str:
    filters = FILTERS if filtered else "true"
    scopes = ["r.guild_id = 0"] + ([f"r.guild_id = {_GUILD}"] if server else [])
    return "\nUNION ALL\n".join(
        f"(SELECT {SUMMARY}, r.title_norm, char_length(r.title_norm) FROM reviews r"
        f" WHERE {scope} AND r.title_norm >= {_TEXT} AND r.title_norm < {_END}"
        f" AND {filters} ORDER BY r.title_norm LIMIT :limit::bigint)"
        for scope in scopes
    )


def _exact_titles(filtered: bool) -> str:
    filters = FILTERS if filtered else "true"
    return f"""
SELECT {SUMMARY}, r.title_norm, char_length(r.title_norm) FROM (
    SELECT r.id FROM reviews r WHERE {VISIBLE} AND r.title_norm = {_TEXT} AND {filters}
    ORDER BY r.id DESC LIMIT :limit::bigint
) h JOIN reviews r ON r.id = h.id
ORDER BY r.published_at DESC, r.id DESC
"""


def _title_words(filtered: bool) -> str:
    filters = FILTERS if filtered else "true"
    return f"""
SELECT {SUMMARY}, r.title_norm, char_length(r.title_norm) FROM reviews r
WHERE r.title_words @@ :title_match::tsquery AND {VISIBLE} AND {filters}
  AND NOT (r.title_norm >= {_TEXT} AND r.title_norm < {_END})
ORDER BY r.id DESC LIMIT :room::bigint
"""


_TITLES = {(f, s): _titles(f, s) for f in (False, True) for s in (False, True)}
_EXACT_TITLES = {filtered: _exact_titles(filtered) for filtered in (False, True)}
_TITLE_WORDS = {filtered: _title_words(filtered) for filtered in (False, True)}
HIT = "r.title_norm, {tier}, {score}"
_TYPO_HITS = f"""
SELECT {SUMMARY}, {HIT.format(tier=int(Tier.TYPO), score=0)} FROM reviews r
WHERE r.title_words @@ :match::tsquery AND {VISIBLE} AND {FILTERS}
ORDER BY r.id DESC LIMIT :many::bigint
"""
# Full-text queries are planned for their words, but PostgreSQL's statistics know only the
# commonest words of a column; any other word it guesses to be in a fixed share of the rows,
# and with a LIMIT it then walks the rows newest first hoping to meet matches soon: for a
# word no row holds (a typo), that reads every row. When some part of a query asks only for
# words outside the commonest, its matches are few: this form finds all of them from the word
# index, then takes the newest (ordered by an expression, so the walk is not open to it).
_RARE_TYPO_HITS = _TYPO_HITS.replace("ORDER BY r.id DESC", "ORDER BY r.id + 0 DESC")
_CORRECTED_STARTS = {
    server: f"""
SELECT {SUMMARY}, {HIT.format(tier=int(Tier.TYPO), score=0)}
FROM unnest(:texts::text[]) t (reading) CROSS JOIN LATERAL (
"""
    + "\n    UNION ALL ".join(
        f"(SELECT s.id FROM reviews s WHERE {scope} AND s.title_norm >= t.reading"
        " AND s.title_norm < t.reading || chr(1114111)"
        " ORDER BY s.title_norm LIMIT :per_reading::bigint)"
        for scope in ["s.guild_id = 0"] + ([f"s.guild_id = {_GUILD}"] if server else [])
    )
    + f"""
) c JOIN reviews r ON r.id = c.id
WHERE {FILTERS} LIMIT :many::bigint
"""
    for server in (False, True)
}
_TEXT_HITS = f"""
SELECT {SUMMARY}, {HIT.format(tier=int(Tier.BODY), score="char_length(b.body)")}
FROM review_bodies b JOIN reviews r ON r.id = b.review_id
WHERE b.body_words @@ :body_match::tsquery AND {VISIBLE} AND {FILTERS}
ORDER BY b.review_id DESC LIMIT :many::bigint
"""
_RARE_TEXT_HITS = _TEXT_HITS.replace("ORDER BY b.review_id DESC", "ORDER BY b.review_id + 0 DESC")


def _rare(match: str, known: frozenset[str]) -> bool:
    """Whether a full-text query (as the search core writes it) has a part, joined to the rest
    by AND, whose every word is outside the `known` commonest words (and, for a start, begins
    none of them)."""
    groups: list[list[tuple[str, bool]]] = [[]]
    depth = 0
    for word, star, opening, closing, conjunction, _ in _TOKEN.findall(match):
        depth += 1 if opening else -1 if closing else 0
        if conjunction and depth == 0:
            groups.append([])
        elif not (opening or closing or conjunction) and word:
            groups[-1].append((word.replace('""', '"'), bool(star)))
    return any(
        group and all(not _known(word, start, known) for word, start in group) for group in groups
    )


def _known(word: str, start: bool, known: frozenset[str]) -> bool:
    return word in known or (start and any(k.startswith(word) for k in known))


class PgSearch:
    """Reviews found by title and text, best first; and searches kept for their result pages."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db
        self.title_words = TitleWords(db)
        self._body_words: frozenset[str] | None = None  # those PostgreSQL keeps statistics of

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
        plan = plan_search(text)
        if not plan.searchable or limit <= 0:
            return []
        scope = rows.scope(guild_id)
        params = search_params(plan, scope, limit, category, min_rating)
        filtered = category is not None or min_rating is not None
        server = scope != rows.CATALOGUE
        found = _shortest_first(await self._fetch(_TITLES[filtered, server], params), limit)
        room = limit - len(found)
        exact = bool(found) and found[0][TITLE_NORM_AT] == plan.text
        if room == 0 and found[-1][TITLE_NORM_AT] == plan.text:
            found = await self._fetch(_EXACT_TITLES[filtered], params)
        whole_title = len(plan.words) > 1 and exact
        words_asked = bool(room > 0 and plan.words and not whole_title)
        begun = await self._short_start_words(plan) if words_asked else []
        words_asked = words_asked and (bool(found) or await self._may_hold(plan, begun))
        if words_asked:
            title_match = plan.words_match(begun)
            assert title_match is not None
            params |= {"title_match": tsquery(title_match), "room": room}
            found += _shortest_first(
                await self._fetch(_TITLE_WORDS[filtered], params, replan=True), room
            )
        if found or not plan.words:
            return list(map(rows.summary, found))
        params["many"] = min(MAX_CANDIDATES, limit * CANDIDATES_PER_RESULT)
        text_hits = []
        if include_body:
            assert plan.body_match is not None
            params["body_match"] = tsquery(plan.body_match)
            if self._body_words is None:
                found_words = await self._db.fetch(COMMON_TERMS, ("review_bodies", "body_words"))
                self._body_words = frozenset(word for word, _ in found_words)
            rare = _rare(plan.body_match, self._body_words)
            sql = _RARE_TEXT_HITS if rare else _TEXT_HITS
            text_hits = await self._fetch(sql, params, replan=True)
        hits, spellings = await self._typo_hits(plan, params, bool(text_hits), words_asked)
        return self._ranked(plan, hits + text_hits, spellings, limit)

    async def _fetch(self, sql: str, params: dict[str, Any], replan: bool = False) -> list[Any]:
        # Rows as lists: ranking sorts them by position, and a list is what SQLite's are.
        return [list(row) for row in await self._db.fetch(sql, params, replan=replan)]

    async def _short_start_words(self, plan: SearchPlan) -> list[str]:
        if not plan.short_start:
            return []
        return words_begun(plan, await self.title_words.vocabulary(build=False))

    async def _may_hold(self, plan: SearchPlan, begun: list[str]) -> bool:
        vocabulary = await self.title_words.vocabulary(build=False)
        if vocabulary is None:
            return True
        *whole, last = plan.words
        for word in whole:
            if word not in vocabulary:
                return False
        if last in vocabulary or begun:
            return True
        return plan.typing and len(last) >= PREFIX_MIN_LENGTH and vocabulary.begins(last)

    async def _typo_hits(
        self, plan: SearchPlan, params: dict[str, Any], text_found: bool, words_asked: bool
    ) -> tuple[list[Any], list[Spelling]]:
        vocabulary = await self.title_words.vocabulary()
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
        server = params["guild"] != rows.CATALOGUE
        return await self._fetch(
            _CORRECTED_STARTS[server],
            params | {"texts": texts, "per_reading": CORRECTED_PER_READING},
        )

    async def _typo_rows(self, match: str, params: dict[str, Any]) -> list[Any]:
        sql = _RARE_TYPO_HITS if _rare(match, self.title_words.known) else _TYPO_HITS
        return await self._fetch(sql, params | {"match": tsquery(match)}, replan=True)

    def _ranked(
        self, plan: SearchPlan, hits: list[Any], spellings: list[Spelling], limit: int
    ) -> list[ReviewSummary]:
        return ranked(plan, hits, spellings, limit, summary=rows.summary, published=to_db_time)

    async def warm(self) -> int:
        """Put the title words in memory now; how many there are."""
        vocabulary = await self.title_words.vocabulary()
        assert vocabulary is not None
        return len(vocabulary)

    async def suggest(self, text: str, guild_id: int | None, limit: int = 3) -> list[str]:
        plan = plan_search(text)
        if not plan.words:
            return []
        vocabulary = await self.title_words.vocabulary()
        assert vocabulary is not None
        params = {
            "guild": rows.scope(guild_id),
            "many": SUGGESTIONS_FETCHED,
            "category": None,
            "min_rating": 0,
        }

        async def typo_rows(match: str) -> list[Any]:
            sql = _RARE_TYPO_HITS if _rare(match, self.title_words.known) else _TYPO_HITS
            return await self._fetch(sql, params | {"match": tsquery(match)}, replan=True)

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
        found = await self._db.fetch(
            "INSERT INTO saved_searches (guild_id, query, category, min_rating, created_at)"
            " VALUES ($1, $2, $3, $4, $5) RETURNING id",
            (
                rows.scope(guild_id),
                query,
                category.value if category else None,
                min_rating.halves if min_rating else 0,
                utc_now(),
            ),
        )
        return SavedSearch(found[0][0], guild_id, query, category, min_rating)

    async def saved(self, search_id: int, guild_id: int | None) -> SavedSearch | None:
        found = await self._db.fetch(
            "SELECT query, category, min_rating FROM saved_searches WHERE id = $1"
            " AND guild_id = $2",
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
