"""Copying a whole catalogue from one store to another (SQLite to PostgreSQL, or back): every
table's rows, ids kept, in one transaction on the target; what is derived from them (full-text
indexes, calendar counts) is made anew by the target's own engine."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .db import Database
from .problems import StoreError
from .rows import from_db_time, to_db_time

if TYPE_CHECKING:
    from . import ReviewStore
    from .pg.db import PgDatabase

BATCH = 2_000
Row = tuple[Any, ...]


@dataclass(frozen=True)
class Table:
    """A table as both engines hold it: its columns and what kind of value each is
    ("int", "text", "time" or "bool"), in the order they are copied."""

    name: str
    columns: tuple[tuple[str, str], ...]
    key: str  # the primary key's columns, for a stable order

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.columns]


def _table(name: str, key: str, spec: str) -> Table:
    columns = tuple(tuple(part.split(":")) for part in spec.split())
    return Table(name, tuple((column, kind) for column, kind in columns), key)


# Parents before children, so that every reference is to a row copied already.
TABLES = (
    _table(
        "reviews",
        "id",
        "id:int guild_id:int title:text title_norm:text creator:text creator_norm:text"
        " category:text rating:int author_name:text author_id:int published_at:time url:text"
        " image_url:text spoiler:bool updated_at:time",
    ),
    _table("review_bodies", "review_id", "review_id:int body:text"),
    _table("title_terms", "id", "id:int term:text"),
    _table(
        "guild_settings",
        "guild_id",
        "guild_id:int review_channel_id:int reviewer_role_id:int updated_at:time",
    ),
    _table(
        "saved_searches",
        "id",
        "id:int guild_id:int query:text category:text min_rating:int created_at:time",
    ),
    _table(
        "drafts",
        "id",
        "id:int guild_id:int user_id:int review_id:int category:text title:text creator:text"
        " rating:text body:text url:text spoiler:bool updated_at:time",
    ),
    _table(
        "posts",
        "review_id",
        "review_id:int guild_id:int channel_id:int message_id:int posted_at:time",
    ),
    _table(
        "outbox",
        "id",
        "id:int guild_id:int review_id:int action:text channel_id:int message_id:int state:text"
        " attempts:int not_before:time last_error:text created_at:time done_at:time",
    ),
    _table(
        "feeds",
        "id",
        "id:int guild_id:int url:text channel_id:int category:text title:text etag:text"
        " last_modified:text body_digest:text last_fetch_at:time last_status:int"
        " last_new_at:time failures:int paused:bool next_poll_at:time last_error:text"
        " note:text created_at:time",
    ),
    _table(
        "feed_entries",
        "feed_id, entry_key",
        "feed_id:int entry_key:text review_id:int digest:text seen_at:time",
    ),
    _table("identify_slots", "bucket", "bucket:int taken_at:time shard_id:int"),
)


def _readers(table: Table, sqlite: bool) -> list[Callable[[Any], Any]]:
    """How each column's stored value becomes the common one (datetimes, booleans)."""

    def as_time(value: Any) -> Any:
        return None if value is None else from_db_time(value)

    def as_bool(value: Any) -> Any:
        return None if value is None else bool(value)

    def same(value: Any) -> Any:
        return value

    if not sqlite:
        return [same] * len(table.columns)
    return [{"time": as_time, "bool": as_bool}.get(kind, same) for _, kind in table.columns]


class Snapshot:
    """The whole of a store as it stood at one moment, read table by table."""

    def __init__(self, store: ReviewStore, connection: Any) -> None:
        self._sqlite = isinstance(store.db, Database)
        self._connection = connection

    async def rows(self, table: Table) -> AsyncIterator[list[Row]]:
        """Every row of `table`, as common values, in batches, by key."""
        sql = f"SELECT {', '.join(table.names)} FROM {table.name} ORDER BY {table.key}"
        if self._sqlite:
            readers = _readers(table, sqlite=True)
            async with self._connection.execute(sql) as cursor:
                while found := await cursor.fetchmany(BATCH):
                    yield [tuple(r(v) for r, v in zip(readers, row, strict=True)) for row in found]
            return
        batch: list[Row] = []
        async for record in self._connection.cursor(sql, prefetch=BATCH):
            batch.append(tuple(record))
            if len(batch) == BATCH:
                yield batch
                batch = []
        if batch:
            yield batch


@asynccontextmanager
async def snapshot(store: ReviewStore) -> AsyncIterator[Snapshot]:
    """One read transaction over the whole store: a copy taken while others write is of one
    moment (SQLite's WAL keeps it; PostgreSQL's repeatable read does)."""
    db = store.db
    if isinstance(db, Database):
        await db.connection.execute("BEGIN")
        try:
            yield Snapshot(store, db.connection)
        finally:
            await db.connection.execute("COMMIT")
        return
    async with (
        db.pool.acquire() as connection,
        connection.transaction(isolation="repeatable_read", readonly=True),
    ):
        yield Snapshot(store, connection)


