"""Publishing from Discord: the review form, the private preview, edits, deletes and settings.

Custom ids (state lives in the database, so every step survives a restart):

    reviewbot:form:<draft id>               the review form (handled in `ReviewBot.on_interaction`)
    reviewbot:draft:<draft id>:<action>     preview buttons: publish, edit, spoiler, cancel
    reviewbot:delete:<review id>:<yes|no>   confirming a delete
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import ui

from .errors import DuplicateReviewError, UserError, ValidationError
from .funnel import funnelled
from .limits import MODAL_TITLE, TEXT_INPUT_VALUE
from .outbox import missing_permissions
from .render import render_review, truncate
from .review import (
    CREATOR_MAX,
    TITLE_MAX,
    URL_MAX,
    Category,
    Draft,
    Review,
    ReviewContext,
)
from .store import OutboxItem, OutboxState

if TYPE_CHECKING:
    from .bot import ReviewBot

    Interaction = discord.Interaction[ReviewBot]

log = logging.getLogger(__name__)

FORM_ID = re.compile(r"reviewbot:form:(\d+)")
CONFIRM_WAIT_SECONDS = 2.5  # how long Publish waits for the post, to hand back its link


# Who may do what ---------------------------------------------------------------------------


def _member(interaction: Interaction) -> discord.Member:
    if not isinstance(interaction.user, discord.Member) or interaction.guild is None:
        raise UserError("Reviews are published in a server: use this command there.")
    return interaction.user


def require_manager(interaction: Interaction) -> discord.Member:
    member = _member(interaction)
    if not member.guild_permissions.manage_guild:
        raise UserError("Only members with the **Manage Server** permission can do this.")
    return member


async def require_reviewer(interaction: Interaction) -> discord.Member:
    member = _member(interaction)
    if member.guild_permissions.manage_guild:
        return member
    settings = await interaction.client.store.settings(member.guild.id)
    if settings.reviewer_role_id is None:
        raise UserError(
            "Only server managers can post reviews here until a reviewer role is set "
            "(a manager can set one with `/review config role`)."
        )
    if not any(role.id == settings.reviewer_role_id for role in member.roles):
        raise UserError(
            f"Posting reviews needs the <@&{settings.reviewer_role_id}> role "
            "(or the Manage Server permission)."
        )
    return member


def require_owner(interaction: Interaction, review: Review) -> discord.Member:
    member = _member(interaction)
    if review.guild_id != member.guild.id:
        raise UserError(
            "This review is part of the bot's catalogue; its operator changes it in the "
            "catalogue files."
        )
    if review.author_id != member.id and not member.guild_permissions.manage_messages:
        raise UserError(
            "Only the review's author, or members with **Manage Messages**, can change it."
        )
    return member


# The form ----------------------------------------------------------------------------------


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
    """The form for a draft, filled with what was typed so far; submitted to `handle_form`."""
    kind = "Edit review" if draft.review_id else f"New {draft.category.value} review"
    modal = ui.Modal(title=truncate(kind, MODAL_TITLE), custom_id=f"reviewbot:form:{draft.id}")
    for custom_id, label, options in FORM_INPUTS:
        typed = getattr(draft, custom_id) or None
        modal.add_item(ui.TextInput(label=label, custom_id=custom_id, default=typed, **options))
    # Not kept by discord.py: the submission is handled by custom id, even after a restart.
    modal.stop()
    return modal


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
    draft = await interaction.client.store.save_draft(
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
    draft = await interaction.client.store.save_draft(
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


async def handle_form(interaction: Interaction, draft_id: int) -> None:
    """A submitted form: keep what was typed, then show the preview or what to fix."""
    store = interaction.client.store
    draft = await store.draft(draft_id, interaction.user.id)
    if draft is None:
        raise UserError("This form has expired. Start again with `/review post`.")
    typed = _submitted_values(interaction.data)
    field = {name: typed.get(name, "").strip() for name in DRAFT_FIELDS}
    draft = await store.save_draft(
        replace(
            draft,
            title=field["title"],
            creator=field["creator"],
            rating=field["rating"],
            body=field["body"],
            url=field["url"],
        )
    )
    await interaction.response.send_message(**await _preview(interaction, draft), ephemeral=True)


async def _preview(interaction: Interaction, draft: Draft) -> dict[str, Any]:
    """The private preview of exactly what will be published, or what to fix first."""
    assert draft.id is not None
    store = interaction.client.store
    try:
        review = await _draft_review(interaction, draft)
    except (ValidationError, DuplicateReviewError) as problem:
        return {
            "content": f"{problem}\nYour text is kept: press **Fix it** to change it.",
            "embed": None,
            "view": _draft_view(draft.id, publish=False),
        }
    total = await store.count(draft.guild_id)
    if draft.review_id is not None:
        shown = await store.context(draft.review_id, draft.guild_id)
        assert shown is not None
        shown = replace(shown, review=review)
    else:
        shown = ReviewContext(review, None, None, total + 1, total + 1)
    settings = await store.settings(draft.guild_id)
    where = (
        f"<#{settings.review_channel_id}>" if settings.review_channel_id else "the review channel"
    )
    verb = "saved and its post updated" if draft.review_id else f"published in {where}"
    return {
        "content": f"**Preview**: this is how the review will look once {verb}.",
        "embed": render_review(shown).embed,
        "view": _draft_view(draft.id, publish=True, spoiler=draft.spoiler, editing=draft.review_id),
    }


async def _draft_review(interaction: Interaction, draft: Draft) -> Review:
    member = _member(interaction)
    review = draft.to_review(member.display_name)
    store = interaction.client.store
    if draft.review_id is not None:
        original = await store.get(draft.review_id, draft.guild_id)
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
    existing = await store.duplicate_of(review)
    if existing is not None and existing != draft.review_id:
        stored = await store.get(existing, draft.guild_id)
        raise DuplicateReviewError(existing, stored.title if stored else review.title)
    return review


def _draft_view(
    draft_id: int, *, publish: bool, spoiler: bool = False, editing: int | None = None
) -> ui.View:
    view = ui.View(timeout=None)
    if publish:
        label = "Save changes" if editing else "Publish"
        view.add_item(DraftButton(draft_id, "publish", label, discord.ButtonStyle.success))
        view.add_item(DraftButton(draft_id, "edit", "Edit", discord.ButtonStyle.secondary))
        marked = "Spoiler: on" if spoiler else "Spoiler: off"
        view.add_item(DraftButton(draft_id, "spoiler", marked, discord.ButtonStyle.secondary))
    else:
        view.add_item(DraftButton(draft_id, "edit", "Fix it", discord.ButtonStyle.primary))
    view.add_item(DraftButton(draft_id, "cancel", "Cancel", discord.ButtonStyle.danger))
    return view


class DraftButton(
    ui.DynamicItem[ui.Button[Any]],
    template=r"reviewbot:draft:(?P<id>\d+):(?P<action>publish|edit|spoiler|cancel)",
):
    def __init__(self, draft_id: int, action: str, label: str, style: discord.ButtonStyle) -> None:
        super().__init__(
            ui.Button(label=label, style=style, custom_id=f"reviewbot:draft:{draft_id}:{action}")
        )
        self.draft_id, self.action = draft_id, action

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: Interaction, item: ui.Button[Any], match: re.Match[str]
    ) -> DraftButton:
        return cls(int(match["id"]), match["action"], item.label or "", item.style)

    @funnelled
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        store = interaction.client.store
        draft = await store.draft(self.draft_id, interaction.user.id)
        if draft is None:
            raise UserError(
                "This draft is gone (published or cancelled). Start again with `/review post`."
            )
        if self.action == "edit":
            await interaction.response.send_modal(review_form(draft))
        elif self.action == "cancel":
            await store.discard_draft(self.draft_id)
            await interaction.response.edit_message(content="Discarded.", embed=None, view=None)
        elif self.action == "spoiler":
            draft = await store.save_draft(replace(draft, spoiler=not draft.spoiler))
            await interaction.response.edit_message(**await _preview(interaction, draft))
        else:
            await _publish(interaction, draft)


async def _publish(interaction: Interaction, draft: Draft) -> None:
    store = interaction.client.store
    if draft.review_id is None:
        await require_reviewer(interaction)
    review = await _draft_review(interaction, draft)
    if draft.review_id is not None:
        require_owner(interaction, review)
    await interaction.response.defer()  # posting may take a moment; the preview stays meanwhile
    if draft.review_id is None:
        stored, item_id = await store.publish(review)
    else:
        stored = await store.update(review)
        item_id = None
    assert draft.id is not None
    await store.discard_draft(draft.id)
    worker = interaction.client.outbox
    worker.wake()
    title = truncate(stored.title, 100)
    if item_id is None:
        text = f"Saved your changes to “{title}”."
        if await store.has_post(stored.stored_id):
            text += " Its post will be updated in a moment."
    else:
        item = await worker.wait_for(item_id, CONFIRM_WAIT_SECONDS)
        text = _confirmation(title, item, await store.context(stored.stored_id, stored.guild_id))
    await interaction.edit_original_response(content=text, embed=None, view=None)


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

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: Interaction, item: ui.Button[Any], match: re.Match[str]
    ) -> DeleteButton:
        return cls(int(match["id"]), confirm=match["answer"] == "yes")

    @funnelled
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        if not self.confirm:
            await interaction.response.edit_message(content="Kept.", view=None)
            return
        store = interaction.client.store
        review = await store.get(self.review_id, interaction.guild_id)
        if review is None:
            await interaction.response.edit_message(content="Already deleted.", view=None)
            return
        require_owner(interaction, review)
        posted = await store.has_post(self.review_id)
        await store.delete(self.review_id)
        interaction.client.outbox.wake()
        gone = " Its post will be removed in a moment." if posted else ""
        await interaction.response.edit_message(
            content=f"Deleted “{truncate(review.title, 100)}”.{gone}", view=None
        )


# Settings and status -----------------------------------------------------------------------


async def set_channel(interaction: Interaction, channel: discord.TextChannel) -> None:
    member = require_manager(interaction)
    missing = missing_permissions(channel)
    if missing:
        names = ", ".join(f"**{name}**" for name in missing)
        raise UserError(
            f"The bot can't post in {channel.mention}: it lacks {names} there. Grant "
            "it in the channel's permissions, then run this again."
        )
    store = interaction.client.store
    await store.set_review_channel(member.guild.id, channel.id)
    waiting = await store.unblock(member.guild.id)
    interaction.client.outbox.wake()
    extra = f" {waiting} waiting post(s) will go out now." if waiting else ""
    await interaction.response.send_message(
        f"New reviews will be posted in {channel.mention}.{extra}", ephemeral=True
    )


async def set_role(interaction: Interaction, role: discord.Role) -> None:
    member = require_manager(interaction)
    await interaction.client.store.set_reviewer_role(member.guild.id, role.id)
    await interaction.response.send_message(
        f"Members with {role.mention} can now post reviews (as can server managers).",
        ephemeral=True,
    )


async def show_settings(interaction: Interaction) -> None:
    member = require_manager(interaction)
    settings = await interaction.client.store.settings(member.guild.id)
    channel = f"<#{settings.review_channel_id}>" if settings.review_channel_id else "not set"
    role = f"<@&{settings.reviewer_role_id}>" if settings.reviewer_role_id else "not set"
    embed = discord.Embed(title="reviewbot settings", colour=discord.Colour.blurple())
    embed.add_field(name="Review channel", value=channel, inline=False)
    embed.add_field(name="Reviewer role", value=f"{role} (server managers can always post)")
    await interaction.response.send_message(embed=embed, ephemeral=True)


async def show_status(interaction: Interaction) -> None:
    import platform
    import sqlite3

    from . import __version__

    member = require_manager(interaction)
    bot = interaction.client
    store = bot.store
    queue = await store.queue_status(member.guild.id)
    latency = f"{bot.latency * 1000:.0f} ms" if bot.latency == bot.latency else "not measured yet"
    uptime = timedelta(seconds=round(time.monotonic() - bot.started))
    embed = discord.Embed(title="reviewbot status", colour=discord.Colour.green())
    embed.add_field(name="Gateway latency", value=latency)
    embed.add_field(name="Uptime", value=str(uptime))
    embed.add_field(name="Reviews here", value=f"{await store.count(member.guild.id):,}")
    embed.add_field(name="Schema version", value=str(store.schema_version))
    embed.add_field(
        name="Versions",
        value=f"reviewbot {__version__} · discord.py {discord.__version__} · "
        f"Python {platform.python_version()} · SQLite {sqlite3.sqlite_version}",
        inline=False,
    )
    embed.add_field(name="Posts waiting", value=str(queue.waiting))
    if queue.last_delivered and queue.last_delivered.done_at:
        stamp = discord.utils.format_dt(queue.last_delivered.done_at, "R")
        embed.add_field(name="Last delivered", value=stamp)
    for item in queue.blocked[:5]:
        what = f"{item.action.value} #{item.id}"
        embed.add_field(
            name=f"Blocked: {what}", value=truncate(item.last_error or "?", 1024), inline=False
        )
    if len(queue.blocked) > 5:
        embed.add_field(
            name="More blocked", value=f"{len(queue.blocked) - 5} more, for the same reasons"
        )
    await interaction.response.send_message(embed=embed, ephemeral=True)


COMPONENTS = (DraftButton, DeleteButton)
