"""The PostgreSQL schema: its own numbered migrations in `migrations/`, applied in order under an
advisory lock, the version kept in a table of its own."""

from __future__ import annotations

import logging

import asyncpg

from .. import schema as sqlite_schema
from ..problems import StoreError

log = logging.getLogger(__name__)

# Any number: the key of the advisory lock under which one process migrates at a time.
MIGRATION_LOCK = 0x7265_7669_6577
VERSION_TABLE = "reviewbot_schema"


def migrations() -> list[tuple[int, str, str]]:
    """Every PostgreSQL migration as (number, file name, SQL), in order."""
    return sqlite_schema.migrations(__package__)


LATEST_SCHEMA = migrations()[-1][0]


async def version(connection: asyncpg.Connection) -> int | None:
    """The schema version, or None where reviewbot has made no schema."""
    # Read from the catalogue with a snapshot, not looked up by name: a name this connection
    # found missing before is remembered as missing until it next locks a table.
    exists = await connection.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema()"
        " AND tablename = $1)",
        VERSION_TABLE,
    )
    if not exists:
        return None
    found: int = await connection.fetchval(f"SELECT version FROM {VERSION_TABLE}")
    return found


async def has_tables(connection: asyncpg.Connection) -> bool:
    return bool(
        await connection.fetchval(
            "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema())"
        )
    )


def check_not_newer(name: str, found: int) -> None:
    if found > LATEST_SCHEMA:
        raise StoreError(
            f"{name} is at schema version {found}, newer than this reviewbot knows"
            f" ({LATEST_SCHEMA}): upgrade reviewbot"
        )


def foreign(name: str) -> StoreError:
    return StoreError(
        f"{name} holds the tables of something else, not reviewbot's: check"
        " REVIEWBOT_DATABASE_URL (give reviewbot a database, or a schema, of its own)"
    )


async def migrate(connection: asyncpg.Connection, name: str) -> tuple[int, int]:
    """Apply every migration newer than the database's version, each in its own transaction,
    under an advisory lock: of several processes opening a new database at once, one migrates
    and the others find it done. Returns the version found under the lock, and after."""
    found: int | None = None
    current = 0
    for number, file_name, sql in migrations():
        async with connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            stored = await version(connection)
            if stored is None and await has_tables(connection):
                raise foreign(name)
            current = stored or 0
            if found is None:
                found = current
                check_not_newer(name, current)
            if number <= current:
                continue
            log.info("Applying PostgreSQL migration %s", file_name)
            await connection.execute(sql)
            if stored is None:
                await connection.execute(
                    f"CREATE TABLE {VERSION_TABLE} (version integer NOT NULL);"
                    f" INSERT INTO {VERSION_TABLE} VALUES (0)"
                )
            await connection.execute(f"UPDATE {VERSION_TABLE} SET version = $1", number)
            current = number
    return (found or 0), current
