"""What can be wrong with a database file, each said in one line naming it and what to do."""

from __future__ import annotations

import sqlite3
from pathlib import Path


class StoreError(RuntimeError):
    """The database cannot be used as asked; the message is one line naming it and what to do."""


class NoDatabaseError(StoreError):
    """No database at the path, and this opening may not create one."""


class DatabaseBusyError(StoreError):
    """Another connection holds the write lock (an import, the bot) for longer than we wait."""


def database_problem(path: Path | str, error: sqlite3.Error) -> StoreError | None:
    """What is wrong with the database file itself, in one line; None for any other failure."""
    name = getattr(error, "sqlite_errorname", "")
    if name == "SQLITE_NOTADB":
        return StoreError(f"{path} is not an SQLite database: check REVIEWBOT_DB or --db")
    if name.startswith("SQLITE_CORRUPT"):
        return StoreError(f"{path} is damaged ({error}): restore it from a backup")
    if name.startswith(("SQLITE_READONLY", "SQLITE_PERM")):
        return read_only(path, f" ({error})")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return DatabaseBusyError(
            f"{path} is busy: another import (or the bot) is writing to it;"
            " try again when it is done"
        )
    if name == "SQLITE_FULL":
        return StoreError(f"no room to write {path} ({error}): free some disk space, then retry")
    if name.startswith("SQLITE_IOERR"):
        return StoreError(
            f"could not write {path} ({error}): check that the disk has room and works"
        )
    if name.startswith("SQLITE_CANTOPEN"):
        return StoreError(
            f"cannot open {path} ({error}): check the path and the permissions of its folder"
        )
    return None


def read_only(path: Path | str, detail: str = "") -> StoreError:
    return StoreError(
        f"{path} is read-only{detail}: check the permissions of the file and its folder,"
        " or run as the user who owns them"
    )


def foreign(path: Path) -> StoreError:
    return StoreError(
        f"{path} is an SQLite database of something else, not reviewbot's:"
        " check REVIEWBOT_DB or --db"
    )


def newer(path: Path, version: int, latest: int) -> StoreError:
    return StoreError(
        f"{path} is at schema version {version}, newer than this reviewbot knows"
        f" ({latest}): upgrade reviewbot"
    )


def no_database(path: Path) -> NoDatabaseError:
    return NoDatabaseError(f"no database at {path}; import reviews first or check REVIEWBOT_DB")
