"""The schema: numbered migrations in `migrations/`, applied in order, tracked in `user_version`."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from .problems import foreign, newer

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5_000


def migrations(package: str = __package__) -> list[tuple[int, str, str]]:
    """Every migration of an engine's package (SQLite's unless told) as (number, file name,
    SQL), in order."""
    found = []
    for entry in resources.files(package).joinpath("migrations").iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.name, entry.read_text("utf-8")))
    return sorted(found)


LATEST_SCHEMA = migrations()[-1][0]


def user_version(db: sqlite3.Connection) -> int:
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    return version


def has_tables(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None


def check_not_newer(path: Path, version: int) -> None:
    if version > LATEST_SCHEMA:
        raise newer(path, version, LATEST_SCHEMA)


def migrate(path: Path) -> tuple[int, int]:
    """Apply every migration newer than the file's `user_version`, each in its own transaction.

    Each transaction reads the version again under the write lock, so when several processes
    open a new database at once, one applies a migration and the others, once the lock is
    free, find it applied. Returns the schema version found under the lock, and the version
    after. Runs on a connection of its own (in a worker thread: one hop for many statements).
    """
    db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA foreign_keys = ON")
        version = user_version(db)
        check_not_newer(path, version)
        found: int | None = None
        for number, name, sql in migrations():
            if number <= version:
                continue
            db.execute("BEGIN IMMEDIATE")
            try:
                version = user_version(db)
                if found is None:
                    found = version
                    check_not_newer(path, version)
                    if version == 0 and has_tables(db):
                        raise foreign(path)
                    if version == 0:
                        log.info("Creating a new catalogue database in %s", path)
                if number > version:
                    # A new file's steps are detail; an upgrade's are news to the operator.
                    log.log(
                        logging.DEBUG if found == 0 else logging.INFO,
                        "Applying database migration %s",
                        name,
                    )
                    for statement in _statements(sql):
                        db.execute(statement)
                    db.execute(f"PRAGMA user_version = {number}")
                    version = number
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.rollback()
                raise
        return (version if found is None else found), version
    finally:
        db.close()


def _statements(script: str) -> Iterator[str]:
    """A migration's statements one by one; a `;` inside a trigger or a string ends none."""
    start = 0
    for end, char in enumerate(script):
        if char == ";" and sqlite3.complete_statement(script[start : end + 1]):
            yield script[start : end + 1]
            start = end + 1
    if script[start:].strip():
        yield script[start:]
