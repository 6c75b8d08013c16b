"""Settings: what start-up says about a missing or malformed one."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reviewbot.config import ConfigError, Settings

TOKEN = "MTU3NDgzMTUzODUxOTAxNTQyNg.GhXyZa." + "k" * 38


def test_defaults_and_overrides() -> None:
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN}, need_token=True)
    assert settings.database == Path("data/reviews.db") and settings.log_level == "INFO"
    custom = Settings.from_env(
        {"REVIEWBOT_DB": "/x/y.db", "REVIEWBOT_DEV_GUILD": "123", "LOG_LEVEL": "debug"},
        need_token=False,
    )
    assert (custom.database, custom.dev_guild, custom.log_level) == (Path("/x/y.db"), 123, "DEBUG")


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({}, "DISCORD_TOKEN is not set"),
        ({"DISCORD_TOKEN": "not-a-token"}, "DISCORD_TOKEN does not look like a bot token"),
        ({"DISCORD_TOKEN": TOKEN, "REVIEWBOT_DEV_GUILD": "alpha"}, "REVIEWBOT_DEV_GUILD must be"),
        ({"DISCORD_TOKEN": TOKEN, "LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
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
    ("token", "line"),
    [
        ("", "reviewbot: DISCORD_TOKEN is not set: put your bot's token in a .env file"),
        ("abc.def", "reviewbot: DISCORD_TOKEN does not look like a bot token"),
    ],
)
def test_run_stops_with_one_line_naming_the_setting(tmp_path: Path, token: str, line: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD", "REVIEWBOT"))}
    env["DISCORD_TOKEN"] = token
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
