"""Turn reviews and search results into Discord embeds that always fit Discord's limits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import discord
from discord import ui

from . import limits
from .labels import with_creator
from .pages import ZWSP, boundary_before, split_pages
from .review import AUTHOR_MAX, Category, Rating, Review, ReviewContext

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

# Room kept for the parts of a review embed that change without the review changing, so
# that a review's pages stay the same whatever its position, total or posted link.
_POSITION_ROOM = 80  # " · 1,234,567 of 1,234,568 · page 12 of 12", with spare
_LINK_ROOM = 256  # a message link is about 90 characters
_LINK_NAME = "Posted"
_CREATOR_ROOM = 300  # 200 characters, with room for Markdown escapes
_MASS_MENTION = re.compile(r"@(everyone|here)")


def quiet_mentions(text: str) -> str:
    """`@everyone` and `@here` with a zero-width space after the `@`: nothing looks like a ping."""
    return _MASS_MENTION.sub(f"@{ZWSP}\\1", text)


def escape(text: str) -> str:
    """User text made safe for a Markdown place: formatting escaped, no mass ping look-alikes."""
    return quiet_mentions(discord.utils.escape_markdown(text))


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


def _plain(text: str, limit: int) -> str:
    """User text for a place Discord shows as plain text (footer, author): only bounded."""
    return truncate(quiet_mentions(text), limit)


def category_label(category: Category) -> str:
    return CATEGORY_LABELS[category]


@dataclass(frozen=True, slots=True)
class Reply:
    """What to send: the keyword arguments of `send_message` / `edit_message`."""

    embed: discord.Embed | None
    view: ui.View
    content: str | None = None

    def send_kwargs(self) -> dict[str, Any]:
        return {"content": self.content, "embed": self.embed, "view": self.view}


@dataclass(frozen=True, slots=True)
class RenderedReview:
    """One page of a review as an embed, with where that page is among the review's pages."""

    embed: discord.Embed
    page: int
    page_count: int


def _title(review: Review) -> str:
    return _shown(review.title, limits.EMBED_TITLE)


def _author(review: Review) -> str:
    return _plain(review.author_name, AUTHOR_MAX)


def _fields(review: Review) -> list[tuple[str, str]]:
    fields = []
    if review.creator:
        fields.append((CREATOR_LABELS[review.category], _shown(review.creator, _CREATOR_ROOM)))
    fields.append(("Rating", str(review.rating)))
    fields.append(("Category", category_label(review.category)))
    return fields


def _description_room(title: str, author: str, fields: list[tuple[str, str]]) -> int:
    """Characters left for the body once everything else in the embed has its room."""
    taken = len(title) + len(author) + _POSITION_ROOM + _LINK_ROOM
    taken += sum(len(name) + len(value) for name, value in fields)
    return min(limits.EMBED_DESCRIPTION, limits.EMBED_TOTAL - taken)


def _pages(review: Review, room: int) -> list[str]:
    """The body's pages; they depend on the review alone, so page N is the same for everyone."""
    return split_pages(quiet_mentions(review.body), room, spoiler=review.spoiler)


def _footer(author: str, ctx: ReviewContext, page: int, page_count: int) -> str:
    parts = [author] if author else []
    parts.append(f"{ctx.position:,} of {ctx.total:,}")
    if page_count > 1:
        parts.append(f"page {page + 1} of {page_count}")
    return truncate(" · ".join(parts), len(author) + _POSITION_ROOM)


def _post_link(post_url: str | None) -> str | None:
    if not post_url:
        return None
    if any(ch.isspace() or ch in "()<>" for ch in post_url):
        return None
    link = f"[Open the posted review]({post_url})"
    return link if len(_LINK_NAME) + len(link) <= _LINK_ROOM else None


def render_review(ctx: ReviewContext, page: int = 0) -> RenderedReview:
    """The review's embed at `page` (0-based, clamped to the pages there are).

    Every text in it is bounded so the embed fits each of Discord's limits, 6,000 in all.
    """
    review = ctx.review
    title, author, fields = _title(review), _author(review), _fields(review)
    pages = _pages(review, _description_room(title, author, fields))
    page = min(max(page, 0), len(pages) - 1)
    embed = discord.Embed(
        title=title,
        url=review.url,
        description=pages[page],
        colour=CATEGORY_COLOURS[review.category],
        timestamp=review.published_at,
    )
    for name, value in fields:
        embed.add_field(name=name, value=value, inline=True)
    if link := _post_link(ctx.post_url):
        embed.add_field(name=_LINK_NAME, value=link, inline=False)
    if review.image_url:
        embed.set_thumbnail(url=review.image_url)
    embed.set_footer(text=_footer(author, ctx, page, len(pages)))
    return RenderedReview(embed=embed, page=page, page_count=len(pages))


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
