"""Shared fixtures: real SQLite files, a loopback stand-in for Discord, and the bot on it."""

pytest_plugins = [
    "tests.store_fixtures",
    "tests.loopback.fixtures",
    "tests.bot_fixtures",
    "tests.feed_server",
]
