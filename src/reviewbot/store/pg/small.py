"""The small rooms in PostgreSQL: drafts, each server's settings, and Discord's identify slots."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from ...review import Draft, utc_now
from ..drafts import DRAFT, read_draft
from ..guilds import GuildSettings, SettingsRoom, read_settings
from .db import PgDatabase


class PgDrafts:
    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    async def save(self, draft: Draft) -> Draft:
        values = (
            draft.guild_id,
            draft.user_id,
            draft.review_id,
            draft.category.value,
            draft.title,
            draft.creator,
            draft.rating,
            draft.body,
            draft.url,
            draft.spoiler,
        )
        if draft.id is None:
            found = await self._db.fetch(
                "INSERT INTO drafts (guild_id, user_id, review_id, category, title, creator,"
                " rating, body, url, spoiler, updated_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now()) RETURNING id",
                values,
            )
            return replace(draft, id=found[0][0])
        await self._db.execute(
            """INSERT INTO drafts (id, guild_id, user_id, review_id, category, title, creator,
                rating, body, url, spoiler, updated_at)
            VALUES ($11, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
            ON CONFLICT (id) DO UPDATE SET category = excluded.category,
                title = excluded.title, creator = excluded.creator, rating = excluded.rating,
                body = excluded.body, url = excluded.url, spoiler = excluded.spoiler,
                updated_at = excluded.updated_at""",
            (*values, draft.id),
        )
        return draft

    async def get(self, draft_id: int, user_id: int) -> Draft | None:
        found = await self._db.fetch(
            f"SELECT {DRAFT} FROM drafts WHERE id = $1 AND user_id = $2",
            (draft_id, user_id),
        )
        return next((read_draft(row, draft_id) for row in found), None)

    async def prune(self, older_than: timedelta) -> int:
        status = await self._db.execute(
            "DELETE FROM drafts WHERE updated_at < $1", (utc_now() - older_than,)
        )
        return int(status.rsplit(" ", 1)[-1])

    async def discard(self, draft_id: int) -> None:
        await self._db.execute("DELETE FROM drafts WHERE id = $1", (draft_id,))


class PgGuilds(SettingsRoom):
    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    async def settings(self, guild_id: int) -> GuildSettings:
        # Read from the database on every request: a change made by any process is seen at once.
        found = await self._db.fetch(
            "SELECT review_channel_id, reviewer_role_id FROM guild_settings WHERE guild_id = $1",
            (guild_id,),
        )
        return read_settings(guild_id, found)

    async def _write(self, guild_id: int, column: str, value: int | None) -> None:
        await self._db.execute(
            f"INSERT INTO guild_settings (guild_id, {column}, updated_at) VALUES ($1, $2, now())"
            f" ON CONFLICT (guild_id) DO UPDATE SET {column} = excluded.{column},"
            " updated_at = excluded.updated_at",
            (guild_id, value),
        )


# Taken only when the bucket's last IDENTIFY is a whole window old by the database's clock:
# one statement, so two processes asking at once cannot both be let go, whatever their clocks.
_TAKE = """
INSERT INTO identify_slots (bucket, taken_at, shard_id) VALUES ($1, clock_timestamp(), $2)
ON CONFLICT (bucket) DO UPDATE SET taken_at = excluded.taken_at, shard_id = excluded.shard_id
WHERE identify_slots.taken_at <= clock_timestamp() - $3::interval
RETURNING 0
"""


class PgIdentifySlots:
    """Discord's identify limit shared by every process of the bot through the database."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    async def take(self, bucket: int, shard_id: int, window: timedelta) -> timedelta:
        async with self._db.transaction():
            if await self._db.fetch(_TAKE, (bucket, shard_id, window)):
                return timedelta(0)
            found = await self._db.fetch(
                "SELECT taken_at, clock_timestamp() FROM identify_slots WHERE bucket = $1",
                (bucket,),
            )
        taken, at = found[0]
        return min(window, taken + window - at)

    async def last_taken(self, bucket: int) -> tuple[datetime, int] | None:
        found = await self._db.fetch(
            "SELECT taken_at, shard_id FROM identify_slots WHERE bucket = $1", (bucket,)
        )
        return next(((at, shard) for at, shard in found), None)
