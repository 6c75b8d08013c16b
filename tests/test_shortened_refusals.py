"""A refusal from Discord is quoted whole up to 200 characters, and cut with "…" past that;
an error without text is named by its kind."""

from __future__ import annotations

import pytest

from reviewbot.bot import ReviewBot
from reviewbot.outbox import _short

from .loopback.server import LoopbackDiscord
from .test_bot_publishing import Server, configure, publish, said

PREFIX = "403 Forbidden (error code: 50013): "  # how discord.py names the refusal


@pytest.mark.parametrize(
    ("length", "quoted"),
    [
        (200, "x" * (200 - len(PREFIX))),
        (201, "x" * (199 - len(PREFIX)) + "…"),
    ],
)
async def test_a_refusal_not_explained_by_permissions_is_quoted_to_its_limit(
    loopback: LoopbackDiscord, server: Server, bot: ReviewBot, length: int, quoted: str
) -> None:
    await configure(loopback, server)
    # The bot holds every permission it needs; Discord refuses it all the same.
    loopback.fail("POST /channels/{channel_id}/messages", 403, message="x" * (length - len(PREFIX)))
    done = await publish(loopback, server)
    assert said(done.message) == (
        "Saved “Past Lives”, but it can't be posted yet."
        f" Discord refused the bot in <#{server.reviews.id}> (missing permissions:"
        f" {PREFIX}{quoted}). Check the channel's permissions for the bot;"
        " the queue resumes by itself."
    )


def test_an_error_without_text_is_named_by_its_kind() -> None:
    # A request that outlives aiohttp's total timeout fails with a bare TimeoutError: the retry
    # reason reads "Discord did not answer (TimeoutError); retrying".
    assert _short(TimeoutError()) == "TimeoutError"
    assert _short(ConnectionResetError()) == "ConnectionResetError"
