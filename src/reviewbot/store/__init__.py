"""The catalogue, in SQLite or PostgreSQL; the only package that speaks SQL: one façade over
small rooms, typed by what each room offers (rooms.py) whichever engine keeps them.

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
The PostgreSQL rooms, with their own migrations, are in `pg/`: `ReviewStore.open` takes a
postgresql:// URL as well as a file's path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .db import Database
from .drafts import Drafts
from .feeds import Applied, Feed, FeedEntry, FeedExistsError, Feeds, FetchState
from .gateway import IdentifySlots
from .guilds import Guilds, GuildSettings
from .imports import ImportResult, Imports
from .posts import OutboxAction, OutboxItem, OutboxState, PostQueue, QueueStatus
from .problems import DatabaseBusyError, NoDatabaseError, StoreError, database_problem
from .reviews import Reviews
from .rooms import (
    DraftsRoom,
    FeedsRoom,
    GatewayRoom,
    GuildsRoom,
    ImportsRoom,
    PostsRoom,
    ReviewsRoom,
    SearchRoom,
)
from .rows import to_db_time
from .schema import LATEST_SCHEMA
from .search import SavedSearch, Search
from .title_words import SpellingIndex

if TYPE_CHECKING:
    from .pg.db import PgDatabase

POSTGRES_SCHEMES = ("postgresql://", "postgres://")

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
    "is_database_url",
    "to_db_time",
]


def is_database_url(target: object) -> bool:
    """Whether `target` names a PostgreSQL database (a postgresql:// URL) rather than a file."""
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


class ReviewStore:
    """Reviews, their search indexes, the post queue, drafts and settings, in one SQLite file
    or one PostgreSQL database."""

    search: SearchRoom
    reviews: ReviewsRoom
    imports: ImportsRoom
    posts: PostsRoom
    drafts: DraftsRoom
    guilds: GuildsRoom
    feeds: FeedsRoom
    gateway: GatewayRoom

    def __init__(
        self, db: Database | PgDatabase, schema_version: int, *, created: bool = False
    ) -> None:
        self.db = db
        self.path = db.path  # what messages name: the file, or the URL without its password
        self.schema_version = schema_version
        self.created = created  # True when this open made a new, empty database
        if isinstance(db, Database):
            self.engine = "sqlite"
            spellings = SpellingIndex()
            search = Search(db)
            reviews = Reviews(db, search, spellings)
            imports = Imports(db, spellings)
            self.search, self.reviews, self.imports = search, reviews, imports
            self.posts = PostQueue(db)
            self.drafts = Drafts(db)
            self.guilds = Guilds(db)
            self.feeds = Feeds(db, reviews, imports)
            self.gateway = IdentifySlots(db)
            return
        from .pg import rooms

        self.engine = "postgresql"
        made = rooms(db)
        self.search, self.reviews, self.imports = made.search, made.reviews, made.imports
        self.posts, self.drafts, self.guilds = made.posts, made.drafts, made.guilds
        self.feeds, self.gateway = made.feeds, made.gateway

    @classmethod
    @asynccontextmanager
    async def open(
        cls, target: str | Path, *, read_only: bool = False
    ) -> AsyncIterator[ReviewStore]:
        """Open the catalogue at `target`, a file's path or a postgresql:// URL: created and
        migrated as needed, or with `read_only` an existing one for reading only."""
        if is_database_url(target):
            from .pg import open_database

            async with open_database(str(target), read_only=read_only) as (db, before, version):
                yield cls(db, version, created=before == 0)
            return
        async with Database.open(Path(target), read_only=read_only) as (sqlite, before, version):
            yield cls(sqlite, version, created=before == 0)

    async def backup(self, destination: str | Path) -> Path:
        """A consistent copy of the whole database in one file, safe while others write."""
        if not isinstance(self.db, Database):
            raise StoreError(
                "reviewbot backup copies SQLite files; back up a PostgreSQL catalogue with"
                " pg_dump (or copy it to a file with reviewbot migrate-to)"
            )
        return await self.db.backup(Path(destination))
