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


# The whole line the operator reads, and the edges of each range -------------------------------

GUILD_MAX = 2**63 - 1


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {},
            "DISCORD_TOKEN is not set: put your bot's token in a .env file (copy .env.example) or"
            " in the environment.",
        ),
        (
            {"DISCORD_TOKEN": "not-a-token"},
            "DISCORD_TOKEN does not look like a bot token: copy it again from the Bot page of your"
            " application in the Discord Developer Portal.",
        ),
        (
            {"DISCORD_TOKEN": TOKEN, "REVIEWBOT_DEV_GUILD": "0"},
            f"REVIEWBOT_DEV_GUILD must be a server id, a whole number from 1 to {GUILD_MAX} (right-"
            "click the server with Developer Mode on and choose Copy Server ID).",
        ),
        (
            {"DISCORD_TOKEN": TOKEN, "LOG_LEVEL": "LOUD"},
            "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL.",
        ),
        (
            {"DISCORD_TOKEN": TOKEN, "REVIEWBOT_FEED_INTERVAL": "2592000.5"},
            "REVIEWBOT_FEED_INTERVAL must be a number of seconds from 1 to 2592000 (the default is"
            " 900).",
        ),
        (
            {"DISCORD_TOKEN": TOKEN, "REVIEWBOT_POST_LEASE": "3600.5"},
            "REVIEWBOT_POST_LEASE must be a number of seconds from 1 to 3600 (the default is 60).",
        ),
        (
            {"DISCORD_TOKEN": TOKEN, "REVIEWBOT_POST_LEASE": "0.99"},
            "REVIEWBOT_POST_LEASE must be a number of seconds from 1 to 3600 (the default is 60).",
        ),
        (
            {"DISCORD_TOKEN": TOKEN, "REVIEWBOT_SHARD_COUNT": "0"},
            "REVIEWBOT_SHARD_COUNT must be a whole number from 1 to 65536 (how many shards all the"
            " bot's processes run together).",
        ),
        (
            {"DISCORD_TOKEN": TOKEN, "REVIEWBOT_SHARDS": "1-2"},
            "REVIEWBOT_SHARDS=1-2 needs REVIEWBOT_SHARD_COUNT too: set it to how many shards all"
            " the bot's processes run together (the same value in each).",
        ),
        (
            {"DISCORD_TOKEN": TOKEN, "REVIEWBOT_SHARDS": "x", "REVIEWBOT_SHARD_COUNT": "2"},
            "REVIEWBOT_SHARDS must be a shard id or a range of them like 0-3, not 'x'.",
        ),
        (
            {"DISCORD_TOKEN": TOKEN, "REVIEWBOT_SHARDS": "3-1", "REVIEWBOT_SHARD_COUNT": "8"},
            "REVIEWBOT_SHARDS=3-1 runs backwards: write the lower id first (1-3).",
        ),
        (
            {"DISCORD_TOKEN": TOKEN, "REVIEWBOT_FEEDS_ALLOW_PRIVATE": "perhaps"},
            "REVIEWBOT_FEEDS_ALLOW_PRIVATE must be true or false.",
        ),
    ],
)
def test_each_bad_setting_gets_its_whole_line(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(environ, need_token=True)
    assert str(caught.value) == message


def test_each_range_takes_its_own_ends() -> None:
    ends = Settings.from_env(
        {
            "REVIEWBOT_FEED_INTERVAL": "2592000",
            "REVIEWBOT_POST_LEASE": "1",
            "REVIEWBOT_SHARDS": "0-0",
            "REVIEWBOT_SHARD_COUNT": "1",
            "REVIEWBOT_DEV_GUILD": str(GUILD_MAX),
        },
        need_token=False,
    )
    assert (ends.feed_interval, ends.post_lease, ends.shards) == (2592000, 1, Shards(1, (0,)))
    assert ends.dev_guild == GUILD_MAX
    top = Settings.from_env({"REVIEWBOT_POST_LEASE": "3600"}, need_token=False)
    assert top.post_lease == 3600


def test_the_catalogue_folder_and_the_token_as_a_repr_shows_them(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"DISCORD_TOKEN": TOKEN, "REVIEWBOT_CATALOGUE": f" {tmp_path} "}, need_token=True
    )
    assert settings.catalogue == tmp_path
    assert repr(settings).startswith(
        f"Settings(token=set, database=data/reviews.db, catalogue={tmp_path},"
    )
    assert repr(Settings.from_env({}, need_token=False)).startswith("Settings(token=unset,")


def test_a_password_with_an_at_sign_is_hidden_whole() -> None:
    url = "postgresql://bot:p@ss@db.internal:5432/reviews"
    settings = Settings.from_env({"REVIEWBOT_DATABASE_URL": url}, need_token=False)
    assert settings.database_name == "postgresql://bot:***@db.internal:5432/reviews"
