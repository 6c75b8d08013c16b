"""Messages the bot sends and changes: followups, edits, deletions, views on any message, forms."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord import app_commands

from tests.loopback import Guild, InteractionFailed, LoopbackDiscord, Member, Permission, run_client


class FlowBot(discord.Client):
    def __init__(self) -> None:
        super().__init__(
            intents=discord.Intents.default(), allowed_mentions=discord.AllowedMentions.none()
        )
        self.tree = app_commands.CommandTree(self)
        self.history: list[str] = []
        tree = self.tree

        @tree.command(description="Answer, follow up, edit, delete")
        async def lifecycle(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("first")
            extra = await interaction.followup.send("second", wait=True)
            await extra.edit(content="second, edited")
            await interaction.edit_original_response(content="first, edited")
            third = await interaction.followup.send("third", ephemeral=True, wait=True)
            await third.delete()

        @tree.command(description="Post a message with a button in the channel")
        async def announce(interaction: discord.Interaction) -> None:
            assert isinstance(interaction.channel, discord.TextChannel)
            await interaction.channel.send("vote", view=Vote())
            await interaction.response.send_message("announced", ephemeral=True)

        @tree.command(description="A private button")
        async def private(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("secret", view=Vote(), ephemeral=True)

        @tree.command(description="Read the channel")
        async def history(interaction: discord.Interaction) -> None:
            assert isinstance(interaction.channel, discord.TextChannel)
            found = [m.content async for m in interaction.channel.history(limit=10)]
            await interaction.response.send_message(" | ".join(found), ephemeral=True)

        @tree.command(description="Pick roles")
        async def roles(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("which role?", view=RolePicker())

        @tree.command(description="A components v2 layout")
        async def layout(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(view=Layout())

    async def setup_hook(self) -> None:
        await self.tree.sync()


class Vote(discord.ui.View):
    votes = 0

    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.add_item(discord.ui.Button(label="Docs", url="https://example.org/docs"))

    @discord.ui.button(label="Yes", emoji="👍", custom_id="vote:yes")
    async def yes(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.defer()
        Vote.votes += 1
        await interaction.edit_original_response(content=f"votes: {Vote.votes}")

    @discord.ui.button(label="Explain", custom_id="vote:explain")
    async def explain(
        self, interaction: discord.Interaction, button: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.send_modal(Reason())


class Reason(discord.ui.Modal, title="Why?"):
    reason: discord.ui.Label[Any] = discord.ui.Label(
        text="Reason", component=discord.ui.TextInput(custom_id="reason", max_length=100)
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        assert isinstance(self.reason.component, discord.ui.TextInput)
        await interaction.response.edit_message(content=f"because {self.reason.component.value}")


class RolePicker(discord.ui.View):
    @discord.ui.select(cls=discord.ui.RoleSelect, custom_id="pick:role")
    async def pick(
        self, interaction: discord.Interaction, select: discord.ui.RoleSelect[Any]
    ) -> None:
        await interaction.response.send_message(f"role {select.values[0].name}", ephemeral=True)


class Layout(discord.ui.LayoutView):
    text: discord.ui.TextDisplay[Any] = discord.ui.TextDisplay("A layout")
    row: discord.ui.ActionRow[Any] = discord.ui.ActionRow()

    @row.button(label="Press", custom_id="layout:press")
    async def press(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.send_message("pressed", ephemeral=True)


async def test_followups_edits_and_deletions(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async with run_client(loopback, FlowBot()):
        reply = await loopback.slash(guild, reader, "lifecycle")
    assert reply.content == "first, edited"
    assert [m.content for m in reply.followups] == ["second, edited", "third"]
    assert reply.followups[1].deleted and reply.followups[1].ephemeral
    shown = loopback.channel_messages(guild.default_channel)
    assert [m.content for m in shown] == ["first, edited", "second, edited"]
    assert [v["content"] for v in shown[0].versions] == ["first"]


async def test_buttons_on_channel_messages_defer_and_edit(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    Vote.votes = 0
    async with run_client(loopback, FlowBot()):
        await loopback.slash(guild, reader, "announce")
        posted = await loopback.wait_for_message(
            guild.default_channel, lambda m: m.content == "vote"
        )
        first = await loopback.click(posted, reader, emoji="👍")
        second = await loopback.click(posted, guild.add_member("reviewer"), label="Yes")
        with pytest.raises(AssertionError, match="link"):
            await loopback.click(posted, reader, label="Docs")
    assert (first.type, first.content) == (6, "votes: 1")
    assert second.content == "votes: 2"
    assert posted.content == "votes: 2"


async def test_modal_from_a_button_edits_the_message(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async with run_client(loopback, FlowBot()):
        await loopback.slash(guild, reader, "announce")
        posted = loopback.channel_messages(guild.default_channel)[0]
        opened = await loopback.click(posted, reader, label="Explain")
        assert opened.modal is not None
        assert opened.modal.inputs[0].label == "Reason"
        submitted = await loopback.submit_modal(opened, reader, {"Reason": "it is good"})
    assert (submitted.type, submitted.content) == (7, "because it is good")
    assert submitted.message is posted


async def test_ephemeral_message_buttons_only_work_for_their_recipient(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    Vote.votes = 0
    async with run_client(loopback, FlowBot()):
        secret = await loopback.slash(guild, reader, "private")
        with pytest.raises(AssertionError, match="ephemeral"):
            await loopback.click(secret, guild.add_member("outsider"), label="Yes")
        clicked = await loopback.click(secret, reader, label="Yes")
    assert clicked.content == "votes: 1" and clicked.ephemeral
    assert loopback.channel_messages(guild.default_channel) == []


async def test_channel_history(loopback: LoopbackDiscord, guild: Guild, reader: Member) -> None:
    for text in ("one", "two"):
        loopback.post_message(guild.default_channel, reader, text)
    async with run_client(loopback, FlowBot()):
        reply = await loopback.slash(guild, reader, "history")
        guild.default_channel.set_overwrite(guild.bot_member, deny=Permission.READ_MESSAGE_HISTORY)
        loopback.interaction_timeout = 0.3
        with pytest.raises(InteractionFailed, match="no answer"):
            await loopback.slash(guild, reader, "history")
    assert reply.content == "two | one"
    assert loopback.count("GET /channels/{channel_id}/messages", status=403) == 1


async def test_role_select_sends_resolved_roles(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    reviewer = guild.add_role("Reviewer")
    async with run_client(loopback, FlowBot()):
        menu = await loopback.slash(guild, reader, "roles")
        picked = await loopback.select(menu, reader, [reviewer])
    assert picked.content == "role Reviewer"


async def test_components_v2_layout(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async with run_client(loopback, FlowBot()):
        shown = await loopback.slash(guild, reader, "layout")
        assert shown.flags & (1 << 15)
        pressed = await loopback.click(shown, reader, label="Press")
    assert pressed.content == "pressed"
