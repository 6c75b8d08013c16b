"""The loopback stand-in driven by a real discord.py client: commands, components, forms."""

from __future__ import annotations

import discord
import pytest

from tests.loopback import (
    CommandUnavailable,
    Guild,
    LoopbackDiscord,
    Member,
    Permission,
    run_client,
)
from tests.loopback.sample_bot import SampleBot


async def test_sync_registers_commands_through_bulk_overwrite(loopback: LoopbackDiscord) -> None:
    async with run_client(loopback, SampleBot()):
        names = {c["name"] for c in loopback.global_commands}
        assert names == {"review", "hello", "counter", "slow", "post", "pick"}
        review = loopback.command("review")
        groups = {o["name"]: o["type"] for o in review["options"]}
        assert groups == {"show": 1, "post": 1, "config": 2}
        assert loopback.count("PUT /applications/{application_id}/commands") == 1


async def test_guild_sync_keeps_commands_per_guild_and_ids_across_syncs(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async with run_client(loopback, SampleBot(sync_guild=discord.Object(guild.id))):
        first = loopback.command("hello", guild)["id"]
        assert first != loopback.command("hello")["id"]
        reply = await loopback.slash(guild, reader, "hello", name="guild")
        assert reply.interaction.payload["data"]["guild_id"] == str(guild.id)
    async with run_client(loopback, SampleBot(sync_guild=discord.Object(guild.id))):
        assert loopback.command("hello", guild)["id"] == first


async def test_slash_command_answers_with_a_message(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async with run_client(loopback, SampleBot()):
        reply = await loopback.slash(guild, reader, "hello", name="there")
    assert reply.type == 4
    assert reply.content == "Hello there"
    assert not reply.ephemeral
    assert reply.allowed_mentions == {"parse": []}
    assert loopback.channel_messages(guild.default_channel) == [reply.message]
    assert reply.message is not None and reply.message.interaction_metadata is not None


async def test_subcommand_group_with_resolved_channel_and_member_permissions(
    loopback: LoopbackDiscord, guild: Guild
) -> None:
    admin = guild.add_member("admin", manage_guild=True)
    reviews = guild.add_text_channel("reviews")
    async with run_client(loopback, SampleBot()):
        reply = await loopback.slash(
            guild, admin, "review config channel", options={"channel": reviews}
        )
    expected = reviews.permissions_for(admin)
    assert expected & Permission.MANAGE_GUILD
    assert reply.content == f"channel {reviews.id} reviews; you have {expected}"
    assert reply.ephemeral
    assert loopback.channel_messages(guild.default_channel) == []


async def test_options_of_every_kind_reach_the_bot(loopback: LoopbackDiscord, guild: Guild) -> None:
    reviewer = guild.add_role("Reviewer", Permission.SEND_MESSAGES)
    member = guild.add_member("reviewer", roles=[reviewer])
    async with run_client(loopback, SampleBot()):
        reply = await loopback.slash(guild, member, "review config role", role=reviewer)
        assert reply.content == f"Reviewer ({Permission.SEND_MESSAGES.value})"
        reply = await loopback.slash(
            guild, member, "review config values", count=3, ratio=0.5, enabled=True, who=member
        )
        assert reply.content == f"3 0.5 True {member.id} reviewer"


async def test_options_are_checked_against_the_registered_command(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async with run_client(loopback, SampleBot()):
        with pytest.raises(CommandUnavailable, match="no option 'titel'"):
            await loopback.slash(guild, reader, "review show", titel="Her")
        with pytest.raises(CommandUnavailable, match="no subcommand 'shw'"):
            await loopback.slash(guild, reader, "review shw", title="Her")
        with pytest.raises(CommandUnavailable, match="not registered"):
            await loopback.slash(guild, reader, "reviews show", title="Her")
        with pytest.raises(AssertionError, match="required"):
            await loopback.slash(guild, reader, "review show")
        with pytest.raises(AssertionError, match="outside"):
            await loopback.slash(
                guild,
                reader,
                "review config values",
                count=11,
                ratio=1.0,
                enabled=False,
                who=reader,
            )


async def test_autocomplete_returns_the_bots_choices(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async with run_client(loopback, SampleBot()):
        choices = await loopback.autocomplete(guild, reader, "review show", "title", "he")
    assert choices == [
        {"name": "Her", "value": "Her"},
        {"name": "Heat", "value": "Heat"},
        {"name": "Hereditary", "value": "Hereditary"},
    ]


async def test_buttons_edit_the_message_in_place(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async with run_client(loopback, SampleBot()):
        shown = await loopback.slash(guild, reader, "review show", title="Her")
        assert shown.embed is not None and shown.embed["title"] == "Her"
        previous = next(b for b in shown.buttons() if b["label"] == "◀ Previous")
        assert previous["disabled"]
        with pytest.raises(AssertionError, match="disabled"):
            await loopback.click(shown, reader, label="◀ Previous")
        second = await loopback.click(shown, reader, label="Next ▶")
        assert second.type == 7
        assert second.content == "page 2 of 3"
        third = await loopback.click(second, reader, custom_id="sample:next")
        assert third.content == "page 3 of 3"
        assert third.message is shown.message
        with pytest.raises(AssertionError, match="disabled"):
            await loopback.click(shown, reader, label="Next ▶")
    assert shown.content == ""
    assert shown.message is not None and len(shown.message.versions) == 2


async def test_dynamic_item_button(loopback: LoopbackDiscord, guild: Guild, reader: Member) -> None:
    async with run_client(loopback, SampleBot()):
        reply = await loopback.slash(guild, reader, "counter")
        reply = await loopback.click(reply, reader, label="Count 0")
        reply = await loopback.click(reply, reader, custom_id="sample:count:1")
    assert reply.content == "count 2"
    assert [b["custom_id"] for b in reply.buttons()] == ["sample:count:2"]


async def test_select_menu(loopback: LoopbackDiscord, guild: Guild, reader: Member) -> None:
    async with run_client(loopback, SampleBot()):
        menu = await loopback.slash(guild, reader, "pick")
        with pytest.raises(AssertionError, match="not in"):
            await loopback.select(menu, reader, ["8"])
        picked = await loopback.select(menu, reader, ["42"], placeholder="Pick a review")
    assert picked.content == "picked 42"
    assert picked.ephemeral


async def test_modal_opens_and_submits(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async with run_client(loopback, SampleBot()):
        opened = await loopback.slash(guild, reader, "review post")
        assert opened.type == 9
        assert opened.modal is not None
        assert opened.modal.title == "New review"
        assert [i.label for i in opened.modal.inputs] == ["Title", "Rating", "Review"]
        with pytest.raises(AssertionError, match="required"):
            await loopback.submit_modal(opened.modal, reader, {"rating": "4"})
        with pytest.raises(AssertionError, match="only reader"):
            await loopback.submit_modal(
                opened.modal, guild.add_member("outsider"), {"title": "Her"}
            )
        stored = await loopback.submit_modal(opened, reader, {"Title": "Her", "rating": "4"})
    assert stored.content == "stored Her (4): Fine."
    assert stored.ephemeral


async def test_deferred_answer_reports_the_followup(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async with run_client(loopback, SampleBot()):
        reply = await loopback.slash(guild, reader, "slow", seconds=0.1)
    assert reply.type == 5
    assert reply.content == "done thinking"
    assert reply.ephemeral
    assert reply.message is not None and not reply.message.loading
    assert reply.followups == []


async def test_channel_send_with_nonce_is_not_duplicated(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    reviews = guild.add_text_channel("reviews")
    async with run_client(loopback, SampleBot()):
        first = await loopback.slash(guild, reader, "post", channel=reviews, text="A", nonce="n1")
        again = await loopback.slash(guild, reader, "post", channel=reviews, text="A", nonce="n1")
        other = await loopback.slash(guild, reader, "post", channel=reviews, text="B", nonce="n2")
    posted = loopback.channel_messages(reviews)
    assert [m.content for m in posted] == ["A", "B"]
    assert first.content == again.content == f"posted {posted[0].id}"
    assert other.messages[0] is posted[1]
    assert loopback.nonce_hits == 1
    assert loopback.count(f"POST /channels/{reviews.id}/messages") == 3


async def test_command_permissions_hide_commands(loopback: LoopbackDiscord, guild: Guild) -> None:
    class Admin(SampleBot):
        def __init__(self) -> None:
            super().__init__()

            @self.tree.command(description="Admins only")
            @discord.app_commands.default_permissions(manage_guild=True)
            async def admin(interaction: discord.Interaction) -> None:
                await interaction.response.send_message("ok", ephemeral=True)

    outsider = guild.add_member("outsider")
    admin = guild.add_member("admin", admin=True)
    async with run_client(loopback, Admin()):
        with pytest.raises(CommandUnavailable, match="default_member_permissions"):
            await loopback.slash(guild, outsider, "admin")
        assert (await loopback.slash(guild, admin, "admin")).content == "ok"


async def test_member_messages_reach_the_bot_without_content(
    loopback: LoopbackDiscord, guild: Guild
) -> None:
    seen: list[discord.Message] = []

    class Listener(SampleBot):
        async def on_message(self, message: discord.Message) -> None:
            seen.append(message)

    intents = discord.Intents.default()
    reader = guild.add_member("reader")
    async with run_client(loopback, Listener(intents=intents)):
        loopback.post_message(guild.default_channel, reader, "hello bot")
        await loopback.wait_for(lambda: seen, what="on_message")
    assert seen[0].author.id == reader.id
    assert seen[0].content == ""
