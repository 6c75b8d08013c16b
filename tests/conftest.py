"""Shared fixtures: real SQLite files, and a loopback stand-in for Discord."""

pytest_plugins = ["tests.store_fixtures", "tests.loopback.fixtures"]
