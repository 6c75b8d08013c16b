"""The catalogue in PostgreSQL: the same rooms as the SQLite store's, each done PostgreSQL's way.

reviews.py   store.reviews: reading, previous/next, random, single-review writes
imports.py   store.imports: many reviews at once, one statement per batch
search.py    store.search: title tiers, typos, text; saved searches; the title words
posts.py     store.posts: the post queue, taken with FOR UPDATE SKIP LOCKED and a lease
feeds.py     store.feeds: followed feeds, their health, the entry keys seen
small.py     store.drafts, store.guilds, store.gateway
positions.py neighbours and "n of total" from calendar counts
rows.py      rows ↔ values
schema.py    its own numbered migrations in pg/migrations/
db.py        the pool of connections, transactions, named parameters
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg

from ..problems import NoDatabaseError, StoreError
from . import schema
from .db import POOL_SIZE, REPLANNING, SERVER_SETTINGS, PgDatabase, connection_problem, shown_url
from .feeds import PgFeeds
from .imports import PgImports
from .posts import PgPostQueue
from .reviews import PgReviews
from .search import PgSearch
from .small import PgDrafts, PgGuilds, PgIdentifySlots
from .title_words import SpellingIndex


@dataclass
class Rooms:
    search: PgSearch
    reviews: PgReviews
    imports: PgImports
    posts: PgPostQueue
    drafts: PgDrafts
    guilds: PgGuilds
    feeds: PgFeeds
    gateway: PgIdentifySlots


def rooms(db: PgDatabase) -> Rooms:
    spellings = SpellingIndex()
    search = PgSearch(db)
    reviews = PgReviews(db, search, spellings)
    imports = PgImports(db, spellings)
    return Rooms(
        search,
        reviews,
        imports,
        PgPostQueue(db),
        PgDrafts(db),
        PgGuilds(db),
        PgFeeds(db, reviews, imports),
        PgIdentifySlots(db),
    )


@asynccontextmanager
async def open_database(
    url: str, *, read_only: bool = False
) -> AsyncIterator[tuple[PgDatabase, int, int]]:
    """The database at `url` with its schema version before and after opening: migrated as
    needed, or with `read_only` an existing reviewbot database opened for reading only
    (`NoDatabaseError` when it holds none). Problems raise `StoreError`, in one line."""
    name = shown_url(url)
    settings = dict(SERVER_SETTINGS)
    if read_only:
        settings["default_transaction_read_only"] = "on"
    try:
        first = await asyncpg.connect(url, server_settings=settings)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        raise connection_problem(url, error) from error
    try:
        found = await schema.version(first)
        if found is not None:
            schema.check_not_newer(name, found)
        if read_only and found is None:
            if await schema.has_tables(first):
                raise schema.foreign(name)
            raise NoDatabaseError(f"no reviewbot catalogue at {name}; import reviews first")
        before = after = found or 0
        if found != schema.LATEST_SCHEMA:
            if read_only:  # brought up to date first, like any opening
                await first.execute("SET default_transaction_read_only = off")
            before, after = await schema.migrate(first, name)
    except asyncpg.PostgresError as error:
        raise StoreError(f"cannot prepare the database at {name} ({error})") from error
    finally:
        await first.close()
    pool = await asyncpg.create_pool(url, min_size=1, max_size=POOL_SIZE, server_settings=settings)
    try:
        replanning = {**settings, **REPLANNING}
        planning = await asyncpg.create_pool(
            url, min_size=1, max_size=POOL_SIZE, server_settings=replanning
        )
    except BaseException:
        await pool.close()
        raise
    try:
        yield PgDatabase(pool, url, planning), before, after
    finally:
        await planning.close()
        await pool.close()
