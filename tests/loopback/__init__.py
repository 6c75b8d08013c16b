"""A loopback stand-in for Discord that the real discord.py client connects to in tests."""

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
