"""Settings from the environment and `.env`, checked once at start-up."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import find_dotenv, load_dotenv

from .shards import ALL_SHARDS, Shards

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_DATABASE = Path("data/reviews.db")
DEFAULT_CATALOGUE = Path("data/catalogue")
DEFAULT_FEED_INTERVAL = 900.0  # seconds between polls of a feed
FEED_INTERVAL_MAX = 30 * 24 * 3600.0
DEFAULT_POST_LEASE = 60.0  # seconds a process holds the posts it took (PostgreSQL)
POST_LEASE_MAX = 3600.0
_TRUE, _FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0", ""}
SHARD_COUNT_MAX = 65_536
GUILD_ID_MAX = 2**63 - 1  # Discord ids are 64-bit snowflakes; SQLite keeps them as signed
# Three dot-separated base64url parts; checked so a pasted client secret fails at start-up.
DATABASE_URL_SCHEMES = ("postgresql://", "postgres://")
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")


class ConfigError(Exception):
    """A missing or malformed setting; the message is one line naming it and what to do."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str | None
    database: Path = DEFAULT_DATABASE
    catalogue: Path = DEFAULT_CATALOGUE
    dev_guild: int | None = None
    log_level: str = "INFO"
    feed_interval: float = DEFAULT_FEED_INTERVAL
    feeds_allow_private: bool = False
    shard_count: int | None = None  # None: as many as Discord recommends
    shard_ids: tuple[int, ...] | None = None  # None: every shard of the count
    database_url: str | None = None  # PostgreSQL instead of the SQLite file, when set
    post_lease: float = DEFAULT_POST_LEASE

    @property
    def store_target(self) -> str | Path:
        """Where the catalogue is: the PostgreSQL URL when one is set, else the SQLite file."""
        return self.database_url or self.database

    @property
    def database_name(self) -> str:
        """The catalogue as logs and messages name it: never with a password."""
        if self.database_url is None:
            return str(self.database)
        return shown_url(self.database_url)

    @property
    def shards(self) -> Shards:
        """The shards this process runs; every one (of however many) when none are set."""
        if self.shard_count is None:
            return ALL_SHARDS
        return Shards(self.shard_count, self.shard_ids or tuple(range(self.shard_count)))

    def __repr__(self) -> str:  # never show the token, even in a traceback or a debugger
        token = "set" if self.token else "unset"
        return (
            f"Settings(token={token}, database={self.database}, catalogue={self.catalogue},"
            f" dev_guild={self.dev_guild}, log_level={self.log_level},"
            f" feed_interval={self.feed_interval:g},"
            f" feeds_allow_private={self.feeds_allow_private},"
            f" shard_count={self.shard_count}, shard_ids={self.shard_ids},"
            f" database_url={self.database_name if self.database_url else None})"
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, need_token: bool) -> Settings:
        token = environ.get("DISCORD_TOKEN", "").strip() or None
        if need_token and token is None:
            raise ConfigError(
                "DISCORD_TOKEN is not set: put your bot's token in a .env file"
                " (copy .env.example) or in the environment."
            )
        if token is not None and need_token and not _TOKEN_SHAPE.match(token):
            raise ConfigError(
                "DISCORD_TOKEN does not look like a bot token: copy it again from the"
                " Bot page of your application in the Discord Developer Portal."
            )
        dev_guild = environ.get("REVIEWBOT_DEV_GUILD", "").strip()
        try:
            dev_guild_id = guild_id(dev_guild) if dev_guild else None
        except ValueError:
            raise ConfigError(
                f"REVIEWBOT_DEV_GUILD must be a server id, a whole number from 1 to {GUILD_ID_MAX}"
                " (right-click the server with Developer Mode on and choose Copy Server ID)."
            ) from None
        level = environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if level not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}.")
        interval_text = environ.get("REVIEWBOT_FEED_INTERVAL", "").strip()
        try:
            interval = float(interval_text) if interval_text else DEFAULT_FEED_INTERVAL
        except ValueError:
            interval = -1.0
        if not 1 <= interval <= FEED_INTERVAL_MAX:  # NaN fails this too
            raise ConfigError(
                "REVIEWBOT_FEED_INTERVAL must be a number of seconds from 1 to"
                f" {FEED_INTERVAL_MAX:.0f} (the default is {DEFAULT_FEED_INTERVAL:.0f})."
            )
        allow = environ.get("REVIEWBOT_FEEDS_ALLOW_PRIVATE", "").strip().lower()
        if allow not in _TRUE | _FALSE:
            raise ConfigError("REVIEWBOT_FEEDS_ALLOW_PRIVATE must be true or false.")
        lease_text = environ.get("REVIEWBOT_POST_LEASE", "").strip()
        try:
            lease = float(lease_text) if lease_text else DEFAULT_POST_LEASE
        except ValueError:
            lease = -1.0
        if not 1 <= lease <= POST_LEASE_MAX:
            raise ConfigError(
                f"REVIEWBOT_POST_LEASE must be a number of seconds from 1 to {POST_LEASE_MAX:.0f}"
                f" (the default is {DEFAULT_POST_LEASE:.0f})."
            )
        shard_count, shard_ids = _shards(environ)
        database = environ.get("REVIEWBOT_DB", "").strip()
        url = environ.get("REVIEWBOT_DATABASE_URL", "").strip()
        if url:
            try:
                url = database_url(url)
            except ValueError as error:
                raise ConfigError(f"REVIEWBOT_DATABASE_URL {error}.") from None
        catalogue = environ.get("REVIEWBOT_CATALOGUE", "").strip()
        return cls(
            token=token,
            database=Path(database) if database else DEFAULT_DATABASE,
            catalogue=Path(catalogue) if catalogue else DEFAULT_CATALOGUE,
            dev_guild=dev_guild_id,
            log_level=level,
            feed_interval=interval,
            feeds_allow_private=allow in _TRUE,
            shard_count=shard_count,
            shard_ids=shard_ids,
            database_url=url or None,
            post_lease=lease,
        )


