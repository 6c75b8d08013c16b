"""A small well-behaved discord.py bot using what reviewbot uses; the stand-in's own tests drive it.

Run as a process against a stand-in with
`python -m tests.loopback.launch URL -- tests.loopback.sample_bot` (token in DISCORD_TOKEN).
"""

from __future__ import annotations

import asyncio
import os
import re
from typing import Any

import discord
from discord import app_commands

ROLE_TEXT = "{name} ({permissions})"


class Counter(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"sample:count:(?P<n>\d+)"):
    """A button whose state lives in its custom id, so it works after a restart."""

    def __init__(self, n: int) -> None:
        super().__init__(discord.ui.Button(label=f"Count {n}", custom_id=f"sample:count:{n}"))
        self.n = n

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Counter:
        return cls(int(match["n"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(Counter(self.n + 1))
        await interaction.response.edit_message(content=f"count {self.n + 1}", view=view)


class Pager(discord.ui.View):
    def __init__(self, page: int = 1, last: int = 3) -> None:
        super().__init__(timeout=60)
        self.page, self.last = page, last
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.page == 1
        self.next.disabled = self.page == self.last

    def text(self) -> str:
        return f"page {self.page} of {self.last}"

    @discord.ui.button(label="◀ Previous", custom_id="sample:previous")
    async def previous(
        self, interaction: discord.Interaction, button: discord.ui.Button[Any]
    ) -> None:
        self.page -= 1
        self._sync()
        await interaction.response.edit_message(content=self.text(), view=self)

    @discord.ui.button(label="Next ▶", custom_id="sample:next")
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.page += 1
        self._sync()
        await interaction.response.edit_message(content=self.text(), view=self)


class Picker(discord.ui.View):
    @discord.ui.select(
        custom_id="sample:pick",
        placeholder="Pick a review",
        options=[discord.SelectOption(label=f"Review {n}", value=str(n)) for n in (7, 42)],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[Any]) -> None:
        await interaction.response.send_message(f"picked {select.values[0]}", ephemeral=True)


class ReviewForm(discord.ui.Modal, title="New review"):
    review_title: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Title", custom_id="title", max_length=200
    )
    rating: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Rating", custom_id="rating", required=False, max_length=5
    )
    body: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Review", custom_id="body", style=discord.TextStyle.paragraph, default="Fine."
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        rating = self.rating.value or "unrated"
        text = f"stored {self.review_title.value} ({rating}): {self.body.value}"
        await interaction.response.send_message(text, ephemeral=True)


class Config(app_commands.Group, name="config", description="Settings"):
    @app_commands.command(description="Where reviews go")
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        perms = interaction.permissions.value
        await interaction.response.send_message(
            f"channel {channel.id} {channel.name}; you have {perms}", ephemeral=True
        )

    @app_commands.command(description="Who may post")
    async def role(self, interaction: discord.Interaction, role: discord.Role) -> None:
        text = ROLE_TEXT.format(name=role.name, permissions=role.permissions.value)
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(description="Settings of all kinds")
    async def values(
        self,
        interaction: discord.Interaction,
        count: app_commands.Range[int, 1, 10],
        ratio: float,
        enabled: bool,
        who: discord.Member,
    ) -> None:
        text = f"{count} {ratio} {enabled} {who.id} {who.display_name}"
        await interaction.response.send_message(text, ephemeral=True)


class Review(app_commands.Group, name="review", description="Reviews"):
    titles = ("Her", "Heat", "Hereditary", "Up")

    config = Config()

    @app_commands.command(description="Show a review")
    async def show(self, interaction: discord.Interaction, title: str) -> None:
        embed = discord.Embed(title=title, description="A review.")
        await interaction.response.send_message(embed=embed, view=Pager())

    @show.autocomplete("title")
    async def show_titles(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        found = [t for t in self.titles if t.lower().startswith(current.lower())]
        return [app_commands.Choice(name=t, value=t) for t in found]

    @app_commands.command(description="Post a review")
    async def post(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(ReviewForm())


class SampleBot(discord.Client):
    def __init__(self, *, sync_guild: discord.abc.Snowflake | None = None, **options: Any) -> None:
        options.setdefault("intents", discord.Intents.default())
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        super().__init__(**options)
        self.tree = app_commands.CommandTree(self)
        self.sync_guild = sync_guild
        self.tree.add_command(Review())
        self._add_commands()

    def _add_commands(self) -> None:
        tree = self.tree

        @tree.command(description="Say hello")
        async def hello(interaction: discord.Interaction, name: str) -> None:
            await interaction.response.send_message(f"Hello {name}")

        @tree.command(description="A counter that survives restarts")
        async def counter(interaction: discord.Interaction) -> None:
            view = discord.ui.View(timeout=None)
            view.add_item(Counter(0))
            await interaction.response.send_message("count 0", view=view)

        @tree.command(description="Think, then answer")
        async def slow(interaction: discord.Interaction, seconds: float = 0.05) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await asyncio.sleep(seconds)
            await interaction.followup.send("done thinking", ephemeral=True)

        @tree.command(description="Post text in this channel")
        async def post(
            interaction: discord.Interaction, text: str, nonce: str | None = None
        ) -> None:
            assert isinstance(interaction.channel, discord.TextChannel)
            try:
                extra: dict[str, Any] = {"nonce": nonce} if nonce else {}
                message = await interaction.channel.send(text, **extra)
            except discord.HTTPException as error:
                await interaction.response.send_message(f"failed: {error.status} {error.code}")
                return
            await interaction.response.send_message(f"posted {message.id}", ephemeral=True)

        @tree.command(description="A select menu")
        async def pick(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pick one", view=Picker())

    async def setup_hook(self) -> None:
        self.add_dynamic_items(Counter)
        if self.sync_guild is not None:
            self.tree.copy_global_to(guild=self.sync_guild)
            await self.tree.sync(guild=self.sync_guild)
        await self.tree.sync()


def main() -> None:
    SampleBot().run(os.environ["DISCORD_TOKEN"], log_handler=None)


if __name__ == "__main__":
    main()
