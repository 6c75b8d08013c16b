import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewbot.catalogue import import_paths
from reviewbot.review import Category, Rating
from reviewbot.search import Candidate, Tier, edit_distance, plan_search, rank
from reviewbot.store import ReviewStore

from .store_fixtures import make_review

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "catalogue"


@pytest.fixture
async def sample(tmp_path: Path) -> AsyncIterator[ReviewStore]:
    async with ReviewStore.open(tmp_path / "sample.db") as store:
        report = await import_paths(store, [SAMPLE])
        assert not report.failures
        yield store


async def titles(store: ReviewStore, query: str, **options: object) -> list[str]:
    return [hit.title for hit in await store.search(query, **options)]  # type: ignore[arg-type]


async def test_ranking_puts_exact_then_prefix_then_words_then_typos_then_text(
    store: ReviewStore,
) -> None:
    await store.reviews.add(make_review("Night Train to Lisbon", day=1, body="slow and lovely"))
    await store.reviews.add(make_review("Night", day=2, body="short"))
    await store.reviews.add(make_review("Nightcrawler", day=3, body="nocturnal"))
    await store.reviews.add(make_review("A Quiet Night In", day=4, body="cosy"))
    await store.reviews.add(make_review("Knight Rider", day=5, body="a car that talks"))
    await store.reviews.add(make_review("Daybreak", day=6, body="the long nigth was over"))
    assert await titles(store, "night") == [
        "Night",  # exact
        "Nightcrawler",  # prefix (shortest first)
        "Night Train to Lisbon",
        "A Quiet Night In",  # a title word
    ]
    # A title matched exactly or by its start ends the search; a misspelling goes further.
    assert await titles(store, "nigth") == [
        "Night",  # one letter swapped, and nothing else in the title
        "A Quiet Night In",
        "Night Train to Lisbon",
        "Daybreak",  # only the review text
    ]
    assert await titles(store, "nocturnal") == ["Nightcrawler"]


async def test_within_a_tier_closer_titles_then_newer_reviews_come_first(
    store: ReviewStore,
) -> None:
    await store.reviews.add(make_review("Solaris", creator="Tarkovsky", day=1))
    await store.reviews.add(make_review("Solaris", creator="Soderbergh", day=9))
    await store.reviews.add(make_review("Solaris Bay", day=3))
    await store.reviews.add(make_review("Solaris Ant", day=2))
    await store.reviews.add(make_review("Solaris Ant", creator="Other", day=5))
    await store.reviews.add(make_review("The Solaris", day=4))
    hits = await store.search("solaris")
    assert [(hit.title, hit.creator) for hit in hits] == [
        ("Solaris", "Soderbergh"),  # exact, newest first
        ("Solaris", "Tarkovsky"),
        ("Solaris Ant", "Other"),  # prefix: equal length, then by title, then newest
        ("Solaris Ant", None),
        ("Solaris Bay", None),
        ("The Solaris", None),  # a title word; each review appears once, at its best tier
    ]
    assert len({hit.id for hit in await store.search("solaris", limit=3)}) == 3


async def test_a_crowded_title_fills_the_answer_before_later_tiers(store: ReviewStore) -> None:
    for day in range(1, 31):  # 30 reviews of works called "Night", every sixth a book
        category = Category.BOOK if day % 6 == 0 else Category.FILM
        await store.reviews.add(
            make_review("Night", creator=f"Maker {day}", day=day, category=category)
        )
    await store.reviews.add(make_review("Night Train", day=40))
    await store.reviews.add(make_review("A Night Out", day=41))

    hits = await store.search("night", limit=25)
    assert [hit.title for hit in hits] == ["Night"] * 25
    assert [hit.creator for hit in hits] == [f"Maker {day}" for day in range(30, 5, -1)]

    hits = await store.search("night", limit=32)
    assert [hit.title for hit in hits] == ["Night"] * 30 + ["Night Train", "A Night Out"]
    assert len({hit.id for hit in hits}) == 32

    books = await store.search("night", limit=3, category=Category.BOOK)
    assert [hit.creator for hit in books] == ["Maker 30", "Maker 24", "Maker 18"]
    books = await store.search("night", limit=10, category=Category.BOOK)
    assert [hit.creator for hit in books] == [f"Maker {day}" for day in (30, 24, 18, 12, 6)]


async def test_typos_find_their_titles(sample: ReviewStore) -> None:
    assert (await titles(sample, "teh godfater"))[:2] == ["The Godfather", "The Godfather Part II"]
    assert (await titles(sample, "Solaaris"))[:2] == ["Solaris", "Solaris"]
    assert (await titles(sample, "amelie"))[0] == "Amélie"
    assert (await titles(sample, "Fleebag"))[0] == "Fleabag"


async def test_typo_tolerance_on_a_long_word(store: ReviewStore) -> None:
    await store.reviews.add(make_review("Chronologic"))
    await store.reviews.add(make_review("Chromatic"))
    assert (await titles(store, "Chronlogic"))[0] == "Chronologic"


async def test_the_sample_catalogue_answers_by_title_prefix_word_and_text(
    sample: ReviewStore,
) -> None:
    assert (await titles(sample, "her"))[0] == "Her"
    assert (await titles(sample, "the godf"))[:2] == ["The Godfather", "The Godfather Part II"]
    assert (await titles(sample, "1984"))[0] == "1984"
    assert (await titles(sample, "千と千尋の神隠し"))[0] == "千と千尋の神隠し"
    assert (await titles(sample, "기생충"))[0] == "기생충"
    assert (await titles(sample, "fury road"))[0] == "Mad Max: Fury Road"


