"""Search in SQL: the title tiers, typos and review text, saved searches, the spelling index."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..review import Category, Rating, ReviewSummary, utc_now
from ..search import Candidate, Tier, plan_search, rank, spelling_rows, title_words
from . import rows
from .db import Database
from .rows import FILTERS, SUMMARY, VISIBLE

# Typo and text hits hold what ranking them in Python needs (tier, id, title_norm,
# published_at, score); their summaries are read for the few ranked first only.
_HIT = "r.id, r.title_norm, r.published_at, {score} AS score"


def _ranked_titles(filtered: bool) -> str:
    """The title tiers, best first, each taking only the room the tiers before it left.

    A row read at a random place is most of a title search's cost, so reviews are chosen
    from the title index alone wherever it can (unfiltered exact and prefix matches: newest
    by id among equal titles), and only the answer's rows are read.
    """
    filters = FILTERS if filtered else "1"
    return f"""
WITH exact(id) AS MATERIALIZED (
    SELECT r.id FROM reviews r WHERE {VISIBLE} AND r.title_norm = :text AND {filters}
    ORDER BY r.id DESC LIMIT :limit
), prefix(id) AS MATERIALIZED (
    -- Up to :limit titles from each scope in index order, the shortest of them kept.
    SELECT id FROM (
        SELECT * FROM (SELECT r.id, r.title_norm FROM reviews r
            WHERE r.guild_id = 0 AND r.title_norm > :text AND r.title_norm < :prefix_end
              AND {filters}
            ORDER BY r.title_norm LIMIT :limit)
        UNION ALL
        SELECT * FROM (SELECT r.id, r.title_norm FROM reviews r
            WHERE r.guild_id = :guild AND :guild <> 0
              AND r.title_norm > :text AND r.title_norm < :prefix_end AND {filters}
            ORDER BY r.title_norm LIMIT :limit))
    ORDER BY length(title_norm), title_norm, id DESC
    LIMIT max(0, :limit - (SELECT count(*) FROM exact))
), room(n) AS MATERIALIZED (
    SELECT :limit - (SELECT count(*) FROM exact) - (SELECT count(*) FROM prefix)
), words(id) AS MATERIALIZED (
    -- The newest titles holding every word, outside the range the prefix tier covers (so no
    -- review is found twice). Skipped ('""' matches nothing, at no cost; a LIMIT of 0 still
    -- runs the query) when there is no room left, or when a title of several words was
    -- typed in full.
    SELECT f.rowid FROM title_fts f JOIN reviews r ON r.id = f.rowid
    WHERE title_fts MATCH (SELECT CASE
            WHEN n <= 0 OR (:word_count > 1 AND EXISTS (SELECT 1 FROM exact)) THEN '""'
            ELSE :title_match END FROM room)
      AND {VISIBLE} AND {filters}
      AND NOT (r.title_norm >= :text AND r.title_norm < :prefix_end)
    ORDER BY f.rowid DESC LIMIT (SELECT max(0, n) FROM room)
)
SELECT {SUMMARY} FROM (
    SELECT 0 AS tier, id FROM exact UNION ALL SELECT 1, id FROM prefix
    UNION ALL SELECT 2, id FROM words
) h CROSS JOIN reviews r ON r.id = h.id
-- Best tier first, then the title with the fewest extra characters, then the newest.
ORDER BY h.tier, length(r.title_norm), r.title_norm, r.published_at DESC, r.id DESC
"""


_RANKED_TITLES = {filtered: _ranked_titles(filtered) for filtered in (False, True)}
# Summaries of reviews chosen by id, in the order given.
_SUMMARIES = f"""
SELECT {SUMMARY} FROM json_each(:ids) j CROSS JOIN reviews r ON r.id = j.value ORDER BY j.key
"""

# Typo tier: each query word is widened to the title words its one-letter deletions reach in
# the variant index; a word that is a title word somewhere stays as it is while another word
# is unknown (that one is the typo). The full-text query is assembled in SQL from those words
# (already tokens: quoting is enough). Search needs a spelling for every word; "did you mean"
# takes any.
_TYPO_WORDS = """
WITH words(i, word) AS (
    SELECT key, value FROM json_each(:words)
), known(i) AS (
    SELECT w.i FROM words w
    WHERE EXISTS (SELECT 1 FROM title_term_variants v WHERE v.variant = w.word AND v.term = w.word)
), wanted(i, variant) AS (
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(:variants)
), spellings(i, term) AS (
    SELECT DISTINCT w.i, v.term FROM wanted w JOIN title_term_variants v ON v.variant = w.variant
    WHERE w.i NOT IN known OR (SELECT count(*) FROM known) = :word_count
    UNION
    SELECT i, word FROM words WHERE i IN known
), per_word(alternatives) AS (
    SELECT '(' || group_concat('"' || term || '"', ' OR ') || ')' FROM spellings GROUP BY i
)
SELECT CASE WHEN {enough} THEN group_concat(alternatives, ' {joiner} ') ELSE '""' END
FROM per_word
"""
_TYPO_MATCH_ALL = _TYPO_WORDS.format(joiner="AND", enough="count(*) = :word_count")
# The review text tier, after it. Every hit holds every word and the index keeps no word
# counts (detail = 'none'), so bm25 would rank hits by little but their length: shortest first
# picks the same first hit almost always, without bm25's per-query count of every word's
# documents.
_LATER_TIERS = f"""
SELECT * FROM (SELECT 3, {_HIT.format(score="0.0")}
    FROM title_fts f JOIN reviews r ON r.id = f.rowid
    WHERE title_fts MATCH ({_TYPO_MATCH_ALL}) AND {VISIBLE} AND {FILTERS}
    ORDER BY f.rowid DESC LIMIT :many)
