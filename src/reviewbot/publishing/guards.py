"""Who may publish, edit, delete and change settings, and what the bot lacks in a channel."""

from __future__ import annotations

import discord

from ..app import Interaction
from ..errors import UserError
from ..review import Review

# What the bot needs in the review channel, by the names Discord shows people.
NEEDED = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
}


def server_member(interaction: Interaction) -> discord.Member:
    if not isinstance(interaction.user, discord.Member) or interaction.guild is None:
        raise UserError("Reviews are published in a server: use this command there.")
    return interaction.user


def require_manager(interaction: Interaction) -> discord.Member:
    member = server_member(interaction)
    if not member.guild_permissions.manage_guild:
        raise UserError("Only members with the **Manage Server** permission can do this.")
    return member


async def require_reviewer(interaction: Interaction) -> discord.Member:
    member = server_member(interaction)
    if member.guild_permissions.manage_guild:
        return member
    settings = await interaction.client.app.store.guilds.settings(member.guild.id)
    if settings.reviewer_role_id is None:
        raise UserError(
            "Only server managers can post reviews here until a reviewer role is set "
            "(a manager can set one with `/review config role`)."
        )
    if not any(role.id == settings.reviewer_role_id for role in member.roles):
        raise UserError(
            f"Posting reviews needs the <@&{settings.reviewer_role_id}> role "
            "(or the Manage Server permission)."
        )
    return member


def require_owner(interaction: Interaction, review: Review) -> discord.Member:
    member = server_member(interaction)
    if review.guild_id != member.guild.id:
        raise UserError(
            "This review is part of the bot's catalogue; its operator changes it in the "
            "catalogue files."
        )
    if review.author_id != member.id and not member.guild_permissions.manage_messages:
        raise UserError(
            "Only the review's author, or members with **Manage Messages**, can change it."
        )
    return member


def missing_permissions(channel: discord.abc.GuildChannel) -> list[str]:
    """The permissions the bot needs in `channel` and lacks, by their names in Discord."""
    permissions = channel.permissions_for(channel.guild.me)
    return [label for flag, label in NEEDED.items() if not getattr(permissions, flag)]
