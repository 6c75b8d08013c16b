"""The floor: a tiny discord.py bot doing what reviewbot does per request, minus reviewbot.

Run as a process against a stand-in (token in DISCORD_TOKEN):
`python -m tests.loopback.launch URL -- bench.bot_floor`. It registers its commands on start.

    /floor                 an embed and a view with two buttons (the floor of `/review show`)
    /floorac text:…        autocomplete answering 25 fixed choices (the floor of autocomplete)
    /floorburst count:N    N channel messages like the first, one after another (the post queue's)
"""

from __future__ import annotations

import asyncio
import itertools
import os
from typing import Any

import discord
from discord import app_commands

CHOICES = [
    app_commands.Choice(
        name=f"The title of reviewed work {i} — Its Creator (2014)", value=f"review:{i}"
    )
    for i in range(1, 26)
]
_bursts: set[asyncio.Task[None]] = set()
_nonces = itertools.count(1)  # unique, as the queue's row ids are: Discord drops repeats


def message() -> dict[str, Any]:
    """What every floor answer carries: one small embed and two buttons."""
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="◀ Previous", custom_id="floor:previous"))
    view.add_item(discord.ui.Button(label="Next ▶", custom_id="floor:next"))
    return {"embed": discord.Embed(title="x", description="y"), "view": view}


@app_commands.command(description="The floor of a slash command")
async def floor(interaction: discord.Interaction) -> None:
    await interaction.response.send_message(**message())


@app_commands.command(description="The floor of autocomplete")
async def floorac(interaction: discord.Interaction, text: str) -> None:
    await interaction.response.send_message(**message())


@floorac.autocomplete("text")
async def choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return CHOICES


@app_commands.command(description="The floor of queued posts")
async def floorburst(interaction: discord.Interaction, count: int) -> None:
    await interaction.response.send_message(f"Posting {count} messages", ephemeral=True)
    assert isinstance(interaction.channel, discord.TextChannel)
    task = asyncio.create_task(burst(interaction.channel, count))
    _bursts.add(task)
    task.add_done_callback(_bursts.discard)


async def burst(channel: discord.TextChannel, count: int) -> None:
    for _ in range(count):
        await channel.send(**message(), nonce=next(_nonces))


class FloorBot(discord.Client):
    """Same intents and mention settings as reviewbot, so the gateway sends it the same events."""

    def __init__(self) -> None:
        super().__init__(
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.tree = app_commands.CommandTree(self)
        for command in (floor, floorac, floorburst):
            self.tree.add_command(command)

    async def setup_hook(self) -> None:
        await self.tree.sync()


async def main() -> None:
    async with FloorBot() as bot:
        await bot.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
