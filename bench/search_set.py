"""Catalogues and the query set for the search comparison (bench/search_vs_best.py)."""

from __future__ import annotations

import asyncio
import json
import random
import re
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from rapidfuzz.distance import OSA

from reviewbot.store import ReviewStore
from synthetic import generate

OUT = Path(__file__).resolve().parent / "out"
BATCH = 5_000


def database_path(n: int, seed: int) -> Path:
    return OUT / f"search-{label(n)}-s{seed}.db"


def label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    return f"{n // 1_000}k" if n % 1_000 == 0 else str(n)


async def build(path: Path, n: int, seed: int) -> dict[str, float]:
    """`n` synthetic reviews through the store's public import, inside one bulk load."""
    partial = path.with_name(path.name + ".partial")
    started = time.perf_counter()
    async with ReviewStore.open(partial) as store:
        reviews = generate(n, seed)
        done = 0
        async with store.imports.bulk_load():
            while done < n:
                chunk = [(review, True) for review in islice(reviews, BATCH)]
                await store.imports.add_or_update(chunk)
                done += len(chunk)
                if done % (n // 10 or 1) < BATCH:
                    print(f"  imported {done:,} of {n:,}", file=sys.stderr, flush=True)
    _finish(partial, path)
    return {"reviews": n, "seed": seed, "build_seconds": time.perf_counter() - started}


def _finish(partial: Path, path: Path) -> None:
    """Fold the write-ahead log in and give the finished file its name."""
    with sqlite3.connect(partial) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    partial.rename(path)
    for leftover in (Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)


def ensure(n: int, seed: int) -> Path:
    """The catalogue of `n` reviews for `seed`, built unless a finished one is there."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = database_path(n, seed)
    if not path.exists():
        print(f"Building {n:,} reviews into {path} ...", file=sys.stderr, flush=True)
        info = asyncio.run(build(path, n, seed))
        path.with_suffix(".build.json").write_text(json.dumps(info, indent=1))
    return path


# The query set ------------------------------------------------------------------------------

QUERY_SEED = "search-vs-best:queries"  # no relation to any seed the store or the catalogue use
COUNTS = {"exact": 200, "prefix": 250, "word": 150, "typo": 250, "text": 150}
PARTIAL_TYPO_SHARE = 0.3
TWO_EDIT_SHARE = 0.5
_SMALL = (
    "the of and a to in is it that was for on with as his her but at by this from not be are "
    "or an all one my your we they what so out up no when there who"
)
SMALL_WORDS = frozenset(_SMALL.split())  # not asked for as a title word
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_WORD = re.compile(r"[^\W_]+")


def _keyboard_neighbours() -> dict[str, str]:
    """Each letter's neighbours on a QWERTY keyboard (same row, and the rows above and below)."""
    place = {ch: (r, c) for r, row in enumerate(KEYBOARD_ROWS) for c, ch in enumerate(row)}
    near: dict[str, str] = {}
    for ch, (r, c) in place.items():
        near[ch] = "".join(
            other
            for other, (r2, c2) in place.items()
            if other != ch
            and abs(r - r2) <= 1
            and (c2 - c if r2 >= r else c - c2) in (-1, 0, 1)
            and not (r2 == r and c2 == c)
        )
    return near


NEIGHBOURS = _keyboard_neighbours()


@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    source_id: int
    accepted: tuple[int, ...]  # ids that count as finding it
    edits: int = 0  # typos: keyboard edits made
    partial: bool = False  # typos: made on the start of the title only

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Query:
        return cls(**{**data, "accepted": tuple(data["accepted"])})


def keyboard_edit(word: str, rng: random.Random) -> str:
    """One slip of the fingers: a neighbouring key instead, a neighbouring key as well, a key
    missed, or two keys swapped."""
    while True:
        i = rng.randrange(len(word))
        kind = rng.choice(("substitute", "insert", "delete", "swap"))
        near = NEIGHBOURS.get(word[i], "")
        if kind == "substitute" and near:
            changed = word[:i] + rng.choice(near) + word[i + 1 :]
        elif kind == "insert" and near:
            at = i + rng.randint(0, 1)
            changed = word[:at] + rng.choice(near) + word[at:]
        elif kind == "delete" and len(word) > 1:
            changed = word[:i] + word[i + 1 :]
        elif kind == "swap" and len(word) > 1:
            i = min(i, len(word) - 2)
            changed = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        else:
            continue
        if changed != word:
            return changed


def typo_words(words: list[str], edits: int, rng: random.Random) -> list[str] | None:
    """`words` with `edits` keyboard slips: one word with both, or two words with one each.

    Each slipped word keeps at least 3 letters, and one with two slips more than 4: what a
    reader types is all the search can see, and it allows one edit in short words, two in
    longer ones. None when the words give no room for that.
    """
    eligible = [i for i, w in enumerate(words) if len(w) >= 3 and w.isalpha()]
    if not eligible:
        return None
    for _ in range(20):
        typed = list(words)
        if edits == 2 and (len(eligible) < 2 or rng.random() < 0.5):
            i = rng.choice(eligible)
            typed[i] = keyboard_edit(keyboard_edit(words[i], rng), rng)
            ok = len(typed[i]) > 4 and OSA.distance(typed[i], words[i]) == 2
        else:
            ok = True
            for i in rng.sample(eligible, edits):
                typed[i] = keyboard_edit(words[i], rng)
                ok = ok and len(typed[i]) >= 3 and OSA.distance(typed[i], words[i]) == 1
        if ok:
            return typed
    return None


class QueryMaker:
    """Queries drawn from random reviews of the catalogue, on a read-only connection."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        self.max_id = self.db.execute("SELECT max(id) FROM reviews").fetchone()[0]
        self.rng = random.Random(QUERY_SEED)
        self._body_df: Counter[str] | None = None

    def source(self) -> tuple[int, str, str]:
        """A random review of the operator's catalogue: id, title, normalised title."""
        while True:
            found = self.db.execute(
                "SELECT id, title, title_norm FROM reviews WHERE id = ? AND guild_id = 0",
                (self.rng.randint(1, self.max_id),),
            ).fetchone()
            if found:
                return found

    def same_title(self, title_norm: str) -> tuple[int, ...]:
        found = self.db.execute(
            "SELECT id FROM reviews WHERE guild_id = 0 AND title_norm = ?", (title_norm,)
        )
        return tuple(row[0] for row in found)

    def make(self, kind: str) -> Query:
        while True:
            review_id, title, title_norm = self.source()
            made = self._make(kind, review_id, title, title_norm)
            if made is not None:
                return made

    def _make(self, kind: str, review_id: int, title: str, norm: str) -> Query | None:
        rng = self.rng
        if kind == "text":
            text = self._rare_body_words(review_id)
            return Query(kind, text, review_id, (review_id,)) if text else None
        accepted = self.same_title(norm)
        if kind == "exact":
            return Query(kind, title, review_id, accepted)
        if kind == "prefix":
            if len(title) < 3:
                return None
            cut = min(rng.randint(2, 12), len(title) - 1)
            return Query(kind, title[:cut], review_id, accepted) if title[:cut].strip() else None
        words = _WORD.findall(norm)
        if kind == "word":
            content = [w for w in words if w not in SMALL_WORDS]
            return Query(kind, rng.choice(content), review_id, accepted) if content else None
        edits = 2 if rng.random() < TWO_EDIT_SHARE else 1
        partial = rng.random() < PARTIAL_TYPO_SHARE
        if partial:  # typed up to somewhere in the title, often mid-word
            cut = rng.randint(max(3, len(norm) * 2 // 5), max(3, len(norm) * 9 // 10))
            if cut >= len(norm):
                return None
            words = _WORD.findall(norm[:cut])
        typed = typo_words(words, edits, rng)
        return Query(kind, " ".join(typed), review_id, accepted, edits, partial) if typed else None

    def _rare_body_words(self, review_id: int) -> str | None:
        """Two of the rarest words of the review's text (rarity from a sample of texts), in
        the order they come."""
        df = self.body_frequencies()
        body = self.db.execute(
            "SELECT body FROM review_bodies WHERE review_id = ?", (review_id,)
        ).fetchone()[0]
        seen = list(dict.fromkeys(w for w in _WORD.findall(body.lower()) if len(w) >= 3))
        if len(seen) < 4:
            return None
        rarest = sorted(seen, key=lambda w: (df[w], self.rng.random()))[:2]
        return " ".join(sorted(rarest, key=seen.index))

    def body_frequencies(self) -> Counter[str]:
        if self._body_df is None:
            df: Counter[str] = Counter()
            sample = random.Random(f"{QUERY_SEED}:bodies")
            for _ in range(BODY_SAMPLE):
                row = self.db.execute(
                    "SELECT body FROM review_bodies WHERE review_id = ?",
                    (sample.randint(1, self.max_id),),
                ).fetchone()
                if row:
                    df.update(set(_WORD.findall(row[0].lower())))
            self._body_df = df
        return self._body_df


BODY_SAMPLE = 3_000


def make_queries(path: Path) -> list[Query]:
    """The query set, kinds mixed in a seeded order."""
    maker = QueryMaker(path)
    made = [maker.make(kind) for kind, count in COUNTS.items() for _ in range(count)]
    maker.rng.shuffle(made)
    return made


def query_set(path: Path) -> list[Query]:
    """The query set for the catalogue at `path`, made once and kept beside it."""
    kept = path.with_suffix(".queries.json")
    if kept.exists():
        return [Query.from_dict(q) for q in json.loads(kept.read_text())]
    made = make_queries(path)
    kept.write_text(json.dumps([q.as_dict() for q in made], indent=0, ensure_ascii=False))
    return made


if __name__ == "__main__":
    size = int(sys.argv[1])
    ensure(size, int(sys.argv[2]) if len(sys.argv) > 2 else 1)
