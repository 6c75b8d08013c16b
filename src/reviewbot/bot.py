"""The Discord client: wiring, start-up, shutdown and command sync."""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import suppress
from datetime import timedelta
from typing import Any

import aiohttp
import discord
from discord import app_commands

from . import __version__
from .app import App, AppClient, Interaction
from .catalogue import load_sample_if_new
from .commands import ReviewCommands
from .config import Settings
from .feeds.fetch import Fetcher
from .feeds.follow import Follower
from .feeds.poller import FeedPoller
from .funnel import reply_error
from .identify import IdentifyPacer
from .outbox import OutboxWorker
from .publishing.preview import DraftButton, answer_form
from .publishing.publish import DeleteButton
from .store import ReviewStore
from .views import COMPONENTS as READING_COMPONENTS

log = logging.getLogger(__name__)

DRAFTS_KEPT = timedelta(days=30)
# Discord could not be reached at all (no network, DNS, a firewall): said in one line.
UNREACHABLE = (aiohttp.ClientError, OSError, asyncio.TimeoutError)

# Gateway closes that settings can cause, said in one line each.
SHARDING_CLOSES = {
    4010: "Discord refused the shard settings: REVIEWBOT_SHARDS must name shards below"
    " REVIEWBOT_SHARD_COUNT, and every process must use the same count.",
    4011: "Discord requires more shards for this many servers: unset REVIEWBOT_SHARD_COUNT"
    " (Discord's recommended count is used) or raise it.",
}

# What the invite link asks for, and nothing more: read the channel, post and edit embeds.
PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, embed_links=True, read_message_history=True
)


# The bot joins no voice channel: discord.py's warnings about missing voice libraries, logged
# at every start, are noise.
discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False


class ReviewBot(AppClient):
    """A slash-command-only client: no message content, no privileged intents.

    Sharded: every shard Discord recommends, or the range the settings give this process, which
    then posts, edits and deletes, and polls feeds, for the servers on its shards only.
    """

    def __init__(self, store: ReviewStore, settings: Settings) -> None:
        shards = settings.shards
        sharding: dict[str, Any] = {"shard_count": settings.shard_count}
        if not shards.everything:
            sharding["shard_ids"] = list(shards.ids)
        super().__init__(
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            **sharding,
        )
        self.settings = settings
        self.identify = IdentifyPacer(store, self._max_concurrency, shared=not shards.everything)
        self.outbox = OutboxWorker(self, store, shards=shards)
        self.fetcher = Fetcher(allow_private=settings.feeds_allow_private)
        follower = Follower(store, self.fetcher, interval=settings.feed_interval)
        self.feeds = FeedPoller(follower, on_queued=self.outbox.wake, shards=shards)
        self.app = App(store, self.outbox, feeds=follower)
        self.tree = app_commands.CommandTree(self)
        self.tree.error(reply_error)
        self.tree.add_command(ReviewCommands())
        self.add_dynamic_items(*READING_COMPONENTS, DraftButton, DeleteButton)

    async def setup_hook(self) -> None:
        assert self.application_id is not None
        pruned = await self.app.store.drafts.prune(DRAFTS_KEPT)
        if pruned:
            log.info("Forgot %d review draft(s) untouched for %d days", pruned, DRAFTS_KEPT.days)
        if not self.settings.shards.everything:
            log.info("Running %s", self.settings.shards.describe())
        retried = await self.app.store.posts.unblock(shards=self.settings.shards)
        if retried:
            log.info("Retrying %d blocked post(s) from before this start", retried)
        # Before any command is served: the first typo search would otherwise build them.
        words = await self.app.store.search.warm()
        log.info("Typo search ready: %d title words in memory", words)
        self.outbox.start()
        self.feeds.start()
        log.info("Invite link: %s", invite_url(self.application_id))
        if self.settings.dev_guild is not None:
            guild = discord.Object(self.settings.dev_guild)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("Synced %d command(s) to development server %s", len(synced), guild.id)

    async def on_ready(self) -> None:
        log.info("Connected as %s to %d server(s)", self.user, len(self.guilds))

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # Instead of discord.py's five seconds before each IDENTIFY after the first: the
        # bucket's turn, shared with the other processes through the database.
        await self.identify.wait_turn(shard_id or 0, initial=initial)

    async def _max_concurrency(self) -> int:
        return (await self.fetch_session_start_limits()).max_concurrency

    async def close(self) -> None:
        await self.feeds.stop()
        await self.fetcher.close()
        await self.outbox.stop()
        await super().close()

    async def on_interaction(self, interaction: Interaction) -> None:
        await answer_form(interaction)  # review forms, by custom id: they outlive a restart

    # A permission or channel change may unblock posts that Discord refused: try them again.
    async def on_guild_channel_update(
        self, before: discord.abc.GuildChannel, after: discord.abc.GuildChannel
    ) -> None:
        await self._retry_blocked(after.guild)

    async def on_guild_channel_create(self, channel: discord.abc.GuildChannel) -> None:
        await self._retry_blocked(channel.guild)

    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        await self._retry_blocked(after.guild)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        if self.is_ready():  # back after an outage; at start-up setup_hook retried them all
            await self._retry_blocked(guild)

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        if self.user is not None and after.id == self.user.id:
            await self._retry_blocked(after.guild)

    async def _retry_blocked(self, guild: discord.Guild) -> None:
        if not self.is_closed() and await self.app.store.posts.unblock(guild.id):
            self.outbox.wake()


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(
        application_id, permissions=PERMISSIONS, scopes=("bot", "applications.commands")
    )


