import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reviewbot.catalogue import import_paths
from reviewbot.ranking import Candidate, rank
from reviewbot.review import Category, Rating
from reviewbot.search import Tier, edit_distance, plan_search, title_words
from reviewbot.store import ReviewStore
from reviewbot.store.search import Search

from .bot_fixtures import running_bot
from .loopback.model import Guild
from .loopback.server import LoopbackDiscord
from .store_fixtures import make_review

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "catalogue"


@pytest.fixture
async def sample(database: str | Path) -> AsyncIterator[ReviewStore]:
    async with ReviewStore.open(database) as store:
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
        "Night Train to Lisbon",  # begins with the word, as with the word spelt right
        "A Quiet Night In",
        "Daybreak",  # the review text holds the word as typed
        "Nightcrawler",  # a swap away from its start, if the word is still being typed
        "Knight Rider",  # two edits (a five-letter word may be two away): after the text
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


# Text a reader may type: words near the sample's titles (slipped, cut, doubled), marks that
# mean something to FTS5, and any character at all.
_NEAR_TITLES = st.sampled_from(
    ["godfahtr", "the godf", "solars", "fleebeg", "amelie", "randmo acc", "prat ii", "her"]
)
_TYPED = st.lists(
    st.one_of(_NEAR_TITLES, st.sampled_from(['"', "*", "AND", "NEAR(", "^", ":", "-"]), st.text()),
    max_size=6,
).map(" ".join)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=_TYPED,
    trailing_space=st.booleans(),
    limit=st.integers(1, 25),
    category=st.none() | st.sampled_from(Category),
    stars=st.none() | st.integers(0, 10),
    include_body=st.booleans(),
)
async def test_any_text_answers_within_the_limits_and_filters_without_error(
    sample: ReviewStore,
    query: str,
    trailing_space: bool,
    limit: int,
    category: Category | None,
    stars: int | None,
    include_body: bool,
) -> None:
    """As autocomplete and /review search ask, word being typed or not: at most `limit`
    reviews, each once, each passing the filters; and suggestions for a miss, at most three."""
    typed = query + (" " if trailing_space else "")
    min_rating = Rating(stars) if stars is not None else None
    hits = await sample.search(
        typed,
        limit=limit,
        category=category,
        min_rating=min_rating,
        include_body=include_body,
    )
    assert len(hits) <= limit
    assert len({hit.id for hit in hits}) == len(hits)
    assert all(category is None or hit.category is category for hit in hits)
    assert all(stars is None or hit.rating.halves >= stars for hit in hits)
    suggestions = await sample.search.suggest(typed, None)
    assert len(suggestions) <= 3


def test_plans_quote_every_word() -> None:
    plan = plan_search('say "AND" NEAR(x) *')
    assert plan.words_match() == '"say" AND "and" AND "near" AND "x"'
    assert plan.body_match == '"say" AND "and" AND "near" AND "x"'
    # A last word of four letters or more may still be being typed; a space says it is done.
    assert plan_search("Lonely Mars").words_match() == '"lonely" AND "mars"*'
    assert plan_search("Lonely Mars ").words_match() == '"lonely" AND "mars"'
    assert plan_search('Sun "Ra"').words_match() == '"sun" AND "ra"'


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


@pytest.mark.sqlite_only
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


async def test_two_edits_find_a_long_word_and_one_edit_a_short_one(sample: ReviewStore) -> None:
    assert (await titles(sample, "fleebeg"))[0] == "Fleabag"  # two letters changed
    assert (await titles(sample, "the godfahtr prat ii"))[0] == "The Godfather Part II"
    assert (await titles(sample, "eher"))[0] == "Her"  # one letter added to a short word
    assert await titles(sample, "hrre") == []  # two edits in a word of four letters: too far


async def test_a_typo_in_the_word_being_typed(sample: ReviewStore) -> None:
    # The last word may be unfinished: a misspelling of the start of a title word.
    assert (await titles(sample, "the godfathr pa"))[0] == "The Godfather Part II"
    assert (await titles(sample, "solars"))[:2] == ["Solaris", "Solaris"]
    assert (await titles(sample, "godfahte"))[:2] == ["The Godfather", "The Godfather Part II"]
    # Only the start of a word is near: "godfa" with two letters swapped, "godfath" with two
    # pairs swapped.
    assert (await titles(sample, "gdofa"))[:2] == ["The Godfather", "The Godfather Part II"]
    assert (await titles(sample, "gofdaht"))[:2] == ["The Godfather", "The Godfather Part II"]
    assert (await titles(sample, "randmo acc"))[0] == "Random Access Memories"
    # Finished (a space after it), it is a whole word, and "acc" is three edits from "access".
    assert await titles(sample, "randmo acc ") == []


