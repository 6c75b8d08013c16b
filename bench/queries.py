"""The seeded query set: what people type to find a review, made from reviews in the catalogue."""

from __future__ import annotations

import random
import re
import string
from dataclasses import asdict, dataclass

from reviewbot.review import Review, normalise
from synthetic import SMALL_WORDS

KINDS = ("exact", "prefix", "word", "words", "typo", "body")
TITLE_KINDS = frozenset(KINDS) - {"body"}
PREFIX_SHARE = 0.6
TYPO_MIN_LENGTH = 4
COMMON_RANKS = 300  # body words this common are not distinctive
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    source_id: int
    accepted: tuple[int, ...]  # ids that count as finding it: the source, or its exact-title twins

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Query:
        accepted = data["accepted"]
        assert isinstance(accepted, list)
        return cls(str(data["kind"]), str(data["text"]), int(str(data["source_id"])), (*accepted,))


def title_words(review: Review) -> list[str]:
    return _WORD.findall(normalise(review.title))


def exact_query(review: Review, rng: random.Random) -> str:
    return review.title


def prefix_query(review: Review, rng: random.Random) -> str:
    """The first ~60% of the title as someone typing into autocomplete: often mid-word."""
    title = review.title
    cut = max(1, round(len(title) * PREFIX_SHARE))
    if rng.random() < 0.35 and " " in title[cut:]:
        cut = title.index(" ", cut)  # stopped typing at the end of a word
    return title[:cut].rstrip()


def word_query(review: Review, rng: random.Random) -> str | None:
    """One word of the title that is not a small word like "the"."""
    content = [w for w in title_words(review) if w not in SMALL_WORDS]
    return rng.choice(content) if content else None


def words_query(review: Review, rng: random.Random) -> str | None:
    """Two or three of the title's words, in title order."""
    found = title_words(review)
    if len(found) < 3:
        return None
    picked = sorted(rng.sample(range(len(found)), min(len(found) - 1, rng.choice((2, 3)))))
    return " ".join(found[i] for i in picked)


def typo(word: str, rng: random.Random) -> str:
    """One edit: an insertion, a deletion, a substitution or a swap of neighbouring letters."""
    while True:
        i = rng.randrange(len(word))
        edit = rng.choice(("insert", "delete", "substitute", "swap"))
        letter = rng.choice(string.ascii_lowercase)
        if edit == "insert":
            changed = word[:i] + letter + word[i:]
        elif edit == "delete":
            changed = word[:i] + word[i + 1 :]
        elif edit == "substitute":
            changed = word[:i] + letter + word[i + 1 :]
        else:
            i = min(i, len(word) - 2)
            changed = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if changed != word:
            return changed


def typo_query(review: Review, rng: random.Random) -> str | None:
    """The title in lower case with one misspelt word, or now and then two ("teh godfater")."""
    found = title_words(review)
    long_enough = [i for i, w in enumerate(found) if len(w) >= TYPO_MIN_LENGTH]
    if not long_enough:
        return None
    count = 2 if len(long_enough) >= 2 and rng.random() < 0.3 else 1
    for i in rng.sample(long_enough, count):
        found[i] = typo(found[i], rng)
    return " ".join(found)


def body_query(review: Review, rng: random.Random, rank: dict[str, int]) -> str | None:
    """Three or four distinctive words of the review's text, in the order they appear."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(review.body.lower()):
        if rank.get(word, COMMON_RANKS) >= COMMON_RANKS:
            seen.setdefault(word)
    distinctive = list(seen)
    if len(distinctive) < 3:
        return None
    picked = sorted(rng.sample(range(len(distinctive)), min(len(distinctive), rng.choice((3, 4)))))
    return " ".join(distinctive[i] for i in picked)


def make_query(kind: str, review: Review, rng: random.Random, rank: dict[str, int]) -> str | None:
    if kind == "exact":
        return exact_query(review, rng)
    if kind == "prefix":
        return prefix_query(review, rng)
    if kind == "word":
        return word_query(review, rng)
    if kind == "words":
        return words_query(review, rng)
    if kind == "typo":
        return typo_query(review, rng)
    return body_query(review, rng, rank)


def rank_of_hit(found_ids: list[int], accepted: tuple[int, ...]) -> int | None:
    """1-based rank of the first accepted review among the results, or None."""
    wanted = set(accepted)
    return next((i for i, found in enumerate(found_ids, start=1) if found in wanted), None)