async def rows(store: ReviewStore, table: Table) -> AsyncIterator[list[Row]]:
    """Every row of `table` in `store`, as common values, in batches, by key."""
    async with snapshot(store) as taken:
        async for batch in taken.rows(table):
            yield batch


async def is_empty(store: ReviewStore) -> bool:
    """Whether the store holds no rows in any table (a new catalogue)."""
    for table in TABLES:
        found = await store.db.fetch(f"SELECT EXISTS (SELECT 1 FROM {table.name})")
        if found[0][0]:
            return False
    return True


async def copy_catalogue(source: ReviewStore, target: ReviewStore) -> dict[str, int]:
    """Copy every row of `source` into `target`, which must be empty; all or nothing.

    Returns how many rows of each table were copied.
    """
    if not await is_empty(target):
        raise StoreError(
            f"{target.path} already holds a catalogue: migrate-to copies only into an empty"
            " database (a new file, or a new PostgreSQL database)"
        )
    async with snapshot(source) as taken:
        if isinstance(target.db, Database):
            return await _into_sqlite(taken, target)
        return await _into_postgres(taken, target.db)


async def _into_sqlite(source: Snapshot, target: ReviewStore) -> dict[str, int]:
    assert isinstance(target.db, Database)
    connection = target.db.connection
    counts: dict[str, int] = {}
    # A bulk load: the full-text indexes and calendar counts are rebuilt once, at the end.
    async with target.imports.bulk_load():
        for table in TABLES:
            insert = (
                f"INSERT INTO {table.name} ({', '.join(table.names)})"
                f" VALUES ({', '.join('?' * len(table.columns))})"
            )
            kinds = [kind for _, kind in table.columns]
            counts[table.name] = 0
            async for batch in source.rows(table):
                stored = [_for_sqlite(row, kinds) for row in batch]
                await connection.executemany(insert, stored)
                counts[table.name] += len(batch)
    return counts


def _for_sqlite(row: Row, kinds: Sequence[str]) -> Row:
    return tuple(
        to_db_time(value) if kind == "time" and isinstance(value, datetime) else
        int(value) if kind == "bool" and value is not None else value
        for value, kind in zip(row, kinds, strict=True)
    )  # fmt: skip


_PG_TYPES = {"int": "bigint", "text": "text", "time": "timestamptz", "bool": "boolean"}
# Columns PostgreSQL keeps that SQLite has no counterpart for: a title's or a body's words
# (made by the target from the row, as its own writes make them), and the column they are of.
_WORDS_OF = {"reviews": ("title_words", "title_norm"), "review_bodies": ("body_words", "body")}
_FULL_TEXT_INDEXES = """
SELECT indexname, indexdef FROM pg_indexes
WHERE schemaname = current_schema() AND indexdef LIKE '% USING gin %'
"""
INDEX_MEMORY = "256MB"  # for making a full-text index in one pass, while copying only


async def _into_postgres(source: Snapshot, db: PgDatabase) -> dict[str, int]:
    from .pg import rows as pg_rows
    from .pg.title_words import TERMS_LOCK

    counts: dict[str, int] = {}
    async with db.transaction():
        await db.execute("SELECT pg_advisory_xact_lock($1)", (TERMS_LOCK,))
        # The full-text indexes are made once from every row, far sooner than word by word as
        # rows arrive; each is made again from its own definition (its settings included).
        full_text = await db.fetch(_FULL_TEXT_INDEXES)
        for name, _ in full_text:
            await db.execute(f'DROP INDEX "{name}"')
        for table in TABLES:
            names = table.names
            arrays = [f"${n}::{_PG_TYPES[kind]}[]" for n, (_, kind) in enumerate(table.columns, 1)]
            into, selected, unnested = list(names), list(names), list(names)
            words = _WORDS_OF.get(table.name)
            if words is not None:
                arrays.append(f"${len(arrays) + 1}::text[]")
                into.append(words[0])
                selected.append(pg_rows.WORDS.format("words"))
                unnested.append("words")
            insert = (
                f"INSERT INTO {table.name} ({', '.join(into)}) SELECT {', '.join(selected)}"
                f" FROM unnest({', '.join(arrays)}) AS t ({', '.join(unnested)})"
            )
            counts[table.name] = 0
            async for batch in source.rows(table):
                values: list[list[Any]] = [list(column) for column in zip(*batch, strict=True)]
                if words is not None:
                    make = pg_rows.words if table.name == "reviews" else pg_rows.body_words
                    values.append([make(text) for text in values[names.index(words[1])]])
                await db.execute(insert, values)
                counts[table.name] += len(batch)
        for name in ("reviews", "saved_searches", "drafts", "outbox", "feeds", "title_terms"):
            await db.execute(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'),"
                f" coalesce((SELECT max(id) FROM {name}), 0) + 1, false)"
            )
        await db.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_MEMORY}'")
        for _, definition in full_text:
            await db.execute(definition)
        await db.execute("ANALYZE")
    return counts
