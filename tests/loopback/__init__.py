"""A loopback stand-in for Discord that the real discord.py client connects to in tests.

    async def test_show(loopback: LoopbackDiscord) -> None:   # fixture from tests.loopback.fixtures
        guild = loopback.add_guild("Alpha")
        reader = guild.add_member("reader")
        async with run_client(loopback, MyBot()):                # login, setup_hook, gateway
            reply = await loopback.slash(guild, reader, "review show", title="Her")
            reply = await loopback.click(reply, reader, label="Next ▶")
        assert reply.type == 7 and reply.embed["title"] == "Heat"

Recorded violations of Discord's rules fail the test at teardown; see LoopbackDiscord.
"""

from .client import run_client
from .errors import CommandUnavailable, InteractionFailed, Violation
from .faults import Fault
from .gateway import Intent
from .interactions import Modal, ModalInput, Reply
from .model import Channel, Guild, Member, Message, Overwrite, Permission, Role, User
from .server import LoopbackDiscord

__all__ = [
    "Channel",
    "CommandUnavailable",
    "Fault",
    "Guild",
    "Intent",
    "InteractionFailed",
    "LoopbackDiscord",
    "Member",
    "Message",
    "Modal",
    "ModalInput",
    "Overwrite",
    "Permission",
    "Reply",
    "Role",
    "User",
    "Violation",
    "run_client",
]
