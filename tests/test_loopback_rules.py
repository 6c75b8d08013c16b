"""Discord's rules as the stand-in enforces them: each deliberate violation is caught."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import discord
import pytest
from discord import app_commands

from tests.loopback import (
    Guild,
    InteractionFailed,
    LoopbackDiscord,
    Member,
    Reply,
    limits,
    run_client,
)

Handler = Callable[[discord.Interaction], Awaitable[None]]


class OneCommandBot(discord.Client):
    """A bot with a single `/go` command; it reports Discord's refusal like a careful bot would."""

    def __init__(self, handler: Handler, **options: Any) -> None:
        super().__init__(intents=discord.Intents.default(), **options)
        self.tree = app_commands.CommandTree(self)
        self.errors: list[discord.HTTPException] = []

        @self.tree.command(description="Do the thing")
        async def go(interaction: discord.Interaction) -> None:
            try:
                await handler(interaction)
            except discord.HTTPException as error:
                self.errors.append(error)
                if not interaction.response.is_done() and error.code != 10062:
                    await interaction.response.send_message("sorry", ephemeral=True)

    async def setup_hook(self) -> None:
        await self.tree.sync()


async def run_go(
    loopback: LoopbackDiscord, guild: Guild, member: Member, handler: Handler, **options: Any
) -> tuple[OneCommandBot, Reply]:
    bot = OneCommandBot(handler, **options)
    async with run_client(loopback, bot):
        reply = await loopback.slash(guild, member, "go")
    return bot, reply