UNION ALL
SELECT * FROM (SELECT 4, {_HIT.format(score="length(b.body)")}
    FROM body_fts JOIN reviews r ON r.id = body_fts.rowid
    JOIN review_bodies b ON b.review_id = body_fts.rowid
    WHERE body_fts MATCH :body_match AND {VISIBLE} AND {FILTERS}
    ORDER BY body_fts.rowid DESC LIMIT :many)
"""
_SUGGEST = f"""
SELECT 3, {_HIT.format(score="0.0")}
FROM title_fts f JOIN reviews r ON r.id = f.rowid
WHERE title_fts MATCH ({_TYPO_WORDS.format(joiner="OR", enough="count(*) > 0")}) AND {VISIBLE}
ORDER BY f.rowid DESC LIMIT :many
"""
# Typo and text tiers fetch this many per result wanted (at most 200) before ranking them.
CANDIDATES_PER_RESULT, MAX_CANDIDATES = 4, 200
_INSERT_VARIANTS = "INSERT OR IGNORE INTO title_term_variants (variant, term) VALUES (?, ?)"


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

        The title tiers are one quick read, ranked in SQL; typos and review text are searched
        (through aiosqlite: they take milliseconds) only when no title matches.
        """
        plan = plan_search(text)
        if not plan.searchable or limit <= 0:
            return []
        params: dict[str, Any] = {
            "guild": rows.scope(guild_id),
            "text": plan.text,
            "prefix_end": plan.prefix_end,
            "title_match": plan.title_match or '""',
            "category": category.value if category else None,
            "min_rating": min_rating.halves if min_rating else 0,
            "limit": limit,
            "many": min(MAX_CANDIDATES, limit * CANDIDATES_PER_RESULT),
            "word_count": len(plan.words),
        }
        filtered = category is not None or min_rating is not None
        titles = self._db.read(_RANKED_TITLES[filtered], params)
        if titles or not plan.words:
            return [rows.summary(row) for row in titles]
        params |= {
            "words": json.dumps(plan.words, ensure_ascii=False),
            "variants": plan.typo_variants(),
            "body_match": plan.body_match if include_body else '""',
        }
        found = await self._candidates(_LATER_TIERS, params)
        return self._summaries([c.id for c in rank(plan, found, limit)])

    async def suggest(self, text: str, guild_id: int | None, limit: int = 3) -> list[str]:
        """Titles close to `text` when a search found nothing: any one word may be misspelt."""
        plan = plan_search(text)
        if not plan.words:
            return []
        params = {
            "guild": rows.scope(guild_id),
            "words": json.dumps(plan.words, ensure_ascii=False),
            "variants": plan.typo_variants(),
            "word_count": len(plan.words),
            "many": 50,
        }
        found = await self._candidates(_SUGGEST, params)
        return [hit.title for hit in self._summaries([c.id for c in rank(plan, found, limit)])]

    async def _candidates(self, sql: str, params: dict[str, Any]) -> list[Candidate]:
        found = await self._db.fetch(sql, params)
        return [Candidate(Tier(row[0]), row[1], row[2], row[3], row[4]) for row in found]

    def _summaries(self, ids: Sequence[int]) -> list[ReviewSummary]:
        if not ids:
            return []
        return [rows.summary(row) for row in self._db.read(_SUMMARIES, {"ids": json.dumps(ids)})]

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


class SpellingIndex:
    """The typo index: each title word and its spellings with one letter left out."""

    def __init__(self) -> None:
        # Title words whose spellings are stored: remembered so that a bulk load stores each
        # word's spellings once; forgotten again if the transaction that stored them fails.
        self._indexed: set[str] = set()

    async def add(self, db: Database, titles: Iterable[str]) -> None:
        """Store the spellings of the words of these normalised titles not seen before, inside
        the transaction under way."""
        fresh = set().union(*map(title_words, titles)) - self._indexed
        if fresh:
            await db.connection.executemany(_INSERT_VARIANTS, spelling_rows(fresh))
            self._indexed |= fresh
            db.undo_on_rollback(lambda: self._indexed.difference_update(fresh))
