"""Shards: which servers' work is a process's own, chosen in the store's SQL; identify slots."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from reviewbot.config import GUILD_ID_MAX
from reviewbot.identify import IdentifyPacer
from reviewbot.review import Category, utc_now
from reviewbot.shards import ALL_SHARDS, Shards, shard_of
from reviewbot.store import FetchState, ReviewStore

from .store_fixtures import make_review

# Servers whose shard the formula must get right: the catalogue, both sides of the shift,
# the largest id SQLite holds, and ids made at different times.
GUILDS = [
    0,
    1,
    (1 << 22) - 1,
    1 << 22,
    (5 << 22) | 123,
    GUILD_ID_MAX,
    GUILD_ID_MAX - (1 << 22),
    *(((1_100_000_000_000 + 7919 * n) << 22) | (n * 37 % 4096) for n in range(24)),
]


def on_shard(shard: int, count: int, extra: int = 0) -> int:
    """A server id on `shard` of `count`."""
    made = 330_000_000_000 // count * count  # milliseconds since Discord's epoch: 2025
    return ((made + shard + extra * count) << 22) | 99


def test_a_server_is_on_the_shard_discord_gives_it() -> None:
    assert shard_of(on_shard(3, 8), 8) == 3
    assert shard_of(0, 8) == 0  # the catalogue's
    assert Shards(8, (3,)).owns(on_shard(3, 8))
    assert not Shards(8, (2, 4)).owns(on_shard(3, 8))
    assert Shards(2, (0,)).owns(None) and not Shards(2, (1,)).owns(None)
    assert ALL_SHARDS.everything and Shards.every(4).everything
    assert not Shards(4, (0, 1, 2)).everything


@pytest.mark.parametrize(
    ("shards", "described"),
    [
        (Shards(8, (0, 1, 2, 3)), "shards 0–3 of 8"),
        (Shards(8, (5,)), "shard 5 of 8"),
        (Shards(4, (2, 0)), "shards 0, 2 of 4"),
        (Shards.every(4), "all 4 shards"),
        (Shards(), "one shard"),
    ],
)
def test_shards_describe_themselves(shards: Shards, described: str) -> None:
    assert shards.describe() == described


@pytest.mark.parametrize(("count", "ids"), [(0, (0,)), (2, (2,)), (2, ()), (4, (1, 1)), (2, (-1,))])
def test_shards_outside_their_count_are_refused(count: int, ids: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="shard"):
        Shards(count, ids)


async def queue_everywhere(store: ReviewStore) -> dict[int, int]:
    """One post queued in each of GUILDS; returns the row id per server."""
    review = await store.reviews.add(make_review("Everywhere"))
    assert review.id is not None
    rows = {}
    for guild_id in GUILDS:
        await store.posts.queue(guild_id, [review.id])
        [item] = [i for i in await store.posts.due(limit=1000) if i.guild_id == guild_id]
        rows[guild_id] = item.id
    return rows


@pytest.mark.parametrize("count", [1, 2, 3, 8])
async def test_each_shard_takes_exactly_its_servers_queue(store: ReviewStore, count: int) -> None:
    await queue_everywhere(store)
    taken: list[int] = []
    for shard in range(count):
        due = await store.posts.due(limit=1000, shards=Shards(count, (shard,)))
        servers = [item.guild_id for item in due]
        assert sorted(servers) == sorted(g for g in GUILDS if shard_of(g, count) == shard)
        taken += servers
    assert sorted(taken) == sorted(GUILDS)  # every server's queue has one owner, none has two


async def test_a_process_with_several_shards_takes_them_all(store: ReviewStore) -> None:
    await queue_everywhere(store)
    due = await store.posts.due(limit=1000, shards=Shards(4, (1, 3)))
    assert sorted(i.guild_id for i in due) == sorted(g for g in GUILDS if shard_of(g, 4) in (1, 3))
    everything = await store.posts.due(limit=1000)
    assert sorted(i.guild_id for i in everything) == sorted(GUILDS)


async def test_another_shards_retry_is_not_waited_for(store: ReviewStore) -> None:
    review = await store.reviews.add(make_review("Soon"))
    assert review.id is not None
    mine, theirs = on_shard(0, 2), on_shard(1, 2)
    await store.posts.queue(mine, [review.id])
    await store.posts.queue(theirs, [review.id])
    soon, later = utc_now() + timedelta(minutes=1), utc_now() + timedelta(hours=1)
    for item in await store.posts.due():
        await store.posts.retry_later(item, "busy", soon if item.guild_id == theirs else later)
    assert await store.posts.next_retry(Shards(2, (0,))) == later
    assert await store.posts.next_retry(Shards(2, (1,))) == soon
    assert await store.posts.next_retry() == soon


async def test_unblocking_at_start_touches_only_this_process_servers(store: ReviewStore) -> None:
    review = await store.reviews.add(make_review("Blocked"))
    assert review.id is not None
    mine, theirs = on_shard(1, 2), on_shard(0, 2)
    await store.posts.queue(mine, [review.id])
    await store.posts.queue(theirs, [review.id])
    for item in await store.posts.due():
        await store.posts.block(item, "No review channel is set.")
    assert await store.posts.unblock(shards=Shards(2, (1,))) == 1
    assert [i.guild_id for i in await store.posts.due()] == [mine]
    assert (await store.posts.status(theirs)).blocked != []
    assert await store.posts.unblock() == 1  # every server's, as an unsharded bot does


async def test_feeds_are_polled_by_their_servers_shard_and_the_catalogues_by_shard_0(
    store: ReviewStore,
) -> None:
    owners = {None: 0, on_shard(0, 2): 0, on_shard(1, 2): 1, on_shard(1, 2, extra=1): 1}
    for n, guild_id in enumerate(owners):
        await store.feeds.add(
            guild_id,
            f"https://blog.example/{n}/feed",
            channel_id=None,
            category=Category.FILM,
            title=None,
            state=FetchState(200),
            entries=[],
            next_poll_at=utc_now(),
        )
    at = utc_now() + timedelta(days=1)
    for shard in (0, 1):
        due = await store.feeds.due(at, 64, Shards(2, (shard,)))
        assert sorted(f.guild_id or 0 for f in due) == sorted(
            g or 0 for g, owner in owners.items() if owner == shard
        )
        assert await store.feeds.next_due(Shards(2, (shard,))) is not None
    assert len(await store.feeds.due(at, 64)) == len(owners)
    assert await store.feeds.next_due(Shards(4, (2,))) is None  # no server of shard 2 has one


# Identify slots ---------------------------------------------------------------------------------

HOUR = timedelta(hours=1)


async def test_a_bucket_lets_one_identify_go_per_window(store: ReviewStore) -> None:
    assert await store.gateway.take(0, 0, HOUR) == timedelta(0)
    wait = await store.gateway.take(0, 2, HOUR)
    assert timedelta(minutes=59) < wait <= HOUR
    assert await store.gateway.take(1, 1, HOUR) == timedelta(0)  # another bucket is free
    taken = await store.gateway.last_taken(0)
    assert taken is not None and taken[1] == 0  # the refused shard did not take it
    assert await store.gateway.take(0, 2, timedelta(0)) == timedelta(0)  # the window has passed
    taken = await store.gateway.last_taken(0)
    assert taken is not None and taken[1] == 2


async def test_processes_sharing_a_database_share_the_slots(database: str | Path) -> None:
    async with ReviewStore.open(database) as first, ReviewStore.open(database) as second:
        stores = [first, second] * 5
        waits = await asyncio.gather(*(s.gateway.take(0, n, HOUR) for n, s in enumerate(stores)))
        assert sorted(waits)[0] == timedelta(0)
        assert all(wait > timedelta(0) for wait in sorted(waits)[1:])


async def test_the_pacer_waits_for_its_bucket_and_asks_max_concurrency_once(
    store: ReviewStore,
) -> None:
    asked: list[int] = []

    async def two() -> int:
        asked.append(2)
        return 2

    window = timedelta(seconds=0.5)
    pacer = IdentifyPacer(store, two, shared=True, window=window)
    await pacer.wait_turn(0, initial=True)
    started = await store.gateway.last_taken(0)
    await pacer.wait_turn(1, initial=False)  # bucket 1: free
    await pacer.wait_turn(2, initial=False)  # bucket 0 again: after shard 0's window
    zero, one = await store.gateway.last_taken(0), await store.gateway.last_taken(1)
    assert started is not None and zero is not None and one is not None
    assert (started[1], zero[1], one[1]) == (0, 2, 1)
    assert one[0] - started[0] < window  # shard 1 did not wait for shard 0
    assert zero[0] - started[0] >= window  # shard 2 did
    assert asked == [2]


async def test_without_max_concurrency_the_pacer_lets_one_go_at_a_time(store: ReviewStore) -> None:
    async def unreachable() -> int:
        raise OSError("no route to Discord")

    window = timedelta(seconds=0.2)
    pacer = IdentifyPacer(store, unreachable, shared=True, window=window)
    await pacer.wait_turn(0, initial=True)
    started = await store.gateway.last_taken(0)
    await pacer.wait_turn(1, initial=False)  # bucket 0 too, as if max_concurrency were 1
    taken = await store.gateway.last_taken(0)
    assert started is not None and taken is not None and taken[1] == 1
    assert taken[0] - started[0] >= window
    assert await store.gateway.last_taken(1) is None


async def test_a_process_with_every_shard_identifies_its_first_at_once(store: ReviewStore) -> None:
    async def one() -> int:
        return 1

    pacer = IdentifyPacer(store, one, shared=False, window=HOUR)
    assert await store.gateway.take(0, 0, HOUR) == timedelta(0)  # a moment ago, by a restart
    # As discord.py's first IDENTIFY: at once (an hour's wait would fail the test here).
    await asyncio.wait_for(pacer.wait_turn(0, initial=True), 10)
    assert await store.gateway.take(0, 1, HOUR) > timedelta(0)  # but the next one will wait
