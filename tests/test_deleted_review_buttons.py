"""Buttons of a card whose reviews were deleted since: each says where the list ends now."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from reviewbot.bot import ReviewBot
from reviewbot.store import ReviewStore

from .bot_fixtures import running_bot
from .cards import nav, note, title
from .loopback.model import Guild, Member, Message
from .loopback.server import LoopbackDiscord
from .store_fixtures import make_review

LONG = "Words to page through. " * 400


@pytest_asyncio.fixture
async def three(
    loopback: LoopbackDiscord, guild: Guild, tmp_path: Path
) -> AsyncIterator[ReviewBot]:
    """The bot on a server whose only reviews are Alpha (long), Beta and Gamma, in that order."""
    database = tmp_path / "reviews.db"
    async with ReviewStore.open(database) as store:
        for day, name in enumerate(("Alpha", "Beta", "Gamma")):
            body = LONG if name == "Alpha" else f"A review of {name}."
            await store.reviews.publish(make_review(name, guild_id=guild.id, day=day, body=body))
    async with running_bot(loopback, database) as bot:
        yield bot


async def show(loopback: LoopbackDiscord, guild: Guild, reader: Member, name: str) -> Message:
    shown = await loopback.slash(guild, reader, "review show", title=name)
    assert shown.message is not None and title(shown.message) == name
    return shown.message


async def delete(bot: ReviewBot, guild: Guild, name: str) -> None:
    found = await bot.app.store.reviews.resolve_title(name, guild.id)
    assert found.review.id is not None and await bot.app.store.reviews.delete(found.review.id)


async def test_a_neighbour_deleted_since_shows_this_review_as_the_end(
    loopback: LoopbackDiscord, guild: Guild, reader: Member, three: ReviewBot
) -> None:
    card = await show(loopback, guild, reader, "Beta")
    await delete(three, guild, "Gamma")
    await loopback.click(card, reader, label="Gamma ▶")
    assert (title(card), note(card)) == ("Beta", "That was the last review.")
    assert nav(card, forward=True)["label"] == "Next ▶"
    await delete(three, guild, "Alpha")
    await loopback.click(card, reader, label="◀ Alpha")
    assert (title(card), note(card)) == ("Beta", "That was the first review.")


async def test_a_neighbour_with_nothing_left_says_there_are_no_reviews(
    loopback: LoopbackDiscord, guild: Guild, reader: Member, three: ReviewBot
) -> None:
    card = await show(loopback, guild, reader, "Beta")
    for name in ("Alpha", "Beta", "Gamma"):
        await delete(three, guild, name)
    answer = await loopback.click(card, reader, label="Gamma ▶")
    assert answer.ephemeral and answer.content == "There are no reviews here any more."
    assert title(card) == "Beta"  # left as it was


async def test_a_page_of_the_last_review_deleted_says_there_are_no_others(
    loopback: LoopbackDiscord, guild: Guild, reader: Member, three: ReviewBot
) -> None:
    card = await show(loopback, guild, reader, "Alpha")
    for name in ("Alpha", "Beta", "Gamma"):
        await delete(three, guild, name)
    answer = await loopback.click(card, reader, label="Page ›")
    assert answer.ephemeral
    assert answer.content == "That review has been deleted, and there are no others here."
