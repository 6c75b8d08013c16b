"""Search for a word being typed with a slip in it: the start of a longer title word an edit
away, how those starts are chosen, and the same answer in every process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from reviewbot.search import STARTS_MAX, plan_search, spell
from reviewbot.spelling import Vocabulary
from reviewbot.store import ReviewStore

from .store_fixtures import make_review
from .test_search import titles


async def test_a_slip_in_a_long_word_being_typed_finds_the_word_it_begins(
    store: ReviewStore,
) -> None:
    await store.reviews.add(make_review("Lights", day=1))
    await store.reviews.add(make_review("The Lighthouse Keeper", day=2))
    await store.search.warm()
    # "lighthx" is two edits from the whole word "lights", one from the start of "lighthouse":
    # the start an edit away is the likelier reading, and comes first.
    assert await titles(store, "lighthx") == ["The Lighthouse Keeper", "Lights"]
    # Finished, it is a whole word: "lighthouse" is no reading of it.
    assert await titles(store, "lighthx ") == ["Lights"]


async def test_after_the_text_a_title_whose_word_being_typed_begins_with_a_slip(
    store: ReviewStore,
) -> None:
    await store.reviews.add(make_review("Gateway to the Harbour", day=1))
    await store.reviews.add(make_review("Daybreak", day=2, body="we ate by the harbour"))
    await store.search.warm()
    # The text holds the words as typed; "ate" may also be "gate…" with its first key missed.
    assert await titles(store, "harbour ate") == ["Daybreak", "Gateway to the Harbour"]
    assert await titles(store, "harbour ate ") == ["Daybreak"]  # a finished word begins nothing


def test_of_many_starts_an_edit_away_those_beginning_more_title_words_are_asked() -> None:
    # "ath" is an edit from the starts of all these words; more of them than are asked for.
    others = [f"{first}ath{n}" for first in "bcdefhkl" for n in range(2)]
    meant = [f"zath{letter}" for letter in "abcde"]  # last in text order: asked for its words alone
    vocabulary = Vocabulary([*others, *meant, "athens", "athlete"])
    (spelling,) = spell(plan_search("ath"), vocabulary)
    asked = [start for start, edits in spelling.starts.items() if edits == 1 and len(start) == 4]
    assert len(asked) == STARTS_MAX
    assert "zath" in asked
    # Starts that only add a letter to the typed word are not asked: "ath" begins their words.
    assert not {"athe", "athl"} & set(spelling.starts)


PROBE = """
import json, sys
from reviewbot.ranking import Candidate, rank
from reviewbot.search import Tier, plan_search, spell
from reviewbot.spelling import Vocabulary

words = [f"{a}{b}th{n}" for a in "bcdfgklmnprst" for b in "aeiou" for n in range(2)]
vocabulary = Vocabulary(words + ["bay", "bye"])
plan = plan_search(sys.argv[1])
spellings = spell(plan, vocabulary)
titles = ["bye bay", "bay bye", "bay", "bye"] + [f"bay {w}" for w in words]
candidates = [Candidate(Tier.TYPO, i, t, "2020", 0) for i, t in enumerate(titles)]
print(json.dumps([sorted(s.starts) for s in spellings]))
print(json.dumps([c.title_norm for c in rank(plan, candidates, len(candidates), spellings)]))
"""


def test_every_process_reads_a_slip_alike() -> None:
    # Python orders sets differently in each process: nothing chosen may depend on that.
    answers = set()
    for seed in ("1", "2", "3"):
        result = subprocess.run(
            [sys.executable, "-c", PROBE, "bya ath"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=Path(__file__).resolve().parent,
        )
        answers.add(result.stdout)
    assert len(answers) == 1, answers


async def test_a_long_word_being_typed_far_from_any_whole_word_finds_longer_words_begun(
    store: ReviewStore,
) -> None:
    await store.reviews.add(make_review("Lighthouse", day=1))
    await store.reviews.add(make_review("The Lighthousekeeper", day=2))
    await store.search.warm()
    # Two edits from "lighthouse", one from the start of "lighthousekeeper" (an x slipped in).
    assert await titles(store, "lighthousexk") == ["The Lighthousekeeper", "Lighthouse"]
