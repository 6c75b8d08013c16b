"""Review and search embeds: what they show, and that every page fits Discord's limits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, reject, settings
from hypothesis import strategies as st

from reviewbot.errors import ValidationError
from reviewbot.limits import EMBED_DESCRIPTION, EMBED_TOTAL
from reviewbot.render import (
    CATEGORY_COLOURS,
    _author,
    _description_room,
    _fields,
    _pages,
    _title,
    escape,
    render_review,
    render_search_results,
    truncate,
)
from reviewbot.review import Category, Rating, Review, ReviewContext, ReviewSummary

from .discord_limits import embed_problems, embed_within_limits

FAST = settings(max_examples=40, deadline=None)
PUBLISHED = datetime(2024, 2, 14, 20, 30, tzinfo=UTC)


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
    return ReviewContext(review, previous_id=6, next_id=8, position=position, total=total, **extra)


def fields_of(embed: dict[str, Any]) -> dict[str, str]:
    return {field["name"]: field["value"] for field in embed.get("fields", [])}


def all_pages(ctx: ReviewContext) -> list[dict[str, Any]]:
    first = render_review(ctx)
    return [render_review(ctx, n).embed.to_dict() for n in range(first.page_count)]


def review_pages(review: Review) -> list[str]:
    """The review's body as the embed descriptions `render_review` shows, page by page.

    Laid out from the review alone, as the renderer lays it out.
    """
    return _pages(review, _description_room(_title(review), _author(review), _fields(review)))


def embed_texts(embed: dict[str, Any]) -> list[str]:
    texts = [embed.get("title", ""), embed.get("description", "")]
    texts.append(embed.get("footer", {}).get("text", ""))
    texts += [f["name"] + f["value"] for f in embed.get("fields", [])]
    return texts


# -- what a review embed shows --------------------------------------------------------------


def test_review_embed_shows_title_creator_rating_category_and_body() -> None:
    embed = render_review(context(make_review())).embed.to_dict()
    assert embed["title"] == "Her"
    assert embed["description"] == "A tender film about loneliness."
    assert fields_of(embed) == {"Director": "Spike Jonze", "Rating": "★★★★½", "Category": "🎬 Film"}
    assert embed["timestamp"] == PUBLISHED.isoformat()
    assert embed_within_limits(embed)


def test_rating_display() -> None:
    for given_rating, shown in (
        ("0", "☆☆☆☆☆"),
        ("3.5", "★★★½☆"),
        ("5", "★★★★★"),
        ("9/10", "★★★★½"),
    ):
        embed = render_review(context(make_review(rating=given_rating))).embed.to_dict()
        assert fields_of(embed)["Rating"] == shown == str(Rating.parse(given_rating))


def test_footer_names_the_author_and_the_position() -> None:
    rendered = render_review(context(make_review(), position=12, total=340))
    assert rendered.embed.footer.text == "Ana · 12 of 340"
    rendered = render_review(context(make_review(author_name=""), position=1234, total=5678))
    assert rendered.embed.footer.text == "1,234 of 5,678"


def test_footer_shows_the_page_when_there_are_several() -> None:
    body = "\n\n".join("A paragraph of thoughts about the film. " * 20 for _ in range(12))
    ctx = context(make_review(body=body))
    second = render_review(ctx, 1)
    assert second.page == 1 and second.page_count == 3
    assert second.embed.footer.text == "Ana · 12 of 340 · page 2 of 3"


def test_each_category_has_its_own_colour() -> None:
    assert len({colour.value for colour in CATEGORY_COLOURS.values()}) == len(Category)
    for category in Category:
        embed = render_review(context(make_review(category=category))).embed
        assert embed.colour == CATEGORY_COLOURS[category]


def test_cover_image_is_the_thumbnail() -> None:
    with_cover = make_review(image_url="https://example.com/her.jpg")
    assert render_review(context(with_cover)).embed.thumbnail.url == "https://example.com/her.jpg"
    assert render_review(context(make_review())).embed.thumbnail.url is None


def test_title_links_to_the_review_url() -> None:
    linked = make_review(url="https://example.com/reviews/her")
    assert render_review(context(linked)).embed.url == "https://example.com/reviews/her"
    assert render_review(context(make_review())).embed.url is None


def test_posted_message_is_linked() -> None:
    post = "https://discord.com/channels/1/2/3"
    embed = render_review(context(make_review(), post_url=post)).embed.to_dict()
    assert f"({post})" in fields_of(embed)["Posted"]
    assert "Posted" not in fields_of(render_review(context(make_review())).embed.to_dict())


def test_user_text_is_escaped_and_cannot_look_like_a_ping() -> None:
    review = make_review(title="**Bold** @everyone", creator="@here _me_", body="Hi @everyone")
    embed = render_review(context(review)).embed.to_dict()
    assert embed["title"] == "\\*\\*Bold\\*\\* @\u200beveryone"
    assert fields_of(embed)["Director"] == "@\u200bhere \\_me\\_"
    assert embed["description"] == "Hi @\u200beveryone"  # the body keeps its Markdown
    assert not any("@everyone" in text or "@here" in text for text in embed_texts(embed))


def test_inline_spoilers_are_kept() -> None:
    embed = render_review(context(make_review(body="The ||twist|| is *good*."))).embed
    assert embed.description == "The ||twist|| is *good*."


def test_whole_review_spoiler_hides_every_page() -> None:
    body = "\n\n".join(
        "It was ||the butler|| all along, said the detective. " * 15 for _ in range(9)
    )
    ctx = context(make_review(body=body, spoiler=True))
    pages = all_pages(ctx)
    assert len(pages) > 1
    for embed in pages:
        description = embed["description"]
        assert description.startswith("||") and description.endswith("||")
        assert "||" not in description[2:-2]
        assert embed_within_limits(embed)


def test_whole_review_spoiler_pages_right_up_to_the_limit_keep_their_bars() -> None:
    # Unbroken text fills every page; a bar lands at, just before or just after a page's end.
    for before_bar in range(4080, 4100):
        body = "x" * before_bar + "|" + "x" * 9000
        pages = all_pages(context(make_review(body=body, spoiler=True)))
        assert max(len(embed["description"]) for embed in pages) >= EMBED_DESCRIPTION - 1
        for embed in pages:
            assert embed_problems(embed) == []
            description = embed["description"]
            assert description.startswith("||") and description.endswith("||")
            inside = description[2:-2]
            assert "||" not in inside and not inside.endswith("|"), before_bar
        shown = "".join(embed["description"][2:-2] for embed in pages)
        assert shown.replace("\u200b", "") == body


def test_inline_spoiler_across_a_page_end_is_closed_and_reopened() -> None:
    secret = "the detective was the culprit " * 200
    body = "Here is what happens. ||" + secret.strip() + "|| Worth it."
    pages = all_pages(context(make_review(body=body)))
    assert len(pages) == 2
    assert pages[0]["description"].endswith("||") and pages[1]["description"].startswith("||")
    assert all(embed["description"].count("||") % 2 == 0 for embed in pages)


def test_long_body_pages_on_paragraphs_and_fits() -> None:
    paragraphs = [f"Part {n}. " + "The score carries every scene. " * 24 for n in range(13)]
    body = "\n\n".join(p.strip() for p in paragraphs)
    assert len(body) > 9000
    pages = all_pages(context(make_review(body=body)))
    assert len(pages) == 3
    for embed in pages:
        assert embed_within_limits(embed)
        assert set(embed["description"].split("\n\n")) <= {p.strip() for p in paragraphs}


def test_a_page_long_word_and_the_longest_fields_fit() -> None:
    review = make_review(
        title="T" * 200,
        creator="C*" * 100,
        author_name="A" * 100,
        body="Intro.\n\n" + "x" * 4096 + "\n\n" + "🎬" * 5000,
    )
    post = "https://discord.com/channels/123456789012345678/123456789012345678/123456789012345678"
    ctx = context(review, position=999_999, total=1_000_000, post_url=post)
    pages = all_pages(ctx)
    assert "".join(e["description"] for e in pages).replace("\n", "") == (
        "Intro." + "x" * 4096 + "🎬" * 5000
    )
    for embed in pages:
        assert embed_problems(embed) == []


def test_pages_do_not_depend_on_position_or_post() -> None:
    review = make_review(body="Some words to page through. " * 700)
    quiet = [e["description"] for e in all_pages(context(review, position=1, total=1))]
    busy = context(review, position=1_000_000, total=1_000_000, post_url="https://x.example/1")
    assert [e["description"] for e in all_pages(busy)] == quiet
    assert review_pages(review) == quiet


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
    ctx = context(review, position=min(place), total=max(place), post_url=post_url)
    first = render_review(ctx)
    for page in range(first.page_count):
        embed = render_review(ctx, page).embed
        assert embed_problems(embed.to_dict()) == []
        assert len(embed) <= EMBED_TOTAL and len(embed.description or "") <= EMBED_DESCRIPTION
        if spoiler:
            assert (embed.description or "").startswith("||")


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
