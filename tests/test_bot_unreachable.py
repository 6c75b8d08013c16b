"""End to end: when Discord cannot be reached, the one line logged names what failed, so the
operator can tell a wrong address from a network down."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from reviewbot.bot import _serve, _sync
from reviewbot.config import Settings

from .bot_fixtures import SAMPLE
from .test_bot_lifecycle import nowhere

__all__ = ["nowhere"]  # the lifecycle tests' fixture, used here


@pytest.mark.parametrize("command", ["sync", "run"])
async def test_the_unreachable_line_names_the_address_tried(
    nowhere: None, sample_db: Path, caplog: pytest.LogCaptureFixture, command: str
) -> None:
    settings = Settings(token="a.b.c", database=sample_db, catalogue=SAMPLE)
    code = await (_sync(settings, None) if command == "sync" else _serve(settings))
    assert code == 1
    [line] = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert line.startswith("Could not reach Discord (Cannot connect to host 127.0.0.1:")
    assert line.endswith("); check the network.")
