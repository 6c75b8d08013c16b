"""End to end: the error funnel's private answers to refused commands and stale options, and
the lines logged for the operator when the bot fails, naming what was being answered."""

from __future__ import annotations

import copy
import logging
import sqlite3
from contextlib import AsyncExitStack, closing
from pathlib import Path

import discord
import pytest
from discord import app_commands

from reviewbot.bot import ReviewBot
from reviewbot.config import Settings
from reviewbot.funnel import APOLOGY
from reviewbot.store import ReviewStore

from .bot_fixtures import SAMPLE
from .loopback.client import run_client
from .loopback.errors import InteractionFailed
from .loopback.model import Guild
from .loopback.server import LoopbackDiscord

FORM = {"title": "Past Lives", "category": "film", "rating": "4.5", "body": "Quietly huge."}


async def test_a_failed_check_or_a_stale_choice_is_answered_privately_and_not_logged(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot, caplog: pytest.LogCaptureFixture
) -> None:
    async def refuse_quietly(interaction: discord.Interaction) -> bool:
        raise app_commands.CheckFailure()

    async def refuse_saying_why(interaction: discord.Interaction) -> bool:
        raise app_commands.CheckFailure("Only on Sundays.")

    async def never_runs(interaction: discord.Interaction) -> None:
        raise AssertionError("a refused command ran")

    here = discord.Object(guild.id)
    for name, check in (("quiet", refuse_quietly), ("sunday", refuse_saying_why)):
        command = app_commands.Command(name=name, description="Refused", callback=never_runs)
        bot.tree.add_command(app_commands.check(check)(command), guild=here)
    await bot.tree.sync(guild=here)
    # What an older version of the bot registered: a category this one no longer has.
    review = copy.deepcopy(loopback.command("review"))
    [search] = [o for o in review["options"] if o["name"] == "search"]
    [category] = [o for o in search["options"] if o["name"] == "category"]
    category["choices"].append({"name": "Podcast", "value": "podcast"})
    loopback.set_guild_commands(guild, [*loopback.guild_commands(guild), review])
    member = guild.add_member("reader")
    caplog.set_level(logging.INFO, logger="reviewbot")
    caplog.clear()

    quiet = await loopback.slash(guild, member, "quiet")
    sunday = await loopback.slash(guild, member, "sunday")
    stale = await loopback.slash(guild, member, "review search", query="her", category="podcast")
    assert quiet.ephemeral and quiet.content == "You can't use this command here."
    assert sunday.ephemeral and sunday.content == "Only on Sundays."
    assert stale.ephemeral and stale.content == "“podcast” isn't a valid value for that option."
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_a_mistake_found_after_deferring_is_answered_privately_and_not_logged(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot, caplog: pytest.LogCaptureFixture
) -> None:
    admin = guild.add_member("admin", manage_guild=True)
    caplog.set_level(logging.INFO, logger="reviewbot")
    caplog.clear()
    # `feed add` defers before it reads the address, so the refusal goes as a followup.
    reply = await loopback.slash(guild, admin, "review feed add", url="ftp://blog.example/feed")
    # The first followup after a "thinking…" deferral takes that message's place, private too.
    assert reply.ephemeral and not reply.followups
    assert reply.content == (
        "“ftp://blog.example/feed” is not a feed address: give a full http(s) address,"
        " like https://example.com/feed"
    )
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_a_failure_after_a_button_deferred_is_apologised_for_privately(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot, sample_db: Path
) -> None:
    admin = guild.add_member("admin", manage_guild=True)
    form = await loopback.slash(guild, admin, "review post")
    preview = await loopback.submit_modal(form, admin, FORM)
    with closing(sqlite3.connect(sample_db)) as db:  # Publish defers, then this write fails
        db.execute(
            "CREATE TRIGGER refuse_queue BEFORE INSERT ON outbox"
            " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
    failed = await loopback.click(preview, admin, label="Publish")
    assert failed.deferred
    [apology] = failed.followups
    assert apology.ephemeral and apology.content == APOLOGY


async def test_unexpected_failures_are_logged_naming_the_command_button_or_form(
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
            shown = await loopback.slash(guild, reader, "review show", title="The Wire")
            form = await loopback.slash(guild, admin, "review post")
            assert form.modal is not None

            await database.aclose()  # the database goes away under the running bot
            caplog.set_level(logging.INFO, logger="reviewbot")
            caplog.clear()
            answers = [
                await loopback.slash(guild, reader, "review show", title="The Wire"),
                await loopback.click(shown, reader, label="1984 ▶"),
                await loopback.submit_modal(form, admin, FORM),
            ]
            assert all(a.ephemeral and a.content == APOLOGY for a in answers)
            logged = [
                (r.levelname, r.getMessage(), r.exc_info is not None)
                for r in caplog.records
                if r.name == "reviewbot.funnel"
            ]
            assert logged == [
                ("ERROR", f"Unexpected error answering /review show in guild {guild.id}", True),
                ("ERROR", f"Unexpected error answering a component in guild {guild.id}", True),
                ("ERROR", f"Unexpected error answering a form in guild {guild.id}", True),
            ]

            # The interaction expired before the apology could be sent: the operator is told.
            caplog.clear()
            loopback.fail(
                "POST /interactions/{interaction_id}/{interaction_token}/callback", 404, code=10062
            )
            loopback.interaction_timeout = 1.0
            with pytest.raises(InteractionFailed):
                await loopback.slash(guild, reader, "review show", title="The Wire")
            warned = [
                r.getMessage()
                for r in caplog.records
                if r.name == "reviewbot.funnel" and r.levelno == logging.WARNING
            ]
            assert warned == [
                f"Could not tell the user about an error in /review show in guild {guild.id}"
            ]

            # The post queue meets the same failure on its own, and says so once a round.
            bot.outbox.wake()
            queue_failed = "The post queue hit an unexpected error; trying again shortly"
            await loopback.wait_for(
                lambda: [
                    r
                    for r in caplog.records
                    if r.name == "reviewbot.outbox" and r.getMessage() == queue_failed
                ],
                5,
                "the post queue to log its failure",
            )
    finally:
        await database.aclose()
