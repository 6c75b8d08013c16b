"""The words of every stored title: kept in `title_terms` as titles are written, and in memory
for typo search, in step with what any process stored."""

from __future__ import annotations

from collections.abc import Iterable

from ..search import title_words
from ..spelling import Vocabulary
from .db import Database

_NEW_TERMS = "SELECT id, term FROM title_terms WHERE id > ? ORDER BY id"
# Every title word with its number of titles, as the full-text index counts them (db.py).
_COMMON_TERMS = "SELECT term FROM temp.title_word_counts WHERE doc >= ?"
COMMON_SHARE, COMMON_MIN_TITLES = 0.01, 100
_INSERT_TERM = "INSERT OR IGNORE INTO title_terms (term) VALUES (?)"


class TitleWords:
    """The words of every stored title, in memory, in step with what any process stored.

    Built on first use from `title_terms`; then, whenever the file has changed (SQLite's
    `data_version`), the words numbered past the last one read are added.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._vocabulary: Vocabulary | None = None
        self._last_id = 0
        self._version = -1

    def vocabulary(self, build: bool = True) -> Vocabulary | None:
        """The words, caught up with the file; None if not built yet and `build` is false."""
        if self._vocabulary is None and not build:
            return None
        version = self._db.read("PRAGMA data_version")[0][0]
        if self._vocabulary is None or version != self._version:
            self._version = version
            fresh = self._db.read(_NEW_TERMS, (self._last_id,))
            if self._vocabulary is None:
                self._vocabulary = Vocabulary(term for _, term in fresh)
                self._vocabulary.common = self._common_words()
            elif fresh:
                self._vocabulary.add(term for _, term in fresh)
            if fresh:
                self._last_id = fresh[-1][0]
        return self._vocabulary

    def _common_words(self) -> frozenset[str]:
        """Words in so many titles that asking the full-text index for them costs more than
        checking the titles found for them (as the index counts them now)."""
        reviews = self._db.read("SELECT max(id) FROM reviews")[0][0] or 0
        least = max(COMMON_MIN_TITLES, reviews * COMMON_SHARE)
        return frozenset(row[0] for row in self._db.read(_COMMON_TERMS, (least,)))


class SpellingIndex:
    """Stores the words of titles being written in `title_terms`, where every process's typo
    search finds them."""

    def __init__(self) -> None:
        # Words already stored: remembered so that a bulk load stores each word once;
        # forgotten again if the transaction that stored them fails.
        self._stored: set[str] = set()

    async def add(self, db: Database, titles: Iterable[str]) -> None:
        """Store the words of these normalised titles not seen before, inside the transaction
        under way."""
        fresh = set().union(*map(title_words, titles)) - self._stored
        if fresh:
            await db.connection.executemany(_INSERT_TERM, [(w,) for w in sorted(fresh)])
            self._stored |= fresh
            db.undo_on_rollback(lambda: self._stored.difference_update(fresh))
