"""The words of every stored title in PostgreSQL: stored in `title_terms` as titles are
written, in order, and kept in memory for typo search, caught up with what any process stored."""

from __future__ import annotations

from collections.abc import Iterable

from ...search import title_words
from ...spelling import Vocabulary
from ..title_words import COMMON_MIN_TITLES, COMMON_SHARE
from .db import PgDatabase

# A lock for writing new title words: one process at a time, so their numbers become visible
# in order and no reader catching up skips a word whose number was taken but not yet committed.
TERMS_LOCK = 0x7465_726D_73
_NEW_TERMS = "SELECT id, term FROM title_terms WHERE id > $1 ORDER BY id"
# The commonest words of a table's tsvector column ($1, $2) with the share of rows holding
# each, as ANALYZE last sampled them: titles' words here, review text's in search.py.
COMMON_TERMS = """
SELECT e.word, e.share FROM pg_stats s,
    unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS e (word, share)
WHERE s.schemaname = current_schema() AND s.tablename = $1
  AND s.attname = $2 AND e.word IS NOT NULL
"""


class TitleWords:
    """The words of every stored title, in memory, caught up with what any process stored.

    Built on first use from `title_terms`. Typo search reads the words numbered past the last
    one read each time (one index probe, usually finding nothing), so a title stored by any
    process a moment ago is found at once. Deciding whether the title words can hold the typed
    words takes what is in memory: a word that is not there yet only sends the search on to
    typo search, which catches up and finds it.
    """

    def __init__(self, db: PgDatabase) -> None:
        self._db = db
        self._vocabulary: Vocabulary | None = None
        self._last_id = 0
        self.known: frozenset[str] = frozenset()  # the words PostgreSQL keeps statistics of

    async def vocabulary(self, build: bool = True) -> Vocabulary | None:
        """The words, caught up; or with `build` false, those in memory (None if none yet)."""
        if not build:
            return self._vocabulary
        fresh = await self._db.fetch(_NEW_TERMS, (self._last_id,))
        if self._vocabulary is None:
            self._vocabulary = Vocabulary(term for _, term in fresh)
            self._vocabulary.common = await self._common_words()
        elif fresh:
            self._vocabulary.add(term for _, term in fresh)
        if fresh:
            self._last_id = fresh[-1][0]
        return self._vocabulary

    async def _common_words(self) -> frozenset[str]:
        found = await self._db.fetch(
            "SELECT reltuples FROM pg_class WHERE oid = 'reviews'::regclass"
        )
        reviews = max(0.0, float(found[0][0]))
        least = max(COMMON_MIN_TITLES, reviews * COMMON_SHARE)
        shares = await self._db.fetch(COMMON_TERMS, ("reviews", "title_words"))
        self.known = frozenset(word for word, _ in shares)
        return frozenset(word for word, share in shares if share * reviews >= least)


class SpellingIndex:
    """Stores the words of titles being written in `title_terms`, where every process's typo
    search finds them.

    New words are stored at once in a short transaction of their own, under a lock, so that
    their numbers become visible in order; a word whose review is then rolled back stays, and
    only offers a spelling no title answers to (as a deleted title's words do).
    """

    def __init__(self) -> None:
        self._stored: set[str] = set()

    async def add(self, db: PgDatabase, titles: Iterable[str]) -> None:
        fresh = set().union(*map(title_words, titles)) - self._stored
        if not fresh:
            return
        async with db.pool.acquire() as connection, connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock($1)", TERMS_LOCK)
            await connection.execute(
                "INSERT INTO title_terms (term) SELECT unnest($1::text[]) ORDER BY 1"
                " ON CONFLICT (term) DO NOTHING",
                sorted(fresh),
            )
        self._stored |= fresh
