"""Components v2 and the newer modal components, as the stand-in checks them: what Discord
takes, and each thing it refuses."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord import app_commands, ui

from tests.loopback import Guild, LoopbackDiscord, Member, limits, run_client

V2 = 1 << 15
JSON = dict[str, Any]


def text(content: str = "t") -> JSON:
    return {"type": 10, "content": content}


def button(n: int = 0, **fields: Any) -> JSON:
    return {"type": 2, "style": 2, "label": f"b{n}", "custom_id": f"c{n}", **fields}


def row(*items: JSON) -> JSON:
    return {"type": 1, "components": list(items)}


def thumbnail(url: str = "https://example.org/cover.png", **fields: Any) -> JSON:
    return {"type": 11, "media": {"url": url}, **fields}


def section(*texts: JSON, **fields: Any) -> JSON:
    return {"type": 9, "components": list(texts), **fields}


def container(*children: JSON, **fields: Any) -> JSON:
    return {"type": 17, "components": list(children), **fields}


def layout(*components: JSON, **fields: Any) -> JSON:
    return {"flags": V2, "components": list(components), **fields}


def paths(errors: list[limits.FieldError]) -> list[str]:
    return [error.path for error in errors]


CARD = container(
    section(text("## Her ★★★★☆"), text("by Spike Jonze"), accessory=thumbnail()),
    {"type": 14, "divider": True, "spacing": 1},
    text("The review."),
    row(button(0), button(1)),
    accent_color=0xE4572E,
)


@pytest.mark.parametrize(
    ("message", "path"),
    [
        (layout(CARD), None),
        (layout(text("x" * 2000), container(text("y" * 2000))), None),  # exactly 4,000
        (layout(container(*[text() for _ in range(39)])), None),  # exactly 40 components
        (layout(text(), content="beside"), "content"),
        (layout(text(), embeds=[{"title": "t"}]), "embeds"),
        (layout(text("x" * 4001)), "components.0.content"),
        (layout(text("")), "components.0.content"),
        (layout(text("x" * 2000), container(text("y" * 2001))), "components"),
        (layout(container(*[text() for _ in range(40)])), "components"),
        (layout(button()), "components.0.type"),
        (layout(container(container(text()))), "components.0.components.0.type"),
        (layout(container()), "components.0.components"),
        (layout(container(text(), accent_color=0x1000000)), "components.0.accent_color"),
        (layout(section(text())), "components.0.accessory"),
        (layout(section(text(), accessory=text())), "components.0.accessory.type"),
        (layout(section(*[text()] * 4, accessory=thumbnail())), "components.0.components"),
        (
            layout(section(text(), accessory=thumbnail("ftp://x"))),
            "components.0.accessory.media.url",
        ),
        (
            layout(section(text(), accessory=thumbnail(description="d" * 1025))),
            "components.0.accessory.description",
        ),
        (
            layout(section(text(), accessory=button(custom_id="c" * 101))),
            "components.0.accessory.custom_id",
        ),
        (layout({"type": 14, "spacing": 3}), "components.0.spacing"),
        (layout({"type": 12, "items": []}), "components.0.items"),
        (
            layout(row(button(0)), container(row(button(1, custom_id="c0")))),
            "components.1.components.0.components.0.custom_id",
        ),
        (
            layout(container(row(button(label="l" * 81)))),
            "components.0.components.0.components.0.label",
        ),
        (layout(row({"type": 4, "custom_id": "i", "style": 1})), "components.0.components.0.type"),
        (layout({"type": 18, "label": "l", "component": text()}), "components.0.type"),
        ({"components": [text()]}, "components.0.type"),  # no flag: only action rows
    ],
)
def test_layout_rules(message: JSON, path: str | None) -> None:
    found = paths(limits.check_message(message))
    assert (path in found) if path else found == []


def test_a_duplicated_custom_id_anywhere_in_a_layout_is_refused() -> None:
    message = layout(row(button(0)), container(row(button(1, custom_id="c0"))))
    assert paths(limits.check_message(message)) == [
        "components.1.components.0.components.0.custom_id"
    ]


LEGACY = {"content": "", "embeds": [{"title": "Her"}], "components": [row(button())], "flags": 0}
CARD_MESSAGE = {"content": "", "embeds": [], "components": [CARD], "flags": V2}


@pytest.mark.parametrize(
    ("message", "edit", "path"),
    [
        (LEGACY, {"flags": V2, "content": None, "embeds": [], "components": [CARD]}, None),
        (LEGACY, {"flags": V2, "components": [CARD]}, "embeds"),
        (LEGACY, {"flags": V2, "embeds": [{"title": "t"}], "components": [CARD]}, "embeds"),
        ({**LEGACY, "content": "hi"}, {"flags": V2, "embeds": [], "components": [CARD]}, "content"),
        ({**LEGACY, "content": "hi"}, {"flags": V2, "content": None, "embeds": []}, None),
        (LEGACY, {"components": [CARD]}, "components.0.type"),  # no flag, no layout
        (CARD_MESSAGE, {"flags": 0, "components": [row(button())]}, "flags"),
        (CARD_MESSAGE, {"content": "x"}, "content"),
        (CARD_MESSAGE, {"components": [CARD]}, None),
        (CARD_MESSAGE, {"components": [text("x" * 4001)]}, "components.0.content"),
    ],
)
def test_edit_rules(message: JSON, edit: JSON, path: str | None) -> None:
    found = paths(limits.check_edit(message, edit))
    assert (path in found) if path else found == []


def labelled(component: JSON, label: str = "L", **fields: Any) -> JSON:
    return {"type": 18, "label": label, "component": component, **fields}


def choice(n: int, **fields: Any) -> JSON:
    return {"label": f"o{n}", "value": f"v{n}", **fields}


SELECT = {"type": 3, "custom_id": "s", "options": [choice(0), choice(1)], "required": True}
RADIO = {"type": 21, "custom_id": "r", "options": [choice(0), choice(1)]}
CHECKBOXES = {"type": 22, "custom_id": "g", "options": [choice(0)]}
CHECKBOX = {"type": 23, "custom_id": "x", "default": True}
TEXT_INPUT = {"type": 4, "custom_id": "i", "style": 2, "max_length": 4000}


@pytest.mark.parametrize(
    ("components", "path"),
    [
        ([labelled(c) for c in (SELECT, RADIO, CHECKBOXES, CHECKBOX, TEXT_INPUT)], None),
        ([text("Fill this in"), labelled(TEXT_INPUT)], None),
        ([labelled({**TEXT_INPUT, "custom_id": f"i{n}"}) for n in range(6)], "data.components"),
        ([labelled(button())], "data.components.0.component.type"),
        ([{"type": 18, "label": "L"}], "data.components.0.component"),
        ([labelled(TEXT_INPUT, label="l" * 46)], "data.components.0.label"),
        ([labelled(TEXT_INPUT, description="d" * 101)], "data.components.0.description"),
        ([labelled({**SELECT, "disabled": True})], "data.components.0.component.disabled"),
        (
            [labelled({**SELECT, "options": [choice(n) for n in range(26)]})],
            "data.components.0.component.options",
        ),
        (
            [labelled({**RADIO, "options": [choice(n) for n in range(11)]})],
            "data.components.0.component.options",
        ),
        ([labelled({**RADIO, "options": [choice(0)]})], "data.components.0.component.options"),
        (
            [labelled({**RADIO, "options": [choice(0, default=True), choice(1, default=True)]})],
            "data.components.0.component.options",
        ),
        ([labelled({**CHECKBOXES, "min_values": 0})], "data.components.0.component.min_values"),
        ([labelled({**CHECKBOXES, "min_values": 0, "required": False})], None),
        ([labelled({**CHECKBOXES, "max_values": 2})], "data.components.0.component.max_values"),
        ([labelled({**CHECKBOX, "default": "yes"})], "data.components.0.component.default"),
        (
            [labelled(SELECT), labelled({**RADIO, "custom_id": "s"})],
            "data.components.1.component.custom_id",
        ),
        ([container(text())], "data.components.0.type"),
    ],
)
def test_modal_rules(components: list[JSON], path: str | None) -> None:
    found = paths(limits.check_modal({"custom_id": "m", "title": "Form", "components": components}))
    assert (path in found) if path else found == []


# With discord.py: what a bot sends, and what it reads back from a submitted form.


class LayoutBot(discord.Client):
    def __init__(self, **options: Any) -> None:
        super().__init__(intents=discord.Intents.default(), **options)
        self.tree = app_commands.CommandTree(self)
        self.errors: list[discord.HTTPException] = []
        self.submitted: dict[str, Any] = {}
        tree = self.tree

        @tree.command(description="A card")
        async def card(interaction: discord.Interaction) -> None:
            await self.answer(interaction, view=Card())

        @tree.command(description="A card with words beside it")
        async def mixed(interaction: discord.Interaction) -> None:
            await self.answer(interaction, content="beside", view=Card())

        @tree.command(description="A card with forty-one components")
        async def crowded(interaction: discord.Interaction) -> None:
            await self.answer(interaction, view=Crowded())

        @tree.command(description="A card that mentions everyone")
        async def shout(interaction: discord.Interaction) -> None:
            await self.answer(interaction, view=Card("@everyone, look"))

        @tree.command(description="An embed with a button that turns it into a card")
        async def old(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(embed=discord.Embed(title="Old"), view=Old())

        @tree.command(description="A form of every kind of input")
        async def form(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(Form(self))

    async def answer(self, interaction: discord.Interaction, **message: Any) -> None:
        try:
            await interaction.response.send_message(**message)
        except discord.HTTPException as error:
            self.errors.append(error)
            await interaction.response.send_message("refused", ephemeral=True)

    async def setup_hook(self) -> None:
        await self.tree.sync()


class Card(ui.LayoutView):
    def __init__(self, body: str = "The review.") -> None:
        super().__init__(timeout=None)
        heading = ui.Section(
            ui.TextDisplay("## Her ★★★★☆"),
            ui.TextDisplay("by Spike Jonze"),
            accessory=ui.Thumbnail("https://example.org/her.png"),
        )
        self.add_item(
            ui.Container(
                heading,
                ui.Separator(),
                ui.TextDisplay(body),
                ui.ActionRow(ui.Button(label="Next ▶", custom_id="card:next")),
                accent_colour=0xE4572E,
            )
        )


class Crowded(ui.LayoutView):
    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.add_item(ui.TextDisplay("t"))  # so that discord.py sets the flag

    def to_components(self) -> list[JSON]:
        return [container(*[text() for _ in range(40)])]


class Old(ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.errors: list[int] = []

    @ui.button(label="Careless", custom_id="old:careless")
    async def careless(self, interaction: discord.Interaction, _: ui.Button[Any]) -> None:
        try:
            await interaction.response.edit_message(view=Card())
        except discord.HTTPException as error:
            await interaction.response.send_message(f"refused {error.code}", ephemeral=True)

    @ui.button(label="Upgrade", custom_id="old:upgrade")
    async def upgrade(self, interaction: discord.Interaction, _: ui.Button[Any]) -> None:
        await interaction.response.edit_message(content=None, embed=None, view=Card())


class Form(ui.Modal, title="Every input"):
    def __init__(self, bot: LayoutBot) -> None:
        super().__init__(custom_id="form")
        self.bot = bot
        options = [discord.SelectOption(label=n, value=n.lower()) for n in ("Film", "Book")]
        self.kind: ui.Select[Any] = ui.Select(custom_id="kind", options=options, required=True)
        stars = [discord.RadioGroupOption(label=f"{n} stars", value=str(n)) for n in range(1, 6)]
        self.stars = ui.RadioGroup(custom_id="stars", options=stars)
        self.spoiler: ui.Checkbox[Any] = ui.Checkbox(custom_id="spoiler", default=True)
        self.text = ui.TextInput[Any](custom_id="text", style=discord.TextStyle.paragraph)
        self.add_item(ui.Label(text="Kind", component=self.kind))
        self.add_item(ui.Label(text="Stars", component=self.stars))
        self.add_item(ui.Label(text="Spoiler", description="Hide it", component=self.spoiler))
        self.add_item(ui.Label(text="Text", component=self.text))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        self.bot.submitted = {
            "kind": self.kind.values,
            "stars": self.stars.value,
            "spoiler": self.spoiler.value,
            "text": self.text.value,
        }
        await interaction.response.send_message("thanks", ephemeral=True)


async def test_a_card_is_taken_and_kept_as_sent(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async with run_client(loopback, LayoutBot()):
        reply = await loopback.slash(guild, reader, "card")
        pressed = find_button(reply.components, "Next ▶")
    message = reply.message
    assert message is not None and message.layout and message.content == "" and not message.embeds
    assert message.texts() == ["## Her ★★★★☆", "by Spike Jonze", "The review."]
    [card] = message.components
    assert card["type"] == 17 and card["accent_color"] == 0xE4572E
    assert card["components"][0]["accessory"]["media"]["url"] == "https://example.org/her.png"
    assert pressed["custom_id"] == "card:next"
    assert loopback.violations == []


def find_button(components: list[JSON], label: str) -> JSON:
    from tests.loopback.model import walk_components

    return next(c for c in walk_components(components) if c.get("label") == label)


@pytest.mark.parametrize(("command", "wanted"), [("mixed", "content"), ("crowded", "40 or fewer")])
async def test_discord_refuses_words_beside_a_card_and_a_card_too_crowded(
    loopback: LoopbackDiscord, guild: Guild, reader: Member, command: str, wanted: str
) -> None:
    bot = LayoutBot()
    async with run_client(loopback, bot):
        reply = await loopback.slash(guild, reader, command)
    assert reply.content == "refused"
    [error] = bot.errors
    assert (error.status, error.code) == (400, 50035)
    [violation] = loopback.take_violations("limit")
    assert wanted in violation.detail


async def test_a_card_that_mentions_everyone_pings_unless_mentions_are_off(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async with run_client(loopback, LayoutBot()):
        await loopback.slash(guild, reader, "shout")
    [violation] = loopback.take_violations("ping")
    assert "@everyone" in violation.detail
    async with run_client(loopback, LayoutBot(allowed_mentions=discord.AllowedMentions.none())):
        await loopback.slash(guild, reader, "shout")
    assert loopback.take_violations("ping") == []


async def test_an_embed_message_becomes_a_card_only_when_the_edit_empties_it(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    async with run_client(loopback, LayoutBot()):
        old = await loopback.slash(guild, reader, "old")
        careless = await loopback.click(old, reader, label="Careless")
        message = old.message
        assert message is not None and not message.layout and message.embeds
        upgraded = await loopback.click(old, reader, label="Upgrade")
    assert careless.content == "refused 50035" and careless.ephemeral
    [violation] = loopback.take_violations("limit")
    assert "embeds" in violation.detail
    assert upgraded.type == 7 and message.layout
    assert message.embeds == [] and message.texts()[-1] == "The review."


async def test_a_form_of_selects_radio_groups_and_checkboxes_reads_back(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    bot = LayoutBot()
    async with run_client(loopback, bot):
        opened = await loopback.slash(guild, reader, "form")
        assert opened.modal is not None
        assert opened.modal.field("Spoiler").chosen is True
        assert opened.modal.field("Spoiler").description == "Hide it"
        with pytest.raises(AssertionError, match="not among the options"):
            opened.modal.submission({"stars": "6", "kind": "film", "text": "x"})
        with pytest.raises(AssertionError, match="required"):
            opened.modal.submission({"kind": "film", "text": "x"})  # no star chosen
        with pytest.raises(AssertionError, match="ticked or not"):
            opened.modal.submission({"stars": "4", "kind": "film", "spoiler": "yes", "text": "x"})
        sent = await loopback.submit_modal(
            opened, reader, {"Kind": "book", "Stars": "4", "Spoiler": False, "Text": "Good."}
        )
    assert sent.content == "thanks"
    assert bot.submitted == {"kind": ["book"], "stars": "4", "spoiler": False, "text": "Good."}