async def test_typo_hits_rank_by_edits_then_by_words_matched_whole(store: ReviewStore) -> None:
    for day, title in enumerate(["Grass", "Glass", "Glassworks", "A Glass Onion"], start=1):
        await store.reviews.add(make_review(title, day=day))
    assert await titles(store, "glasss ") == ["Glass", "A Glass Onion", "Grass"]
    # Still being typed, it may begin a longer word if misspelt: a reading less likely than a
    # whole word as near, likelier than a whole word an edit further ("grass", two edits).
    assert await titles(store, "glasss") == ["Glass", "A Glass Onion", "Glassworks", "Grass"]


async def test_typo_hits_that_begin_with_the_words_in_order_come_first(store: ReviewStore) -> None:
    # As for words spelt right (a title starting with the text before one holding its words):
    # alike in edits and other words, the title read from its start in the order typed wins.
    for day, title in enumerate(["Bay Solaris", "Solaris Bay", "Solaris of Bay", "Of Solaris Bay"]):
        await store.reviews.add(make_review(title, day=day + 1))
    assert await titles(store, "solaris bya ") == [
        "Solaris Bay",
        "Solaris of Bay",  # begins with the first word
        "Bay Solaris",
        "Of Solaris Bay",
    ]
    assert await titles(store, "solaris bya") == [
        "Solaris Bay",
        "Solaris of Bay",
        "Bay Solaris",
        "Of Solaris Bay",
    ]


async def test_text_as_typed_before_a_title_begun_with_a_slip(store: ReviewStore) -> None:
    await store.reviews.add(make_review("Harbour Jeans", day=1))
    assert await titles(store, "harbour jen") == ["Harbour Jeans"]  # "jea..." with a slip
    await store.reviews.add(make_review("Daybreak", day=2, body="the harbour jen at dawn"))
    assert await titles(store, "harbour jen") == ["Daybreak", "Harbour Jeans"]


async def test_a_slip_that_makes_another_title_word(store: ReviewStore) -> None:
    await store.reviews.add(make_review("Pong", day=1))  # "pong" is a title word
    await store.reviews.add(make_review("Long Harbour", day=2))
    assert await titles(store, "harbour pong ") == ["Long Harbour"]
    # A review whose text holds every word as typed is the likelier reading: no slip is sought.
    await store.reviews.add(make_review("Daybreak", day=3, body="a harbour pong at dawn"))
    assert await titles(store, "harbour pong ") == ["Daybreak"]


async def test_suggestions_prefer_titles_matching_more_of_the_words(store: ReviewStore) -> None:
    for day, title in enumerate(["Storm", "Quiet Storm", "Quiet"], start=1):
        await store.reviews.add(make_review(title, day=day))
    assert await store.search("quiet strom zzzz") == []
    suggestions = await store.search.suggest("quiet strom zzzz", None)
    assert suggestions[0] == "Quiet Storm"  # two of the words, then one
    assert set(suggestions[1:]) == {"Storm", "Quiet"}
    assert await store.search.suggest("fleebeg zzz", None) == []  # no title word is close
    await store.reviews.add(make_review("Fleabag"))
    assert await store.search.suggest("fleebeg zzz", None) == ["Fleabag"]


async def test_typos_find_titles_another_connection_stored_later(
    store: ReviewStore, database: str | Path
) -> None:
    await store.reviews.add(make_review("Solaris"))
    assert await titles(store, "solaros") == ["Solaris"]  # the title words are in memory now
    async with ReviewStore.open(database) as other:  # as `reviewbot import` beside the bot
        await other.reviews.add(make_review("Quixotic Zeppelin"))
    assert await titles(store, "quixotik zepelin") == ["Quixotic Zeppelin"]
    assert await titles(store, "quixoti") == ["Quixotic Zeppelin"]


def _one_edit(word: str, where: int, letter: str, how: int) -> str:
    where %= len(word)
    if how == 0:
        return word[:where] + letter + word[where + 1 :]
    if how == 1:
        return word[:where] + letter + word[where:]
    if how == 2:
        return word[:where] + word[where + 1 :]
    where = min(where, len(word) - 2)
    return word[:where] + word[where + 1] + word[where] + word[where + 2 :]


