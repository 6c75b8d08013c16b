"""The `/review` slash commands: thin handlers that ask the store and answer with views."""

from __future__ import annotations

import logging
import re

import discord
from discord import app_commands

from .app import Interaction
from .errors import UserError
from .feeds_admin import FeedCommands
from .labels import with_creator
from .limits import AUTOCOMPLETE_CHOICES, AUTOCOMPLETE_NAME
from .publishing import admin, form, publish
from .render import truncate
from .review import TITLE_MAX, Category, Rating, ReviewContext
from .views import search_reply, send_review

log = logging.getLogger(__name__)

CATEGORY_CHOICES = [app_commands.Choice(name=c.value.title(), value=c.value) for c in Category]
RATING_CHOICES = [
    app_commands.Choice(name=f"{Rating(h)} and up" if h < 10 else f"{Rating(h)} only", value=h)
    for h in range(10, 0, -1)
]
# An autocomplete pick sends this as the title, so two works with one title stay apart.
_PICKED = re.compile(r"review:(\d+)")


def _category(choice: app_commands.Choice[str] | None) -> Category | None:
    return Category(choice.value) if choice else None


class ReviewCommands(app_commands.Group, name="review", description="Read and share reviews"):
    """`/review …`: every command of the bot, in one group.

    It holds no store, so `reviewbot sync` builds it without opening the database; handlers
    reach the store through `interaction.client.app`.
    """

    def __init__(self) -> None:
        super().__init__()
        self.add_command(ConfigCommands())
        self.add_command(FeedCommands())

    @app_commands.command(description="Show a review, with buttons to the previous and next ones")
    @app_commands.describe(title="The title of the reviewed work (start typing to pick)")
    async def show(
        self, interaction: Interaction, title: app_commands.Range[str, 1, TITLE_MAX]
    ) -> None:
        await send_review(interaction, await self._resolve(interaction, title))

    async def _resolve(self, interaction: Interaction, title: str) -> ReviewContext:
        store = interaction.client.app.store
        picked = _PICKED.fullmatch(title.strip())
        if picked:
            shown = await store.reviews.context(int(picked[1]), interaction.guild_id)
            if shown is not None:
                return shown
        return await store.reviews.resolve_title(title, interaction.guild_id)

    @app_commands.command(description="Search reviews by title and text")
    @app_commands.describe(
        query="Words from the title or the review (typos are fine)",
        category="Only this kind of work",
        min_rating="Only reviews rated at least this",
    )
    @app_commands.choices(category=CATEGORY_CHOICES)
    @app_commands.choices(min_rating=RATING_CHOICES)
    async def search(
        self,
        interaction: Interaction,
        query: app_commands.Range[str, 1, TITLE_MAX],
        category: app_commands.Choice[str] | None = None,
        min_rating: app_commands.Choice[int] | None = None,
    ) -> None:
        saved = await interaction.client.app.store.search.save(
            interaction.guild_id,
            query,
            _category(category),
            Rating(min_rating.value) if min_rating else None,
        )
        reply = await search_reply(interaction, saved, page=0)
        await interaction.response.send_message(**reply.send_kwargs())

    @app_commands.command(description="Write a review and publish it in this server")
    @app_commands.guild_only()
    async def post(self, interaction: Interaction) -> None:
        await form.open_new_form(interaction)

    @app_commands.command(description="Change one of your reviews (and its post)")
    @app_commands.describe(title="The review to change (start typing to pick)")
    @app_commands.guild_only()
    async def edit(
        self, interaction: Interaction, title: app_commands.Range[str, 1, TITLE_MAX]
    ) -> None:
        await form.open_edit_form(interaction, await self._resolve(interaction, title))

    @app_commands.command(description="Delete one of your reviews (and its post)")
    @app_commands.describe(title="The review to delete (start typing to pick)")
    @app_commands.guild_only()
    async def delete(
        self, interaction: Interaction, title: app_commands.Range[str, 1, TITLE_MAX]
    ) -> None:
        await publish.confirm_delete(interaction, await self._resolve(interaction, title))

    @show.autocomplete("title")
    @edit.autocomplete("title")
    @delete.autocomplete("title")
    async def _title_choices(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        store, guild = interaction.client.app.store, interaction.guild_id
        if current.strip():
            hits = await store.search(current, guild, AUTOCOMPLETE_CHOICES, include_body=False)
        else:
            hits = await store.reviews.recent(guild, AUTOCOMPLETE_CHOICES)
        choices = []
        for hit in hits:
            label = with_creator(hit.title, hit.creator)
            name = truncate(f"{label} ({hit.published_at.year})", AUTOCOMPLETE_NAME)
            choices.append(app_commands.Choice(name=name, value=f"review:{hit.id}"))
        return choices

    @app_commands.command(description="Bot health and the post queue (Manage Server)")
    @app_commands.guild_only()
    async def status(self, interaction: Interaction) -> None:
        await admin.show_status(interaction)

    @app_commands.command(description="Show the newest review")
    async def latest(self, interaction: Interaction) -> None:
        await send_review(
            interaction, await interaction.client.app.store.reviews.latest(interaction.guild_id)
        )

    @app_commands.command(description="Show a review picked at random")
    @app_commands.describe(category="Only this kind of work")
    @app_commands.choices(category=CATEGORY_CHOICES)
    async def random(
        self, interaction: Interaction, category: app_commands.Choice[str] | None = None
    ) -> None:
        shown = await interaction.client.app.store.reviews.random(
            interaction.guild_id, _category(category)
        )
        if shown is None and category is not None:
            raise UserError(f"There are no {category.value} reviews here yet.")
        await send_review(interaction, shown)


class ConfigCommands(
    app_commands.Group, name="config", description="Where and by whom reviews are posted"
):
    """`/review config …`: Manage Server only (checked here, since Discord's default permissions
    apply to a whole top-level command, and `/review` is for everyone)."""

    @app_commands.command(
        description="Choose the channel new reviews are posted in (Manage Server)"
    )
    @app_commands.describe(channel="A text channel the bot can post in")
    @app_commands.guild_only()
    async def channel(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        await admin.set_channel(interaction, channel)

    @app_commands.command(description="Choose the role allowed to post reviews (Manage Server)")
    @app_commands.describe(role="Members with this role may post reviews")
    @app_commands.guild_only()
    async def role(self, interaction: Interaction, role: discord.Role) -> None:
        await admin.set_role(interaction, role)

    @app_commands.command(description="Show this server's review settings (Manage Server)")
    @app_commands.guild_only()
    async def show(self, interaction: Interaction) -> None:
        await admin.show_settings(interaction)
