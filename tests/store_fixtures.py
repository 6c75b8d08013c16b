"""Fixtures for tests that use a real database: an SQLite file, and a PostgreSQL database.

Every test that takes the `store` (or `database`) fixture runs twice, once on each engine;
a test marked `sqlite_only` (it checks SQLite itself: its files, pragmas or triggers) runs on
SQLite alone. The PostgreSQL server is the one `dev.py test` started (its URL in
REVIEWBOT_TEST_DATABASE_URL), else one this session starts itself, on first use.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from reviewbot.review import Review, ReviewSummary, normalise
from reviewbot.store import ReviewStore
from reviewbot.store.pg import rows as pg_rows
from reviewbot.store.rows import SUMMARY, VISIBLE, scope, summary

from .postgres_server import ENV_URL, PostgresServer, ServerUnavailable

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
ENGINES = ("sqlite", "postgres")
TEST_DATABASE = "reviewbot_tests"


def make_review(title: str, **fields: Any) -> Review:
    """A valid review with sensible defaults; `day` offsets published_at from EPOCH."""
    day = fields.pop("day", 0)
    fields.setdefault("published_at", EPOCH + timedelta(days=day))
    fields.setdefault("rating", "4")
    fields.setdefault("body", f"A review of {title}.")
    return Review.create(title=title, **fields)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: checks SQLite itself (files, pragmas, triggers): SQLite alone"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("sqlite_only") is not None
        metafunc.parametrize("engine", ENGINES[:1] if only else ENGINES)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of the server's maintenance database: dev.py's server, or one started here."""
    given = os.environ.get(ENV_URL)
    if given:
        yield given
        return
    try:
        with PostgresServer.start() as server:
            yield server.url
    except ServerUnavailable as missing:
        pytest.skip(f"PostgreSQL tests need a server: {missing}")


def _test_url(server: str) -> str:
    return server.rsplit("/", 1)[0] + f"/{TEST_DATABASE}"


async def fresh_postgres(server: str) -> str:
    """The tests' database, empty: made on first use, its tables emptied after that (much
    quicker than a database per test)."""
    url = _test_url(server)
    try:
        connection = await asyncpg.connect(url)
    except asyncpg.InvalidCatalogNameError:
        admin = await asyncpg.connect(server)
        try:
            await admin.execute(f"CREATE DATABASE {TEST_DATABASE}")
        finally:
            await admin.close()
        return url
    try:
        tables = await connection.fetchval(
            "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables"
            " WHERE schemaname = current_schema() AND tablename <> 'reviewbot_schema'"
        )
        if tables:
            await connection.execute(f"TRUNCATE {tables} RESTART IDENTITY")
    finally:
        await connection.close()
    return url


@pytest.fixture
async def database(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str | Path:
    """Where the test's catalogue is: a new SQLite file, or an empty PostgreSQL database."""
    if engine == "sqlite":
        return tmp_path / "reviews.db"
    return await fresh_postgres(request.getfixturevalue("postgres_server"))


@pytest.fixture
async def postgres(request: pytest.FixtureRequest) -> str:
    """The URL of an empty PostgreSQL database, for tests of PostgreSQL itself."""
    return await fresh_postgres(request.getfixturevalue("postgres_server"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "reviews.db"


@pytest.fixture
async def store(database: str | Path) -> AsyncIterator[ReviewStore]:
    async with ReviewStore.open(database) as opened:
        yield opened


AddMany = Callable[..., Any]


async def find_title(store: ReviewStore, title: str, guild_id: int | None) -> list[ReviewSummary]:
    """Every review titled `title` (ignoring case, accents and spacing) that the server sees,
    newest first: what the tests check title lookups against."""
    sql = (
        f"SELECT {SUMMARY} FROM reviews r WHERE {VISIBLE} AND r.title_norm = :text"  # noqa: S608
        " ORDER BY r.published_at DESC, r.id DESC"
    )
    params = {"guild": scope(guild_id), "text": normalise(title)}
    if store.engine == "sqlite":
        return [summary(row) for row in await store.db.fetch(sql, params)]
    return [pg_rows.summary(row) for row in await store.db.fetch(sql, params)]


async def integrity_check(store: ReviewStore) -> list[str]:
    """The database's check of itself: ["ok"] when sound. SQLite checks the whole file;
    PostgreSQL, what the store keeps derived from the reviews (bodies and calendar counts)."""
    if store.engine == "sqlite":
        return [row[0] for row in await store.db.fetch("PRAGMA integrity_check")]
    problems = await store.db.fetch(
        """SELECT 'review ' || r.id || ' has no body' FROM reviews r
        WHERE NOT EXISTS (SELECT 1 FROM review_bodies b WHERE b.review_id = r.id)
        UNION ALL
        SELECT format('%s %s of scope %s counts %s, not %s', span, period, guild_id,
                      coalesce(c.n, 0), coalesce(a.n, 0))
        FROM review_counts c FULL JOIN (
            SELECT r.guild_id, k.span, k.period, count(*) AS n
            FROM reviews r CROSS JOIN LATERAL review_calendar(r.published_at) k GROUP BY 1, 2, 3
        ) a USING (guild_id, span, period)
        WHERE coalesce(c.n, 0) <> coalesce(a.n, 0)"""
    )
    return [row[0] for row in problems] or ["ok"]