SAMPLE_TITLES = [
    "Amélie", "Cats", "Close to the Edge", "Fleabag", "Her", "Hollow Knight", "Kid A",
    "Mad Max: Fury Road", "Outer Wilds", "Random Access Memories", "Rumours", "Solaris",
    "The Godfather", "The Godfather Part II", "The Sixth Sense", "The Wire",
]  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    title=st.sampled_from(SAMPLE_TITLES),
    where=st.integers(0, 30),
    letter=st.sampled_from("aeiourstnlkp"),
    how=st.integers(0, 3),
    cut=st.booleans(),
)
async def test_a_title_typed_with_one_slip_is_among_the_answers(
    sample: ReviewStore, title: str, where: int, letter: str, how: int, cut: bool
) -> None:
    """Any title, one letter wrong, added, left out or swapped in a word (that keeps three
    letters or more), maybe typed no further than that word: its reviews are among the
    answers."""
    words = plan_search(title).words
    long_words = [i for i, w in enumerate(words) if len(w) >= 3]
    i = long_words[where % len(long_words)]
    slipped = _one_edit(words[i], where, letter, how)
    assume(len(slipped) >= 3)  # a shorter word is taken as typed
    typed = " ".join([*words[:i], slipped, *([] if cut else words[i + 1 :])])
    hits = await sample.search(typed, limit=25)
    assert len(hits) <= 25
    assert title in {hit.title for hit in hits}, (typed, [hit.title for hit in hits])


async def test_the_bot_builds_the_title_words_before_it_serves_anyone(
    loopback: LoopbackDiscord, guild: Guild, sample_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="reviewbot")
    with closing(sqlite3.connect(sample_db)) as db:
        titles_stored = [row[0] for row in db.execute("SELECT title_norm FROM reviews")]
    every_word = set().union(*map(title_words, titles_stored))
    async with running_bot(loopback, sample_db) as bot:
        search = bot.app.store.search
        assert isinstance(search, Search)
        vocabulary = search.title_words.vocabulary(build=False)  # None until built
        assert vocabulary is not None and set(vocabulary.words) == every_word
        ready = [r.getMessage() for r in caplog.records if "Typo search" in r.getMessage()]
        assert ready == [f"Typo search ready: {len(every_word)} title words in memory"]


async def test_typo_and_text_hits_past_those_fetched_are_the_newest(store: ReviewStore) -> None:
    # A search for one review ranks the few newest hits of each tier, however many there are.
    ids = []
    for day in range(1, 7):
        stored = await store.reviews.add(
            make_review("Glass", creator=f"Maker {day}", day=day, body="a zephyr at dawn")
        )
        ids.append(stored.id)
    assert [hit.id for hit in await store.search("glasss ", limit=1)] == [ids[-1]]
    assert [hit.id for hit in await store.search("zephyr", limit=1)] == [ids[-1]]
    assert [hit.id for hit in await store.search("glasss ", limit=6)] == ids[::-1]


async def test_a_short_start_being_typed_stands_for_the_few_title_words_it_begins(
    store: ReviewStore,
) -> None:
    titles_stored = ["Harbour Zeppelin", "Zeppelin over the Harbour", "Harbour Lights", "Zephyr"]
    for day, title in enumerate(titles_stored, start=1):
        await store.reviews.add(make_review(title, day=day))
    await store.search.warm()  # as the bot does before it serves anyone
    # Too short to look up as a prefix, "zep" is asked as the words it begins.
    assert await titles(store, "harbour zep") == ["Harbour Zeppelin", "Zeppelin over the Harbour"]
    assert await titles(store, "zep") == ["Zephyr", "Zeppelin over the Harbour", "Harbour Zeppelin"]
    assert await titles(store, "lights ha") == ["Harbour Lights"]
    assert await titles(store, "harbour ze") == ["Harbour Zeppelin", "Zeppelin over the Harbour"]
    # Finished (a space after it), a short word is a word: none of these titles holds "zep".
    assert await titles(store, "harbour zep ") == ["Harbour Zeppelin"]
    # A start beginning many words stands for none of them (asking for them all costs more
    # than it finds): only titles starting with the text.
    for n in range(30):
        await store.reviews.add(make_review(f"Zeal{n:02} Harbour", day=10 + n))
    await store.search.warm()
    assert await titles(store, "harbour ze") == ["Harbour Zeppelin"]
    assert await titles(store, "harbour zep") == ["Harbour Zeppelin", "Zeppelin over the Harbour"]
