"""`/review feed …`: follow a blog's feed in a server, and the feeds' health in `/review status`."""

from __future__ import annotations

import re
from datetime import datetime

import discord
from discord import app_commands

from .app import Interaction
from .errors import UserError
from .feeds.follow import Follower, describe
from .limits import AUTOCOMPLETE_CHOICES, AUTOCOMPLETE_NAME
from .publishing.guards import missing_permissions, require_manager
from .render import truncate
from .review import URL_MAX, Category
from .store import Feed, ReviewStore

CATEGORY_CHOICES = [app_commands.Choice(name=c.value.title(), value=c.value) for c in Category]
_PICKED = re.compile(r"feed:(\d+)")
SHOWN_FEEDS = 10  # fields in `/review feed status`; each value is kept short so all fit
FIELD_TEXT = 500


def _follower(interaction: Interaction) -> Follower:
    follower = interaction.client.app.feeds
    if follower is None:
        raise UserError("Following feeds is not available in this bot.")
    return follower


class FeedCommands(
    app_commands.Group,
    name="feed",
    description="Follow a blog's feed in this server (Manage Server)",
):
    """`/review feed …`: Manage Server only, checked here as for `/review config`."""

    @app_commands.command(
        description="Follow a blog's feed: its entries join quietly, new ones are posted"
    )
    @app_commands.describe(
        url="The feed's address (often ending in /feed, /rss or ?format=rss)",
        channel="Where new entries are posted (default: the review channel)",
        category="What the blog reviews (entries' own categories refine it)",
    )
    @app_commands.choices(category=CATEGORY_CHOICES)
    @app_commands.guild_only()
    async def add(
        self,
        interaction: Interaction,
        url: app_commands.Range[str, 1, URL_MAX],
        channel: discord.TextChannel | None = None,
        category: app_commands.Choice[str] | None = None,
    ) -> None:
        member = require_manager(interaction)
        follower = _follower(interaction)
        if channel is not None and (missing := missing_permissions(channel)):
            names = ", ".join(f"**{name}**" for name in missing)
            raise UserError(
                f"The bot can't post in {channel.mention}: it lacks {names} there. Grant it in"
                " the channel's permissions, then run this again."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        feed, applied = await follower.add(
            url,
            guild_id=member.guild.id,
            channel_id=channel.id if channel else None,
            category=Category(category.value) if category else Category.OTHER,
        )
        where = channel.mention if channel else await _review_channel(interaction, member.guild.id)
        text = (
            f"Following **{truncate(feed.title or feed.url, 200)}**: {applied.added} review(s)"
            f" joined quietly"
            + (f", {applied.skipped} entr(ies) skipped (not reviews)" if applied.skipped else "")
            + f". New entries will be posted in {where}."
        )
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="list", description="The feeds this server follows")
    @app_commands.guild_only()
    async def list_feeds(self, interaction: Interaction) -> None:
        member = require_manager(interaction)
        feeds = await interaction.client.app.store.feeds.followed(member.guild.id)
        if not feeds:
            text = "This server follows no feeds yet. Add one with `/review feed add`."
        else:
            lines = [
                f"- <{feed.url}> ({feed.category.value}"
                + (f", posted in <#{feed.channel_id}>" if feed.channel_id else "")
                + (", **paused**" if feed.paused else "")
                + ")"
                for feed in feeds
            ]
            text = truncate("**Feeds followed here**\n" + "\n".join(lines), 2000)
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(description="Stop following a feed (its reviews stay)")
    @app_commands.describe(url="The feed's address (start typing to pick)")
    @app_commands.guild_only()
    async def remove(
        self, interaction: Interaction, url: app_commands.Range[str, 1, URL_MAX]
    ) -> None:
        member = require_manager(interaction)
        follower = _follower(interaction)
        feed = await _picked(interaction, follower, member.guild.id, url)
        await follower.remove(member.guild.id, feed.url)
        await interaction.response.send_message(
            f"Stopped following <{feed.url}>; its reviews stay.", ephemeral=True
        )

    @app_commands.command(
        description="Poll a feed now and say what it found (resumes a paused one)"
    )
    @app_commands.describe(url="The feed's address (start typing to pick)")
    @app_commands.guild_only()
    async def check(
        self, interaction: Interaction, url: app_commands.Range[str, 1, URL_MAX]
    ) -> None:
        member = require_manager(interaction)
        follower = _follower(interaction)
        feed = await _picked(interaction, follower, member.guild.id, url)
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await follower.check(member.guild.id, feed.url)
        if outcome.applied and outcome.applied.announced:
            interaction.client.app.delivery.wake()
        if outcome.error:
            text = f"Checked <{feed.url}>: it failed. {outcome.summary()}"
        elif outcome.applied is None:
            text = f"Checked <{feed.url}>: {outcome.summary()}"
        else:
            text = f"Checked <{feed.url}>: {describe(outcome.applied, outcome.status)}"
        await interaction.followup.send(truncate(text, 2000), ephemeral=True)

    @app_commands.command(
        description="Each feed's health: last fetch, entries, failures, next poll"
    )
    @app_commands.guild_only()
    async def status(self, interaction: Interaction) -> None:
        member = require_manager(interaction)
        feeds = await interaction.client.app.store.feeds.followed(member.guild.id)
        if not feeds:
            await interaction.response.send_message(
                "This server follows no feeds yet. Add one with `/review feed add`.",
                ephemeral=True,
            )
            return
        embed = discord.Embed(title="Feeds followed here", colour=discord.Colour.blurple())
        worst_first = sorted(feeds, key=lambda f: (not f.paused, -f.failures, f.id))
        for feed in worst_first[:SHOWN_FEEDS]:
            embed.add_field(
                name=truncate(feed.title or feed.url, 256),
                value=truncate(_health(feed), FIELD_TEXT),
                inline=False,
            )
        if len(feeds) > SHOWN_FEEDS:
            embed.set_footer(text=f"{len(feeds) - SHOWN_FEEDS} more feed(s), all healthy-looking.")
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @remove.autocomplete("url")
    @check.autocomplete("url")
    async def _feed_choices(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        feeds = await interaction.client.app.store.feeds.followed(interaction.guild_id)
        wanted = current.strip().lower()
        return [
            app_commands.Choice(name=truncate(feed.url, AUTOCOMPLETE_NAME), value=f"feed:{feed.id}")
            for feed in feeds
            if wanted in feed.url.lower() or wanted in (feed.title or "").lower()
        ][:AUTOCOMPLETE_CHOICES]


async def _picked(interaction: Interaction, follower: Follower, guild_id: int, url: str) -> Feed:
    """The feed named by `url`, or by an autocomplete pick (`feed:ID`: a URL may be longer than
    a choice's value may be)."""
    picked = _PICKED.fullmatch(url.strip())
    if picked:
        feed = await interaction.client.app.store.feeds.get(int(picked[1]))
        if feed is not None and feed.guild_id == guild_id:
            return feed
    return await follower.find(guild_id, url)


async def _review_channel(interaction: Interaction, guild_id: int) -> str:
    settings = await interaction.client.app.store.guilds.settings(guild_id)
    if settings.review_channel_id is None:
        return "the review channel (none is set yet: choose one with `/review config channel`)"
    return f"<#{settings.review_channel_id}>"


def _when(moment: datetime | None) -> str:
    return discord.utils.format_dt(moment, "R") if moment else "never"


def _health(feed: Feed) -> str:
    lines = [f"<{feed.url}>"]
    if feed.last_fetch_at:
        lines.append(f"Last fetch: {_when(feed.last_fetch_at)} (HTTP {feed.last_status or '—'})")
    else:
        lines.append("Last fetch: never")
    lines.append(f"Entries seen: {feed.entries_seen:,} · last new entry: {_when(feed.last_new_at)}")
    lines.append(f"Failures in a row: {feed.failures}")
    if feed.paused:
        lines.append("**Paused**: `/review feed check` tries it and resumes it")
    else:
        lines.append(f"Next poll: {_when(feed.next_poll_at)}")
    if feed.last_error:
        lines.append(f"Last error: {feed.last_error}")
    if feed.note:
        lines.append(f"Note: {feed.note}")
    return "\n".join(lines)


async def add_feed_health(embed: discord.Embed, store: ReviewStore, guild_id: int) -> None:
    """The feeds' part of `/review status`: how many, and why any is failing or paused."""
    feeds = await store.feeds.followed(guild_id)
    if not feeds:
        return
    failing = [f for f in feeds if f.failures and not f.paused]
    paused = [f for f in feeds if f.paused]
    embed.add_field(
        name="Feeds",
        value=f"{len(feeds)} followed · {len(failing)} failing · {len(paused)} paused",
        inline=False,
    )
    for feed in (paused + failing)[:3]:
        state = "paused" if feed.paused else f"failing ({feed.failures} in a row)"
        embed.add_field(
            name=truncate(f"Feed {state}: {feed.title or feed.url}", 256),
            value=truncate(feed.last_error or "?", 1024),
            inline=False,
        )
