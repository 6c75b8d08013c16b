import discord
from discord import app_commands

from tests.loopback import LoopbackDiscord, run_client


class Bot(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(description="Say hello")
        async def hello(interaction: discord.Interaction, name: str) -> None:
            await interaction.response.send_message(f"Hello {name}")

    async def setup_hook(self) -> None:
        await self.tree.sync()


async def test_connects(loopback: LoopbackDiscord) -> None:
    guild = loopback.add_guild("Alpha")
    reader = guild.add_member("reader")
    async with run_client(loopback, Bot()) as bot:
        assert bot.get_guild(guild.id) is not None
        reply = await loopback.slash(guild, reader, "hello", name="there")
        assert reply.content == "Hello there"
