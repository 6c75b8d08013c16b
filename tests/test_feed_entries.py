"""Feed entries become reviews: every platform's shape, HTML as Discord Markdown, ratings, keys."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewbot.feeds.entries import (
    MAX_ENTRIES,
    canonical_link,
    entry_key,
    parse_feed,
    parse_title_rating,
)
from reviewbot.feeds.errors import NotAFeed
from reviewbot.feeds.markdown import html_to_markdown
from reviewbot.review import BODY_MAX, Category, Rating, Review

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "feeds"


def reviews(name: str, category: Category = Category.OTHER) -> list[Review]:
    parsed = parse_feed(
        (FIXTURES / name).read_bytes(), "https://blog.example/feed", category=category
    )
    return [entry.review for entry in parsed.entries if entry.review is not None]


def test_squarespace_full_html_in_the_description() -> None:
    parsed = parse_feed((FIXTURES / "squarespace.xml").read_bytes(), "https://x.example/r")
    her, zone = reviews("squarespace.xml")
    assert (her.title, str(her.rating), her.category) == ("Her", "★★★★☆", Category.FILM)
    assert her.author_name == "Ada Quill"
    assert her.published_at == datetime(2024, 5, 12, 9, 15, tzinfo=UTC)
    assert her.url == "https://reelmargins.example/reviews/her"
    assert her.image_url == "https://images.reelmargins.example/her-still.jpg"
    assert her.body == (
        "A man falls for the voice in his computer, and the film never once laughs at him."
        " *Her* is the gentlest science fiction I know.\n\n"
        "The city is all warm light and **soft trousers**; the loneliness is real anyway."
    )
    assert (zone.title, str(zone.rating)) == ("The Zone of Interest", "★★★½☆")
    assert "iframe" not in zone.body and "video.example" not in zone.body
    assert parsed.skipped == {"no rating": 1}  # the studio news post is not a review


def test_wordpress_content_encoded_with_lists_quotes_and_links() -> None:
    blue, rainbows = reviews("wordpress.xml")
    assert (blue.title, blue.creator, blue.category) == ("Blue", "Joni Mitchell", Category.ALBUM)
    assert str(blue.rating) == "★★★★★"
    assert blue.body == (
        "Ten songs, one dulcimer, no armour.\n\n"
        "- *All I Want* opens the door;\n- *River* is the one everyone quotes;\n"
        "- *A Case of You* is the one that stays.\n\n"
        "> Listen to it in one sitting, with the lights low.\n\n"
        "Read the [other folk reviews](https://grooveledger.example/tag/folk/)."
    )
    assert (
        blue.image_url == "https://grooveledger.example/wp-content/uploads/2024/05/blue-cover.jpg"
    )
    assert (rainbows.title, rainbows.creator, str(rainbows.rating)) == (
        "In Rainbows",
        "Radiohead",
        "★★★★½",
    )


def test_ghost_media_cover_and_a_rating_line_in_the_text() -> None:
    [piranesi] = reviews("ghost.xml")
    assert (piranesi.title, piranesi.creator) == ("Piranesi", "Susanna Clarke")
    assert (piranesi.category, str(piranesi.rating)) == (Category.BOOK, "★★★★½")
    assert piranesi.image_url == "https://shelflife.example/content/images/2024/05/piranesi.jpg"
    assert piranesi.body.startswith("A house of endless halls")


def test_substack_enclosure_cover_and_the_feeds_default_category() -> None:
    [wilds] = reviews("substack.xml", Category.GAME)
    assert (wilds.title, str(wilds.rating), wilds.category) == (
        "Outer Wilds",
        "★★★★★",
        Category.GAME,
    )
    assert wilds.image_url == "https://substack-post-media.example/outer-wilds.png"
    assert wilds.author_name == "Dee Marlow"
    assert "<input" not in wilds.body and "form" not in wilds.body


def test_atom_with_feed_author_categories_and_a_next_page() -> None:
    parsed = parse_feed((FIXTURES / "atom.xml").read_bytes(), "https://couchnotes.example/atom.xml")
    bear, severance = [e.review for e in parsed.entries]
    assert bear is not None and severance is not None
    assert (bear.title, bear.category, str(bear.rating)) == (
        "The Bear, season one",
        Category.SHOW,
        "★★★★☆",
    )
    assert bear.author_name == "Eli Navarro"  # from the feed: the entry names no author
    assert bear.published_at == datetime(2024, 5, 6, 19, 0, tzinfo=UTC)
    assert severance.published_at == datetime(2024, 4, 28, 19, 0, tzinfo=UTC)  # updated only
    assert parsed.next_page == "https://couchnotes.example/atom.xml?page=2"


def test_letterboxd_fields_spoilers_and_what_is_skipped() -> None:
    parsed = parse_feed((FIXTURES / "letterboxd.xml").read_bytes(), "https://letterboxd.com/x/rss/")
    days, lives = [e.review for e in parsed.entries if e.review]
    assert (days.title, str(days.rating), days.category) == ("Perfect Days", "★★★★½", Category.FILM)
    assert days.body == (
        "Toilets, cassettes and the light through the leaves."
        " I wanted to go and clean something afterwards."
    )
    assert days.image_url == "https://a.ltrbxd.example/resized/film-poster/perfect-days.jpg"
    assert lives.spoiler and lives.body == "The last walk to the taxi undid me again."
    assert parsed.skipped == {"no review text": 1, "a Letterboxd list": 1}


def test_a_web_page_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed, match="not an RSS or Atom feed"):
        parse_feed(b"<!doctype html><html><body><p>Hello</p></body></html>", "https://x.example/")
    with pytest.raises(NotAFeed):
        parse_feed(b"\x00\x01garbage\xff", "https://x.example/")
    with pytest.raises(NotAFeed, match="broken XML"):
        parse_feed(b'<rss version="2.0"><channel><item><title>cut', "https://x.example/")


def test_entity_expansion_is_not_a_way_to_blow_up_memory() -> None:
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {n} "{("&" + p + ";") * 10}">'
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
    laughs = (
        f'<?xml version="1.0"?><!DOCTYPE r [{entities}]><rss version="2.0"><channel>'
        "<item><guid>g</guid><title>&i; 4/5</title><description>x</description></item>"
        "</channel></rss>"
    ).encode()
    try:
        parsed = parse_feed(laughs, "https://x.example/")
    except NotAFeed:
        return  # refused outright: as good
    assert all(len(e.review.title) <= 200 for e in parsed.entries if e.review)


def test_only_so_many_entries_are_read() -> None:
    items = "".join(
        f"<item><guid>g{i}</guid><title>T{i} 4/5</title><description>x</description></item>"
        for i in range(MAX_ENTRIES + 20)
    )
    parsed = parse_feed(
        f'<rss version="2.0"><channel>{items}</channel></rss>'.encode(), "https://x.example/"
    )
    assert len(parsed.entries) == MAX_ENTRIES and parsed.not_read == 20


def test_html_becomes_discord_markdown() -> None:
    html = (
        '<div class="wrap"><p>One <em>two</em> <strong>three</strong> '
        '<a href="https://x.example/a">link</a> <a href="javascript:alert(1)">js</a></p>'
        "<h2>Part two</h2><ol><li>first</li><li>second</li></ol>"
        "<blockquote><p>quoted</p></blockquote><p>line<br>break</p>"
        '<img src="https://x.example/i.jpg"><table><tr><td>a</td><td>b</td></tr></table>'
        "<p>@everyone ||kept|| 2_000 *not bold*</p></div>"
    )
    assert html_to_markdown(html) == (
        "One *two* **three** [link](https://x.example/a) js\n\n**Part two**\n\n"
        "1. first\n2. second\n\n> quoted\n\nline\nbreak\n\na b\n\n"
        "@everyone ||kept|| 2\\_000 \\*not bold\\*"
    )


def test_a_long_body_is_cut_at_a_paragraph_within_the_limit() -> None:
    paragraph = "<p>" + "word " * 300 + "</p>"
    item = (
        "<item><guid>g</guid><title>Long 4/5</title>"
        f"<description><![CDATA[{paragraph * 30}]]></description></item>"
    )
    parsed = parse_feed(
        f'<rss version="2.0"><channel>{item}</channel></rss>'.encode(), "https://x.example/"
    )
    review = parsed.entries[0].review
    assert review is not None and len(review.body) <= BODY_MAX
    assert review.body.endswith("… (continued on the blog)")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Her ★★★★☆", ("Her", 8)),
        ("Her ★★★½", ("Her", 7)),
        ("Her - 4/5", ("Her", 8)),
        ("Her (9/10)", ("Her", 9)),
        ("Dune: Part Two | ★★★★", ("Dune: Part Two", 8)),
        ("Her", ("Her", None)),
        ("1917", ("1917", None)),
        ("★★★★", ("★★★★", None)),  # nothing left for a title: kept whole
    ],
)
def test_a_trailing_rating_is_taken_from_the_title(
    title: str, expected: tuple[str, int | None]
) -> None:
    found, rating = parse_title_rating(title)
    assert (found, rating.halves if rating else None) == expected


def _titled(text: str) -> bool:
    return any(c.isalnum() for c in text) and text.rstrip()[-1] not in "★☆½"


@given(st.text(min_size=1, max_size=60).filter(_titled), st.integers(1, 10))
def test_any_title_with_stars_appended_gives_back_its_rating(title: str, halves: int) -> None:
    found, rating = parse_title_rating(f"{title} {Rating(halves)}")
    assert rating == Rating(halves)
    assert found and found in title


def test_keys_prefer_guid_then_canonical_link_then_title_and_date() -> None:
    assert entry_key({"id": "abc", "link": "https://x.example/a"}) == "id:abc"
    assert (
        entry_key({"link": "https://X.example/a?utm_source=rss#top"}) == "link:https://x.example/a"
    )
    undated = entry_key({"title": "Her  4/5"})
    assert undated.startswith("title:her 4/5|")
    assert canonical_link("https://x.example/p?id=3&utm_medium=feed") == "https://x.example/p?id=3"
