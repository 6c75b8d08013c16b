"""End to end on PostgreSQL: two bot processes, a shard each, over one catalogue, against the
loopback Discord with servers on both shards; one is killed and restarted."""

from __future__ import annotations

import pytest

from reviewbot.catalogue import import_paths
from reviewbot.store import ReviewStore

from .bot_fixtures import SAMPLE
from .cards import quiet_line, title
from .loopback.process import BotProcess
from .loopback.server import LoopbackDiscord
from .test_bot_publishing import (
    HER,
    Server,
    configure,
    posts,
    publish,
    realistic_token,
    said,
    wait_posts,
)
from .test_bot_reading import SAMPLE_SIZE
from .test_bot_shards import assert_each_posted_for_its_shard, make_server, quiet, terminated_logs

LEASE_SECONDS = 2  # how soon a killed process's posts are taken over by its restart


@pytest.fixture
async def sample_postgres(postgres: str) -> str:
    """A PostgreSQL catalogue holding the sample catalogue: its URL."""
    async with ReviewStore.open(postgres) as store:
        assert not (await import_paths(store, [SAMPLE])).failures
    return postgres


async def start_shard(
    loopback: LoopbackDiscord, server: Server, url: str, shard: int
) -> BotProcess:
    env = {
        "REVIEWBOT_DATABASE_URL": url,
        "REVIEWBOT_DB": "/nonexistent/never-used.db",
        "REVIEWBOT_DEV_GUILD": str(server.guild.id),
        "REVIEWBOT_SHARDS": str(shard),
        "REVIEWBOT_SHARD_COUNT": "2",
        "REVIEWBOT_POST_LEASE": str(LEASE_SECONDS),
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


async def test_two_processes_over_one_postgresql_catalogue_read_post_and_survive_a_kill(
    loopback: LoopbackDiscord, sample_postgres: str
) -> None:
    loopback.token = realistic_token()
    loopback.max_concurrency = 2
    zero = make_server(loopback, "Zero", (0, 2))
    one = make_server(loopback, "One", (1, 2))
    processes: list[BotProcess] = []
    try:
        first_zero = await start_shard(loopback, zero, sample_postgres, 0)
        processes.append(first_zero)
        processes.append(await start_shard(loopback, one, sample_postgres, 1))
        for server in (zero, one):  # reading works in every server, from either process
            shown = await loopback.slash(server.guild, server.reader, "review show", title="Her")
            assert title(shown) == "Her" and not shown.ephemeral
            assert quiet_line(shown).endswith(f"7 of {SAMPLE_SIZE}")  # its place, counted
            await configure(loopback, server)

        # Published in shard 0's server: posted once, by shard 0's process.
        await publish(loopback, zero)
        [post] = await wait_posts(loopback, zero.reviews, 1)
        assert title(post) == HER["title"]

        # Shard 0's process dies (SIGKILL) while Discord refuses its next post.
        refusing = loopback.fail(f"POST /channels/{zero.reviews.id}/messages", 503, times=None)
        second = {**HER, "title": "Aftersun", "creator": "Charlotte Wells"}
        done = await publish(loopback, zero, second)
        assert "queued" in said(done.message)
        await loopback.wait_for(lambda: refusing.hits >= 1, 10, "a delivery attempt")
        assert await first_zero.kill() == -9
        refusing.clear()

        # The other process goes on with its own servers and never takes shard 0's post.
        await publish(loopback, one)
        await wait_posts(loopback, one.reviews, 1)
        await quiet(
            loopback,
            "shard 1's process posted for shard 0",
            lambda: len(posts(loopback, zero.reviews)) > 1,
        )

        # Restarted, shard 0's process takes its queue back (once the lease ran out) and posts.
        processes.append(await start_shard(loopback, zero, sample_postgres, 0))
        arrived = await wait_posts(loopback, zero.reviews, 2, within=20)
        assert [title(m) for m in arrived] == [HER["title"], "Aftersun"]
        await quiet(
            loopback,
            "a post went out twice",
            lambda: len(posts(loopback, zero.reviews)) + len(posts(loopback, one.reviews)) > 3,
        )
        logs = await terminated_logs(processes[1:])
    finally:
        for process in processes:
            await process.kill()
            process.remove_log()
    assert_each_posted_for_its_shard(logs, zero, one)
    async with ReviewStore.open(sample_postgres) as store:
        for server in (zero, one):
            status = await store.posts.status(server.guild.id)
            assert (status.waiting, status.blocked) == (0, [])
        done_rows = await store.db.fetch(
            "SELECT count(*), count(DISTINCT review_id) FROM outbox WHERE state = 'done'"
        )
        assert tuple(done_rows[0]) == (3, 3)
