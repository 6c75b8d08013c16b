"""Drafts: reviews being written in a Discord form, kept until published or cancelled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from ..review import Category, Draft, utc_now
from .db import Database
from .rows import now, to_db_time

# The columns that read a draft, the same on either engine.
DRAFT = "guild_id, user_id, review_id, category, title, creator, rating, body, url, spoiler"


def read_draft(row: Sequence[Any], draft_id: int) -> Draft:
    """A row read with `DRAFT` as the draft `draft_id`."""
    return Draft(
        guild_id=row[0],
        user_id=row[1],
        review_id=row[2],
        category=Category(row[3]),
        title=row[4],
        creator=row[5],
        rating=row[6],
        body=row[7],
        url=row[8],
        spoiler=bool(row[9]),
        id=draft_id,
    )


class Drafts:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(self, draft: Draft) -> Draft:
        """Keep what was typed so far; returns the draft with its id."""
        params = {
            "id": draft.id,
            "guild": draft.guild_id,
            "user": draft.user_id,
            "review": draft.review_id,
            "category": draft.category.value,
            "title": draft.title,
            "creator": draft.creator,
            "rating": draft.rating,
            "body": draft.body,
            "url": draft.url,
            "spoiler": int(draft.spoiler),
            "now": now(),
        }
        async with self._db.transaction() as db:
            cursor = await db.execute(
                """INSERT INTO drafts (id, guild_id, user_id, review_id, category, title, creator,
                       rating, body, url, spoiler, updated_at)
                VALUES (:id, :guild, :user, :review, :category, :title, :creator, :rating, :body,
                        :url, :spoiler, :now)
                ON CONFLICT (id) DO UPDATE SET category = excluded.category,
                    title = excluded.title, creator = excluded.creator, rating = excluded.rating,
                    body = excluded.body, url = excluded.url, spoiler = excluded.spoiler,
                    updated_at = excluded.updated_at""",
                params,
            )
        return replace(draft, id=draft.id or cursor.lastrowid)

    async def get(self, draft_id: int, user_id: int) -> Draft | None:
        """A draft, only for the person who wrote it."""
        found = await self._db.fetch(
            f"SELECT {DRAFT} FROM drafts WHERE id = ? AND user_id = ?",
            (draft_id, user_id),
        )
        return next((read_draft(row, draft_id) for row in found), None)

    async def prune(self, older_than: timedelta) -> int:
        """Forget forms started but never published or cancelled."""
        async with self._db.transaction() as db:
            cursor = await db.execute(
                "DELETE FROM drafts WHERE updated_at < ?", (to_db_time(utc_now() - older_than),)
            )
            return cursor.rowcount

    async def discard(self, draft_id: int) -> None:
        async with self._db.transaction() as db:
            await db.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))
