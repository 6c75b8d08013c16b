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
    """Start `client` (login, setup_hook, gateway), yield once it has every server, then close it.

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
        ws = client.ws
        session = discord_.gateway.sessions.get(ws.session_id or "") if ws is not None else None
        if (
            session is not None
            and session.connected
            and all(client.get_guild(g.id) is not None for g in discord_.guilds)
        ):
            return
        if loop.time() > give_up:
            raise AssertionError(f"the client did not connect to the stand-in within {within:g}s")
        await asyncio.sleep(0.005)
