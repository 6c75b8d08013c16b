"""End to end: when the bot itself fails, every button, menu and form still answers the person."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from reviewbot.bot import ReviewBot
from reviewbot.config import Settings
from reviewbot.funnel import APOLOGY
from reviewbot.store import ReviewStore

from .bot_fixtures import SAMPLE
from .loopback.client import run_client
from .loopback.interactions import Reply
from .loopback.model import Guild
from .loopback.server import LoopbackDiscord
from .store_fixtures import make_review

FORM = {"title": "Past Lives", "category": "film", "rating": "4.5", "body": "Quietly huge."}


async def test_every_component_and_form_apologises_when_the_database_is_gone(
    loopback: LoopbackDiscord, guild: Guild, sample_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    admin = guild.add_member("admin", manage_guild=True)
    reader = guild.add_member("reader")
    settings = Settings(token=loopback.token, database=sample_db, catalogue=SAMPLE)
    database = AsyncExitStack()
    store = await database.enter_async_context(ReviewStore.open(sample_db))
    try:
        async with run_client(loopback, ReviewBot(store, settings)) as bot:
            await bot.tree.sync()
            for i in range(11):  # two pages of results
                await store.reviews.add(make_review(f"Lighthouse {i:02d}", day=i))
            await store.reviews.add(make_review("Mine", guild_id=guild.id, author_id=admin.id))
            shown = await loopback.slash(guild, reader, "review show", title="The Wire")
            found = await loopback.slash(guild, reader, "review search", query="lighthouse")
            [menu] = found.message.selects()  # type: ignore[union-attr]
            ask = await loopback.slash(guild, admin, "review delete", title="Mine")
            form = await loopback.slash(guild, admin, "review post")
            preview = await loopback.submit_modal(form, admin, FORM)
            second_form = await loopback.slash(guild, admin, "review post")
            assert second_form.modal is not None

            await database.aclose()  # the database goes away under the running bot
            caplog.clear()
            caplog.set_level(logging.ERROR, logger="reviewbot.funnel")
            answers: dict[str, Reply] = {
                "1984 ▶": await loopback.click(shown, reader, label="1984 ▶"),
                "Page ›": await loopback.click(shown, reader, label="Page ›"),
                "Results ›": await loopback.click(found, reader, label="Results ›"),
                "menu": await loopback.select(found, reader, [menu["options"][0]["value"]]),
                "Delete": await loopback.click(ask, admin, label="Delete"),
                "Publish": await loopback.click(preview, admin, label="Publish"),
                "Link and spoiler": await loopback.click(preview, admin, label="Link and spoiler"),
                "form": await loopback.submit_modal(second_form, admin, FORM),
            }
            for what, answer in answers.items():
                assert answer.ephemeral and answer.content == APOLOGY, what
            logged = [r for r in caplog.records if r.name == "reviewbot.funnel" and r.exc_info]
            assert len(logged) == len(answers)
    finally:
        await database.aclose()
