"""The review form: its inputs and custom id, opening it, and reading what was submitted."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import discord
from discord import ui

from ..app import Interaction
from ..errors import UserError
from ..limits import MODAL_TITLE, TEXT_INPUT_VALUE
from ..render import truncate
from ..review import CREATOR_MAX, TITLE_MAX, URL_MAX, Category, Draft, ReviewContext
from .guards import require_owner, require_reviewer

FORM_ID = re.compile(r"reviewbot:form:(\d+)")

# The form's inputs: custom id (also the draft's field), label, and how the input behaves.
FORM_INPUTS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("title", "Title", {"max_length": TITLE_MAX}),
    (
        "creator",
        "Creator (director, artist, author…)",
        {"required": False, "max_length": CREATOR_MAX},
    ),
    ("rating", "Rating", {"placeholder": "4, 4.5, 4/5, 9/10 or ★★★★½", "max_length": 20}),
    (
        "body",
        "Review",
        {"style": discord.TextStyle.paragraph, "max_length": TEXT_INPUT_VALUE},
    ),
    (
        "url",
        "Link (optional)",
        {
            "required": False,
            "max_length": min(URL_MAX, TEXT_INPUT_VALUE),
            "placeholder": "https://…",
        },
    ),
)
DRAFT_FIELDS = tuple(custom_id for custom_id, _, _ in FORM_INPUTS)


def review_form(draft: Draft) -> ui.Modal:
    """The form for a draft, filled with what was typed so far; see `submitted_draft_id`."""
    kind = "Edit review" if draft.review_id else f"New {draft.category.value} review"
    modal = ui.Modal(title=truncate(kind, MODAL_TITLE), custom_id=f"reviewbot:form:{draft.id}")
    for custom_id, label, options in FORM_INPUTS:
        typed = getattr(draft, custom_id) or None
        modal.add_item(ui.TextInput(label=label, custom_id=custom_id, default=typed, **options))
    # Not kept by discord.py: the submission is handled by custom id, even after a restart.
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
    """The draft with what was typed in the submitted form (`data`), each field trimmed."""
    typed = _submitted_values(data)
    field = {name: typed.get(name, "").strip() for name in DRAFT_FIELDS}
    return replace(
        draft,
        title=field["title"],
        creator=field["creator"],
        rating=field["rating"],
        body=field["body"],
        url=field["url"],
    )


def _submitted_values(data: Any) -> dict[str, str]:
    values: dict[str, str] = {}

    def walk(components: Any) -> None:
        for component in components or []:
            if component.get("type") == 4:
                values[component["custom_id"]] = component.get("value") or ""
            walk(component.get("components"))
            if isinstance(component.get("component"), dict):
                walk([component["component"]])

    walk((data or {}).get("components"))
    return values


async def open_new_form(interaction: Interaction, category: Category) -> None:
    member = await require_reviewer(interaction)
    draft = await interaction.client.app.store.drafts.save(
        Draft(guild_id=member.guild.id, user_id=member.id, category=category)
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
