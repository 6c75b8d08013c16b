"""Each server's settings: its review channel and its reviewer role."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .db import Database
from .rows import now


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    review_channel_id: int | None = None
    reviewer_role_id: int | None = None


def read_settings(guild_id: int, found: Iterable[Sequence[Any]]) -> GuildSettings:
    """A server's settings from its row (channel, role), if it has one; the defaults if not."""
    for channel_id, role_id in found:
        return GuildSettings(guild_id, channel_id, role_id)
    return GuildSettings(guild_id)


class SettingsRoom(ABC):
    """What setting a server's channel or role means, on either engine; each engine writes."""

    async def set_review_channel(self, guild_id: int, channel_id: int | None) -> None:
        await self._set(guild_id, "review_channel_id", channel_id)

    async def set_reviewer_role(self, guild_id: int, role_id: int | None) -> None:
        await self._set(guild_id, "reviewer_role_id", role_id)

    async def _set(self, guild_id: int, column: str, value: int | None) -> None:
        assert column in {"review_channel_id", "reviewer_role_id"}  # a column name, never input
        await self._write(guild_id, column, value)

    @abstractmethod
    async def _write(self, guild_id: int, column: str, value: int | None) -> None:
        """Store one setting of a server, creating its row if it has none."""


class Guilds(SettingsRoom):
    def __init__(self, db: Database) -> None:
        self._db = db

    async def settings(self, guild_id: int) -> GuildSettings:
        # Through aiosqlite, not a quick read: in line with the writes on that connection, the
        # post queue never acts on a channel that a `/review config channel` in progress is
        # replacing (a quick read sees only what is committed, and the queue then blocked a
        # post a moment after the change had unblocked it).
        found = await self._db.fetch(
            "SELECT review_channel_id, reviewer_role_id FROM guild_settings WHERE guild_id = ?",
            (guild_id,),
        )
        return read_settings(guild_id, found)

    async def _write(self, guild_id: int, column: str, value: int | None) -> None:
        async with self._db.transaction() as db:
            await db.execute(
                f"INSERT INTO guild_settings (guild_id, {column}, updated_at) VALUES (?, ?, ?)"
                f" ON CONFLICT (guild_id) DO UPDATE SET {column} = excluded.{column},"
                " updated_at = excluded.updated_at",
                (guild_id, value, now()),
            )
