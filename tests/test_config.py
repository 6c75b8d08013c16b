"""Settings: what start-up says about a missing or malformed one."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reviewbot.config import ConfigError, Settings
from reviewbot.shards import ALL_SHARDS, Shards

TOKEN = "MTU3NDgzMTUzODUxOTAxNTQyNg.GhXyZa." + "k" * 38


def test_defaults_and_overrides() -> None:
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN}, need_token=True)
    assert settings.database == Path("data/reviews.db") and settings.log_level == "INFO"
    custom = Settings.from_env(
        {"REVIEWBOT_DB": "/x/y.db", "REVIEWBOT_DEV_GUILD": "123", "LOG_LEVEL": "debug"},
        need_token=False,
    )
    assert (custom.database, custom.dev_guild, custom.log_level) == (Path("/x/y.db"), 123, "DEBUG")
    assert (custom.store_target, custom.post_lease) == (Path("/x/y.db"), 60)
    url = "postgresql://bot:pw@db.internal:5432/reviews"
    shared = Settings.from_env(
        {"REVIEWBOT_DATABASE_URL": url, "REVIEWBOT_POST_LEASE": "15"}, need_token=False
    )
    assert (shared.store_target, shared.post_lease) == (url, 15)
    assert shared.database_name == "postgresql://bot:***@db.internal:5432/reviews"
    assert "pw" not in repr(shared)


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({}, "DISCORD_TOKEN is not set"),
        ({"DISCORD_TOKEN": "not-a-token"}, "DISCORD_TOKEN does not look like a bot token"),
        ({"DISCORD_TOKEN": TOKEN, "REVIEWBOT_DEV_GUILD": "alpha"}, "REVIEWBOT_DEV_GUILD must be"),
        ({"DISCORD_TOKEN": TOKEN, "LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
        ({"DISCORD_TOKEN": TOKEN, "REVIEWBOT_POST_LEASE": "0"}, "REVIEWBOT_POST_LEASE must be"),
        ({"DISCORD_TOKEN": TOKEN, "REVIEWBOT_POST_LEASE": "soon"}, "REVIEWBOT_POST_LEASE must be"),
        (
            {"DISCORD_TOKEN": TOKEN, "REVIEWBOT_DATABASE_URL": "sqlite:///x.db"},
            "REVIEWBOT_DATABASE_URL must be a PostgreSQL URL",
        ),
    ],
)
def test_a_bad_setting_is_named(environ: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError, match=names) as caught:
        Settings.from_env(environ, need_token=True)
    assert "\n" not in str(caught.value)


def test_the_token_never_shows_in_a_repr() -> None:
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN}, need_token=True)
    assert TOKEN not in repr(settings) and TOKEN not in str(settings)


@pytest.mark.parametrize(
    ("token", "extra", "line"),
    [
        ("", {}, "reviewbot: DISCORD_TOKEN is not set: put your bot's token in a .env file"),
        ("abc.def", {}, "reviewbot: DISCORD_TOKEN does not look like a bot token"),
        (
            TOKEN,
            {"REVIEWBOT_SHARDS": "4-7"},
            "reviewbot: REVIEWBOT_SHARDS=4-7 needs REVIEWBOT_SHARD_COUNT too",
        ),
    ],
)
def test_run_stops_with_one_line_naming_the_setting(
    tmp_path: Path, token: str, extra: dict[str, str], line: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD", "REVIEWBOT"))}
    env["DISCORD_TOKEN"] = token
    env.update(extra)
    result = subprocess.run(
        [sys.executable, "-m", "reviewbot", "run"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,  # no .env here
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(line) and result.stderr.count("\n") == 1
    assert token == "" or token not in result.stderr
    assert not (tmp_path / "data").exists()  # nothing was created


def test_feed_settings_default_and_any_interval_from_one_second() -> None:
    default = Settings.from_env({}, need_token=False)
    assert (default.feed_interval, default.feeds_allow_private) == (900, False)
    quick = Settings.from_env(
        {"REVIEWBOT_FEED_INTERVAL": "1", "REVIEWBOT_FEEDS_ALLOW_PRIVATE": "True"}, need_token=False
    )
    assert (quick.feed_interval, quick.feeds_allow_private) == (1, True)
    assert (
        Settings.from_env({"REVIEWBOT_FEED_INTERVAL": "2.5"}, need_token=False).feed_interval == 2.5
    )


@pytest.mark.parametrize("interval", ["0", "0.5", "-3", "soon", "nan", "inf", "1e12"])
def test_a_bad_feed_interval_is_named(interval: str) -> None:
    with pytest.raises(ConfigError, match="REVIEWBOT_FEED_INTERVAL must be a number of seconds"):
        Settings.from_env({"REVIEWBOT_FEED_INTERVAL": interval}, need_token=False)


def test_a_bad_private_switch_is_named() -> None:
    with pytest.raises(ConfigError, match="REVIEWBOT_FEEDS_ALLOW_PRIVATE must be true or false"):
        Settings.from_env({"REVIEWBOT_FEEDS_ALLOW_PRIVATE": "maybe"}, need_token=False)


def test_shards_default_to_every_shard_discord_recommends() -> None:
    settings = Settings.from_env({}, need_token=False)
    assert (settings.shard_count, settings.shard_ids, settings.shards) == (None, None, ALL_SHARDS)


@pytest.mark.parametrize(
    ("environ", "shards"),
    [
        ({"REVIEWBOT_SHARDS": "0-3", "REVIEWBOT_SHARD_COUNT": "8"}, Shards(8, (0, 1, 2, 3))),
        ({"REVIEWBOT_SHARDS": " 4 - 7 ", "REVIEWBOT_SHARD_COUNT": "8"}, Shards(8, (4, 5, 6, 7))),
        ({"REVIEWBOT_SHARDS": "5", "REVIEWBOT_SHARD_COUNT": "8"}, Shards(8, (5,))),
        ({"REVIEWBOT_SHARD_COUNT": "4"}, Shards.every(4)),  # one process, a count of its own
        ({"REVIEWBOT_SHARDS": "0-1", "REVIEWBOT_SHARD_COUNT": "2"}, Shards.every(2)),
    ],
)
def test_a_process_runs_the_shards_it_is_given(environ: dict[str, str], shards: Shards) -> None:
    settings = Settings.from_env(environ, need_token=False)
    assert settings.shards == shards
    assert settings.shard_count == shards.count
    assert "shard_count=" in repr(settings)


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({"REVIEWBOT_SHARDS": "0-3"}, "REVIEWBOT_SHARDS=0-3 needs REVIEWBOT_SHARD_COUNT too"),
        (
            {"REVIEWBOT_SHARDS": "0-8", "REVIEWBOT_SHARD_COUNT": "8"},
            "REVIEWBOT_SHARDS=0-8 goes past REVIEWBOT_SHARD_COUNT=8: shard ids run from 0 to 7",
        ),
        (
            {"REVIEWBOT_SHARDS": "8", "REVIEWBOT_SHARD_COUNT": "8"},
            "REVIEWBOT_SHARDS=8 goes past REVIEWBOT_SHARD_COUNT=8",
        ),
        (
            {"REVIEWBOT_SHARDS": "3-1", "REVIEWBOT_SHARD_COUNT": "8"},
            "REVIEWBOT_SHARDS=3-1 runs backwards: write the lower id first",
        ),
        *(
            ({"REVIEWBOT_SHARDS": bad, "REVIEWBOT_SHARD_COUNT": "8"}, "REVIEWBOT_SHARDS must be")
            for bad in ("0-", "-1", "a-b", "0,1", "1.5", "0-3-5", "٣")
        ),
        *(
            ({"REVIEWBOT_SHARD_COUNT": bad}, "REVIEWBOT_SHARD_COUNT must be a whole number from 1")
            for bad in ("0", "-2", "eight", "1e3", "99999999")
        ),
        (
            {"REVIEWBOT_SHARDS": "0", "REVIEWBOT_SHARD_COUNT": "0"},
            "REVIEWBOT_SHARD_COUNT must be a whole number",
        ),
    ],
)
def test_a_bad_shard_setting_is_named(environ: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError, match=names) as caught:
        Settings.from_env(environ, need_token=False)
    assert "\n" not in str(caught.value)