def _shards(environ: Mapping[str, str]) -> tuple[int | None, tuple[int, ...] | None]:
    """REVIEWBOT_SHARD_COUNT and REVIEWBOT_SHARDS, checked against each other."""
    count_text = environ.get("REVIEWBOT_SHARD_COUNT", "").strip()
    shards_text = environ.get("REVIEWBOT_SHARDS", "").strip()
    try:
        count = whole_number(count_text, 1, SHARD_COUNT_MAX) if count_text else None
    except ValueError:
        raise ConfigError(
            f"REVIEWBOT_SHARD_COUNT must be a whole number from 1 to {SHARD_COUNT_MAX}"
            " (how many shards all the bot's processes run together)."
        ) from None
    if not shards_text:
        return count, None
    if count is None:
        raise ConfigError(
            f"REVIEWBOT_SHARDS={shards_text} needs REVIEWBOT_SHARD_COUNT too: set it to how many"
            " shards all the bot's processes run together (the same value in each)."
        )
    first_text, dash, last_text = shards_text.partition("-")
    try:
        first = whole_number(first_text.strip(), 0, SHARD_COUNT_MAX)
        last = whole_number(last_text.strip(), 0, SHARD_COUNT_MAX) if dash else first
    except ValueError:
        raise ConfigError(
            f"REVIEWBOT_SHARDS must be a shard id or a range of them like 0-3, not {shards_text!r}."
        ) from None
    if last < first:
        raise ConfigError(
            f"REVIEWBOT_SHARDS={shards_text} runs backwards: write the lower id first"
            f" ({last}-{first})."
        )
    if last >= count:
        raise ConfigError(
            f"REVIEWBOT_SHARDS={shards_text} goes past REVIEWBOT_SHARD_COUNT={count}: shard ids"
            f" run from 0 to {count - 1}."
        )
    return count, tuple(range(first, last + 1))


def database_url(text: str) -> str:
    """A PostgreSQL URL, checked for its shape (the server says the rest when it is reached);
    `ValueError` says what is wrong without repeating it (it may hold a password)."""
    example = "postgresql://USER:PASSWORD@HOST:5432/DATABASE"
    if not text.startswith(DATABASE_URL_SCHEMES):
        raise ValueError(f"must be a PostgreSQL URL like {example}")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError(f"is not a well-formed URL; write it like {example}") from None
    if not (parts.hostname or "host=" in parts.query):
        raise ValueError(f"names no server; write it like {example}")
    if port == 0:
        raise ValueError(f"has port 0; write it like {example}")
    return text


def shown_url(url: str) -> str:
    """A URL with its password replaced by ***, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"{parts.username}:***@{netloc}").geturl()


def guild_id(text: str) -> int:
    """A server id given as text; 0 is no server (the operator's catalogue is kept under it)."""
    return whole_number(text, 1, GUILD_ID_MAX)


def whole_number(text: str, low: int, high: int) -> int:
    """`text` as a number from `low` to `high`; `ValueError` unless it is plain digits for one."""
    if not (text.isascii() and text.isdigit() and len(text.lstrip("0")) <= len(str(high))):
        raise ValueError(f"not a whole number from {low} to {high}: {text!r}")
    number = int(text)
    if not low <= number <= high:
        raise ValueError(f"not a whole number from {low} to {high}: {text!r}")
    return number


def load_settings(*, need_token: bool) -> Settings:
    """Read `.env` (from the working folder up), then the environment, which wins."""
    load_dotenv(find_dotenv(usecwd=True), override=False)
    return Settings.from_env(os.environ, need_token=need_token)