async def test_content_over_2000_characters(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("x" * 2001)

    bot, reply = await run_go(loopback, guild, reader, handler)
    assert reply.content == "sorry"
    (error,) = bot.errors
    assert (error.status, error.code) == (400, 50035)
    assert "content" in error.text and "2000 or fewer" in error.text
    (violation,) = loopback.take_violations("limit")
    assert "content" in violation.detail


async def test_embeds_over_6000_characters_together(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        embeds = [discord.Embed(description="y" * 4000) for _ in range(2)]
        await interaction.response.send_message(embeds=embeds)

    bot, _reply = await run_go(loopback, guild, reader, handler)
    assert bot.errors[0].code == 50035
    (violation,) = loopback.take_violations("limit")
    assert "MAX_EMBED_SIZE_EXCEEDED" in violation.detail


async def test_button_label_over_80_characters(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        view = discord.ui.View()
        view.add_item(discord.ui.Button(label="z" * 81, custom_id="long"))
        await interaction.response.send_message("look", view=view)

    _bot, reply = await run_go(loopback, guild, reader, handler)
    assert reply.content == "sorry"
    (violation,) = loopback.take_violations("limit")
    assert "components.0.components.0.label" in violation.detail


async def test_custom_id_over_100_characters_in_a_channel_message(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        view = discord.ui.View()
        view.add_item(discord.ui.Button(label="ok", custom_id="c" * 101))
        assert isinstance(interaction.channel, discord.TextChannel)
        await interaction.channel.send("look", view=view)

    bot, _reply = await run_go(loopback, guild, reader, handler)
    assert bot.errors[0].code == 50035
    assert loopback.channel_messages(guild.default_channel) == []
    (violation,) = loopback.take_violations("limit")
    assert "custom_id" in violation.detail


async def test_modal_with_six_inputs(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    class Crowded(discord.ui.Modal, title="Too many"):
        def to_components(self) -> list[dict[str, Any]]:
            field = {"type": 4, "label": "A", "style": 1}
            return [{"type": 1, "components": [{**field, "custom_id": f"f{n}"}]} for n in range(6)]

    async def handler(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Crowded())

    _bot, reply = await run_go(loopback, guild, reader, handler)
    assert reply.content == "sorry"
    (violation,) = loopback.take_violations("limit")
    assert "data.components" in violation.detail and "5 or fewer" in violation.detail


async def test_autocomplete_with_26_choices(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    class Suggest(discord.Client):
        def __init__(self) -> None:
            super().__init__(intents=discord.Intents.default())
            self.tree = app_commands.CommandTree(self)

            async def many(
                interaction: discord.Interaction, current: str
            ) -> list[app_commands.Choice[str]]:
                return [app_commands.Choice(name=f"t{n}", value=f"t{n}") for n in range(26)]

            @self.tree.command(description="Find")
            @app_commands.autocomplete(title=many)
            async def find(interaction: discord.Interaction, title: str) -> None:
                await interaction.response.send_message(title)

        async def setup_hook(self) -> None:
            await self.tree.sync()

    loopback.response_deadline = 0.2
    async with run_client(loopback, Suggest()):
        with pytest.raises(InteractionFailed, match="rejected"):
            await loopback.autocomplete(guild, reader, "find", "title", "t")
    (violation,) = loopback.take_violations("limit")
    assert "data.choices" in violation.detail


async def test_bad_command_name_is_refused_at_sync(loopback: LoopbackDiscord) -> None:
    class Shouty(discord.Client):
        def __init__(self) -> None:
            super().__init__(intents=discord.Intents.default())
            self.tree = app_commands.CommandTree(self)

            @self.tree.command(description="Loud")
            async def loud(interaction: discord.Interaction) -> None:
                pass

            loud.name = "Loud Name"

        async def setup_hook(self) -> None:
            await self.tree.sync()

    with pytest.raises(discord.HTTPException) as raised:
        async with run_client(loopback, Shouty()):
            pass
    assert raised.value.code == 50035
    assert loopback.global_commands == []
    (violation,) = loopback.take_violations("limit")
    assert "0.name" in violation.detail


async def test_ping_without_allowed_mentions(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"@everyone and {reader.mention}")

    _bot, reply = await run_go(loopback, guild, reader, handler)
    assert reply.content == f"@everyone and {reader.mention}"
    (violation,) = loopback.take_violations("ping")
    assert "@everyone" in violation.detail and reader.mention in violation.detail


async def test_pings_suppressed_by_allowed_mentions_are_fine(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        embed = discord.Embed(description="@here")
        await interaction.response.send_message(f"@everyone {reader.mention}", embed=embed)

    await run_go(loopback, guild, reader, handler, allowed_mentions=discord.AllowedMentions.none())
    assert loopback.violations == []
    assert any("@here" in note for note in loopback.notes)


async def test_reply_pings_its_author_unless_told_not_to(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        assert isinstance(interaction.channel, discord.TextChannel)
        first = await interaction.channel.send("first")
        await first.reply("quiet", mention_author=False)
        await first.reply("loud")
        await interaction.response.send_message("done", ephemeral=True)

    await run_go(loopback, guild, reader, handler)
    (violation,) = loopback.take_violations("ping")
    assert "replied-to" in violation.detail
    assert loopback.channel_messages(guild.default_channel)[2].type == 19


async def test_second_initial_response_gets_40060(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("one")
        await interaction.followup.send("two")
        adapter = discord.webhook.async_.async_context.get()
        params = discord.webhook.async_.interaction_response_params(4, {"content": "three"})
        await adapter.create_interaction_response(
            interaction.id, interaction.token, session=interaction._session, params=params
        )

    bot, reply = await run_go(loopback, guild, reader, handler)
    (error,) = bot.errors
    assert (error.status, error.code) == (400, 40060)
    assert [m.content for m in reply.messages] == ["one", "two"]
    (violation,) = loopback.take_violations("double_ack")
    assert "second initial response" in violation.detail


async def test_first_response_after_the_deadline_is_refused(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    loopback.response_deadline = 0.2

    async def handler(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.3)
        await interaction.response.send_message("too late")

    bot = OneCommandBot(handler)
    async with run_client(loopback, bot):
        with pytest.raises(InteractionFailed, match=r"after 0\.3"):
            await loopback.slash(guild, reader, "go")
        await loopback.wait_for(lambda: bot.errors, 1.0, "the bot to see the refusal")
    assert bot.errors[0].code == 10062
    (violation,) = loopback.take_violations("late")
    assert "defer" in violation.detail


async def test_real_three_second_deadline(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        await asyncio.sleep(3.1)
        await interaction.response.send_message("too late")

    bot = OneCommandBot(handler)
    async with run_client(loopback, bot):
        with pytest.raises(InteractionFailed):
            await loopback.slash(guild, reader, "go")
    assert len(loopback.take_violations("late")) == 1


async def test_deferring_buys_time(loopback: LoopbackDiscord, guild: Guild, reader: Member) -> None:
    # Room for a loaded machine to defer in time; the answer comes after the deadline.
    loopback.response_deadline = 0.5

    async def handler(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await asyncio.sleep(0.6)
        await interaction.edit_original_response(content="worth the wait")

    _bot, reply = await run_go(loopback, guild, reader, handler)
    assert (reply.type, reply.content) == (5, "worth the wait")


async def test_no_answer_fails_the_call(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    loopback.response_deadline = 0.1
    loopback.interaction_timeout = 0.3

    async def handler(interaction: discord.Interaction) -> None:
        pass

    async with run_client(loopback, OneCommandBot(handler)):
        with pytest.raises(InteractionFailed, match="no answer"):
            await loopback.slash(guild, reader, "go")


async def test_followup_before_acknowledging_is_unknown_webhook(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        await interaction.followup.send("early")

    bot, reply = await run_go(loopback, guild, reader, handler)
    assert bot.errors[0].code == 10015
    assert reply.content == "sorry"


async def test_empty_message_is_refused(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        assert isinstance(interaction.channel, discord.TextChannel)
        await interaction.channel.send("")

    bot, _reply = await run_go(loopback, guild, reader, handler)
    assert bot.errors[0].code == 50006
    assert len(loopback.take_violations("invalid")) == 1


# The rule checks themselves, one limit at a time.


def paths(errors: list[limits.FieldError]) -> list[str]:
    return [e.path for e in errors]


@pytest.mark.parametrize(
    ("message", "path"),
    [
        ({"content": "a" * 2001}, "content"),
        ({"embeds": [{"title": "t"}] * 11}, "embeds"),
        ({"embeds": [{"title": "t" * 257}]}, "embeds.0.title"),
        ({"embeds": [{"description": "d" * 4097}]}, "embeds.0.description"),
        ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, "embeds.0.fields"),
        ({"embeds": [{"fields": [{"name": "n" * 257, "value": "v"}]}]}, "embeds.0.fields.0.name"),
        ({"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]}, "embeds.0.fields.0.value"),
        ({"embeds": [{"fields": [{"name": "", "value": "v"}]}]}, "embeds.0.fields.0.name"),
        ({"embeds": [{"footer": {"text": "f" * 2049}}]}, "embeds.0.footer.text"),
        ({"embeds": [{"author": {"name": "a" * 257}}]}, "embeds.0.author.name"),
        ({"embeds": [{"description": "d" * 3001}, {"description": "d" * 3000}]}, "embeds"),
        ({"embeds": [{"url": "not a url"}]}, "embeds.0.url"),
        ({"components": [{"type": 1, "components": []}] * 6}, "components"),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [{"type": 2, "style": 1, "label": "b", "custom_id": "x"}],
                    }
                ]
            },
            None,
        ),
    ],
)
def test_message_limits(message: dict[str, Any], path: str | None) -> None:
    found = paths(limits.check_message(message))
    assert (path in found) if path else found == []


def button(n: int, **fields: Any) -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": f"b{n}", "custom_id": f"c{n}", **fields}


@pytest.mark.parametrize(
    ("row", "path"),
    [
        ([button(n) for n in range(6)], "components.0.components"),
        ([button(0, label="l" * 81)], "components.0.components.0.label"),
        ([button(0, custom_id="c" * 101)], "components.0.components.0.custom_id"),
        ([button(0), button(1, custom_id="c0")], "components.0.components.1.custom_id"),
        (
            [button(0), {"type": 3, "custom_id": "s", "options": [{"label": "a", "value": "a"}]}],
            "components.0.components",
        ),
        (
            [
                {
                    "type": 3,
                    "custom_id": "s",
                    "options": [{"label": "a", "value": str(n)} for n in range(26)],
                }
            ],
            "components.0.components.0.options",
        ),
        ([{"type": 2, "style": 5, "label": "link", "url": "https://example.org"}], None),
    ],
)
def test_component_limits(row: list[dict[str, Any]], path: str | None) -> None:
    found = paths(limits.check_message({"components": [{"type": 1, "components": row}]}))
    assert (path in found) if path else found == []


def text_input(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "type": 1,
        "components": [{"type": 4, "custom_id": f"i{n}", "label": f"L{n}", "style": 1, **fields}],
    }


@pytest.mark.parametrize(
    ("modal", "path"),
    [
        ({"title": "t" * 46, "components": [text_input(0)]}, "data.title"),
        ({"title": "t", "components": [text_input(n) for n in range(6)]}, "data.components"),
        (
            {"title": "t", "components": [text_input(0, max_length=4001)]},
            "data.components.0.components.0.max_length",
        ),
        (
            {"title": "t", "components": [text_input(0, label="l" * 46)]},
            "data.components.0.components.0.label",
        ),
        (
            {
                "title": "t",
                "components": [
                    {
                        "type": 18,
                        "label": "l" * 46,
                        "component": {"type": 4, "custom_id": "x", "style": 2},
                    }
                ],
            },
            "data.components.0.label",
        ),
        ({"title": "t", "components": [text_input(0, max_length=4000)]}, None),
    ],
)
def test_modal_limits(modal: dict[str, Any], path: str | None) -> None:
    found = paths(limits.check_modal({"custom_id": "m", **modal}))
    assert (path in found) if path else found == []


@pytest.mark.parametrize(
    ("choices", "path"),
    [
        ([{"name": f"n{i}", "value": str(i)} for i in range(26)], "data.choices"),
        ([{"name": "", "value": "v"}], "data.choices.0.name"),
        ([{"name": "n" * 101, "value": "v"}], "data.choices.0.name"),
        ([{"name": "n", "value": "v" * 101}], "data.choices.0.value"),
        ([{"name": "n", "value": 10**6}], None),
    ],
)
def test_autocomplete_limits(choices: list[dict[str, Any]], path: str | None) -> None:
    found = paths(limits.check_choices({"choices": choices}))
    assert (path in found) if path else found == []


def command(**fields: Any) -> dict[str, Any]:
    return {"name": "review", "description": "Reviews", "type": 1, **fields}


def option(name: str = "title", **fields: Any) -> dict[str, Any]:
    return {"name": name, "description": "d", "type": 3, **fields}


@pytest.mark.parametrize(
    ("commands", "path"),
    [
        ([command(name="Review")], "0.name"),
        ([command(name="two words")], "0.name"),
        ([command(name="x" * 33)], "0.name"),
        ([command(name="rézension-日本")], None),
        ([command(description="")], "0.description"),
        ([command(description="d" * 101)], "0.description"),
        ([command(options=[option(f"o{n}") for n in range(26)])], "0.options"),
        (
            [
                command(
                    options=[
                        option(choices=[{"name": f"c{n}", "value": f"c{n}"} for n in range(26)])
                    ]
                )
            ],
            "0.options.0.choices",
        ),
        ([command(options=[option("a"), option("b", required=True)])], "0.options.1.required"),
        ([command(options=[option(f"o{n}", description="d" * 100) for n in range(25)] + [])], None),
        (
            [
                command(
                    options=[
                        {
                            "name": f"s{n}",
                            "description": "d" * 100,
                            "type": 1,
                            "options": [option(description="d" * 100)],
                        }
                        for n in range(25)
                    ]
                )
            ],
            "0",
        ),
        ([command(), command()], "1.name"),
    ],
)
def test_command_limits(commands: list[dict[str, Any]], path: str | None) -> None:
    found = paths(limits.check_commands(commands))
    assert (path in found) if path else found == []


@pytest.mark.parametrize(
    ("content", "allowed", "reply", "expected"),
    [
        ("hi @everyone", None, False, ["@everyone"]),
        ("hi @here", {"parse": ["everyone"]}, False, ["@here"]),
        ("hi @everyone", {"parse": []}, False, []),
        ("<@12> <@!13>", {"parse": ["users"]}, False, ["<@12>", "<@!13>"]),
        ("<@12> <@13>", {"users": ["13"]}, False, ["<@13>"]),
        ("<@&5>", {"parse": ["users"]}, False, []),
        ("<@&5>", {"roles": [5]}, False, ["<@&5>"]),
        ("plain", None, True, ["the author of the replied-to message"]),
        ("plain", {"parse": [], "replied_user": False}, True, []),
        ("`@\u200beveryone`", None, False, []),
    ],
)
def test_pings(
    content: str, allowed: dict[str, Any] | None, reply: bool, expected: list[str]
) -> None:
    assert limits.pings(content, allowed, reply=reply) == expected
