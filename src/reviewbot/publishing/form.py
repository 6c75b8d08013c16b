"""The review forms: their inputs and custom id, opening them, and reading what was submitted.

Discord holds five labelled inputs in a form. The review form asks for the title, the creator,
what kind of work it is, the rating and the text; the optional link to the original post and
the whole-review spoiler go in a second, small form that the preview offers. Both carry the
draft's custom id, and a submission changes only the fields its form holds, so forms opened
before this layout (text inputs only, the category chosen with the command) still work.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import discord
from discord import ui

from ..app import Interaction
from ..errors import UserError, ValidationError
from ..limits import MODAL_TITLE, TEXT_INPUT_VALUE
from ..render import CATEGORY_LABELS, truncate
from ..review import CREATOR_MAX, TITLE_MAX, URL_MAX, Category, Draft, Rating, ReviewContext
from .guards import require_owner, require_reviewer

FORM_ID = re.compile(r"reviewbot:form:(\d+)")
TEXT_FIELDS = ("title", "creator", "rating", "body", "url")  # the draft's text fields
RATINGS = [Rating(halves) for halves in range(10, -1, -1)]  # 0 to 5 in half stars, best first

# Component types in a submitted form.
_TEXT_INPUT, _SELECT, _CHECKBOX = 4, 3, 23


def _typed(draft: Draft) -> bool:
    """Whether the draft was filled in before (so its category was chosen, not defaulted)."""
    return bool(draft.review_id or draft.title or draft.body or draft.rating)


def _category_select(draft: Draft) -> ui.Select[Any]:
    chosen = draft.category if _typed(draft) else None
    options = [
        discord.SelectOption(label=label, value=category.value, default=category is chosen)
        for category, label in CATEGORY_LABELS.items()
    ]
    return ui.Select(
        custom_id="category", placeholder="Film, album, book…", options=options, required=True
    )


def _stars(rating: Rating) -> str:
    count = rating.as_number()
    return f"{rating}  {count} star" + ("" if count == "1" else "s")


def _rating_select(draft: Draft) -> ui.Select[Any]:
    try:
        chosen = Rating.parse(draft.rating) if draft.rating else None
    except ValidationError:  # typed in an older form, and not a rating: choose again
        chosen = None
    options = [
        discord.SelectOption(
            label=_stars(rating), value=rating.as_number(), default=rating == chosen
        )
        for rating in RATINGS
    ]
    return ui.Select(custom_id="rating", placeholder="0 to 5 stars", options=options, required=True)


def review_form(draft: Draft) -> ui.Modal:
    """The review form for a draft, filled with what was typed so far; see `submitted_draft_id`."""
    kind = "Edit review" if draft.review_id else "New review"
    modal = ui.Modal(title=truncate(kind, MODAL_TITLE), custom_id=f"reviewbot:form:{draft.id}")
    title = ui.TextInput[Any](custom_id="title", max_length=TITLE_MAX, default=draft.title or None)
    creator = ui.TextInput[Any](
        custom_id="creator", required=False, max_length=CREATOR_MAX, default=draft.creator or None
    )
    body = ui.TextInput[Any](
        custom_id="body",
        style=discord.TextStyle.paragraph,
        max_length=TEXT_INPUT_VALUE,
        default=draft.body or None,
    )
    modal.add_item(ui.Label(text="Title", component=title))
    modal.add_item(
        ui.Label(text="Creator", description="Director, artist, author, studio…", component=creator)
    )
    modal.add_item(ui.Label(text="Kind of work", component=_category_select(draft)))
    modal.add_item(ui.Label(text="Rating", component=_rating_select(draft)))
    modal.add_item(ui.Label(text="Review", component=body))
    # Not kept by discord.py: the submission is handled by custom id, even after a restart.
    modal.stop()
    return modal


def extras_form(draft: Draft) -> ui.Modal:
    """The small form for a draft's link to the original post and its spoiler mark."""
    modal = ui.Modal(title="Link and spoiler", custom_id=f"reviewbot:form:{draft.id}")
    link = ui.TextInput[Any](
        custom_id="url",
        required=False,
        max_length=min(URL_MAX, TEXT_INPUT_VALUE),
        placeholder="https://…",
        default=draft.url or None,
    )
    modal.add_item(
        ui.Label(
            text="Link to the original post",
            description="Where the review first appeared, if anywhere",
            component=link,
        )
    )
    modal.add_item(
        ui.Label(
            text="Spoiler",
            description="Hide the whole review behind spoiler bars",
            component=ui.Checkbox[Any](custom_id="spoiler", default=draft.spoiler),
        )
    )
    modal.stop()
    return modal


def submitted_draft_id(interaction: Interaction) -> int | None:
    """The draft a submitted review form belongs to; None for any other interaction."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return None
    data: dict[str, Any] = dict(interaction.data or {})
    form = FORM_ID.fullmatch(str(data.get("custom_id", "")))
    return int(form[1]) if form else None


def filled_in(draft: Draft, data: Any) -> Draft:
    """The draft with what the submitted form (`data`) holds, each text trimmed.

    Fields the form does not hold keep their value.
    """
    submitted = _submitted_values(data)
    changes: dict[str, Any] = {
        name: str(submitted[name]).strip() for name in TEXT_FIELDS if name in submitted
    }
    if "category" in submitted:
        changes["category"] = Category.parse(str(submitted["category"]))
    if "spoiler" in submitted:
        changes["spoiler"] = submitted["spoiler"] is True
    return replace(draft, **changes)


def _submitted_values(data: Any) -> dict[str, str | bool]:
    """Each input's custom id and value: text, the chosen option, or a checkbox's state."""
    values: dict[str, str | bool] = {}

    def walk(components: Any) -> None:
        for component in components or []:
            kind, custom_id = component.get("type"), component.get("custom_id")
            if kind == _TEXT_INPUT:
                values[custom_id] = component.get("value") or ""
            elif kind == _SELECT:
                values[custom_id] = next(iter(component.get("values") or []), "")
            elif kind == _CHECKBOX:
                values[custom_id] = component.get("value") is True
            walk(component.get("components"))
            if isinstance(component.get("component"), dict):
                walk([component["component"]])

    walk((data or {}).get("components"))
    return values


async def open_new_form(interaction: Interaction) -> None:
    member = await require_reviewer(interaction)
    draft = await interaction.client.app.store.drafts.save(
        Draft(guild_id=member.guild.id, user_id=member.id)
    )
    await interaction.response.send_modal(review_form(draft))


async def open_edit_form(interaction: Interaction, shown: ReviewContext) -> None:
    review = shown.review
    member = require_owner(interaction, review)
    if len(review.body) > TEXT_INPUT_VALUE:
        raise UserError(
            f"This review is {len(review.body):,} characters long, more than Discord's form "
            f"holds ({TEXT_INPUT_VALUE:,}); it can only be changed in the catalogue files."
        )
    draft = await interaction.client.app.store.drafts.save(
        Draft(
            guild_id=member.guild.id,
            user_id=member.id,
            review_id=review.id,
            category=review.category,
            title=review.title,
            creator=review.creator or "",
            rating=review.rating.as_number(),
            body=review.body,
            url=review.url or "",
            spoiler=review.spoiler,
        )
    )
    await interaction.response.send_modal(review_form(draft))
