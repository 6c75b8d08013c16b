"""The catalogue in SQLite, the only package that speaks SQL: one façade over small rooms.

    store.reviews   reading, previous/next, random, single-review writes   (reviews.py)
    store.imports   many reviews at once, bulk loads                        (imports.py)
    store.search    search by title and text, saved searches                (search.py)
    store.posts     the post queue                                          (posts.py)
    store.drafts    reviews being written in Discord                        (drafts.py)
    store.guilds    each server's settings                                  (guilds.py)
    store.feeds     followed feeds, their health and the entries seen       (feeds.py)
    store.gateway   Discord's identify slots, shared by the bot's processes  (gateway.py)
    store.db        the file, its connections and transactions              (db.py)

Opening checks the file first (connect.py) and says what is wrong with it in one line
(problems.py).

Rows become values at the rooms' edges (rows.py); the schema is numbered migrations (schema.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from .db import Database
from .drafts import Drafts
from .feeds import Applied, Feed, FeedEntry, FeedExistsError, Feeds, FetchState
from .gateway import IdentifySlots
from .guilds import Guilds, GuildSettings
from .imports import ImportResult, Imports
from .posts import OutboxAction, OutboxItem, OutboxState, PostQueue, QueueStatus
from .problems import DatabaseBusyError, NoDatabaseError, StoreError, database_problem
from .reviews import Reviews
from .rows import to_db_time
from .schema import LATEST_SCHEMA
from .search import SavedSearch, Search, SpellingIndex

__all__ = [
    "LATEST_SCHEMA",
    "Applied",
    "DatabaseBusyError",
    "Feed",
    "FeedEntry",
    "FeedExistsError",
    "FetchState",
    "GuildSettings",
    "ImportResult",
    "NoDatabaseError",
    "OutboxAction",
    "OutboxItem",
    "OutboxState",
    "QueueStatus",
    "ReviewStore",
    "SavedSearch",
    "StoreError",
    "database_problem",
    "to_db_time",
]


class ReviewStore:
    """Reviews, their search indexes, the post queue, drafts and settings, in one SQLite file."""

    def __init__(self, db: Database, schema_version: int, *, created: bool = False) -> None:
        self.db = db
        self.path = db.path
        self.schema_version = schema_version
        self.created = created  # True when this open made a new, empty database
        spellings = SpellingIndex()
        self.search = Search(db)
        self.reviews = Reviews(db, self.search, spellings)
        self.imports = Imports(db, spellings)
        self.posts = PostQueue(db)
        self.drafts = Drafts(db)
        self.guilds = Guilds(db)
        self.feeds = Feeds(db, self.reviews, self.imports)
        self.gateway = IdentifySlots(db)

    @classmethod
    @asynccontextmanager
    async def open(cls, path: str | Path, *, read_only: bool = False) -> AsyncIterator[ReviewStore]:
        """Open the database at `path`: created and migrated as needed, or with `read_only` an
        existing one for reading only (`Database.open` says more)."""
        async with Database.open(Path(path), read_only=read_only) as (db, before, version):
            yield cls(db, version, created=before == 0)

    async def backup(self, destination: str | Path) -> Path:
        """A consistent copy of the whole database in one file, safe while others write."""
        return await self.db.backup(Path(destination))
