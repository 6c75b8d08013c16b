"""What people send the bot: titles for `/review show`, and what they type for autocomplete."""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass
from pathlib import Path

from bench.synthetic import GUILD_ID

from reviewbot.review import Review
from reviewbot.store import ReviewStore

SHOW_KINDS = ("picked", "typed")
TYPED_KINDS = ("empty", "1 letter", "2 letters", "3-5 letters", "half title", "a word", "typo")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Request:
    """One request: its kind (for the tables) and the text sent as the `title` option."""

    kind: str
    text: str


async def sample_reviews(db: Path, count: int, seed: int) -> list[Review]:
    """`count` random reviews of the operator's catalogue (the ones every server sees)."""
    rng = random.Random(seed)
    async with ReviewStore.open(db) as store:
        highest = await store.reviews.count(GUILD_ID)  # every review: ids run 1..n
        found: dict[int, Review] = {}
        while len(found) < count:
            review = await store.reviews.get(rng.randint(1, max(highest, 1)))
            if review is not None and review.id is not None:
                found[review.id] = review
    return list(found.values())


def show_requests(reviews: list[Review]) -> list[Request]:
    """Half picked from autocomplete (the value is `review:ID`), half typed out in full."""
    requests = []
    for i, review in enumerate(reviews):
        if SHOW_KINDS[i % 2] == "picked":
            requests.append(Request("picked", f"review:{review.id}"))
        else:
            requests.append(Request("typed", review.title))
    return requests


def typed_requests(reviews: list[Review], seed: int) -> list[Request]:
    """What a person has typed into the title box when autocomplete asks, one kind in turn."""
    rng = random.Random(seed)
    requests = []
    for i, review in enumerate(reviews):
        kind = TYPED_KINDS[i % len(TYPED_KINDS)]
        requests.append(Request(kind, typed(kind, review.title, rng)))
    return requests


def typed(kind: str, title: str, rng: random.Random) -> str:
    words = _WORD.findall(title)
    if kind == "empty":
        return ""
    if kind == "1 letter":
        return title[:1]
    if kind == "2 letters":
        return title[:2]
    if kind == "3-5 letters":
        return title[: rng.randint(3, 5)]
    if kind == "half title":
        return title[: max(1, len(title) // 2)]  # often cut mid-word, as typing stops anywhere
    if kind == "a word":
        return rng.choice(words) if words else title
    return misspelt(title, rng)


def misspelt(title: str, rng: random.Random) -> str:
    """The title in lower case with one slip of the finger in one word of four letters or more."""
    words = title.lower().split()
    long_ones = [i for i, word in enumerate(words) if len(word) >= 4]
    if not long_ones:
        return title.lower()
    i = rng.choice(long_ones)
    words[i] = slip(words[i], rng)
    return " ".join(words)


def slip(word: str, rng: random.Random) -> str:
    """A letter dropped, doubled, swapped with the next one, or hit next to the right key."""
    at = rng.randrange(len(word) - 1)
    way = rng.randrange(4)
    if way == 0:
        return word[:at] + word[at + 1 :]
    if way == 1:
        return word[: at + 1] + word[at:]
    if way == 2:
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    wrong = rng.choice([c for c in string.ascii_lowercase if c != word[at]])
    return word[:at] + wrong + word[at + 1 :]
