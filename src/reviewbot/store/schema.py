"""The schema: numbered migrations in `migrations/`, applied in order, tracked in `user_version`."""

from __future__ import annotations

import logging
from importlib import resources

import aiosqlite

log = logging.getLogger(__name__)


def migrations() -> list[tuple[int, str, str]]:
    """Every migration as (number, file name, SQL), in order."""
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.name, entry.read_text("utf-8")))
    return sorted(found)


LATEST_SCHEMA = migrations()[-1][0]


async def migrate(db: aiosqlite.Connection) -> tuple[int, int]:
    """Apply every migration newer than the file's `user_version`, each in its own transaction.

    Returns the schema version before and after.
    """
    rows = await db.execute_fetchall("PRAGMA user_version")
    version = before = next(iter(rows))[0]
    if version > LATEST_SCHEMA:
        raise RuntimeError(
            f"The database is at schema version {version}, newer than this reviewbot knows"
            f" ({LATEST_SCHEMA}); upgrade reviewbot."
        )
    for number, name, sql in migrations():
        if number <= version:
            continue
        log.info("Applying database migration %s", name)
        try:
            await db.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;"
            )
        except BaseException:
            if db.in_transaction:
                await db.rollback()
            raise
        version = number
    return before, version
