"""The best search approach we know, as its own code on its own read-only connection.

The yardstick for `store.search` in bench/search_vs_best.py. Tiers: the title index's range
(exact titles first, then titles starting with the text, in title order); unless it found the
exact title of several words, FTS5 on title words (the last one also as a prefix, newest
first) fills the rest of the answer. Only when no title matched: typo candidates from an
in-memory vocabulary of title words (edit distance 2 for words longer than 4 letters, 1 for
shorter) looked up in FTS5, then FTS5 on the review text if that found nothing. Typo
candidates come from a symmetric-deletion index of the vocabulary (each word's spellings with
up to two letters left out, over its first seven letters), checked with rapidfuzz's
optimal-string-alignment distance.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rapidfuzz.distance import OSA

from reviewbot.review import normalise  # titles are stored folded this way

READER_CACHE_KIB = 88 * 1024  # the same page cache as the store's quick-read connection
PREFIX_LENGTH = 7  # letters of a word its deletion spellings are made from
PREFIX_MIN = 3  # a shorter last word is not looked up as a prefix (huge doclists)
TYPO_MIN = 3  # shorter words are taken as typed
CANDIDATES = 4  # typo and text hits fetched per result wanted, before ranking
_WORD = re.compile(r"[^\W_]+")

# Each hit is what a list of results shows: id, scope, title, creator, category, rating, date,
# spoiler (the columns of the store's summaries), and at times the normalised title after them.
Hit = tuple[Any, ...]
TITLE_NORM = 8

_RANGE = """
SELECT r.id, r.guild_id, r.title, r.creator, r.category, r.rating, r.published_at, r.spoiler,
    r.title_norm
FROM reviews r
WHERE r.guild_id = 0 AND r.title_norm >= ? AND r.title_norm < ?
ORDER BY r.title_norm LIMIT ?
"""
_TITLE_WORDS = """
SELECT r.id, r.guild_id, r.title, r.creator, r.category, r.rating, r.published_at, r.spoiler,
    r.title_norm
FROM title_fts f JOIN reviews r ON r.id = f.rowid
WHERE title_fts MATCH ? AND r.guild_id = 0 ORDER BY f.rowid DESC LIMIT ?
"""
_OTHER_TITLE_WORDS = """
SELECT r.id, r.guild_id, r.title, r.creator, r.category, r.rating, r.published_at, r.spoiler
FROM title_fts f JOIN reviews r ON r.id = f.rowid
WHERE title_fts MATCH ? AND r.guild_id = 0 AND NOT (r.title_norm >= ? AND r.title_norm < ?)
ORDER BY f.rowid DESC LIMIT ?
"""
_BODY_WORDS = """
SELECT r.id, r.guild_id, r.title, r.creator, r.category, r.rating, r.published_at, r.spoiler
FROM body_fts b JOIN reviews r ON r.id = b.rowid
WHERE body_fts MATCH ? AND r.guild_id = 0 ORDER BY b.rowid DESC LIMIT ?
"""


def allowed_edits(word: str) -> int:
    return 2 if len(word) > 4 else 1


def deletions(word: str, most: int) -> set[str]:
    """The word and every spelling of it with up to `most` letters left out."""
    found, frontier = {word}, {word}
    for _ in range(most):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


class Vocabulary:
    """The distinct words of every title, and their deletion spellings for typo candidates."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms = set(terms)
        self.spellings: dict[str, list[str]] = {}
        for term in self.terms:
            for spelling in deletions(term[:PREFIX_LENGTH], 2):
                self.spellings.setdefault(spelling, []).append(term)

    def candidates(self, word: str) -> list[tuple[int, str]]:
        """(edits, term) for every term within the edits the word's length allows."""
        if word in self.terms:
            return [(0, word)]
        if len(word) < TYPO_MIN:
            return []
        most = allowed_edits(word)
        seen: set[str] = set()
        for spelling in deletions(word[:PREFIX_LENGTH], most):
            seen.update(self.spellings.get(spelling, ()))
        found = []
        for term in seen:
            edits = OSA.distance(word, term, score_cutoff=most)
            if edits <= most:
                found.append((edits, term))
        return found


class BestApproach:
    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        self.db.execute(f"PRAGMA cache_size = -{READER_CACHE_KIB}")
        self.db.execute("PRAGMA temp_store = MEMORY")
        started = time.perf_counter()
        self.db.execute(
            "CREATE VIRTUAL TABLE temp.title_terms USING fts5vocab(main, 'title_fts', 'row')"
        )
        terms = [row[0] for row in self.db.execute("SELECT term FROM temp.title_terms")]
        self.vocabulary = Vocabulary(terms)
        self.db.execute("PRAGMA query_only = ON")  # after the vocabulary's temporary table
        self.build_seconds = time.perf_counter() - started

    def close(self) -> None:
        self.db.close()

    def search(self, typed: str, limit: int = 25) -> list[Hit]:
        text = normalise(typed)
        if not text:
            return []
        end = text + "\U0010ffff"
        found: list[Hit] = self.db.execute(_RANGE, (text, end, limit)).fetchall()
        if len(found) == limit:
            return found
        words = _WORD.findall(text)[:12]
        if not words or (found and len(words) > 1 and found[0][TITLE_NORM] == text):
            return found  # nothing to look for, or a title of several words typed in full
        typing = typed == typed.rstrip() and len(words[-1]) >= PREFIX_MIN
        tokens = [quoted(w) for w in words]
        if typing:
            tokens[-1] += "*"
        title_match = " AND ".join(tokens)
        if found:  # fill up the answer
            room = limit - len(found)
            found += self.db.execute(_OTHER_TITLE_WORDS, (title_match, text, end, room))
            return found
        rows = self.db.execute(_TITLE_WORDS, (title_match, limit)).fetchall()
        if rows:
            return rows
        found = self._typos(words, typing, limit)
        if found:
            return found
        body = " AND ".join(quoted(w) for w in words)
        return self.db.execute(_BODY_WORDS, (body, limit)).fetchall()

    def _typos(self, words: list[str], typing: bool, limit: int) -> list[Hit]:
        """Titles holding, for every typed word, the word or a term a few edits from it."""
        alternatives: list[list[str]] = []
        for i, word in enumerate(words):
            tokens = [quoted(term) for _, term in self.vocabulary.candidates(word)]
            if typing and i == len(words) - 1:
                tokens.append(quoted(word) + "*")
            if not tokens:
                return []
            alternatives.append(tokens)
        if all(len(tokens) == 1 for tokens in alternatives):
            return []  # every word as typed: the title words tier has already run this
        match = " AND ".join("(" + " OR ".join(tokens) + ")" for tokens in alternatives)
        rows = self.db.execute(_TITLE_WORDS, (match, limit * CANDIDATES)).fetchall()
        ranked = sorted(rows, key=lambda row: _distance(words, _WORD.findall(row[TITLE_NORM])))
        return ranked[:limit]


def _distance(wanted: list[str], title_words: list[str]) -> float:
    """Edits from the typed words to the title's closest words, then fewer extra words."""
    if not title_words:
        return 99.0
    present = set(title_words)
    total = 0
    for word in wanted:
        if word not in present:
            total += min(OSA.distance(word, t, score_cutoff=3) for t in title_words)
    return total + 0.01 * max(0, len(title_words) - len(wanted))