async def test_filters_by_category_and_minimum_rating(sample: ReviewStore) -> None:
    books = await sample.search("solaris", category=Category.BOOK)
    assert [(h.title, h.creator) for h in books] == [("Solaris", "Stanisław Lem")]
    strong = await sample.search("the", min_rating=Rating.parse("5"))
    assert strong and all(h.rating == Rating.parse("5") for h in strong)


async def test_suggestions_for_a_miss(sample: ReviewStore) -> None:
    assert await sample.search("godfxther solaaaaris zzz") == []
    suggestions = await sample.search.suggest("godfxther solaaaaris zzz", None)
    assert suggestions and set(suggestions) <= {"The Godfather", "The Godfather Part II"}


HOSTILE = [
    '"',
    '"AND" (NOT) *',
    "*",
    "AND",
    "OR NOT",
    "NEAR(a b, 2)",
    "title:her",
    "^her",
    "(",
    ")))",
    "-her",
    "+",
    "!!! ??? ...",
    "a" * 10_000,
    "her " * 2_500,
    "🎬🍿",
    "‏שלום עולם‏",
    "مرحبا",
    "h\u200be\u200dr",
    "\x00\x01",
    "' OR 1=1 --",
    "%_%",
    "\\",
    "",
    "   ",
]


@pytest.mark.parametrize("query", HOSTILE)
async def test_hostile_text_is_only_ever_words(sample: ReviewStore, query: str) -> None:
    # Quotes, operators and punctuation only separate words: the hits are those of the words.
    words = " ".join(plan_search(query).words) + (" " if query != query.rstrip() else "")
    assert await titles(sample, query) == await titles(sample, words)
    assert await sample.search.suggest(query, None) == await sample.search.suggest(words, None)


@pytest.fixture
async def two_servers(sample: ReviewStore) -> ReviewStore:
    """The sample catalogue, plus reviews of two servers with words in common."""
    await sample.reviews.add(
        make_review("Harbour Lights", guild_id=123, body="the harbour at night")
    )
    await sample.reviews.add(
        make_review("Harbour Secrets", guild_id=456, body="the harbour at dawn")
    )
    return sample


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.one_of(
        st.text(max_size=120), st.sampled_from(["harbour", "harbor secrets", "HARBOUR ", "dawn"])
    )
)
async def test_any_text_searches_only_what_the_server_sees(
    two_servers: ReviewStore, query: str
) -> None:
    hits = await two_servers.search(query, guild_id=123, limit=10)
    assert len(hits) <= 10
    assert all(hit.guild_id in (None, 123) for hit in hits), [h.title for h in hits]


def test_plans_quote_every_word() -> None:
    plan = plan_search('say "AND" NEAR(x) *')
    assert plan.title_match == '"say" AND "and" AND "near" AND "x"'
    assert plan.body_match == '"say" AND "and" AND "near" AND "x"'
    # A last word of four letters or more may still be being typed; a space says it is done.
    assert plan_search("Lonely Mars").title_match == '"lonely" AND "mars"*'
    assert plan_search("Lonely Mars ").title_match == '"lonely" AND "mars"'
    assert plan_search('Sun "Ra"').title_match == '"sun" AND "ra"'


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("teh", "the", 1), ("godfater", "godfather", 1), ("abc", "abc", 0), ("abc", "xyz", 3)],
)
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance


def _reference_distance(a: str, b: str) -> int:
    """Optimal string alignment by its textbook definition: insert, delete, substitute, or
    swap two neighbouring letters, each one edit, no substring edited twice."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(
                d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


@settings(max_examples=300)
@given(st.text(alphabet="abcdé", max_size=9), st.text(alphabet="abcdé", max_size=9))
def test_edit_distance_is_optimal_string_alignment_capped_at_three(a: str, b: str) -> None:
    assert edit_distance(a, b) == min(_reference_distance(a, b), 3)


def _candidate(tier: Tier, review_id: int, title: str, score: float = 0.0) -> Candidate:
    return Candidate(tier, review_id, title, f"2020-01-{review_id:02d}T00:00:00.000000Z", score)


@pytest.mark.parametrize("body_first", [True, False])
def test_a_review_found_by_two_tiers_is_ranked_once_at_its_best(body_first: bool) -> None:
    plan = plan_search("nigth")
    # Review 1 is a typo away by its title and also holds the word in its text.
    by_title = _candidate(Tier.TYPO, 1, "night")
    by_text = _candidate(Tier.BODY, 1, "night", score=10.0)
    found = [by_text, by_title] if body_first else [by_title, by_text]
    others = [
        _candidate(Tier.TYPO, 2, "night train"),  # a typo away, with an extra word
        _candidate(Tier.BODY, 3, "daybreak", score=5.0),  # only in the text, and shorter
    ]
    ranked = rank(plan, [*found, *others], limit=10)
    assert [(c.id, c.tier) for c in ranked] == [(1, Tier.TYPO), (2, Tier.TYPO), (3, Tier.BODY)]


async def test_a_title_whose_first_write_failed_is_found_by_typos_once_stored(
    store: ReviewStore, db_path: Path
) -> None:
    review = make_review("Quixotic Zeppelin", guild_id=5)
    with closing(sqlite3.connect(db_path)) as db:  # the write fails after the review's rows
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'full'); END"
        )
    with pytest.raises(sqlite3.IntegrityError):
        await store.reviews.publish(review)
    with closing(sqlite3.connect(db_path)) as db:
        db.execute("DROP TRIGGER refuse")
    await store.reviews.publish(review)
    assert await titles(store, "Quixotik Zepelin", guild_id=5) == ["Quixotic Zeppelin"]
