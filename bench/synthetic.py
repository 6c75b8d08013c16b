"""A seeded synthetic catalogue: invented words and names, Zipf-like word use, realistic shapes."""

from __future__ import annotations

import hashlib
import math
import random
from array import array
from bisect import bisect
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from operator import itemgetter

from reviewbot.review import Category, Rating, Review

GUILD_ID = 424_242  # the one Discord server whose posted reviews mix with the catalogue
GUILD_SHARE = 0.01
NO_CREATOR_SHARE = 0.03
VOCABULARY_SIZE = 40_000
START = datetime(2006, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 20 * 365 * 24 * 3600
BODY_MAX = 19_500  # under the store's 20,000-character limit
BODY_MEDIAN = 1_330  # log-normal: with sigma 0.7 the mean is ~1,700 characters
BODY_SIGMA = 0.7

# Common English words first, in a plausible frequency order: they take the top Zipf ranks.
FUNCTION_WORDS = (  # noqa: SIM905 - a sentence reads better than 40 quoted words
    "the of and a to in is it that was for on with as his her but at by this from not "
    "be are or an all one my your we they what so out up no when there who"
).split()
CONTENT_WORDS = (  # noqa: SIM905
    "night love man day life world story last city home dark blue time house girl war king "
    "heart dream light black river summer road little long red good old new great white lost "
    "wild dead blood song moon sun fire star sea"
).split()
ENGLISH = FUNCTION_WORDS + CONTENT_WORDS
SMALL_WORDS = frozenset(FUNCTION_WORDS)
TITLE_JOINERS = ("of", "of the", "and", "in the", "in", "a", "my", "to", "on", "for", "with")
ONSETS = (
    "", "b", "br", "c", "ch", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "kl", "l", "m",
    "n", "p", "pr", "qu", "r", "s", "sh", "sk", "st", "t", "th", "tr", "v", "w", "z",
)  # fmt: skip
NUCLEI = ("a", "e", "i", "o", "u", "a", "e", "i", "o", "a", "ai", "ea", "ie", "oo", "ou", "y")
CODAS = ("", "", "", "", "", "", "", "n", "r", "l", "s", "m", "nd", "st", "rk", "th", "x", "ng")
SYLLABLE_COUNTS = (1, 2, 3, 4)
SYLLABLE_WEIGHTS = (8, 10, 3, 1)
TITLE_LENGTHS = (1, 2, 3, 4, 5, 6, 7, 8)
TITLE_LENGTH_WEIGHTS = (18, 24, 22, 14, 9, 6, 4, 3)  # median 3 words
CATEGORIES = tuple(Category)
CATEGORY_WEIGHTS = (35, 20, 20, 10, 10, 5)  # film, album, book, game, show, other
RATING_WEIGHTS = (1, 1, 2, 3, 6, 9, 14, 18, 20, 14, 8)  # half stars 0..10, mostly 3–4 stars
TABLE_SLOTS = 1 << 20
LOW_4_BITS = bytes(i & 0x0F for i in range(256))  # 16 + 4 bits: a slot number
ACCENTS = {"e": "é", "a": "á", "o": "ö", "u": "ü", "i": "í"}


class Vocabulary:
    """Invented words plus common English ones, with Zipf weights for bodies and for titles."""

    def __init__(self, rng: random.Random, size: int = VOCABULARY_SIZE) -> None:
        seen = set(ENGLISH)
        invented: list[str] = []
        while len(invented) < size:
            word = invented_word(rng)
            if len(word) >= 2 and word not in seen:
                seen.add(word)
                invented.append(word)
        self.words: list[str] = ENGLISH + invented
        self.rank = {word: rank for rank, word in enumerate(self.words)}
        self.body_table = _zipf_table(self.words, exponent=1.0, shift=1.0)
        self.mean_body_word = sum(map(len, self.body_table)) / len(self.body_table) + 1
        # Titles draw content words on a flatter curve, so they share words but not too much.
        self.title_words = CONTENT_WORDS + invented
        self.title_cum = _zipf_cumulative(len(self.title_words), exponent=0.8, shift=20.0)

    def body_words(self, rng: random.Random, k: int) -> list[str]:
        """`k` Zipf draws, done in C: random 32-bit slot numbers cut down to 20 bits."""
        draws = bytearray(rng.randbytes(4 * k))
        draws[3::4] = bytes(k)  # little-endian: the top byte of each number
        draws[2::4] = draws[2::4].translate(LOW_4_BITS)
        return list(itemgetter(*array("I", draws))(self.body_table))  # k >= 2 gives a tuple

    def title_word(self, rng: random.Random) -> str:
        return self.title_words[bisect(self.title_cum, rng.random() * self.title_cum[-1])]


def _zipf_table(words: Sequence[str], exponent: float, shift: float) -> list[str]:
    """Each word repeated in proportion to its Zipf weight: uniform draws from it are Zipf draws.

    Much faster than weighted draws (no bisect per word); every word gets at least one slot.
    """
    weights = [1.0 / (rank + shift) ** exponent for rank in range(len(words))]
    scale = TABLE_SLOTS / sum(weights)
    slots = [max(1, round(weight * scale)) for weight in weights]
    slots[0] += TABLE_SLOTS - sum(slots)  # exactly a power of two, so a bit mask picks a slot
    table: list[str] = []
    for word, count in zip(words, slots, strict=True):
        table += [word] * count
    return table


def _zipf_cumulative(n: int, exponent: float, shift: float) -> list[float]:
    return list(accumulate(1.0 / (rank + shift) ** exponent for rank in range(n)))


def invented_word(rng: random.Random) -> str:
    syllables = rng.choices(SYLLABLE_COUNTS, SYLLABLE_WEIGHTS)[0]
    return "".join(
        rng.choice(ONSETS) + rng.choice(NUCLEI) + rng.choice(CODAS) for _ in range(syllables)
    )


def _name_part(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(ONSETS) + rng.choice(NUCLEI) for _ in range(syllables)).title()


def invented_creator(rng: random.Random) -> str:
    """A person-like "Vorla Keshimon", or now and then a band-like "The Drooskas"."""
    if rng.random() < 0.08:
        return f"The {_name_part(rng, rng.randint(2, 3))}s"
    return f"{_name_part(rng, rng.randint(1, 3))} {_name_part(rng, rng.randint(2, 4))}"


class Catalogue:
    """Draws reviews one at a time; every (title, creator) pair it returns is new."""

    def __init__(self, n: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.vocabulary = Vocabulary(random.Random(f"vocabulary-{seed}"))
        names = random.Random(f"names-{seed}")
        self.creators = [invented_creator(names) for _ in range(max(50, n // 5))]
        # A few prolific creators, a long tail of one-work ones.
        self.creator_cum = _zipf_cumulative(len(self.creators), exponent=0.8, shift=5.0)
        self.authors = [invented_creator(names) for _ in range(40)]
        self.identities: set[bytes] = set()
        self.last_time = START

    def review(self) -> Review:
        rng = self.rng
        creator = None if rng.random() < NO_CREATOR_SHARE else self._creator()
        title = self._unique_title(creator)
        return Review(
            title=title,
            rating=Rating(rng.choices(range(11), RATING_WEIGHTS)[0]),
            body=self._body(),
            category=rng.choices(CATEGORIES, CATEGORY_WEIGHTS)[0],
            creator=creator,
            author_name=rng.choice(self.authors),
            published_at=self._published_at(),
            url=f"https://reviews.example/{rng.getrandbits(40):x}" if rng.random() < 0.2 else None,
            spoiler=rng.random() < 0.03,
            guild_id=GUILD_ID if rng.random() < GUILD_SHARE else None,
        )

    def _creator(self) -> str:
        cum = self.creator_cum
        return self.creators[bisect(cum, self.rng.random() * cum[-1])]

    def _unique_title(self, creator: str | None) -> str:
        while True:
            words = self._title_words()
            key = hashlib.blake2b(
                f"{' '.join(words)}\x1f{creator or ''}".lower().encode(), digest_size=8
            ).digest()
            if key not in self.identities:
                self.identities.add(key)
                return self._decorate(words)

    def _title_words(self) -> list[str]:
        rng = self.rng
        count = rng.choices(TITLE_LENGTHS, TITLE_LENGTH_WEIGHTS)[0]
        words = [self.vocabulary.title_word(rng)]
        while len(words) < count:
            if rng.random() < 0.15:
                words += rng.choice(TITLE_JOINERS).split()
            words.append(self.vocabulary.title_word(rng))
        if rng.random() < 0.2:
            words.insert(0, "the")
        return words[:8]

    def _decorate(self, words: Sequence[str]) -> str:
        """Title case, and an accent now and then (the store folds accents when matching)."""
        shown = []
        for i, word in enumerate(words):
            if self.rng.random() < 0.02 and (vowel := next((c for c in word if c in ACCENTS), "")):
                word = word.replace(vowel, ACCENTS[vowel], 1)
            small = i > 0 and word in SMALL_WORDS
            shown.append(word if small else word[:1].upper() + word[1:])
        return " ".join(shown)

    def _body(self) -> str:
        rng = self.rng
        target = min(BODY_MAX, max(150.0, rng.lognormvariate(math.log(BODY_MEDIAN), BODY_SIGMA)))
        words = self.vocabulary.body_words(
            rng, max(6, round(target / self.vocabulary.mean_body_word))
        )
        # Sentences of 5–22 words, paragraphs of 2–6 sentences, marked on the words themselves.
        lengths = rng.randbytes(len(words) // 4 + 1)
        start = sentence = 0
        paragraph_end = 2 + lengths[0] % 5
        while start < len(words):
            words[start] = words[start].capitalize()
            start += 5 + lengths[sentence] % 18
            sentence += 1
            end = min(start, len(words)) - 1
            if sentence == paragraph_end:
                words[end] += ".\n\n"
                paragraph_end += 2 + lengths[sentence] % 5
            else:
                words[end] += "."
        body = " ".join(words).replace("\n\n ", "\n\n").rstrip()
        return body if len(body) <= BODY_MAX else body[:BODY_MAX].rsplit(" ", 1)[0]

    def _published_at(self) -> datetime:
        rng = self.rng
        draw = rng.random()
        if draw < 0.03:  # imported together: the same moment as the review before
            return self.last_time
        moment = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
        if draw < 0.18:  # files with a date and no time
            moment = moment.replace(hour=0, minute=0, second=0)
        self.last_time = moment
        return moment


def generate(n: int, seed: int) -> Iterator[Review]:
    """`n` valid, distinct reviews (no ids: the store assigns them), the same for the same seed."""
    catalogue = Catalogue(n, seed)
    for _ in range(n):
        yield catalogue.review()
