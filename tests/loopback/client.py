"""Running an in-process discord.Client against the stand-in for the length of a block."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TypeVar

import discord

from .server import LoopbackDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.asynccontextmanager
async def run_client(
    discord_: LoopbackDiscord, client: ClientT, token: str | None = None, *, within: float = 5.0
) -> AsyncIterator[ClientT]:
    """Start `client` (login, setup_hook, gateway), yield once it has every server on its
    shards, then close it.

    discord.py dispatches `on_ready` only after `guild_ready_timeout` (2 s by default) of gateway
    silence; this returns as soon as the guilds are in the client's cache, which is all that
    interactions need.
    """
    task = asyncio.create_task(client.start(token or discord_.token), name="loopback-client")
    try:
        await _connected(discord_, client, task, within)
        yield client
    finally:
        await client.close()
        try:
            await asyncio.wait_for(task, within)
        finally:
            if not task.done():
                task.cancel()


async def _connected(
    discord_: LoopbackDiscord, client: discord.Client, task: asyncio.Task[None], within: float
) -> None:
    loop = asyncio.get_running_loop()
    give_up = loop.time() + within
    while True:
        if task.done():
            task.result()
            raise AssertionError("the client stopped before it connected")
        if _all_connected(discord_, client):
            return
        if loop.time() > give_up:
            raise AssertionError(f"the client did not connect to the stand-in within {within:g}s")
        await asyncio.sleep(0.005)


def _all_connected(discord_: LoopbackDiscord, client: discord.Client) -> bool:
    """Every shard the client runs is connected, and every server on them is cached."""
    if isinstance(client, discord.AutoShardedClient):
        if client.shard_count is None:
            return False
        count = client.shard_count
        running = set(client.shard_ids or range(count))
        shards = client.shards
        if set(shards) != running or any(shard.is_closed() for shard in shards.values()):
            return False
    else:
        ws = client.ws
        session = discord_.gateway.sessions.get(ws.session_id or "") if ws is not None else None
        if session is None or not session.connected:
            return False
        count, running = 1, {0}
    mine = [g for g in discord_.guilds if (g.id >> 22) % count in running]
    return all(client.get_guild(g.id) is not None for g in mine)
