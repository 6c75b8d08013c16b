"""A feed's entries as reviews: each with the key that recognises it and a digest of what it says.

feedparser is only ever handed bytes we fetched (never a URL or a path, which it would open
itself). An entry is recognised by its guid, else its canonical link, else its title and date.
An entry becomes a review when it has a rating: a structured field (Letterboxd's member rating),
else a star run or `4/5` at the end of its title, else a `Rating: …` line in its text.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import time
import xml.sax
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser

from ..errors import ValidationError
from ..review import (
    AUTHOR_MAX,
    BODY_MAX,
    TITLE_MAX,
    URL_MAX,
    Category,
    Rating,
    Review,
    normalise,
)
from ..store import FeedEntry
from .errors import NotAFeed
from .markdown import html_to_markdown

MAX_ENTRIES = 200  # read from one answer; a feed holds 10 to 50
_STARS = r"[★☆]*[★½][★☆½]*|[★☆]{5}"
_OUT_OF = r"\d{1,2}(?:[.,]\d)?\s*/\s*(?:5|10)"
# "Her ★★★★☆", "Her - 4/5", "Her (★★★½)", "Her | 9/10"
_TITLE_RATING = re.compile(
    rf"^(?P<title>.*?)[\s\-–—|:,(\[]*(?P<rating>{_STARS}|{_OUT_OF})[\s)\]]*$", re.DOTALL
)
_TEXT_RATING = re.compile(
    rf"^[\s*_>]*(?:my\s+)?(?:rating|score|verdict|grade)[\s*_]*[:\-–—][\s*_]*"
    rf"(?P<rating>{_STARS}|{_OUT_OF})",
    re.IGNORECASE | re.MULTILINE,
)
_EMAIL = re.compile(r"[^\s()]+@[^\s()]+")
_BY = re.compile(r"^(?P<work>.+?)\s+by\s+(?P<creator>[^,]+)$", re.IGNORECASE)
_CATEGORY_WORDS = {
    Category.FILM: {"film", "films", "movie", "movies", "cinema", "film review", "film reviews"},
    Category.ALBUM: {"album", "albums", "music", "record", "records", "album review", "lp"},
    Category.BOOK: {"book", "books", "novel", "novels", "reading", "book review", "book reviews"},
    Category.GAME: {"game", "games", "video game", "video games", "gaming"},
    Category.SHOW: {"show", "shows", "tv", "television", "series", "tv shows", "tv series"},
}
_CATEGORY_OF = {word: category for category, words in _CATEGORY_WORDS.items() for word in words}
_STRUCTURED_RATINGS = ("letterboxd_memberrating", "user_rating", "review_rating", "rating")
_TRACKING_PARAMS = re.compile(r"^(utm_.*|fbclid|gclid|mc_cid|mc_eid|ref|source)$", re.IGNORECASE)
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""\b(src|width|height)\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
# Letterboxd's lines around a review: the poster, "Watched on …", the spoiler warning.
_LETTERBOXD_WATCHED = re.compile(r"<p>\s*Watched on [^<]*</p>", re.IGNORECASE)
_LETTERBOXD_SPOILERS = re.compile(
    r"<p>\s*<em>\s*This review may contain spoilers\.?\s*</em>\s*</p>", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed's title and its entries, newest first as the feed gives them."""

    title: str | None
    entries: list[FeedEntry]
    next_page: str | None = None  # RFC 5005 `rel="next"`: the older entries
    generator: str = ""
    not_read: int = 0  # entries beyond MAX_ENTRIES
    skipped: dict[str, int] = field(default_factory=dict)  # why entries are not reviews

    @property
    def is_wordpress(self) -> bool:
        return "wordpress" in self.generator.lower()


