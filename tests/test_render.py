"""Review cards and search results: what they show, and that every page fits Discord's limits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import discord
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from reviewbot.errors import ValidationError
from reviewbot.limits import LAYOUT_TEXT
from reviewbot.render import (
    CATEGORY_COLOURS,
    NOTE_ROOM,
    escape,
    page_room,
    quiet_mentions,
    render_review,
    render_search_results,
    truncate,
)
from reviewbot.review import Category, Rating, Review, ReviewContext, ReviewSummary
from reviewbot.views import encode_time, review_reply

from .discord_limits import embed_problems, embed_within_limits
from .loopback import limits as discord_rules
from .loopback.model import walk_components

FAST = settings(max_examples=40, deadline=None)
PUBLISHED = datetime(2024, 2, 14, 20, 30, tzinfo=UTC)
JSON = dict[str, Any]
NOTE = "n" * NOTE_ROOM  # the longest line a card is shown under


def make_review(**fields: Any) -> Review:
    values: dict[str, Any] = {
        "title": "Her",
        "rating": "4.5",
        "body": "A tender film about loneliness.",
        "category": "film",
        "creator": "Spike Jonze",
        "author_name": "Ana",
        "published_at": PUBLISHED,
    }
    values.update(fields)
    return Review.create(**values).with_id(7)


def context(review: Review, position: int = 12, total: int = 340, **extra: Any) -> ReviewContext:
    values: dict[str, Any] = {"previous_title": "Coming Up For Air", "next_title": "Chronologic"}
    values.update(extra)
    return ReviewContext(review, previous_id=6, next_id=8, position=position, total=total, **values)


def card(ctx: ReviewContext, page: int = 0) -> JSON:
    """The card as Discord receives it (a container), without its buttons."""
    data: JSON = render_review(ctx, page).card.to_component_dict()
    return data


def texts(ctx: ReviewContext, page: int = 0) -> list[str]:
    """Heading, byline, body page, quiet line."""
    return [c["content"] for c in walk_components([card(ctx, page)]) if c["type"] == 10]


def message(ctx: ReviewContext, page: int = 0, note: str | None = NOTE) -> JSON:
    """The whole message the reader gets: the card with its buttons, under a note."""
    view = review_reply(ctx, page, note).view
    flags = 1 << 15 if view.has_components_v2() else 0
    return {"flags": flags, "components": view.to_components()}


def problems(data: JSON) -> list[str]:
    """Every Discord rule the message breaks, as the stand-in checks them."""
    return [str(error) for error in discord_rules.check_message(data)]


def text_length(data: JSON) -> int:
    return sum(len(c["content"]) for c in walk_components(data["components"]) if c["type"] == 10)


def all_pages(ctx: ReviewContext) -> list[str]:
    first = render_review(ctx)
    return [texts(ctx, n)[2] for n in range(first.page_count)]


# -- what a review card shows -----------------------------------------------------------------


def test_the_card_shows_heading_byline_body_and_quiet_line() -> None:
    ctx = context(make_review())
    shown = card(ctx)
    assert shown["type"] == 17 and shown["accent_color"] == CATEGORY_COLOURS[Category.FILM].value
    assert texts(ctx) == [
        "## Her ★★★★½",
        "by Spike Jonze · 🎬 Film",
        "A tender film about loneliness.",
        "-# Ana · 14 February 2024 · 12 of 340",
    ]
    assert [c["type"] for c in shown["components"]] == [10, 10, 14, 10, 10]


def test_without_a_creator_the_byline_is_the_category() -> None:
    assert texts(context(make_review(creator=None, category="album")))[1] == "💿 Album"


def test_rating_display() -> None:
    for given_rating, shown in (
        ("0", "☆☆☆☆☆"),
        ("3.5", "★★★½☆"),
        ("5", "★★★★★"),
        ("9/10", "★★★★½"),
    ):
        heading = texts(context(make_review(rating=given_rating)))[0]
        assert heading == f"## Her {shown}" and shown == str(Rating.parse(given_rating))


def test_the_quiet_line_names_the_author_the_date_and_the_place() -> None:
    assert texts(context(make_review(), position=12, total=340))[3] == (
        "-# Ana · 14 February 2024 · 12 of 340"
    )
    late = make_review(author_name="", published_at=datetime(1999, 12, 31, 23, 30, tzinfo=UTC))
    assert texts(context(late, position=1234, total=5678))[3] == (
        "-# 31 December 1999 · 1,234 of 5,678"
    )


def test_the_quiet_line_shows_the_page_when_there_are_several() -> None:
    body = "\n\n".join("A paragraph of thoughts about the film. " * 20 for _ in range(12))
    ctx = context(make_review(body=body))
    second = render_review(ctx, 1)
    assert second.page == 1 and second.page_count == 3
    assert texts(ctx, 1)[3] == "-# Ana · 14 February 2024 · 12 of 340 · page 2 of 3"


def test_each_category_has_its_own_colour() -> None:
    assert len({colour.value for colour in CATEGORY_COLOURS.values()}) == len(Category)
    for category in Category:
        shown = card(context(make_review(category=category)))
        assert shown["accent_color"] == CATEGORY_COLOURS[category].value


def test_the_cover_sits_beside_the_heading() -> None:
    with_cover = card(context(make_review(image_url="https://example.com/her.jpg")))
    [section] = [c for c in with_cover["components"] if c["type"] == 9]
    assert [c["content"] for c in section["components"]] == [
        "## Her ★★★★½",
        "by Spike Jonze · 🎬 Film",
    ]
    assert section["accessory"]["type"] == 11
    assert section["accessory"]["media"]["url"] == "https://example.com/her.jpg"
    assert section["accessory"]["description"] == "Her"  # alt text
    assert all(c["type"] != 9 for c in card(context(make_review()))["components"])


def buttons(data: JSON) -> list[JSON]:
    return [c for c in walk_components(data["components"]) if c["type"] == 2]


def test_the_buttons_name_the_neighbours_and_carry_the_place() -> None:
    shown = buttons(message(context(make_review())))
    assert [b["label"] for b in shown] == ["◀ Coming Up For Air", "Chronologic ▶"]
    at = encode_time(PUBLISHED)
    assert [b["custom_id"] for b in shown] == [f"reviewbot:nav:7:{at}:p", f"reviewbot:nav:7:{at}:n"]
    ends = context(make_review(), previous_title=None, next_title=None)
    ends = ReviewContext(ends.review, None, None, 1, 1)
    assert [(b["label"], b["disabled"]) for b in buttons(message(ends))] == [
        ("◀ Previous", True),
        ("Next ▶", True),
    ]


def test_a_neighbours_long_title_is_shortened_to_fit_a_button() -> None:
    long = context(make_review(), previous_title="é" * 200, next_title="👩‍👩‍👧‍👦" * 50)
    previous, following = (b["label"] for b in buttons(message(long)))
    assert previous == "◀ " + "é" * 77 + "…" and len(previous) == 80
    assert following.endswith("… ▶") and len(following) <= 80
    assert set(following[:-3]) <= set("👩\u200d👧👦")  # never cut inside a family


def test_custom_ids_fit_for_the_largest_id_and_the_last_date() -> None:
    review = make_review(
        body="Words to page through. " * 700, published_at=datetime(9999, 12, 31, tzinfo=UTC)
    )
    last = ReviewContext(review.with_id(2**63 - 1), 2**63 - 2, 2**62, 10**12, 10**12)
    for page in range(render_review(last).page_count):
        ids = [b.get("custom_id", "") for b in buttons(message(last, page))]
        assert len(ids) == 5 and max(len(custom_id) for custom_id in ids) <= 100


def test_links_to_the_original_post_and_the_posted_message() -> None:
    review = make_review(url="https://example.com/reviews/her")
    post = "https://discord.com/channels/1/2/3"
    shown = buttons(message(context(review, post_url=post)))
    links = {b["label"]: b["url"] for b in shown if "url" in b}
    assert links["Original post"] == "https://example.com/reviews/her"
    assert links["Open post"] == post
    in_channel = review_reply(context(review, post_url=post), in_channel=True).view
    labels = [b["label"] for b in buttons({"components": in_channel.to_components()})]
    assert "Open post" not in labels and "Original post" in labels
    too_long = make_review(url="https://example.com/" + "x" * 600)  # a link button holds 512
    assert problems(message(context(too_long))) == []
    assert "Original post" not in [b["label"] for b in buttons(message(context(too_long)))]


def test_user_text_is_escaped_and_cannot_look_like_a_ping() -> None:
    review = make_review(
        title="**Bold** @everyone",
        creator="@here _me_",
        author_name="*Ana* @everyone",
        body="Hi @everyone",
    )
    heading, byline, shown_body, quiet = texts(context(review))
    assert heading == "## \\*\\*Bold\\*\\* @\u200beveryone ★★★★½"
    assert byline == "by @\u200bhere \\_me\\_ · 🎬 Film"
    assert quiet.startswith("-# \\*Ana\\* @\u200beveryone · ")
    assert shown_body == "Hi @\u200beveryone"  # the body keeps its Markdown
    assert not any("@everyone" in text or "@here" in text for text in texts(context(review)))


def test_inline_spoilers_are_kept() -> None:
    assert texts(context(make_review(body="The ||twist|| is *good*.")))[2] == (
        "The ||twist|| is *good*."
    )


def test_whole_review_spoiler_hides_every_page() -> None:
    body = "\n\n".join(
        "It was ||the butler|| all along, said the detective. " * 15 for _ in range(9)
    )
    ctx = context(make_review(body=body, spoiler=True))
    pages = all_pages(ctx)
    assert len(pages) > 1
    for page in pages:
        assert page.startswith("||") and page.endswith("||")
        assert "||" not in page[2:-2]
    assert all(problems(message(ctx, n)) == [] for n in range(len(pages)))


def test_whole_review_spoiler_pages_right_up_to_the_limit_keep_their_bars() -> None:
    # Unbroken text fills every page; a bar lands at, just before or just after a page's end.
    room = page_room(make_review(spoiler=True))
    for before_bar in range(room - 16, room + 4):
        body = "x" * before_bar + "|" + "x" * 9000
        ctx = context(make_review(body=body, spoiler=True))
        pages = all_pages(ctx)
        assert max(len(page) for page in pages) >= room - 1
        for number, page in enumerate(pages):
            assert problems(message(ctx, number)) == []
            assert len(page) <= room and page.startswith("||") and page.endswith("||")
            inside = page[2:-2]
            assert "||" not in inside and not inside.endswith("|"), before_bar
        assert "".join(page[2:-2] for page in pages).replace("\u200b", "") == body


def test_inline_spoiler_across_a_page_end_is_closed_and_reopened() -> None:
    secret = "the detective was the culprit " * 200
    body = "Here is what happens. ||" + secret.strip() + "|| Worth it."
    pages = all_pages(context(make_review(body=body)))
    assert len(pages) == 2
    assert pages[0].endswith("||") and pages[1].startswith("||")
    assert all(page.count("||") % 2 == 0 for page in pages)


def test_long_body_pages_on_paragraphs_and_fits() -> None:
    paragraphs = [f"Part {n}. " + "The score carries every scene. " * 24 for n in range(10)]
    body = "\n\n".join(p.strip() for p in paragraphs)
    assert len(body) > 7000  # four paragraphs to a page
    ctx = context(make_review(body=body))
    pages = all_pages(ctx)
    assert len(pages) == 3
    for number, page in enumerate(pages):
        assert problems(message(ctx, number)) == []
        assert set(page.split("\n\n")) <= {p.strip() for p in paragraphs}


def test_the_longest_fields_and_a_five_thousand_character_word_fit_under_a_note() -> None:
    review = make_review(
        title="*_" * 100,
        creator="C*" * 100,
        author_name="@everyone" * 11,
        body="Intro.\n\n" + "x" * 5000 + "\n\n" + "🎬" * 5000 + "e\u0301" * 300,
        url="https://example.com/" + "u" * 480,
        image_url="https://example.com/" + "c" * 1980,
    )
    post = "https://discord.com/channels/123456789012345678/123456789012345678/123456789012345678"
    ctx = context(
        review,
        position=999_999_999,
        total=1_000_000_000,
        post_url=post,
        previous_title="T" * 200,
        next_title="🎬" * 200,
    )
    pages = all_pages(ctx)
    assert "".join(pages).replace("\n", "") == (
        "Intro." + "x" * 5000 + "🎬" * 5000 + "e\u0301" * 300
    )
    for number in range(len(pages)):
        whole = message(ctx, number)
        assert problems(whole) == []
        assert text_length(whole) <= LAYOUT_TEXT
        assert len(list(walk_components(whole["components"]))) <= 40


def test_pages_do_not_depend_on_position_neighbours_post_or_note() -> None:
    review = make_review(body="Some words to page through. " * 700)
    quiet = all_pages(context(review, position=1, total=1, previous_title=None))
    busy = context(
        review,
        position=1_000_000,
        total=1_000_000,
        post_url="https://x.example/1",
        previous_title="P" * 200,
        next_title="N" * 200,
    )
    assert all_pages(busy) == quiet
    assert texts(context(review), 0)[2] == quiet[0]


def test_page_outside_the_range_is_clamped() -> None:
    ctx = context(make_review(body="Words to page through. " * 700))
    last = render_review(ctx, 99)
    assert last.page == last.page_count - 1
    assert render_review(ctx, -3).page == 0


# -- helpers ----------------------------------------------------------------------------------


def test_escape() -> None:
    assert (
        escape("**bold** @here and @everyone") == "\\*\\*bold\\*\\* @\u200bhere and @\u200beveryone"
    )


def test_truncate() -> None:
    assert truncate("short", 10) == "short"
    assert truncate("abcdefgh", 5) == "abcd…"
    assert truncate("ae\u0301\u0301bcd", 4) == "a…"  # é with its marks stays whole
    assert truncate("👨\u200d👩\u200d👧 family", 4) == "…"
    assert truncate("two words", 5) == "two…"


@FAST
@given(text=st.text(max_size=80) | st.text(alphabet="\\*`_~|>[]()#- \n@ehrvyo:/.", max_size=40))
def test_escape_is_discords_escape_whatever_the_text(text: str) -> None:
    assert escape(text) == quiet_mentions(discord.utils.escape_markdown(text))


@FAST
@given(text=st.text(max_size=300), limit=st.integers(1, 120))
def test_truncate_fits(text: str, limit: int) -> None:
    cut = truncate(text, limit)
    assert len(cut) <= limit
    assert cut == text or cut.endswith("…")


# -- search results -------------------------------------------------------------------------


def test_search_results_are_numbered_with_title_creator_rating_and_category() -> None:
    hits = [make_review(title=f"Film {n}", rating=str(n)) for n in range(1, 4)]
    embed = render_search_results("film", hits, page=2, page_count=3, total=23).to_dict()
    assert embed["title"] == "Reviews matching “film”"
    lines = embed["description"].split("\n")
    assert lines[0] == "**21.** Film 1 — Spike Jonze · ★☆☆☆☆ · 🎬 Film"
    assert lines[2].startswith("**23.** Film 3")
    assert embed["footer"]["text"] == "page 3 of 3 · 23 matches"


def test_search_query_is_escaped_and_bounded() -> None:
    query = '**"AND" (NOT) *|| @everyone ' + "x" * 300
    embed = render_search_results(query, [], page=0, page_count=1, total=0).to_dict()
    assert embed["title"].startswith("Reviews matching “\\*\\*")
    assert "@everyone" not in embed["title"] + embed["description"]
    assert embed_within_limits(embed)


def test_search_accepts_summaries() -> None:
    summary = ReviewSummary(
        id=1,
        title="Blue",
        creator=None,
        category=Category.ALBUM,
        rating=Rating(8),
        published_at=PUBLISHED,
        guild_id=None,
    )
    embed = render_search_results("blue", [summary], 0, 1, None)
    assert embed.description == "**1.** Blue · ★★★★☆ · 💿 Album"
    assert embed.footer.text is None


def test_twenty_five_longest_hits_fit() -> None:
    hit = make_review(title="_" * 200, creator="*" * 200)
    embed = render_search_results("q" * 500, [hit] * 30, 0, 1, 10**9).to_dict()
    assert embed_problems(embed) == []
    assert len(embed["description"].split("\n")) == 25
    assert all(line.endswith("· 🎬 Film") for line in embed["description"].split("\n"))


# -- every review, every page, within every limit -----------------------------------------

MARKUP = st.sampled_from(["||", "```", "`", "*", "_", "\n\n", "\n", " ", "@everyone", "e\u0301"])
TEXT = st.text(max_size=60)
BODY = st.tuples(st.lists(st.one_of(TEXT, MARKUP), min_size=1, max_size=20), st.integers(1, 400))


@FAST
@given(
    title=st.text(min_size=1, max_size=200),
    creator=st.none() | st.text(max_size=200),
    author=st.text(max_size=100),
    body=BODY.map(lambda parts: ("".join(parts[0]) * parts[1])[:20_000]),
    spoiler=st.booleans(),
    category=st.sampled_from(Category),
    place=st.tuples(st.integers(1, 10**12), st.integers(1, 10**12)),
    post_url=st.none() | st.just("https://discord.com/channels/1/2/3"),
    neighbours=st.tuples(st.none() | st.text(max_size=200), st.none() | st.text(max_size=200)),
    note=st.none() | st.text(min_size=1, max_size=300),
)
def test_every_page_of_any_review_fits_the_limits(
    title: str,
    creator: str | None,
    author: str,
    body: str,
    spoiler: bool,
    category: Category,
    place: tuple[int, int],
    post_url: str | None,
    neighbours: tuple[str | None, str | None],
    note: str | None,
) -> None:
    try:
        review = make_review(
            title=title,
            creator=creator,
            author_name=author,
            body=body,
            spoiler=spoiler,
            category=category,
            url="https://example.com/r",
            image_url="https://example.com/c.png",
        )
    except ValidationError:
        reject()
    ctx = context(
        review,
        position=min(place),
        total=max(place),
        post_url=post_url,
        previous_title=neighbours[0],
        next_title=neighbours[1],
    )
    first = render_review(ctx)
    for page in range(first.page_count):
        whole = message(ctx, page, note)
        assert problems(whole) == []
        assert text_length(whole) <= LAYOUT_TEXT
        if spoiler:
            assert texts(ctx, page)[2].startswith("||")


@FAST
@given(
    query=st.text(max_size=300),
    hits=st.lists(
        st.tuples(st.text(min_size=1, max_size=200), st.none() | st.text(max_size=200)),
        max_size=25,
    ),
    page=st.integers(0, 100),
)
def test_any_search_results_fit_the_limits(
    query: str, hits: list[tuple[str, str | None]], page: int
) -> None:
    reviews = []
    for title, creator in hits:
        try:
            reviews.append(make_review(title=title, creator=creator))
        except ValidationError:
            continue
    embed = render_search_results(query, reviews, page, page + 1, len(reviews)).to_dict()
    assert embed_problems(embed) == []
