"""What every Discord handler needs from the running bot, without knowing the client class."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

import discord

from .feeds.follow import Follower
from .store import OutboxItem, ReviewStore


class Delivery(Protocol):
    """The post queue's delivery as handlers use it: hurry it along, or wait for one row to be
    tried."""

    def wake(self) -> None: ...

    async def wait_for(self, item_id: int, seconds: float) -> OutboxItem | None: ...


@dataclass(frozen=True, slots=True)
class App:
    """The store, the post queue's delivery and the start time: all a handler asks the bot for;
    and the feeds' way in, where the bot follows feeds."""

    store: ReviewStore
    delivery: Delivery
    started: float = field(default_factory=time.monotonic)
    feeds: Follower | None = None

    def uptime(self) -> timedelta:
        return timedelta(seconds=round(time.monotonic() - self.started))


class AppClient(discord.AutoShardedClient):
    """The client as handlers see it: a sharded `discord.Client` carrying an `App`."""

    app: App


# So `interaction.client.app` is typed in every handler; the one alias of the project.
Interaction = discord.Interaction[AppClient]
