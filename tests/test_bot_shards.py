"""End to end: the bot sharded, in one process and split over two sharing one database."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import AsyncExitStack, closing
from datetime import datetime
from pathlib import Path

import pytest

from reviewbot.bot import ReviewBot
from reviewbot.review import Category, utc_now
from reviewbot.store import FetchState, ReviewStore

from .bot_fixtures import running_bot, server_in
from .cards import title
from .feed_server import FeedServer, item, rss
from .loopback.model import Guild
from .loopback.process import BotProcess
from .loopback.server import LoopbackDiscord
from .store_fixtures import make_review
from .test_bot_publishing import (
    HER,
    QUIET_SECONDS,
    Server,
    configure,
    posts,
    publish,
    queue_settled,
    realistic_token,
    said,
    wait_posts,
)


def make_server(loopback: LoopbackDiscord, name: str, shard: tuple[int, int]) -> Server:
    return server_in(loopback.add_guild(name, shard=shard))


@pytest.fixture
def zero(loopback: LoopbackDiscord) -> Server:
    """A server on shard 0 of 2."""
    return make_server(loopback, "Zero", (0, 2))


@pytest.fixture
def one(loopback: LoopbackDiscord) -> Server:
    """A server on shard 1 of 2."""
    return make_server(loopback, "One", (1, 2))


def fields(status_embed: object) -> dict[str, str]:
    assert isinstance(status_embed, dict)
    return {f["name"]: f["value"] for f in status_embed["fields"]}


async def quiet(loopback: LoopbackDiscord, broken: str, check: object) -> None:
    """After the awaited condition: `check()` stays false for a short quiet period."""
    assert callable(check)
    try:
        await loopback.wait_for(check, QUIET_SECONDS, broken)
    except AssertionError:
        return
    raise AssertionError(broken)


async def queue_review(database: Path, guild: Guild, name: str) -> int:
    """A review published in a server from outside Discord (as the shell announces): its id."""
    async with ReviewStore.open(database) as store:
        review, _ = await store.reviews.publish(make_review(name, guild_id=guild.id))
    assert review.id is not None
    return review.id


# One process, every shard -------------------------------------------------------------------


async def test_one_process_runs_every_shard_discord_recommends(
    loopback: LoopbackDiscord, zero: Server, one: Server, sample_db: Path
) -> None:
    loopback.recommended_shards = 2
    loopback.identify_window = 0.3  # one bucket: the second shard waits its turn
    async with running_bot(loopback, sample_db) as bot:
        assert (bot.shard_count, sorted(bot.shards)) == (2, [0, 1])
        for server in (zero, one):
            shown = await loopback.slash(server.guild, server.reader, "review show", title="Her")
            assert title(shown) == "Her"
            await configure(loopback, server)
            done = await publish(loopback, server)
            assert "Published “Past Lives”: https:" in said(done.message)
            [post] = await wait_posts(loopback, server.reviews, 1)
            assert title(post) == HER["title"]
        status = await loopback.slash(one.guild, one.admin, "review status")
        shown_fields = fields(status.embed)
        assert shown_fields["Shard"] == "1 of 2"
        assert shown_fields["This process"] == "all 2 shards · 2 server(s)"
        assert shown_fields["Gateway latency"].endswith(" ms") or (
            shown_fields["Gateway latency"] == "not measured yet"
        )
        for server in (zero, one):
            await queue_settled(bot, server.guild)
    first, second = sorted(s.identified_at for s in loopback.sessions)
    assert second - first >= loopback.identify_window


async def test_an_unsharded_bot_is_shard_0_of_1(
    loopback: LoopbackDiscord, zero: Server, bot: ReviewBot
) -> None:
    [session] = loopback.sessions
    assert session.shard == (0, 1)
    status = await loopback.slash(zero.guild, zero.admin, "review status")
    shown = fields(status.embed)
    assert (shown["Shard"], shown["This process"]) == ("0 of 1", "one shard · 2 server(s)")


# Two processes, one database ----------------------------------------------------------------


async def test_each_process_delivers_only_its_own_servers_posts(
    loopback: LoopbackDiscord, zero: Server, one: Server, sample_db: Path
) -> None:
    refused = "The bot lacks **Send Messages** in the review channel."
    async with ReviewStore.open(sample_db) as store:
        for server in (zero, one):
            await store.guilds.set_review_channel(server.guild.id, server.reviews.id)
        await store.reviews.publish(make_review("Held one", guild_id=one.guild.id))
        [held] = await store.posts.due()
        await store.posts.block(held, refused)  # as a refused post is left, retried on a start
    await queue_review(sample_db, zero.guild, "Early zero")
    await queue_review(sample_db, one.guild, "Early one")

    def outbox_of(server: Server) -> list[tuple[object, ...]]:
        with closing(sqlite3.connect(sample_db)) as db:
            return db.execute(
                "SELECT state, attempts, last_error FROM outbox WHERE guild_id = ? ORDER BY id",
                (server.guild.id,),
            ).fetchall()

    async with running_bot(loopback, sample_db, shard_count=2, shard_ids=(0,)) as bot_zero:
        [post] = await wait_posts(loopback, zero.reviews, 1)
        assert title(post) == "Early zero"
        # Once ready, the bot blocks the posts of servers it is not in: the other shard's must
        # never reach that point. A post queued after that shows the queue was looked at since.
        await loopback.wait_for(bot_zero.is_ready, 10, "the bot to be ready")
        await queue_review(sample_db, zero.guild, "Ready zero")
        bot_zero.outbox.wake()
        await wait_posts(loopback, zero.reviews, 2)
        await queue_settled(bot_zero, zero.guild)
        await quiet(
            loopback,
            "shard 0's process posted in a shard-1 server",
            lambda: posts(loopback, one.reviews),
        )
        # Not posted, not tried, not blocked, not retried at this start: not this process's.
        assert outbox_of(one) == [("blocked", 1, refused), ("waiting", 0, None)]

        async with running_bot(loopback, sample_db, shard_count=2, shard_ids=(1,)) as bot_one:
            arrived = await wait_posts(loopback, one.reviews, 2)
            assert [title(m) for m in arrived] == ["Held one", "Early one"]
            for n in range(3):
                await queue_review(sample_db, zero.guild, f"Zero {n}")
                await queue_review(sample_db, one.guild, f"One {n}")
            bot_zero.outbox.wake()
            bot_one.outbox.wake()
            for server, bot in ((zero, bot_zero), (one, bot_one)):
                await wait_posts(loopback, server.reviews, 5)
                await queue_settled(bot, server.guild)
            await quiet(
                loopback,
                "a post went out twice",
                lambda: len(posts(loopback, zero.reviews)) + len(posts(loopback, one.reviews)) > 10,
            )
    assert [title(m) for m in posts(loopback, zero.reviews)] == [
        "Early zero",
        "Ready zero",
        *(f"Zero {n}" for n in range(3)),
    ]
    assert [title(m) for m in posts(loopback, one.reviews)] == [
        "Held one",
        "Early one",
        *(f"One {n}" for n in range(3)),
    ]
    assert loopback.nonce_hits == 0  # not even a repeat that Discord had to drop


async def test_each_process_answers_and_publishes_in_its_own_servers(
    loopback: LoopbackDiscord, zero: Server, one: Server, sample_db: Path
) -> None:
    loopback.max_concurrency = 2
    async with (
        running_bot(loopback, sample_db, shard_count=2, shard_ids=(0,)) as bot_zero,
        running_bot(loopback, sample_db, shard_count=2, shard_ids=(1,)) as bot_one,
    ):
        for server, bot in ((zero, bot_zero), (one, bot_one)):
            assert [g.id for g in bot.guilds] == [server.guild.id]
            await configure(loopback, server)
            done = await publish(loopback, server)
            assert "Published “Past Lives”: https:" in said(done.message)
            await wait_posts(loopback, server.reviews, 1)
            await queue_settled(bot, server.guild)
        status = fields((await loopback.slash(one.guild, one.admin, "review status")).embed)
        assert (status["Shard"], status["This process"]) == ("1 of 2", "shard 1 of 2 · 1 server(s)")
        status = fields((await loopback.slash(zero.guild, zero.admin, "review status")).embed)
        assert (status["Shard"], status["This process"]) == ("0 of 2", "shard 0 of 2 · 1 server(s)")
        await quiet(
            loopback,
            "a post went out twice",
            lambda: len(posts(loopback, zero.reviews)) + len(posts(loopback, one.reviews)) > 2,
        )


@pytest.mark.parametrize("concurrency", [1, 2])
async def test_two_processes_identify_within_discords_limit(
    loopback: LoopbackDiscord, zero: Server, one: Server, sample_db: Path, concurrency: int
) -> None:
    loopback.max_concurrency = concurrency
    loopback.identify_window = 0.4  # any IDENTIFY sooner in its bucket fails the test
    async with AsyncExitStack() as stack:
        await asyncio.gather(
            *(
                stack.enter_async_context(
                    running_bot(loopback, sample_db, shard_count=2, shard_ids=(shard,))
                )
                for shard in (0, 1)
            )
        )
        first, second = sorted(s.identified_at for s in loopback.sessions)
    if concurrency == 1:
        assert second - first >= loopback.identify_window
    else:  # a bucket each: neither waited for the other's window (the bots wait twice as long)
        assert second - first < 2 * loopback.identify_window


async def test_a_process_polls_only_its_own_servers_feeds(
    loopback: LoopbackDiscord,
    zero: Server,
    one: Server,
    sample_db: Path,
    feed_server: FeedServer,
) -> None:
    paths = {zero.guild.id: "/zero", one.guild.id: "/one", None: "/catalogue"}
    async with ReviewStore.open(sample_db) as store:
        for guild_id, path in paths.items():
            feed_server.serve(path, rss([item(path, "Her 4/5")]))
            await store.feeds.add(
                guild_id,
                feed_server.url(path),
                channel_id=None,
                category=Category.FILM,
                title=None,
                state=FetchState(200),
                entries=[],
                next_poll_at=utc_now(),
            )
    async with running_bot(
        loopback, sample_db, shard_count=2, shard_ids=(1,), feeds_allow_private=True
    ) as bot:
        await loopback.wait_for(lambda: bot.feeds.polls >= 1, 5, "a poll")
        await quiet(loopback, "another shard's feed was polled", lambda: bot.feeds.polls > 1)
    assert [feed_server.hits(path) for path in paths.values()] == [0, 1, 0]


# Processes, killed and restarted --------------------------------------------------------------


async def start_shard(
    loopback: LoopbackDiscord, server: Server, database: Path, shard: int
) -> BotProcess:
    env = {
        "REVIEWBOT_DB": str(database),
        "REVIEWBOT_DEV_GUILD": str(server.guild.id),
        "REVIEWBOT_SHARDS": str(shard),
        "REVIEWBOT_SHARD_COUNT": "2",
        "LOG_LEVEL": "INFO",
    }
    process = await BotProcess.start(loopback, "reviewbot", "run", env=env)
    await loopback.wait_for(
        lambda: (
            any(s.shard == (shard, 2) and s.connected for s in loopback.sessions)
            and loopback.guild_commands(server.guild)
        ),
        20,
        f"the process of shard {shard} to connect and sync",
    )
    return process


async def test_a_killed_process_loses_nothing_and_the_other_takes_none_of_its_posts(
    loopback: LoopbackDiscord, zero: Server, one: Server, sample_db: Path
) -> None:
    loopback.token = realistic_token()
    loopback.max_concurrency = 2
    loopback.identify_window = 5.0  # Discord's: the restarted process must wait its turn
    processes: list[BotProcess] = []
    try:
        first_zero = await start_shard(loopback, zero, sample_db, 0)
        processes.append(first_zero)
        processes.append(await start_shard(loopback, one, sample_db, 1))
        for server in (zero, one):
            await configure(loopback, server)
        refusing = loopback.fail(f"POST /channels/{zero.reviews.id}/messages", 503, times=None)
        done = await publish(loopback, zero)
        assert "queued" in said(done.message)
        await loopback.wait_for(lambda: refusing.hits >= 1, 10, "a first delivery attempt")
        assert await first_zero.kill() == -9
        refusing.clear()

        # The row is due again, and the other process is delivering: it must leave it alone.
        with closing(sqlite3.connect(sample_db)) as db:
            [(due_at,)] = db.execute("SELECT not_before FROM outbox WHERE state = 'waiting'")
        due = datetime.fromisoformat(due_at)
        await loopback.wait_for(lambda: utc_now() >= due, 10, "the row to be due again")
        await publish(loopback, one)
        await wait_posts(loopback, one.reviews, 1)
        await quiet(
            loopback, "shard 1's process posted for shard 0", lambda: posts(loopback, zero.reviews)
        )

        processes.append(await start_shard(loopback, zero, sample_db, 0))
        [post] = await wait_posts(loopback, zero.reviews, 1, within=15)
        assert title(post) == HER["title"]
        await quiet(
            loopback,
            "a post went out twice",
            lambda: len(posts(loopback, zero.reviews)) + len(posts(loopback, one.reviews)) > 2,
        )
        logs = await terminated_logs(processes[1:])
    finally:
        for process in processes:
            await process.kill()
            process.remove_log()
    assert_each_posted_for_its_shard(logs, zero, one)


async def test_too_few_shards_for_discord_stops_with_one_line(
    loopback: LoopbackDiscord, zero: Server, one: Server, sample_db: Path
) -> None:
    loopback.token = realistic_token()
    loopback.max_guilds_per_shard = 1
    env = {"REVIEWBOT_DB": str(sample_db), "REVIEWBOT_SHARD_COUNT": "1"}
    process = await BotProcess.start(loopback, "reviewbot", "run", env=env)
    try:
        assert await process.wait(20) == 1
        output = process.output()
    finally:
        await process.kill()
        process.remove_log()
    assert "Discord requires more shards for this many servers" in output
    assert "Traceback" not in output


async def terminated_logs(processes: list[BotProcess]) -> list[str]:
    """Each process stopped cleanly (exit 0), and what it logged."""
    logs = []
    for process in processes:
        assert await process.terminate() == 0
        logs.append(process.output())
    return logs


def assert_each_posted_for_its_shard(logs: list[str], zero: Server, one: Server) -> None:
    """The logs of shard 1's process and of shard 0's restarted one: each posted in its own
    server's channel only."""
    one_log, second_zero_log = logs
    assert "Running shard 0 of 2" in second_zero_log
    assert f"in channel {zero.reviews.id}" in second_zero_log
    assert f"in channel {zero.reviews.id}" not in one_log
    assert f"in channel {one.reviews.id}" in one_log
