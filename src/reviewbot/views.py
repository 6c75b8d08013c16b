"""Reviews as cards and search results as messages, and what their buttons and menus do.

Every component carries its state in its custom id, so a message shown a month ago works after
any number of restarts. Custom ids (at most 100 characters):

    reviewbot:nav:<review id>:<published_at>:<p|n>     ◀ Previous / Next ▶ from that place
                                                       (P|N: answer privately, under a post)
    reviewbot:page:<review id>:<published_at>:<page>   a page of a long review
    reviewbot:pageof:<review id>                       the disabled "2/3" between page buttons
    reviewbot:hits:<search id>:<page>                  a page of search results
    reviewbot:open:<search id>:<page>                  the menu that opens a search hit

`<published_at>` is microseconds since 1970 in base 36: with the id it is the review's place in
publication order, so previous/next work even after that review is deleted.

A review is shown as a card (a components v2 layout). Messages shown before the card, with an
embed, keep their buttons: a click turns the message into the card in place, which Discord
allows an edit to do when it empties the message's content and embeds.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
from discord import ui

from .app import Interaction
from .errors import UserError, did_you_mean
from .funnel import funnelled
from .labels import with_creator
from .limits import BUTTON_LABEL, SELECT_OPTION_TEXT
from .render import (
    SEARCH_PAGE_SIZE,
    Reply,
    layout,
    link_row,
    render_review,
    render_search_results,
    truncate,
)
from .review import ReviewContext, ReviewSummary
from .store import SavedSearch

log = logging.getLogger(__name__)

MAX_HITS = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def encode_time(moment: datetime) -> str:
    micros = (moment - _EPOCH) // timedelta(microseconds=1)
    sign, micros = ("-", -micros) if micros < 0 else ("", micros)
    digits = ""
    while True:
        micros, digit = divmod(micros, 36)
        digits = _DIGITS[digit] + digits
        if not micros:
            return sign + digits


def decode_time(text: str) -> datetime:
    return _EPOCH + timedelta(microseconds=int(text, 36))


# Messages ----------------------------------------------------------------------------------


def review_reply(
    shown: ReviewContext, page: int = 0, note: str | None = None, *, in_channel: bool = False
) -> Reply:
    """A review's card with its buttons; `in_channel` for the published post itself.

    Under the text: ◀ and ▶ naming the neighbours, page buttons for a long review, and links
    to the original post and to where the review was posted in Discord.
    """
    rendered = render_review(shown, page)
    review = shown.review
    review_id = review.stored_id
    at = encode_time(review.published_at)
    card = rendered.card
    # A published post keeps showing its review: its buttons open the neighbours privately.
    card.add_item(
        ui.ActionRow(
            NavButton(
                review_id,
                at,
                forward=False,
                title=shown.previous_title,
                disabled=shown.previous_id is None,
                private=in_channel,
            ),
            NavButton(
                review_id,
                at,
                forward=True,
                title=shown.next_title,
                disabled=shown.next_id is None,
                private=in_channel,
            ),
        )
    )
    if rendered.page_count > 1:
        current, last = rendered.page, rendered.page_count - 1
        card.add_item(
            ui.ActionRow(
                PageButton(review_id, at, current - 1, current == 0, "‹ Page"),
                PageCount(review_id, current, rendered.page_count),
                PageButton(review_id, at, current + 1, current == last, "Page ›"),
            )
        )
    if links := link_row(review, None if in_channel else shown.post_url):
        card.add_item(links)
    return Reply(layout(card, note=note))


def neighbour_label(title: str | None, forward: bool) -> str:
    """The label naming a neighbour ("◀ Coming Up For Air"), shortened to fit; plain at the ends."""
    if title is None:
        return "Next ▶" if forward else "◀ Previous"
    room = BUTTON_LABEL - 2
    return f"{truncate(title, room)} ▶" if forward else f"◀ {truncate(title, room)}"


async def search_reply(interaction: Interaction, saved: SavedSearch, page: int) -> Reply:
    store = interaction.client.app.store
    hits = await store.search(
        saved.query,
        guild_id=saved.guild_id,
        limit=MAX_HITS,
        category=saved.category,
        min_rating=saved.min_rating,
    )
    if not hits:
        suggestions = await store.search.suggest(saved.query, saved.guild_id)
        raise NoResultsError(saved.query, suggestions)
    page_count = -(-len(hits) // SEARCH_PAGE_SIZE)
    page = max(0, min(page, page_count - 1))
    shown = hits[page * SEARCH_PAGE_SIZE : (page + 1) * SEARCH_PAGE_SIZE]
    embed = render_search_results(saved.query, shown, page, page_count, len(hits))
    view = ui.View(timeout=None)
    view.add_item(HitSelect(saved.id, page, shown, first_number=page * SEARCH_PAGE_SIZE + 1))
    if page_count > 1:
        view.add_item(HitsPageButton(saved.id, page - 1, page == 0, "‹ Results"))
        view.add_item(HitsPageButton(saved.id, page + 1, page == page_count - 1, "Results ›"))
    return Reply(view, embed)


class NoResultsError(UserError):
    def __init__(self, query: str, suggestions: list[str]) -> None:
        shown = truncate(query, 100)
        message = f"No reviews match “{shown}”."
        if suggestions:
            message += " " + did_you_mean(suggestions)
        else:
            message += " Try fewer or different words, or `/review latest`."
        super().__init__(message)


async def send_review(interaction: Interaction, shown: ReviewContext | None, page: int = 0) -> None:
    """Answer a command with a review in public; an empty catalogue is said privately."""
    if shown is None:
        raise UserError(
            "There are no reviews here yet. A reviewer can add one with `/review post`."
        )
    await interaction.response.send_message(**review_reply(shown, page).send_kwargs())


# Components --------------------------------------------------------------------------------


class NavButton(
    ui.DynamicItem[ui.Button[Any]],
    template=r"reviewbot:nav:(?P<id>\d+):(?P<at>-?[0-9a-z]+):(?P<way>[pnPN])",
):
    def __init__(
        self,
        review_id: int,
        at: str,
        forward: bool,
        *,
        title: str | None = None,
        disabled: bool = False,
        private: bool = False,
    ) -> None:
        way = "n" if forward else "p"
        way = way.upper() if private else way
        super().__init__(
            ui.Button(
                label=neighbour_label(title, forward),
                style=discord.ButtonStyle.secondary,
                custom_id=f"reviewbot:nav:{review_id}:{at}:{way}",
                disabled=disabled,
            )
        )
        self.review_id, self.at, self.forward, self.private = review_id, at, forward, private

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: Interaction, item: ui.Button[Any], match: re.Match[str]
    ) -> NavButton:
        way = match["way"]
        return cls(int(match["id"]), match["at"], way in "nN", private=way.isupper())

    @funnelled
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        store = interaction.client.app.store
        at = decode_time(self.at)
        shown = await store.reviews.step(interaction.guild_id, at, self.review_id, self.forward)
        if shown is None:
            # The end moved (reviews deleted since): show where the list ends now.
            end = "last" if self.forward else "first"
            shown = await store.reviews.nearest(interaction.guild_id, at)
            if shown is None:
                raise UserError("There are no reviews here any more.")
            reply = review_reply(shown, note=f"That was the {end} review.")
        else:
            reply = review_reply(shown)
        if self.private:
            await interaction.response.send_message(**reply.send_kwargs(), ephemeral=True)
        else:
            await interaction.response.edit_message(**reply.edit_kwargs())


class PageButton(
    ui.DynamicItem[ui.Button[Any]],
    template=r"reviewbot:page:(?P<id>\d+):(?P<at>-?[0-9a-z]+):(?P<page>\d+)",
):
    def __init__(self, review_id: int, at: str, page: int, disabled: bool, label: str) -> None:
        page = max(page, 0)
        super().__init__(
            ui.Button(
                label=label,
                style=discord.ButtonStyle.primary,
                custom_id=f"reviewbot:page:{review_id}:{at}:{page}",
                disabled=disabled,
            )
        )
        self.review_id, self.at, self.page = review_id, at, page

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: Interaction, item: ui.Button[Any], match: re.Match[str]
    ) -> PageButton:
        return cls(int(match["id"]), match["at"], int(match["page"]), False, item.label or "")

    @funnelled
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        shown = await interaction.client.app.store.reviews.context(
            self.review_id, interaction.guild_id
        )
        if shown is not None:
            await interaction.response.edit_message(**review_reply(shown, self.page).edit_kwargs())
            return
        await offer_nearest(interaction, decode_time(self.at))


class PageCount(ui.DynamicItem[ui.Button[Any]], template=r"reviewbot:pageof:(?P<id>\d+)"):
    """The disabled "2/3" between the page buttons.

    A dynamic item, not a plain button, so that every component of a review's view is one:
    discord.py keeps a view holding any other button with a custom id for each message sent,
    for as long as the bot runs.
    """

    def __init__(self, review_id: int, page: int = 0, page_count: int = 1) -> None:
        super().__init__(
            ui.Button(
                label=f"{page + 1}/{page_count}",
                custom_id=f"reviewbot:pageof:{review_id}",
                disabled=True,
            )
        )

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: Interaction, item: ui.Button[Any], match: re.Match[str]
    ) -> PageCount:
        return cls(int(match["id"]))

    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        await interaction.response.defer()  # disabled: only a forged click gets here


async def offer_nearest(interaction: Interaction, at: datetime) -> None:
    """A review that was deleted since: say so privately, with the review nearest its place."""
    nearest = await interaction.client.app.store.reviews.nearest(interaction.guild_id, at)
    if nearest is None:
        raise UserError("That review has been deleted, and there are no others here.")
    reply = review_reply(nearest, note="That review has been deleted. This is the nearest one:")
    await interaction.response.send_message(**reply.send_kwargs(), ephemeral=True)


class HitsPageButton(
    ui.DynamicItem[ui.Button[Any]],
    template=r"reviewbot:hits:(?P<search>\d+):(?P<page>\d+)",
):
    def __init__(self, search_id: int, page: int, disabled: bool, label: str) -> None:
        page = max(page, 0)
        super().__init__(
            ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"reviewbot:hits:{search_id}:{page}",
                disabled=disabled,
                row=1,
            )
        )
        self.search_id, self.page = search_id, page

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: Interaction, item: ui.Button[Any], match: re.Match[str]
    ) -> HitsPageButton:
        return cls(int(match["search"]), int(match["page"]), False, item.label or "")

    @funnelled
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        store = interaction.client.app.store
        saved = await store.search.saved(self.search_id, interaction.guild_id)
        if saved is None:
            raise UserError("These results are not available here. Run `/review search` again.")
        reply = await search_reply(interaction, saved, self.page)
        await interaction.response.edit_message(**reply.edit_kwargs())


class HitSelect(
    ui.DynamicItem[ui.Select[Any]],
    template=r"reviewbot:open:(?P<search>\d+):(?P<page>\d+)",
):
    def __init__(
        self,
        search_id: int,
        page: int,
        hits: list[ReviewSummary] | None = None,
        first_number: int = 1,
    ) -> None:
        select: ui.Select[Any] = ui.Select(
            custom_id=f"reviewbot:open:{search_id}:{page}",
            placeholder="Open a review…",
            row=0,
        )
        for number, hit in enumerate(hits or [], start=first_number):
            kind = with_creator(f"{hit.rating} {hit.category}", hit.creator)
            select.add_option(
                label=truncate(f"{number}. {hit.title}", SELECT_OPTION_TEXT),
                value=f"{hit.id}:{encode_time(hit.published_at)}",
                description=truncate(kind, SELECT_OPTION_TEXT),
            )
        super().__init__(select)

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: Interaction, item: ui.Select[Any], match: re.Match[str]
    ) -> HitSelect:
        return cls(int(match["search"]), int(match["page"]))

    @funnelled
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        values = self.item.values
        chosen = re.fullmatch(r"(\d+):(-?[0-9a-z]+)", values[0]) if values else None
        if chosen is None:
            raise UserError("Pick a review from the menu to open it.")
        review_id, at = int(chosen[1]), decode_time(chosen[2])
        shown = await interaction.client.app.store.reviews.context(review_id, interaction.guild_id)
        if shown is None:
            await offer_nearest(interaction, at)
            return
        await interaction.response.send_message(**review_reply(shown).send_kwargs())


COMPONENTS = (NavButton, PageButton, PageCount, HitsPageButton, HitSelect)
