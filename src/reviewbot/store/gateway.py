"""Identify slots: when each of Discord's identify buckets was last used, by any process."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..review import utc_now
from .db import Database
from .rows import from_db_time, to_db_time

# Taken only when the bucket's last IDENTIFY is old enough: one statement, so two processes
# asking at once cannot both be let go.
_TAKE = """
INSERT INTO identify_slots (bucket, taken_at, shard_id) VALUES (:bucket, :now, :shard)
ON CONFLICT (bucket) DO UPDATE SET taken_at = excluded.taken_at, shard_id = excluded.shard_id
WHERE identify_slots.taken_at <= :free_since
"""


class IdentifySlots:
    """Discord's identify limit shared by every process of the bot through the database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def take(self, bucket: int, shard_id: int, window: timedelta) -> timedelta:
        """Take `bucket`'s slot for `shard_id` if nobody took it in the last `window`: zero then,
        and the shard may identify now. Otherwise how long to wait before asking again."""
        at = utc_now()
        async with self._db.transaction() as db:
            cursor = await db.execute(
                _TAKE,
                {
                    "bucket": bucket,
                    "now": to_db_time(at),
                    "shard": shard_id,
                    "free_since": to_db_time(at - window),
                },
            )
            if cursor.rowcount > 0:
                return timedelta(0)
            found = await db.execute_fetchall(
                "SELECT taken_at FROM identify_slots WHERE bucket = ?", (bucket,)
            )
        taken = from_db_time(next(iter(found))[0])
        # Never longer than a window: a slot dated in the future (a clock set back) frees too.
        return min(window, taken + window - at)

    async def last_taken(self, bucket: int) -> tuple[datetime, int] | None:
        """When `bucket`'s slot was last taken, and by which shard."""
        found = await self._db.fetch(
            "SELECT taken_at, shard_id FROM identify_slots WHERE bucket = ?", (bucket,)
        )
        return next(((from_db_time(at), shard) for at, shard in found), None)
