"""The one error funnel: people's mistakes get a private hint, anything else an apology."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import discord
from discord import app_commands

from .app import Interaction
from .errors import UserError

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on our side. It has been logged; please try again shortly."


async def reply_error(interaction: Interaction, error: Exception) -> None:
    """Tell the person privately what went wrong; log the traceback of anything unexpected."""
    original = getattr(error, "original", error)
    if isinstance(original, UserError):
        text = str(original)
    elif isinstance(original, app_commands.CheckFailure):
        text = str(original) or "You can't use this command here."
    elif isinstance(original, app_commands.TransformerError):
        text = f"“{original.value}” isn't a valid value for that option."
    else:
        log.error("Unexpected error answering %s", _describe(interaction), exc_info=original)
        text = APOLOGY
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("Could not tell the user about an error in %s", _describe(interaction))


def _describe(interaction: Interaction) -> str:
    what = f"/{interaction.command.qualified_name}" if interaction.command else "a component"
    if interaction.type is discord.InteractionType.modal_submit:
        what = "a form"
    return f"{what} in guild {interaction.guild_id}"


ItemT = TypeVar("ItemT")
Callback = Callable[[ItemT, Interaction], Awaitable[None]]
Check = Callable[[ItemT, Interaction], Awaitable[bool]]


def funnelled(callback: Callback[ItemT]) -> Callback[ItemT]:
    """Route a component callback's errors through `reply_error`, as the command tree does."""

    async def guarded(item: ItemT, interaction: Interaction) -> None:
        try:
            await callback(item, interaction)
        except Exception as error:
            await reply_error(interaction, error)

    return guarded


def funnelled_check(check: Check[ItemT]) -> Check[ItemT]:
    """A component's `interaction_check` whose errors refuse the click and are told privately.

    discord.py drops an error raised in a dynamic item's check without a word to anyone.
    """

    async def guarded(item: ItemT, interaction: Interaction) -> bool:
        try:
            return await check(item, interaction)
        except Exception as error:
            await reply_error(interaction, error)
            return False

    return guarded
