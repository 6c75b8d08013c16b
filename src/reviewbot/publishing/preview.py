"""A draft's private preview: the answer to a submitted form, and its buttons."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import discord
from discord import ui

from ..app import Interaction
from ..errors import DuplicateReviewError, UserError, ValidationError
from ..funnel import funnelled, funnelled_check, reply_error
from ..render import Reply, layout, link_row, notice, render_review
from ..review import Draft, ReviewContext
from .form import extras_form, filled_in, review_form, submitted_draft_id
from .publish import draft_review, publish_draft


async def answer_form(interaction: Interaction) -> None:
    """A submitted review form: keep what was typed, then show the preview or what to fix.

    Matched by custom id rather than by a kept `Modal`, so a form opened before a restart works.
    """
    draft_id = submitted_draft_id(interaction)
    if draft_id is None:
        return
    try:
        store = interaction.client.app.store
        draft = await store.drafts.get(draft_id, interaction.user.id)
        if draft is None:
            raise UserError("This form has expired. Start again with `/review post`.")
        draft = await store.drafts.save(filled_in(draft, interaction.data))
        reply = await preview_reply(interaction, draft)
        await interaction.response.send_message(**reply.send_kwargs(), ephemeral=True)
    except Exception as error:
        await reply_error(interaction, error)


async def preview_reply(interaction: Interaction, draft: Draft) -> Reply:
    """The private preview of exactly what will be published, or what to fix first."""
    assert draft.id is not None
    store = interaction.client.app.store
    try:
        review = await draft_review(interaction, draft)
    except (ValidationError, DuplicateReviewError) as problem:
        # "Fix it" opens the form holding the field that is wrong.
        in_extras = isinstance(problem, ValidationError) and problem.field == "url"
        fix = DraftButton(draft.id, "extras" if in_extras else "edit", "Fix it", PRIMARY)
        cancel = DraftButton(draft.id, "cancel", "Cancel", discord.ButtonStyle.danger)
        text = f"{problem}\nYour text is kept: press **Fix it** to change it."
        return notice(text, ui.ActionRow(fix, cancel))
    total = await store.reviews.count(draft.guild_id)
    if draft.review_id is not None:
        shown = await store.reviews.context(draft.review_id, draft.guild_id)
        assert shown is not None
        shown = replace(shown, review=review)
    else:
        shown = ReviewContext(review, None, None, total + 1, total + 1)
    settings = await store.guilds.settings(draft.guild_id)
    where = (
        f"<#{settings.review_channel_id}>" if settings.review_channel_id else "the review channel"
    )
    verb = "saved and its post updated" if draft.review_id else f"published in {where}"
    buttons: ui.ActionRow[Any] = ui.ActionRow(
        DraftButton(draft.id, "publish", "Save changes" if draft.review_id else "Publish", SUCCESS),
        DraftButton(draft.id, "edit", "Edit", SECONDARY),
        DraftButton(draft.id, "extras", "Link and spoiler", SECONDARY),
        DraftButton(draft.id, "cancel", "Cancel", discord.ButtonStyle.danger),
    )
    card = render_review(shown).card
    if links := link_row(review):
        card.add_item(links)
    note = f"**Preview**: this is how the review will look once {verb}."
    return Reply(layout(card, buttons, note=note))


PRIMARY, SECONDARY, SUCCESS = (
    discord.ButtonStyle.primary,
    discord.ButtonStyle.secondary,
    discord.ButtonStyle.success,
)


class DraftButton(
    ui.DynamicItem[ui.Button[Any]],
    template=r"reviewbot:draft:(?P<id>\d+):(?P<action>publish|edit|extras|spoiler|cancel)",
):
    def __init__(self, draft_id: int, action: str, label: str, style: discord.ButtonStyle) -> None:
        super().__init__(
            ui.Button(label=label, style=style, custom_id=f"reviewbot:draft:{draft_id}:{action}")
        )
        self.draft_id, self.action = draft_id, action
        self.draft: Draft | None = None  # the clicker's own draft, loaded by the check

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: Interaction, item: ui.Button[Any], match: re.Match[str]
    ) -> DraftButton:
        return cls(int(match["id"]), match["action"], item.label or "", item.style)

    @funnelled_check
    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        # Only its writer has the draft: to anyone else it is as good as gone.
        self.draft = await interaction.client.app.store.drafts.get(
            self.draft_id, interaction.user.id
        )
        if self.draft is None:
            raise UserError(
                "This draft is gone (published or cancelled). Start again with `/review post`."
            )
        return True

    @funnelled
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        draft = self.draft
        assert draft is not None  # interaction_check refused the click otherwise
        store = interaction.client.app.store
        if self.action == "edit":
            await interaction.response.send_modal(review_form(draft))
        elif self.action == "extras":
            await interaction.response.send_modal(extras_form(draft))
        elif self.action == "cancel":
            await store.drafts.discard(self.draft_id)
            await interaction.response.edit_message(**notice("Discarded.").edit_kwargs())
        elif self.action == "spoiler":  # the toggle of previews shown before the spoiler box
            draft = await store.drafts.save(replace(draft, spoiler=not draft.spoiler))
            reply = await preview_reply(interaction, draft)
            await interaction.response.edit_message(**reply.edit_kwargs())
        else:
            await publish_draft(interaction, draft)
