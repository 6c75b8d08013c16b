"""Title words within a typo or two of a typed word, from the vocabulary of every title's words.

An edit is a letter added, left out or changed, or two neighbouring letters swapped. A typed
word of five letters or more may be two edits from the title word meant, one of three or four
letters one edit, a shorter one none. The word still being typed may be such a misspelling of
the start of a title word.

Candidates come from a symmetric-deletion index: every title word's spellings with up to two
of its first seven letters left out, as a sorted array of hashes. A typed word's own deletions
meet those of every word within two edits (and of a few more, which the exact distance drops).
Seven letters are enough to tell almost all words apart and keep the index small; the same
seven letters of a word being typed find the words it begins, when the part it matches is
that long. Shorter starts within one edit are found by spelling out each one-edit change of
the typed letters against the set of every title word's short starts.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, insort
from collections.abc import Iterable
from itertools import combinations

from rapidfuzz import process
from rapidfuzz.distance import OSA

TYPO_MIN_LENGTH = 3  # a shorter word is taken as typed: a change to it makes another word
TWO_EDITS_FROM = 5  # letters a word needs before a second edit is allowed
WINDOW = 7  # letters of a word the deletion index is made from
MAX_EDITS = 2
_ID_BITS = 24  # low bits of an index key hold the word's number, the rest its spelling's hash
_ID_MASK = (1 << _ID_BITS) - 1
_HASH_MASK = ~_ID_MASK
_REBUILD_SHARE = 8  # fold words added since the last build into the array past 1/8 of it
_RUN_SHIFT = 48  # keys are looked up within the run that shares their hash's top 16 bits
_RUNS = 1 << 16


def allowed_edits(word: str) -> int:
    """How many edits from a title word the typed `word` may be."""
    if len(word) < TYPO_MIN_LENGTH:
        return 0
    return 1 if len(word) < TWO_EDITS_FROM else MAX_EDITS


def edit_distance(a: str, b: str, cap: int = 3) -> int:
    """Optimal-string-alignment distance (a swap of neighbours is one edit), capped at `cap`."""
    return OSA.distance(a, b, score_cutoff=cap - 1)


def _deletion_pairs(length: int) -> list[tuple[int, int]]:
    return list(combinations(range(length), 2))


_PAIRS = [_deletion_pairs(n) for n in range(WINDOW + 1)]


def deletions(word: str, most: int) -> set[str]:
    """The first `WINDOW` letters of `word`, and each spelling of them with up to `most`
    letters left out."""
    w = word[:WINDOW]
    found = {w}
    if most >= 1:
        found.update([w[:i] + w[i + 1 :] for i in range(len(w))])
    if most >= 2:
        found.update([w[:i] + w[i + 1 : j] + w[j + 1 :] for i, j in _PAIRS[len(w)]])
    return found


class Vocabulary:
    """Every distinct title word, and what finds the ones a few edits from a typed word."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self.words: list[str] = []  # by number, in the order they were added
        self.numbers: dict[str, int] = {}
        self._sorted: list[str] = []
        # Each start of a word shorter than WINDOW - 1 letters, with the letters that follow it.
        self._next_letters: dict[str, str] = {}
        # The deletion index: sorted keys (a spelling's hash, then a word's number in the low
        # bits), and where each run of keys with the same top bits of the hash begins.
        self._keys = array("q")
        self._runs = array("q", [0] * (_RUNS + 1))
        self._recent: dict[int, list[int]] = {}  # the same, for words added since the build
        self._recent_words = 0
        self._near_cache: dict[str, list[str]] = {}
        self.common: frozenset[str] = frozenset()  # words in a great many titles
        self.add(words)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.numbers

    def add(self, words: Iterable[str]) -> None:
        """Take in words not seen before (the rest are ignored)."""
        fresh = [w for w in dict.fromkeys(words) if w and w not in self.numbers]
        if not fresh:
            return
        first = len(self.words)
        self.words += fresh
        self.numbers.update(zip(fresh, range(first, len(self.words)), strict=True))
        following = self._next_letters
        for word in fresh:
            for end in range(min(len(word), WINDOW - 1)):
                start = word[:end]
                letters = following.get(start, "")
                if word[end] not in letters:
                    following[start] = letters + word[end]
        if len(fresh) > len(self._sorted) // _REBUILD_SHARE:
            self._sorted = sorted(self.words)
        else:
            for word in fresh:
                insort(self._sorted, word)
        self._near_cache.clear()
        self._recent_words += len(fresh)
        if self._recent_words > len(self.words) // _REBUILD_SHARE:
            self._build()
        else:
            for number, word in enumerate(fresh, first):
                for spelling in deletions(word, MAX_EDITS):
                    self._recent.setdefault(hash(spelling) & _HASH_MASK, []).append(number)

    def _build(self) -> None:
        keys: list[int] = []
        for number, word in enumerate(self.words):
            keys += [(hash(s) & _HASH_MASK) | number for s in deletions(word, MAX_EDITS)]
        keys.sort()
        self._keys = array("q", keys)
        # Run r holds the keys whose hash's top bits are r (shifted to count from 0).
        self._runs = array(
            "q", (bisect_left(keys, (r - _RUNS // 2) << _RUN_SHIFT) for r in range(_RUNS + 1))
        )
        self._recent.clear()
        self._recent_words = 0

    def _numbers_spelt(self, spellings: Iterable[str]) -> set[int]:
        """Numbers of the words one of whose deletion spellings is among `spellings`."""
        keys, runs, recent = self._keys, self._runs, self._recent
        found: set[int] = set()
        add = found.add
        hash_mask, id_mask, shift, middle = _HASH_MASK, _ID_MASK, _RUN_SHIFT, _RUNS // 2
        for spelling in spellings:
            h = hash(spelling) & hash_mask
            run = (h >> shift) + middle
            end = runs[run + 1]
            at = bisect_left(keys, h, runs[run], end)
            # The keys with this hash follow one another (rarely more than a few).
            while at < end and (key := keys[at]) - h <= id_mask:
                add(key & id_mask)
                at += 1
            if recent:
                found.update(recent.get(h, ()))
        return found

    def forget_lookups(self) -> None:
        """Start a new search: the lookups kept for the words of the last one go."""
        self._near_cache.clear()

    def _candidates(self, typed: str) -> list[str]:
        """Words whose deletion spellings meet those of `typed`: every word within two edits
        of it, and every word starting within two edits of it from its seventh letter on.
        Kept until the next search begins: a search asks for a word's more than once."""
        found = self._near_cache.get(typed)
        if found is None:
            numbers = self._numbers_spelt(deletions(typed, MAX_EDITS))
            found = list(map(self.words.__getitem__, numbers))
            self._near_cache[typed] = found
        return found

    def near(self, typed: str, most: int = MAX_EDITS) -> dict[str, int]:
        """Title words within the edits `typed` allows (and no more than `most`), with their
        distance from it."""
        most = min(most, allowed_edits(typed))
        found = {typed: 0} if typed in self.numbers else {}
        if most == 0:
            return found
        if most < MAX_EDITS:  # a narrower lookup
            numbers = self._numbers_spelt(deletions(typed, most))
            candidates = list(map(self.words.__getitem__, numbers))
        else:
            candidates = self._candidates(typed)
        for word, edits, _ in process.extract(
            typed, candidates, scorer=OSA.distance, score_cutoff=most, limit=None
        ):
            found[word] = int(edits)
        return found

    def starting(self, typed: str, limit: int) -> list[str] | None:
        """The words that begin with `typed`, or None if there are more than `limit`."""
        at = bisect_left(self._sorted, typed)
        found = self._sorted[at : at + limit + 1]
        ending = next((i for i, w in enumerate(found) if not w.startswith(typed)), len(found))
        return None if ending > limit else found[:ending]

    def count_starting(self, text: str) -> int:
        """How many title words begin with `text` (or are it)."""
        return bisect_left(self._sorted, text + "\U0010ffff") - bisect_left(self._sorted, text)

    def begins(self, text: str) -> bool:
        """Whether some title word begins with `text` (or is it)."""
        at = bisect_left(self._sorted, text)
        return at < len(self._sorted) and self._sorted[at].startswith(text)

    def begun_near(self, typed: str) -> dict[str, int]:
        """Title words with a start of `WINDOW` letters or more within the edits a word still
        being typed allows, with its distance from `typed`."""
        most = allowed_edits(typed)
        found: dict[str, int] = {}
        if most == 0 or len(typed) + most < WINDOW:
            return found
        candidates = self._candidates(typed)
        for end in range(max(WINDOW, len(typed) - most), len(typed) + most + 1):
            for _, edits, at in process.extract(
                typed,
                [word[:end] for word in candidates],
                scorer=OSA.distance,
                score_cutoff=most,
                limit=None,
            ):
                word = candidates[at]
                found[word] = min(int(edits), found.get(word, most))
        return found

    def starts_one_edit_from(self, typed: str) -> set[str]:
        """Starts of title words, shorter than `WINDOW` letters, one edit from `typed` (a word
        still being typed, long enough for an edit)."""
        if allowed_edits(typed) == 0:
            return set()
        n, following = len(typed), self._next_letters
        found: set[str] = set()
        short = WINDOW - 1
        found.update(s for i in range(n) if 2 <= len(s := typed[:i] + typed[i + 1 :]) <= short)
        if n <= short:
            found.update(typed[:i] + typed[i + 1] + typed[i] + typed[i + 2 :] for i in range(n - 1))
            for i in range(n):
                head, tail = typed[:i], typed[i + 1 :]
                found.update(head + c + tail for c in following.get(head, "") if c != typed[i])
        if n < short:
            for i in range(n + 1):
                head, tail = typed[:i], typed[i:]
                found.update(head + c + tail for c in following.get(head, ""))
        found.discard(typed)
        return {s for s in found if s[-1] in following.get(s[:-1], "")}
