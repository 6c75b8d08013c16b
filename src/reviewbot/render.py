"""Reviews as cards and search results as embeds, always within Discord's limits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import discord
from discord import ui

from . import limits
from .labels import with_creator
from .limits import LAYOUT_TEXT, LINK_URL, MEDIA_DESCRIPTION
from .pages import ZWSP, boundary_before, split_pages
from .review import AUTHOR_MAX, CREATOR_MAX, TITLE_MAX, Category, Rating, Review, ReviewContext

ELLIPSIS = "…"
SEARCH_PAGE_SIZE = 10  # hits listed on one page of search results
SEARCH_COLOUR = discord.Colour(0x4F6D7A)

CATEGORY_COLOURS: dict[Category, discord.Colour] = {
    Category.FILM: discord.Colour(0xE4572E),
    Category.ALBUM: discord.Colour(0x8E44AD),
    Category.BOOK: discord.Colour(0x2E86AB),
    Category.GAME: discord.Colour(0x3BB273),
    Category.SHOW: discord.Colour(0xF2A541),
    Category.OTHER: discord.Colour(0x7F8C8D),
}
CATEGORY_LABELS: dict[Category, str] = {
    Category.FILM: "🎬 Film",
    Category.ALBUM: "💿 Album",
    Category.BOOK: "📖 Book",
    Category.GAME: "🎮 Game",
    Category.SHOW: "📺 Show",
    Category.OTHER: "✨ Other",
}
CREATOR_LABELS: dict[Category, str] = {
    Category.FILM: "Director",
    Category.ALBUM: "Artist",
    Category.BOOK: "Author",
    Category.GAME: "Studio",
    Category.SHOW: "Creator",
    Category.OTHER: "Creator",
}

NOTE_ROOM = 100  # a line above a card: "That was the last review.", a preview's heading
_TITLE_ROOM = 2 * TITLE_MAX  # escaping at most doubles a text
_CREATOR_ROOM = 2 * CREATOR_MAX
_AUTHOR_ROOM = 2 * AUTHOR_MAX
_QUIET_ROOM = 120  # "-# ", the date, "1,234,567 of 1,234,568 · page 12 of 12", with spare
_MASS_MENTION = re.compile(r"@(everyone|here)")
_MARKDOWN_MARKS = frozenset("\\*`_~|>[#-")  # what discord.utils.escape_markdown may escape
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def quiet_mentions(text: str) -> str:
    """`@everyone` and `@here` with a zero-width space after the `@`: nothing looks like a ping."""
    return _MASS_MENTION.sub(f"@{ZWSP}\\1", text) if "@" in text else text


def escape(text: str) -> str:
    """User text made safe for a Markdown place: formatting escaped, no mass ping look-alikes."""
    # Most titles and names hold no character that Markdown could read: leave them as they are
    # without running escape_markdown's expressions (a card escapes three texts).
    if not _MARKDOWN_MARKS.isdisjoint(text):
        text = discord.utils.escape_markdown(text)
    return quiet_mentions(text)


def truncate(text: str, limit: int) -> str:
    """`text` within `limit` characters; when cut, ends with "…" and never splits a grapheme."""
    if len(text) <= limit:
        return text
    if limit < 1:
        return ""
    return text[: boundary_before(text, limit - 1)].rstrip() + ELLIPSIS


def _shown(text: str, limit: int) -> str:
    """User text escaped for Markdown and cut to `limit` without leaving a dangling escape."""
    escaped = escape(text)
    shown = truncate(escaped, limit)
    if shown != escaped:
        kept = shown[: -len(ELLIPSIS)]
        if (len(kept) - len(kept.rstrip("\\"))) % 2:
            shown = kept[:-1] + ELLIPSIS
    return shown


def category_label(category: Category) -> str:
    return CATEGORY_LABELS[category]


@dataclass(frozen=True, slots=True)
class Reply:
    """What to send: a layout (a card, a notice) or a message with an embed (search results)."""

    view: ui.View | ui.LayoutView
    embed: discord.Embed | None = None
    content: str | None = None

    def __post_init__(self) -> None:
        # Every component of a reply is a dynamic item, found by its custom id: discord.py need
        # not keep the view of each message sent (a stopped view is not kept).
        self.view.stop()

    def send_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of `send_message`."""
        if isinstance(self.view, ui.LayoutView):
            return {"view": self.view}
        return {"content": self.content, "embed": self.embed, "view": self.view}

    def edit_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of `edit_message`, whatever the message shows now.

        A layout replaces content and embeds: Discord lets an edit turn an embed message into a
        layout one only when that edit empties both.
        """
        if isinstance(self.view, ui.LayoutView):
            return {"content": None, "embed": None, "view": self.view}
        return self.send_kwargs()


def layout(*items: ui.Item[Any], note: str | None = None) -> ui.LayoutView:
    """A layout message of `items`, under a short `note` when there is one."""
    view = ui.LayoutView(timeout=None)
    if note:
        view.add_item(ui.TextDisplay(truncate(quiet_mentions(note), NOTE_ROOM)))
    for item in items:
        view.add_item(item)
    return view


def notice(text: str, *items: ui.Item[Any]) -> Reply:
    """A short message as a layout, so that it may replace a card (whose layout stays)."""
    view = ui.LayoutView(timeout=None)
    view.add_item(ui.TextDisplay(truncate(text, LAYOUT_TEXT)))
    for item in items:
        view.add_item(item)
    return Reply(view)


@dataclass(frozen=True, slots=True)
class RenderedReview:
    """One page of a review as a card, with where that page is among the review's pages.

    `card` holds the review's text; the caller adds its buttons (rows) to it.
    """

    card: ui.Container[Any]
    page: int
    page_count: int


@dataclass(frozen=True, slots=True)
class _Texts:
    """The parts of a card that depend on the review alone."""

    heading: str
    byline: str
    author: str

    @property
    def body_room(self) -> int:
        """Characters left for a page of the body once everything else has its room."""
        taken = NOTE_ROOM + len(self.heading) + len(self.byline) + len(self.author) + _QUIET_ROOM
        return LAYOUT_TEXT - taken


def _texts(review: Review) -> _Texts:
    heading = f"## {_shown(review.title, _TITLE_ROOM)} {review.rating}"
    kind = category_label(review.category)
    byline = f"by {_shown(review.creator, _CREATOR_ROOM)} · {kind}" if review.creator else kind
    return _Texts(heading, byline, _shown(review.author_name, _AUTHOR_ROOM))


def link_row(review: Review, post_url: str | None = None) -> ui.ActionRow[Any] | None:
    """Link buttons under a card: the original post (the review's link) and, with `post_url`,
    where the review was posted in Discord. A link longer than a button holds gets none."""
    links: list[ui.Item[Any]] = []
    if review.url and len(review.url) <= LINK_URL:
        links.append(ui.Button(label="Original post", url=review.url))
    if post_url and len(post_url) <= LINK_URL:
        links.append(ui.Button(label="Open post", url=post_url))
    return ui.ActionRow(*links) if links else None


def page_room(review: Review) -> int:
    """How many characters of the body one page of the review's card holds."""
    return _texts(review).body_room


def _pages(review: Review, room: int) -> list[str]:
    """The body's pages; they depend on the review alone, so page N is the same for everyone."""
    return split_pages(quiet_mentions(review.body), room, spoiler=review.spoiler)


def date_label(moment: datetime) -> str:
    """The day a review was published, as "21 March 2014": in UTC, the same for every reader."""
    moment = moment.astimezone(UTC)
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def _quiet_line(texts: _Texts, review: Review, ctx: ReviewContext, page: int, count: int) -> str:
    parts = [texts.author] if texts.author else []
    parts += [date_label(review.published_at), f"{ctx.position:,} of {ctx.total:,}"]
    if count > 1:
        parts.append(f"page {page + 1} of {count}")
    return truncate("-# " + " · ".join(parts), len(texts.author) + _QUIET_ROOM)


def render_review(ctx: ReviewContext, page: int = 0) -> RenderedReview:
    """The review's card at `page` (0-based, clamped to the pages there are).

    A container in the category's colour: the title and stars as a heading, the creator and
    category beneath (beside the cover, when there is one), the page of the body, and a quiet
    line with the author, the date and the review's place. Its text, with a note above it,
    stays within what Discord allows for a whole message.
    """
    review = ctx.review
    texts = _texts(review)
    pages = _pages(review, texts.body_room)
    page = min(max(page, 0), len(pages) - 1)
    heading: ui.Item[Any]
    if review.image_url:
        cover = ui.Thumbnail[Any](
            review.image_url, description=truncate(review.title, MEDIA_DESCRIPTION)
        )
        heading = ui.Section(texts.heading, texts.byline, accessory=cover)
        parts: list[ui.Item[Any]] = [heading]
    else:
        parts = [ui.TextDisplay(texts.heading), ui.TextDisplay(texts.byline)]
    card: ui.Container[Any] = ui.Container(
        *parts,
        ui.Separator(),
        ui.TextDisplay(pages[page]),
        ui.TextDisplay(_quiet_line(texts, review, ctx, page, len(pages))),
        accent_colour=CATEGORY_COLOURS[review.category],
    )
    return RenderedReview(card=card, page=page, page_count=len(pages))


class Listed(Protocol):
    """What a search hit needs to be listed: a `Review` or a `ReviewSummary`."""

    @property
    def title(self) -> str: ...
    @property
    def creator(self) -> str | None: ...
    @property
    def rating(self) -> Rating: ...
    @property
    def category(self) -> Category: ...


def _hit_line(number: int, hit: Listed, room: int) -> str:
    """One ranked search hit in at most `room` characters: number, title, creator, rating."""
    prefix = f"**{number}.** "
    suffix = f" · {hit.rating} · {category_label(hit.category)}"
    left = room - len(prefix) - len(suffix)
    if not hit.creator:
        return prefix + _shown(hit.title, left) + suffix
    title = _shown(hit.title, max(1, left * 2 // 3))
    creator = _shown(hit.creator, left - len(title) - 3)
    return prefix + with_creator(title, creator) + suffix


def render_search_results(
    query: str,
    hits: Sequence[Listed],
    page: int,
    page_count: int,
    total: int | None,
) -> discord.Embed:
    """Ranked hits (numbered from `page` * `SEARCH_PAGE_SIZE` + 1) for `query`, page 0-based.

    At most 25 hits are listed, as a select menu can offer; the query is shown escaped.
    """
    shown_query = _shown(" ".join(query.split()), 100)
    hits = list(hits)[: limits.SELECT_OPTIONS]
    if hits:
        room = limits.EMBED_DESCRIPTION // len(hits) - 1  # one line each, with its line break
        first = page * SEARCH_PAGE_SIZE + 1
        lines = [_hit_line(first + i, hit, room) for i, hit in enumerate(hits)]
        description = truncate("\n".join(lines), limits.EMBED_DESCRIPTION)
    else:
        description = f"No reviews match “{shown_query}”. Try fewer or other words."
    embed = discord.Embed(
        title=f"Reviews matching “{shown_query}”" if shown_query else "Reviews",
        description=description,
        colour=SEARCH_COLOUR,
    )
    footer = []
    if page_count > 1:
        footer.append(f"page {page + 1} of {page_count}")
    if total is not None:
        footer.append(f"{total:,} match" + ("" if total == 1 else "es"))
    if footer:
        embed.set_footer(text=" · ".join(footer))
    return embed
