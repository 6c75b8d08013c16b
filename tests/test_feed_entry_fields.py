"""Each field of a feed entry, as feedparser gives it, and the review and key it becomes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from reviewbot.feeds.entries import canonical_link, digest, entry_key, entry_to_review, parse_feed
from reviewbot.feeds.errors import NotAFeed
from reviewbot.review import BODY_MAX, URL_MAX, Category, Review

URL = "https://blog.example/feed"
WHEN = time.struct_time((2024, 5, 12, 9, 15, 0, 6, 133, 0))


def raw(**fields: Any) -> dict[str, Any]:
    """An entry as feedparser gives it: a rated title, a text and a date unless told otherwise."""
    entry = {"id": "g1", "title": "Her 4/5", "summary": "<p>Tender.</p>", "published_parsed": WHEN}
    return entry | fields


def review_of(entry: dict[str, Any], **options: Any) -> Review:
    made = entry_to_review(entry, **options)
    assert made.review is not None, made.skipped
    return made.review


def feed(items: str, head: str = "<title>A Blog</title>") -> bytes:
    return f'<rss version="2.0"><channel>{head}{items}</channel></rss>'.encode()


def rated(guid: str, title: str = "Her 4/5", more: str = "") -> str:
    return (
        f'<item><guid isPermaLink="false">{guid}</guid><title>{title}</title>{more}'
        "<description>Good.</description></item>"
    )


# The feed as a whole -----------------------------------------------------------------------


def test_a_feed_gives_its_title_its_entries_and_why_some_are_not_reviews() -> None:
    items = (
        rated("a")
        + rated("b", "News")
        + rated("c", "More news")
        + '<item><guid isPermaLink="false">d</guid><title>Heat 5/5</title></item>'
    )
    parsed = parse_feed(feed(items), URL, category=Category.FILM, guild_id=5)
    assert parsed.title == "A Blog" and parsed.not_read == 0
    assert parsed.skipped == {"no rating": 2, "no review text": 1}
    [her] = [e.review for e in parsed.entries if e.review]
    assert (her.title, her.guild_id, her.category) == ("Her", 5, Category.FILM)
    assert [e.key for e in parsed.entries] == ["id:a", "id:b", "id:c", "id:d"]
    untitled = parse_feed(feed(rated("a"), head="<title> </title>"), URL)
    assert untitled.title is None and untitled.entries[0].review.guild_id is None  # type: ignore[union-attr]


def test_relative_links_are_read_against_the_feeds_address() -> None:
    parsed = parse_feed(feed(rated("a", more="<link>/posts/her</link>")), URL)
    assert parsed.entries[0].review.url == "https://blog.example/posts/her"  # type: ignore[union-attr]


def test_the_charset_the_server_names_is_used() -> None:
    body = feed(rated("a", "Привет 4/5"), head="<title>Блог</title>").decode().encode("koi8-r")
    parsed = parse_feed(body, URL, content_type="application/rss+xml; charset=koi8-r")
    assert parsed.title == "Блог" and parsed.entries[0].review.title == "Привет"  # type: ignore[union-attr]


def test_what_the_sanitiser_removes_never_reaches_a_review() -> None:
    item = (
        "<item><guid>a</guid><title>Her 4/5</title><description>"
        "&lt;p&gt;Good.&lt;/p&gt;&lt;applet&gt;Run me.&lt;/applet&gt;</description></item>"
    )
    assert parse_feed(feed(item), URL).entries[0].review.body == "Good."  # type: ignore[union-attr]


def test_without_an_author_the_entries_are_signed_by_the_feeds_title() -> None:
    parsed = parse_feed(feed(rated("a")), URL)
    assert parsed.entries[0].review.author_name == "A Blog"  # type: ignore[union-attr]
    editor = "<title>A Blog</title><managingEditor>ed@film.reviews (Ed)</managingEditor>"
    edited = parse_feed(feed(rated("a"), head=editor), URL)
    assert edited.entries[0].review.author_name == "Ed"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("author", "name"),
    [
        ("ann@film.reviews (Ann Lee)", "Ann Lee"),  # RSS 2.0's form, with a long domain
        ("ann@example.com (Ann Lee)", "Ann Lee"),
        ("Ann Lee (ann@film.reviews)", "Ann Lee"),
        ("Ann Lee", "Ann Lee"),
        ("ann@film.reviews", "ann@film.reviews"),
    ],
)
def test_an_rss_author_is_named_by_the_name_beside_the_address(author: str, name: str) -> None:
    item = rated("a", more=f"<author>{author}</author>")
    assert parse_feed(feed(item), URL).entries[0].review.author_name == name  # type: ignore[union-attr]


def test_an_atom_author_is_named_by_its_name() -> None:
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>A Blog</title><entry><id>a</id>'
        b"<title>Her 4/5</title><author><name>Ann Lee</name><email>ann@film.reviews</email>"
        b"</author><summary>Good.</summary></entry></feed>"
    )
    assert parse_feed(body, URL).entries[0].review.author_name == "Ann Lee"  # type: ignore[union-attr]


def test_what_is_not_a_feed_says_so_in_full() -> None:
    with pytest.raises(NotAFeed) as page:
        parse_feed(b"<!doctype html><html><body><p>Hello</p></body></html>", URL)
    assert str(page.value) == (
        "That address gave something that is not an RSS or Atom feed (a web page?). "
        "Give the feed's own address, often ending in /feed, /rss or ?format=rss."
    )
    with pytest.raises(NotAFeed) as broken:
        parse_feed(b'<rss version="2.0"><channel><item><title>cut', URL)
    assert str(broken.value).startswith("The feed is broken XML (line ")
    assert str(broken.value).endswith(
        "); nothing was read from it. The blog's software should fix it; the bot tries again."
    )


# One entry -------------------------------------------------------------------------------------


def test_an_entry_becomes_a_review_with_every_field() -> None:
    made = entry_to_review(
        raw(
            link="https://blog.example/her",
            author_detail={"name": "Ann Quill"},
            author="ann@blog.example (Ann Quill)",
            tags=[{"term": "Uncategorised"}, {"term": "Films"}],
        ),
        guild_id=9,
        author="The Blog",
    )
    review = made.review
    assert review is not None and made.dated and made.key == "id:g1" and made.skipped is None
    assert (review.title, review.rating.halves, review.body) == ("Her", 8, "Tender.")
    assert (review.category, review.guild_id, review.spoiler) == (Category.FILM, 9, False)
    assert (review.author_name, review.url) == ("Ann Quill", "https://blog.example/her")
    assert review.published_at == datetime(2024, 5, 12, 9, 15, tzinfo=UTC)
    assert made.digest == digest(review, True)


def test_the_author_comes_from_the_entry_then_the_feed() -> None:
    assert review_of(raw(author="Bob")).author_name == "Bob"
    assert review_of(raw(author_detail={"email": "x@y"}, author="Bob")).author_name == "Bob"
    assert review_of(raw(), author="The Blog").author_name == "The Blog"
    assert review_of(raw()).author_name == ""


def test_an_entry_without_a_title_is_untitled() -> None:
    assert review_of(raw(title="", summary="<p>Rating: 3/5</p>")).title == "Untitled"


def test_long_titles_and_creators_are_shortened_to_fit() -> None:
    title = "T" * 198 + "  tail of a long title 4/5"
    assert review_of(raw(title=title)).title == "T" * 198 + "…"
    exact = "E" * 200
    assert review_of(raw(title=exact + " 4/5")).title == exact
    creator = "C" * 250
    album = review_of(raw(title=f"Blue by {creator} 4/5"), category=Category.ALBUM)
    assert (album.title, album.creator) == ("Blue", "C" * 199 + "…")


def test_an_entry_that_cannot_be_a_review_is_skipped_with_the_reason() -> None:
    made = entry_to_review(raw(title="\u200b 4/5"))
    assert made.review is None and made.key == "id:g1"
    assert made.skipped == (
        "title: The title has no visible characters; give it letters, digits or symbols."
    )


def test_an_undated_entry_keeps_its_digest_and_a_redated_one_changes_it() -> None:
    undated = raw(published_parsed=None)
    first, again = entry_to_review(undated), entry_to_review(undated)
    assert not first.dated and first.digest == again.digest
    later = time.struct_time((2024, 6, 1, 0, 0, 0, 5, 153, 0))
    assert entry_to_review(raw()).digest != entry_to_review(raw(published_parsed=later)).digest


def test_a_skipped_entry_is_recognised_and_its_digest_follows_what_it_says() -> None:
    news = raw(title="News", summary="<p>Hello.</p>")
    made = entry_to_review(news)
    assert (made.review, made.key, made.skipped) == (None, "id:g1", "no rating")
    assert entry_to_review(news).digest == made.digest
    assert entry_to_review(news | {"title": "Other news"}).digest != made.digest
    assert entry_to_review(news | {"summary": "<p>Bye.</p>"}).digest != made.digest
    empty = entry_to_review(raw(summary=None, content=None))
    assert (empty.key, empty.skipped) == ("id:g1", "no review text")
    assert empty.digest != entry_to_review(raw(summary=None, title="Heat 4/5")).digest


def test_the_fullest_text_is_used() -> None:
    content = [{"type": "text/html", "value": "   "}, {"value": "<p>Full.</p>"}]
    assert review_of(raw(content=content)).body == "Full."
    assert review_of(raw(content=[{"value": " "}], summary="<p>Short.</p>")).body == "Short."


@pytest.mark.parametrize(
    ("fields", "halves"),
    [
        ({"review_rating": "4"}, 8),
        ({"user_rating": "", "rating": "3,5"}, 7),
        ({"user_rating": "n/a", "rating": "3"}, 6),
        ({"user_rating": "0", "rating": "2"}, 4),
        ({"user_rating": "7", "rating": "1"}, 2),
        ({"rating": "0.5"}, 1),
        ({"letterboxd_memberrating": "4.5", "rating": "1"}, 9),
    ],
)
def test_a_structured_rating_wins_over_the_title(fields: dict[str, str], halves: int) -> None:
    assert review_of(raw(title="Her 1/5", **fields)).rating.halves == halves


def test_a_rating_line_in_the_text_is_found_even_when_escaped() -> None:
    review = review_of(raw(title="Heat", summary="<p>Long.</p><p>*Rating: 4/5*</p>"))
    assert review.rating.halves == 8


def test_letterboxd_entries_are_films_titled_by_the_film() -> None:
    film = review_of(
        raw(id="letterboxd-review-1", title="Heat, 1995 - ★★★★", letterboxd_memberrating="4")
    )
    assert (film.title, film.category, film.rating.halves) == ("Heat, 1995", Category.FILM, 8)
    named = review_of(raw(id="x1", letterboxd_filmtitle="Heat", letterboxd_memberrating="5"))
    assert (named.title, named.category, named.rating.halves) == ("Heat", Category.FILM, 10)
    listed = entry_to_review(raw(id="letterboxd-list-7", title="Best of 1995"))
    assert (listed.review, listed.key) == (None, "id:letterboxd-list-7")
    assert listed.skipped == "a Letterboxd list"


def test_the_published_date_else_the_updated_one() -> None:
    beyond = time.struct_time((99999, 1, 1, 0, 0, 0, 0, 1, 0))
    later = time.struct_time((2024, 6, 1, 12, 0, 0, 5, 153, 0))
    review = review_of(raw(published_parsed=beyond, updated_parsed=later))
    assert review.published_at == datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def far_from_utc() -> Iterator[None]:
    before = time.tzname
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "Asia/Tokyo")
        time.tzset()
        try:
            yield
        finally:
            patch.undo()
            time.tzset()
    assert time.tzname == before


def test_dates_are_utc_whatever_the_machines_zone(far_from_utc: None) -> None:
    assert review_of(raw()).published_at == datetime(2024, 5, 12, 9, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("link", "kept"),
    [
        ("https://blog.example/her", True),
        ("https://blog.example/" + "x" * (URL_MAX - 21), True),
        ("https://blog.example/" + "x" * (URL_MAX - 20), False),
        ("https://blog.example/a\u200b", False),
        ("ftp://blog.example/her", False),
        ("https:///her", False),
    ],
)
def test_only_a_usable_link_is_kept_and_the_review_stays(link: str, kept: bool) -> None:
    review = review_of(raw(link=link))
    assert review.url == (link if kept else None)


IMAGE = "https://img.example/cover.jpg"


@pytest.mark.parametrize(
    "fields",
    [
        {"media_content": [{"url": IMAGE, "medium": "image"}]},
        {
            "media_content": [
                "junk",
                {"url": "https://v.example/v.mp4", "medium": "video"},
                {"url": IMAGE, "type": "image/jpeg"},
            ]
        },
        {"media_content": [{"url": "not a link"}], "media_thumbnail": [{"url": IMAGE}]},
        {
            "enclosures": [
                "junk",
                {"href": "https://a.example/a.mp3", "type": "audio/mpeg"},
                {"href": IMAGE, "type": "image/jpeg"},
            ]
        },
        {"enclosures": [{"url": IMAGE, "type": "image/png"}]},
        {
            "enclosures": [{"href": "https://a.example/x", "type": "image/png"}],
            "media_thumbnail": [{"url": IMAGE}],
        },
        {
            "summary": f'<p>Tender.</p><img src="https://t.example/p.gif" width="1" height="1">'
            f'<img src="https://t.example/q.gif" height="2"><img width=2 src="x">'
            f'<img src="{IMAGE}" width="3" height="3">'
        },
    ],
)
def test_the_cover_is_the_first_real_image(fields: dict[str, Any]) -> None:
    assert review_of(raw(**fields)).image_url == IMAGE


def test_no_image_is_no_cover() -> None:
    assert review_of(raw(enclosures=[{"href": IMAGE}])).image_url is None
    assert review_of(raw(summary='<p>Hi.</p><img src="x.jpg">')).image_url is None


def test_a_long_body_is_cut_at_its_last_paragraph_in_the_second_half() -> None:
    ending = "\n\n… (continued on the blog)"
    exact = "w" * BODY_MAX
    assert review_of(raw(summary=exact)).body == exact
    paragraphs = ["a" * 7_000, "b" * 4_000, "c" * 4_000, "d" * 9_000]
    body = review_of(raw(summary="".join(f"<p>{p}</p>" for p in paragraphs))).body
    assert body == "\n\n".join(paragraphs[:3]) + ending
    early = ["a" * 9_000, "b" * 12_000]  # the only break is before the half: cut mid-text
    cut = review_of(raw(summary="".join(f"<p>{p}</p>" for p in early))).body
    assert len(cut) == BODY_MAX and cut.endswith("b" + ending)
    room = BODY_MAX - len(ending)
    spaced = review_of(raw(summary="x" * (room - 3) + "   " + "y" * 100)).body
    assert spaced == "x" * (room - 3) + ending


def test_a_cut_between_the_third_and_the_half_is_not_at_a_paragraph() -> None:
    paragraphs = ["a" * 8_000, "b" * 13_000]
    body = review_of(raw(summary="".join(f"<p>{p}</p>" for p in paragraphs))).body
    assert body.startswith("a" * 8_000 + "\n\nb") and len(body) == BODY_MAX


# Keys ---------------------------------------------------------------------------------------------


def test_keys_are_bounded_and_fall_back_to_the_title_and_date() -> None:
    assert entry_key({"id": "g" * 600}) == "id:" + "g" * 500
    assert entry_key({"title": "Her", "published_parsed": WHEN}) == (
        "title:her|2024-05-12T09:15:00+00:00"
    )
    assert entry_key({"title": "Her"}) == "title:her|"
    assert entry_key({"title": "T" * 400}) == "title:" + "t" * 300 + "|"


def test_canonical_links_keep_what_identifies_the_page() -> None:
    assert canonical_link("HTTPS://Blog.Example?p=3&empty=&utm_source=rss#top") == (
        "https://blog.example/?p=3&empty="
    )
