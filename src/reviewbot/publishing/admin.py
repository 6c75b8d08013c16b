"""A server's settings and the bot's health: `/review config …` and `/review status`."""

from __future__ import annotations

import math
import platform
import sqlite3

import discord

from .. import __version__
from ..app import Interaction
from ..errors import UserError
from ..feeds_admin import add_feed_health
from ..render import truncate
from ..shards import Shards
from .guards import missing_permissions, require_manager


async def set_channel(interaction: Interaction, channel: discord.TextChannel) -> None:
    member = require_manager(interaction)
    missing = missing_permissions(channel)
    if missing:
        names = ", ".join(f"**{name}**" for name in missing)
        raise UserError(
            f"The bot can't post in {channel.mention}: it lacks {names} there. Grant "
            "it in the channel's permissions, then run this again."
        )
    app = interaction.client.app
    await app.store.guilds.set_review_channel(member.guild.id, channel.id)
    waiting = await app.store.posts.unblock(member.guild.id)
    app.delivery.wake()
    extra = f" {waiting} waiting post(s) will go out now." if waiting else ""
    await interaction.response.send_message(
        f"New reviews will be posted in {channel.mention}.{extra}", ephemeral=True
    )


async def set_role(interaction: Interaction, role: discord.Role) -> None:
    member = require_manager(interaction)
    await interaction.client.app.store.guilds.set_reviewer_role(member.guild.id, role.id)
    await interaction.response.send_message(
        f"Members with {role.mention} can now post reviews (as can server managers).",
        ephemeral=True,
    )


async def show_settings(interaction: Interaction) -> None:
    member = require_manager(interaction)
    settings = await interaction.client.app.store.guilds.settings(member.guild.id)
    channel = f"<#{settings.review_channel_id}>" if settings.review_channel_id else "not set"
    role = f"<@&{settings.reviewer_role_id}>" if settings.reviewer_role_id else "not set"
    embed = discord.Embed(title="reviewbot settings", colour=discord.Colour.blurple())
    embed.add_field(name="Review channel", value=channel, inline=False)
    embed.add_field(name="Reviewer role", value=f"{role} (server managers can always post)")
    await interaction.response.send_message(embed=embed, ephemeral=True)


async def show_status(interaction: Interaction) -> None:
    member = require_manager(interaction)
    client = interaction.client
    store = client.app.store
    queue = await store.posts.status(member.guild.id)
    shard = client.get_shard(member.guild.shard_id)
    # No heartbeat answered yet: discord.py says infinity (or NaN without a shard).
    seconds = shard.latency if shard is not None else math.inf
    latency = f"{seconds * 1000:.0f} ms" if math.isfinite(seconds) else "not measured yet"
    count = client.shard_count or 1
    running = Shards(count, tuple(client.shard_ids or range(count)))
    embed = discord.Embed(title="reviewbot status", colour=discord.Colour.green())
    embed.add_field(name="Gateway latency", value=latency)
    embed.add_field(name="Shard", value=f"{member.guild.shard_id} of {count}")
    embed.add_field(
        name="This process",
        value=f"{running.describe()} · {len(client.guilds):,} server(s)",
    )
    embed.add_field(name="Uptime", value=str(client.app.uptime()))
    embed.add_field(name="Reviews here", value=f"{await store.reviews.count(member.guild.id):,}")
    embed.add_field(name="Schema version", value=str(store.schema_version))
    embed.add_field(
        name="Versions",
        value=f"reviewbot {__version__} · discord.py {discord.__version__} · "
        f"Python {platform.python_version()} · SQLite {sqlite3.sqlite_version}",
        inline=False,
    )
    embed.add_field(name="Posts waiting", value=str(queue.waiting))
    if queue.last_delivered and queue.last_delivered.done_at:
        stamp = discord.utils.format_dt(queue.last_delivered.done_at, "R")
        embed.add_field(name="Last delivered", value=stamp)
    for item in queue.blocked[:5]:
        what = f"{item.action.value} #{item.id}"
        embed.add_field(
            name=f"Blocked: {what}", value=truncate(item.last_error or "?", 1024), inline=False
        )
    if len(queue.blocked) > 5:
        embed.add_field(
            name="More blocked", value=f"{len(queue.blocked) - 5} more, for the same reasons"
        )
    await add_feed_health(embed, store, member.guild.id)
    await interaction.response.send_message(embed=embed, ephemeral=True)