def run_bot(settings: Settings) -> int:
    """`reviewbot run`: connect and serve until Ctrl+C or SIGTERM; 0 on a clean stop."""
    discord.utils.setup_logging(level=logging.getLevelName(settings.log_level), root=True)
    try:
        return asyncio.run(_serve(settings))
    except KeyboardInterrupt:
        return 0


async def _serve(settings: Settings) -> int:
    assert settings.token is not None
    async with ReviewStore.open(settings.store_target) as store:
        store.posts.lease = timedelta(seconds=settings.post_lease)
        log.info(
            "reviewbot %s (discord.py %s), database %s at schema version %d",
            __version__,
            discord.__version__,
            settings.database_name,
            store.schema_version,
        )
        loaded = await load_sample_if_new(store, settings.catalogue)
        if loaded is not None:
            log.info("New database: loaded the sample catalogue (%s)", loaded.summary())
        async with ReviewBot(store, settings) as bot:
            # Stopped as `Client.run` stops: the connection task is cancelled, then leaving
            # this block closes the client, which ends the gateway session with code 1000.
            # Closing while the gateway is being read would send 4000, and Discord would keep
            # the session (and the bot online) for a while.
            connection = asyncio.ensure_future(bot.start(settings.token))
            _stop_on_signals(connection)
            try:
                await connection
            except asyncio.CancelledError:
                if not connection.cancelled():
                    raise
            except discord.LoginFailure:
                log.error("Discord refused DISCORD_TOKEN: copy the bot token again into .env.")
                return 1
            except UNREACHABLE as error:
                log.error("Could not reach Discord (%s); check the network.", error)
                return 1
            except discord.ConnectionClosed as closed:
                if closed.code not in SHARDING_CLOSES:
                    raise
                log.error(SHARDING_CLOSES[closed.code])
                return 1
            except discord.PrivilegedIntentsRequired:  # pragma: no cover - we ask for none
                log.error("Discord refused the gateway intents.")
                return 1
    log.info("Stopped cleanly.")
    return 0


def _stop_on_signals(connection: asyncio.Future[None]) -> None:
    loop = asyncio.get_running_loop()

    def begin_shutdown(sig: signal.Signals) -> None:
        log.info("Received %s: closing the gateway and the database.", sig.name)
        connection.cancel()  # a second signal finds it cancelled already

    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):  # not on Windows' default loop
            loop.add_signal_handler(sig, begin_shutdown, sig)


def sync_commands(settings: Settings, guild_id: int | None) -> int:
    """`reviewbot sync [--guild ID]`: register the slash commands with Discord."""
    discord.utils.setup_logging(level=logging.getLevelName(settings.log_level), root=True)
    return asyncio.run(_sync(settings, guild_id))


async def _sync(settings: Settings, guild_id: int | None) -> int:
    assert settings.token is not None
    client = discord.Client(intents=discord.Intents.none())
    tree = app_commands.CommandTree(client)
    tree.add_command(ReviewCommands())  # only its shape is sent: no database is opened
    async with client:
        try:
            await client.login(settings.token)
            guild = discord.Object(guild_id) if guild_id else None
            if guild is not None:
                tree.copy_global_to(guild=guild)
            synced = await tree.sync(guild=guild)
        except discord.LoginFailure:
            log.error("Discord refused DISCORD_TOKEN: copy the bot token again into .env.")
            return 1
        except UNREACHABLE as error:
            log.error("Could not reach Discord (%s); check the network.", error)
            return 1
    where = f"server {guild_id}" if guild_id else "every server (may take up to an hour to show)"
    print(f"Registered {len(synced)} command(s) for {where}: " + ", ".join(c.name for c in synced))
    return 0
