"""Publishing a draft (or saving an edit) through the post queue, and deleting a review."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import discord
from discord import ui

from ..app import Interaction
from ..errors import DuplicateReviewError, UserError
from ..funnel import funnelled, funnelled_check
from ..render import notice, truncate
from ..review import Draft, Review, ReviewContext
from ..store import OutboxItem, OutboxState
from .guards import require_owner, require_reviewer, server_member

CONFIRM_WAIT_SECONDS = 2.5  # how long Publish waits for the post, to hand back its link


async def draft_review(interaction: Interaction, draft: Draft) -> Review:
    """The review a draft would publish (or save, for an edit), checked and not a duplicate."""
    member = server_member(interaction)
    review = draft.to_review(member.display_name)
    store = interaction.client.app.store
    if draft.review_id is not None:
        original = await store.reviews.get(draft.review_id, draft.guild_id)
        if original is None:
            raise UserError("That review has been deleted in the meantime.")
        review = replace(
            review,
            id=original.id,
            published_at=original.published_at,
            author_name=original.author_name,
            author_id=original.author_id,
            image_url=original.image_url,
        )
    existing = await store.reviews.duplicate_of(review)
    if existing is not None and existing != draft.review_id:
        stored = await store.reviews.get(existing, draft.guild_id)
        raise DuplicateReviewError(existing, stored.title if stored else review.title)
    return review


async def publish_draft(interaction: Interaction, draft: Draft) -> None:
    """Store the draft's review, queue its post (or its post's edit), and confirm privately."""
    app = interaction.client.app
    store = app.store
    if draft.review_id is None:
        await require_reviewer(interaction)
    review = await draft_review(interaction, draft)
    if draft.review_id is not None:
        require_owner(interaction, review)
    await interaction.response.defer()  # posting may take a moment; the preview stays meanwhile
    if draft.review_id is None:
        stored, item_id = await store.reviews.publish(review)
    else:
        stored = await store.reviews.update(review)
        item_id = None
    assert draft.id is not None
    await store.drafts.discard(draft.id)
    app.delivery.wake()
    title = truncate(stored.title, 100)
    if item_id is None:
        text = f"Saved your changes to “{title}”."
        if await store.posts.has_post(stored.stored_id):
            text += " Its post will be updated in a moment."
    else:
        item = await app.delivery.wait_for(item_id, CONFIRM_WAIT_SECONDS)
        text = _confirmation(
            title, item, await store.reviews.context(stored.stored_id, stored.guild_id)
        )
    await interaction.edit_original_response(**notice(text).edit_kwargs())


def _confirmation(title: str, item: OutboxItem | None, shown: ReviewContext | None) -> str:
    if shown is not None and shown.post_url:
        return f"Published “{title}”: {shown.post_url}"
    if item is not None and item.state is OutboxState.BLOCKED:
        return f"Saved “{title}”, but it can't be posted yet. {item.last_error}"
    return f"Saved “{title}”. It is queued and will be posted in a moment."


# Deleting ----------------------------------------------------------------------------------


async def confirm_delete(interaction: Interaction, shown: ReviewContext) -> None:
    review = shown.review
    require_owner(interaction, review)
    view = ui.View(timeout=None)
    view.add_item(DeleteButton(review.stored_id, confirm=True))
    view.add_item(DeleteButton(review.stored_id, confirm=False))
    posted = " and its post" if shown.post_url else ""
    await interaction.response.send_message(
        f"Delete “{truncate(review.title, 100)}”{posted}? This can't be undone.",
        view=view,
        ephemeral=True,
    )


class DeleteButton(
    ui.DynamicItem[ui.Button[Any]], template=r"reviewbot:delete:(?P<id>\d+):(?P<answer>yes|no)"
):
    def __init__(self, review_id: int, *, confirm: bool) -> None:
        super().__init__(
            ui.Button(
                label="Delete" if confirm else "Keep it",
                style=discord.ButtonStyle.danger if confirm else discord.ButtonStyle.secondary,
                custom_id=f"reviewbot:delete:{review_id}:{'yes' if confirm else 'no'}",
            )
        )
        self.review_id, self.confirm = review_id, confirm
        self.review: Review | None = None  # loaded by the check when Delete is pressed

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: Interaction, item: ui.Button[Any], match: re.Match[str]
    ) -> DeleteButton:
        return cls(int(match["id"]), confirm=match["answer"] == "yes")

    @funnelled_check
    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        # Asked again on the click: permissions may have changed since the question.
        if self.confirm:
            store = interaction.client.app.store
            self.review = await store.reviews.get(self.review_id, interaction.guild_id)
            if self.review is not None:
                require_owner(interaction, self.review)
        return True

    @funnelled
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        if not self.confirm:
            await interaction.response.edit_message(content="Kept.", view=None)
            return
        if self.review is None:
            await interaction.response.edit_message(content="Already deleted.", view=None)
            return
        app = interaction.client.app
        posted = await app.store.posts.has_post(self.review_id)
        await app.store.reviews.delete(self.review_id)
        app.delivery.wake()
        gone = " Its post will be removed in a moment." if posted else ""
        await interaction.response.edit_message(
            content=f"Deleted “{truncate(self.review.title, 100)}”.{gone}", view=None
        )