def parse_feed(
    body: bytes,
    url: str,
    *,
    category: Category = Category.OTHER,
    guild_id: int | None = None,
    content_type: str | None = None,
) -> ParsedFeed:
    """The entries of a fetched feed as reviews of `guild_id`; `NotAFeed` if it is none."""
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    try:
        parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True)
    except Exception as error:  # feedparser reports bad XML itself; anything else is a bug in it
        raise NotAFeed(
            f"That answer could not be read as a feed ({type(error).__name__})."
        ) from None
    if not parsed.get("version"):
        raise NotAFeed(
            "That address gave something that is not an RSS or Atom feed (a web page?). "
            "Give the feed's own address, often ending in /feed, /rss or ?format=rss."
        )
    broken = parsed.get("bozo_exception")
    if isinstance(broken, xml.sax.SAXParseException):  # feedparser would guess at the rest
        raise NotAFeed(
            f"The feed is broken XML (line {broken.getLineNumber()}: {broken.getMessage()});"
            " nothing was read from it. The blog's software should fix it; the bot tries again."
        )
    info = parsed.get("feed", {})
    feed_author = _author(info) or _text(info.get("title"))
    entries: list[FeedEntry] = []
    skipped: dict[str, int] = {}
    for raw in parsed.entries[:MAX_ENTRIES]:
        entry = entry_to_review(raw, category=category, guild_id=guild_id, author=feed_author)
        if entry.skipped:
            skipped[entry.skipped] = skipped.get(entry.skipped, 0) + 1
        entries.append(entry)
    return ParsedFeed(
        title=_text(info.get("title")) or None,
        entries=entries,
        next_page=_next_page(info),
        generator=_text(info.get("generator")),
        not_read=max(0, len(parsed.entries) - MAX_ENTRIES),
        skipped=skipped,
    )


def entry_to_review(
    raw: Mapping[str, Any],
    *,
    category: Category = Category.OTHER,
    guild_id: int | None = None,
    author: str = "",
) -> FeedEntry:
    """One feedparser entry as a `FeedEntry`: its key, digest and review (or why it is none)."""
    key = entry_key(raw)
    published = _date(raw)
    html = _html(raw)
    title = _text(raw.get("title"))
    spoiler = False
    rating: Rating | None = _structured_rating(raw)
    if _is_letterboxd(raw):
        guid = str(raw.get("id", ""))
        if "letterboxd-list-" in guid:
            return _skip(key, raw, "a Letterboxd list")
        html = _LETTERBOXD_WATCHED.sub("", html)
        spoiler = bool(_LETTERBOXD_SPOILERS.search(html))
        html = _LETTERBOXD_SPOILERS.sub("", html)
        title = _text(raw.get("letterboxd_filmtitle")) or _title_and_rating(title)[0]
        category = Category.FILM
    else:
        category = _category(raw, category)
        title, from_title = _title_and_rating(title)
        rating = rating or from_title
    body = _fit_body(html_to_markdown(html))
    if not body:
        return _skip(key, raw, "no review text")
    if rating is None:
        rating = _text_rating(body)
    if rating is None:
        return _skip(key, raw, "no rating")
    creator = None
    if category in (Category.ALBUM, Category.BOOK) and (by := _BY.match(title)):
        title, creator = by["work"].strip(), by["creator"].strip()
    try:
        review = Review.create(
            title=_fit(title, TITLE_MAX) or "Untitled",
            creator=_fit(creator, 200),
            category=category,
            rating=rating,
            body=body,
            author_name=_fit(_author(raw) or author, AUTHOR_MAX),
            published_at=published,
            url=_link(raw.get("link")),
            image_url=_image(raw, html),
            spoiler=spoiler,
            guild_id=guild_id,
        )
    except ValidationError as error:
        return _skip(key, raw, f"{error.field}: {error}")
    return FeedEntry(
        key, digest(review, published is not None), review, dated=published is not None
    )


def entry_key(raw: Mapping[str, Any]) -> str:
    """What recognises an entry from one poll to the next: its guid, else its canonical link,
    else its title and date."""
    guid = _text(raw.get("id"))
    if guid:
        return f"id:{guid[:500]}"
    link = _link(raw.get("link"))
    if link:
        return f"link:{canonical_link(link)}"
    when = _date(raw)
    stamp = when.isoformat() if when else ""
    return f"title:{normalise(_text(raw.get('title')))[:300]}|{stamp}"


def canonical_link(link: str) -> str:
    """The link without its fragment and tracking parameters, host in lower case."""
    parts = urlsplit(link)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING_PARAMS.match(k)
    ]
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), "")
    )


