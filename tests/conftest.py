"""Shared fixtures: real SQLite files, and (under loopback/) a stand-in for Discord."""

pytest_plugins = ["tests.store_fixtures"]
