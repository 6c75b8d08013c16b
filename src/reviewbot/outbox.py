"""Delivering the post queue to Discord: in order per server, retried, and never twice."""

from __future__ import annotations

import asyncio
import logging
import random
from contextlib import suppress
from datetime import timedelta

import aiohttp
import discord

from .publishing.guards import missing_permissions
from .review import utc_now
from .shards import ALL_SHARDS, Shards
from .store import OutboxAction, OutboxItem, ReviewStore
from .views import review_reply

log = logging.getLogger(__name__)

POLL_SECONDS = (
    1.0  # rows queued by another process (reviewbot import --announce) are seen this fast
)
MAX_BACKOFF_SECONDS = 300.0


class Blocked(Exception):
    """Delivery needs a person to act; the message says what, in the server's words."""


class OutboxWorker:
    """Takes due rows from the outbox and makes Discord do what they say: only the rows of
    servers on `shards`, so that of several processes, one delivers each server's queue."""

    def __init__(
        self,
        client: discord.Client,
        store: ReviewStore,
        *,
        retry_base: float = 1.0,
        shards: Shards = ALL_SHARDS,
    ) -> None:
        self.client = client
        self.store = store
        self.retry_base = retry_base  # seconds before the first retry; doubling after each
        self.shards = shards
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._watchers: dict[int, list[asyncio.Future[OutboxItem]]] = {}

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="reviewbot-outbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        self._wake.set()

    async def wait_for(self, item_id: int, seconds: float) -> OutboxItem | None:
        """The row once it was tried (done, blocked or waiting to retry), or None on timeout."""
        future: asyncio.Future[OutboxItem] = asyncio.get_running_loop().create_future()
        self._watchers.setdefault(item_id, []).append(future)
        self.wake()
        try:
            return await asyncio.wait_for(future, seconds)
        except TimeoutError:
            return None
        finally:
            watchers = self._watchers.get(item_id, [])
            if future in watchers:
                watchers.remove(future)
            if not watchers:
                self._watchers.pop(item_id, None)

    async def _run(self) -> None:
        while not self.client.is_closed():
            try:
                while batch := await self.store.posts.due(shards=self.shards):
                    if not any([await self.deliver(item) for item in batch]):
                        break  # only rows of servers not connected yet: wait for them
            except Exception:
                log.exception("The post queue hit an unexpected error; trying again shortly")
                await asyncio.sleep(5)
            idle = await self._idle_seconds()  # before the wait is made: a stop may land here
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), idle)
            self._wake.clear()

    async def _idle_seconds(self) -> float:
        next_retry = await self.store.posts.next_retry(self.shards)
        if next_retry is None:
            return POLL_SECONDS
        return min(POLL_SECONDS, max(0.0, (next_retry - utc_now()).total_seconds()))

    async def deliver(self, item: OutboxItem) -> bool:
        """Try one row; False when its server is not connected yet (the row is left as it is)."""
        unblocks = self.store.posts.unblocks  # a change while this row is tried retries it
        if self.client.get_guild(item.guild_id) is None:
            if not self.client.is_ready():
                return False
            await self.store.posts.block(
                item,
                "The bot is not in this server any more; invite it again to post.",
                unblocks=unblocks,
            )
            return True
        try:
            if item.action is OutboxAction.POST:
                await self._post(item)
            elif item.action is OutboxAction.EDIT:
                await self._edit(item)
            else:
                await self._delete(item)
        except Blocked as blocked:
            log.warning("Post queue row %d blocked: %s", item.id, blocked)
            await self.store.posts.block(item, str(blocked), unblocks=unblocks)
        except discord.Forbidden as error:
            reason = await self._forbidden_reason(item, error)
            await self.store.posts.block(item, reason, unblocks=unblocks)
        except (discord.DiscordServerError, aiohttp.ClientError, TimeoutError, OSError) as error:
            await self._retry(item, f"Discord did not answer ({_short(error)}); retrying")
        except discord.HTTPException as error:
            log.warning("Post queue row %d refused by Discord: %s", item.id, error)
            await self._retry(item, f"Discord refused the message ({_short(error)})")
        finally:
            await self._notify(item.id)
        return True

    async def _retry(self, item: OutboxItem, reason: str) -> None:
        backoff = self.retry_base * 2.0**item.attempts
        delay = min(MAX_BACKOFF_SECONDS, backoff) * random.uniform(0.8, 1.2)
        log.info("Post queue row %d: %s in %.1f s", item.id, reason, delay)
        await self.store.posts.retry_later(item, reason, utc_now() + timedelta(seconds=delay))

    async def _notify(self, item_id: int) -> None:
        watchers = self._watchers.pop(item_id, [])
        if not watchers:
            return
        current = await self.store.posts.item(item_id)
        for future in watchers:
            if current is not None and not future.done():
                future.set_result(current)

    async def _post(self, item: OutboxItem) -> None:
        assert item.review_id is not None or item.action is not OutboxAction.POST
        shown = (
            await self.store.reviews.context(item.review_id, item.guild_id)
            if item.review_id
            else None
        )
        if shown is None:
            await self.store.posts.drop(item, "the review was deleted before it was posted")
            return
        channel = await self._review_channel(item.guild_id, item.channel_id)
        reply = review_reply(shown, in_channel=True)
        message = await channel.send(**reply.send_kwargs(), nonce=item.id)
        await self.store.posts.delivered(item, channel.id, message.id)
        log.info(
            "Posted review %d in channel %d (message %d)", item.review_id, channel.id, message.id
        )

    async def _edit(self, item: OutboxItem) -> None:
        assert item.channel_id is not None and item.message_id is not None
        shown = (
            await self.store.reviews.context(item.review_id, item.guild_id)
            if item.review_id
            else None
        )
        if shown is None:
            await self.store.posts.drop(item, "the review was deleted before its post was updated")
            return
        reply = review_reply(shown, in_channel=True)
        message = self.client.get_partial_messageable(item.channel_id, guild_id=item.guild_id)
        try:
            # A post made before the card (an embed) becomes the card.
            await message.get_partial_message(item.message_id).edit(**reply.edit_kwargs())
        except discord.NotFound:
            # The post (or its channel) was deleted by someone: publish the review afresh.
            await self.store.posts.repost(item)
            return
        await self.store.posts.delivered(item)

    async def _delete(self, item: OutboxItem) -> None:
        assert item.channel_id is not None and item.message_id is not None
        message = self.client.get_partial_messageable(item.channel_id, guild_id=item.guild_id)
        with suppress(discord.NotFound):  # already gone is what we wanted
            await message.get_partial_message(item.message_id).delete()
        await self.store.posts.delivered(item)

    async def _review_channel(
        self, guild_id: int, chosen: int | None = None
    ) -> discord.TextChannel:
        """The server's review channel, or the `chosen` one (a feed's own channel)."""
        channel_id = chosen or (await self.store.guilds.settings(guild_id)).review_channel_id
        if channel_id is None:
            raise Blocked(
                "No review channel is set. A server manager can choose one with "
                "`/review config channel`; the review is kept and will be posted then."
            )
        channel = self.client.get_channel(channel_id)
        if channel is None:
            try:
                fetched = await self.client.fetch_channel(channel_id)
            except discord.NotFound:
                raise Blocked(_channel_gone(channel_id)) from None
            channel = fetched
        if not isinstance(channel, discord.TextChannel):
            raise Blocked("The review channel is not a text channel; choose another one.")
        missing = missing_permissions(channel)
        if missing:
            raise Blocked(_missing_text(channel, missing))
        return channel

    async def _forbidden_reason(self, item: OutboxItem, error: discord.Forbidden) -> str:
        channel = self.client.get_channel(item.channel_id or 0)
        if channel is None:
            settings = await self.store.guilds.settings(item.guild_id)
            channel = self.client.get_channel(settings.review_channel_id or 0)
        if isinstance(channel, discord.TextChannel) and (missing := missing_permissions(channel)):
            return _missing_text(channel, missing)
        where = f"<#{channel.id}>" if channel is not None else "the review channel"
        return (
            f"Discord refused the bot in {where} (missing permissions: {_short(error)}). "
            "Check the channel's permissions for the bot; the queue resumes by itself."
        )


def _missing_text(channel: discord.abc.GuildChannel, missing: list[str]) -> str:
    names = " and ".join(f"**{name}**" for name in missing)
    return (
        f"The bot lacks {names} in <#{channel.id}>. Grant it there (or choose another channel "
        "with `/review config channel`) and the queued posts go out by themselves."
    )


def _channel_gone(channel_id: int) -> str:
    return (
        f"The review channel ({channel_id}) no longer exists. Choose a new one with "
        "`/review config channel`; the queued posts go out then."
    )


def _short(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 200 else text[:199] + "…"