def digest(review: Review, dated: bool) -> str:
    """A digest of everything an entry says, so an unchanged entry is left alone."""
    fields = [
        review.title, review.creator, review.category.value, review.rating.halves, review.body,
        review.author_name, review.published_at.isoformat() if dated else None, review.url,
        review.image_url, review.spoiler,
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()[:32]


def parse_title_rating(title: str) -> tuple[str, Rating | None]:
    """`Her ★★★★☆` → ("Her", 4 stars); a title without a trailing rating is kept whole."""
    return _title_and_rating(title)


def _skip(key: str, raw: Mapping[str, Any], reason: str) -> FeedEntry:
    text = json.dumps([_text(raw.get("title")), reason, _html(raw)[:2000]], ensure_ascii=False)
    return FeedEntry(key, hashlib.sha256(text.encode()).hexdigest()[:32], None, skipped=reason)


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value else ""


def _fit(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def _fit_body(body: str) -> str:
    """The body within the review limit, cut at a paragraph when it is longer."""
    if len(body) <= BODY_MAX:
        return body
    ending = "\n\n… (continued on the blog)"
    cut = body[: BODY_MAX - len(ending)]
    paragraph = cut.rfind("\n\n")
    if paragraph > BODY_MAX // 2:
        cut = cut[:paragraph]
    return cut.rstrip() + ending


def _html(raw: Mapping[str, Any]) -> str:
    """The fullest text the entry has: content:encoded or Atom content, else the summary."""
    for content in raw.get("content") or []:
        value = content.get("value") if isinstance(content, Mapping) else None
        if value and str(value).strip():
            return str(value)
    return str(raw.get("summary") or "")


def _title_and_rating(title: str) -> tuple[str, Rating | None]:
    found = _TITLE_RATING.match(title)
    if not found or not found["title"].strip():
        return title, None
    try:
        rating = Rating.parse(found["rating"])
    except ValidationError:
        return title, None
    return found["title"].strip(), rating


def _text_rating(body: str) -> Rating | None:
    found = _TEXT_RATING.search(body.replace("\\", ""))
    if not found:
        return None
    try:
        return Rating.parse(found["rating"])
    except ValidationError:
        return None


def _structured_rating(raw: Mapping[str, Any]) -> Rating | None:
    for name in _STRUCTURED_RATINGS:
        value = _text(raw.get(name))
        if not value:
            continue
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            continue
        if number <= 0:  # Goodreads and others write 0 for "not rated"
            continue
        try:
            return Rating.parse(round(number * 2) / 2)
        except ValidationError:
            continue
    return None


def _is_letterboxd(raw: Mapping[str, Any]) -> bool:
    return "letterboxd_filmtitle" in raw or str(raw.get("id", "")).startswith("letterboxd-")


def _category(raw: Mapping[str, Any], default: Category) -> Category:
    for tag in raw.get("tags") or []:
        term = _text(tag.get("term") if isinstance(tag, Mapping) else None).lower()
        if term in _CATEGORY_OF:
            return _CATEGORY_OF[term]
    return default


def _author(raw: Mapping[str, Any]) -> str:
    author = _text(raw.get("author"))
    if _EMAIL.search(author):
        # RSS 2.0's "email (Name)", read here: feedparser misreads the name when the address
        # ends in a domain of more than four letters (ann@film.reviews gives "ews (Ann").
        return _text(_EMAIL.sub(" ", author).replace("(", " ").replace(")", " ")) or author
    detail = raw.get("author_detail")
    if isinstance(detail, Mapping) and detail.get("name"):
        return _text(detail["name"])
    return author


def _date(raw: Mapping[str, Any]) -> datetime | None:
    for name in ("published_parsed", "updated_parsed"):
        value = raw.get(name)
        if isinstance(value, time.struct_time):
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, OSError, ValueError):
                continue
    return None


def _link(value: Any) -> str | None:
    link = str(value or "").strip()
    if not re.match(r"https?://[^\s/]", link) or len(link) > URL_MAX or not link.isprintable():
        return None
    return link


def _image(raw: Mapping[str, Any], html: str) -> str | None:
    """The cover: media content or thumbnail, an image enclosure, else the first real image."""
    for media in (*(raw.get("media_content") or []), *(raw.get("media_thumbnail") or [])):
        if not isinstance(media, Mapping):
            continue
        kind = str(media.get("medium") or media.get("type") or "image")
        if kind.startswith("image") and (link := _link(media.get("url"))):
            return link
    for enclosure in raw.get("enclosures") or []:
        if not isinstance(enclosure, Mapping):
            continue
        link = _link(enclosure.get("href") or enclosure.get("url"))
        if str(enclosure.get("type", "")).startswith("image") and link:
            return link
    for tag in _IMG.findall(html):
        attributes = {name.lower(): value for name, value in _ATTR.findall(tag)}
        if _is_pixel(attributes.get("width")) or _is_pixel(attributes.get("height")):
            continue  # a tracking pixel
        if link := _link(attributes.get("src")):
            return link
    return None


def _is_pixel(size: str | None) -> bool:
    return size is not None and size.isdigit() and int(size) <= 2


def _next_page(info: Mapping[str, Any]) -> str | None:
    for link in info.get("links") or []:
        if isinstance(link, Mapping) and link.get("rel") == "next":
            return _link(link.get("href"))
    return None
