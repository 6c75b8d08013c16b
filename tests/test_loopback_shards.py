"""The stand-in's sharding: IDENTIFY's shard, servers routed to their shard, /gateway/bot,
4010 and 4011, and the identify limit per bucket."""

from __future__ import annotations

from typing import Any

import aiohttp
import discord
import pytest

from tests.loopback import LoopbackDiscord, run_client
from tests.loopback.gateway import shard_of
from tests.loopback.sample_bot import SampleBot


class ShardedBot(SampleBot, discord.AutoShardedClient):
    """The sample bot, sharded, identifying as soon as discord.py is ready to (tests make the
    buckets it needs free)."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        pass


async def raw_identify(
    loopback: LoopbackDiscord, http: aiohttp.ClientSession, shard: Any = None
) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any] | int | None]:
    """Connect and IDENTIFY (with `shard` when given): READY's data, or the close code."""
    ws = await http.ws_connect(loopback.gateway_url)
    await ws.receive_json()  # HELLO
    data: dict[str, Any] = {"token": loopback.token, "intents": 1, "properties": {}}
    if shard is not None:
        data["shard"] = shard
    await ws.send_json({"op": 2, "d": data})
    message = await ws.receive()
    if message.type is aiohttp.WSMsgType.CLOSE:
        return ws, ws.close_code
    ready = message.json()
    assert ready["t"] == "READY"
    return ws, ready["d"]


def test_a_server_made_for_a_shard_is_on_it(loopback: LoopbackDiscord) -> None:
    for shard_id in range(5):
        guild = loopback.add_guild(f"Shard {shard_id}", shard=(shard_id, 5))
        assert shard_of(guild.id, 5) == shard_id
    assert len({g.id for g in loopback.guilds}) == 5


async def test_each_shard_gets_its_own_servers_and_their_interactions(
    loopback: LoopbackDiscord,
) -> None:
    loopback.max_concurrency = 2
    loopback.identify_window = 5.0  # both shards at once: each in a bucket of its own
    zero = loopback.add_guild("Zero", shard=(0, 2))
    one = loopback.add_guild("One", shard=(1, 2))
    readers = {g.id: g.add_member("reader") for g in (zero, one)}
    async with run_client(loopback, ShardedBot(shard_count=2)) as bot:
        sessions = {s.shard: s for s in loopback.sessions}
        assert set(sessions) == {(0, 2), (1, 2)}
        for (shard_id, _), session in sessions.items():
            assert session.identify["shard"] == [shard_id, 2]
            [ready, *created] = session.backlog
            assert ready["d"]["shard"] == [shard_id, 2]
            mine = zero if shard_id == 0 else one
            assert [g["id"] for g in ready["d"]["guilds"]] == [str(mine.id)]
            assert [f["d"]["id"] for f in created] == [str(mine.id)]
        assert {g.id for g in bot.guilds} == {zero.id, one.id}
        cached = bot.get_guild(one.id)
        assert cached is not None and cached.shard_id == 1

        channel = one.add_text_channel("reviews")  # an event goes to the server's shard only
        await loopback.wait_for(lambda: cached.get_channel(channel.id), what="CHANNEL_CREATE")
        assert "CHANNEL_CREATE" not in [f["t"] for f in sessions[(0, 2)].backlog]

        for guild in (zero, one):
            reply = await loopback.slash(guild, readers[guild.id], "hello", name=guild.name)
            assert reply.content == f"Hello {guild.name}"
        for (shard_id, _), session in sessions.items():
            asked = [f["d"]["guild_id"] for f in session.backlog if f["t"] == "INTERACTION_CREATE"]
            assert asked == [str((zero, one)[shard_id].id)]
        added = loopback.add_guild("Later", shard=(0, 2))  # joining: GUILD_CREATE on shard 0
        await loopback.wait_for(lambda: bot.get_guild(added.id), what="GUILD_CREATE")
        assert str(added.id) not in str(sessions[(1, 2)].backlog)


async def test_gateway_bot_gives_the_recommended_shards_and_max_concurrency(
    loopback: LoopbackDiscord,
) -> None:
    loopback.recommended_shards, loopback.max_concurrency = 3, 4
    for shard_id in range(3):
        loopback.add_guild(f"Shard {shard_id}", shard=(shard_id, 3))
    async with run_client(loopback, ShardedBot()) as bot:  # no count: asks /gateway/bot
        assert bot.shard_count == 3
        assert sorted(s.shard for s in loopback.sessions) == [(0, 3), (1, 3), (2, 3)]
        limits = await bot.fetch_session_start_limits()
        assert limits.max_concurrency == 4
        assert len(bot.guilds) == 3


@pytest.mark.parametrize("shard", [[2, 2], [0, 0], [-1, 2], [0], ["0", "2"], [True, 2], "0,2"])
async def test_an_invalid_shard_is_closed_with_4010(loopback: LoopbackDiscord, shard: Any) -> None:
    async with aiohttp.ClientSession() as http:
        ws, answer = await raw_identify(loopback, http, shard)
        await ws.close()
    assert answer == 4010
    assert loopback.sessions == []


async def test_too_many_servers_on_one_session_is_closed_with_4011(
    loopback: LoopbackDiscord,
) -> None:
    loopback.max_guilds_per_shard = 2
    for shard_id in (0, 1, 1):
        loopback.add_guild(shard=(shard_id, 2))
    async with aiohttp.ClientSession() as http:
        ws, unsharded = await raw_identify(loopback, http)
        await ws.close()
        assert unsharded == 4011
        ws, first = await raw_identify(loopback, http, [0, 2])
        await ws.close()
        ws, second = await raw_identify(loopback, http, [1, 2])
        await ws.close()
    assert isinstance(first, dict) and len(first["guilds"]) == 1
    assert isinstance(second, dict) and len(second["guilds"]) == 2


async def test_a_client_refused_for_sharding_stops_with_the_close_code(
    loopback: LoopbackDiscord,
) -> None:
    loopback.max_guilds_per_shard = 1
    loopback.add_guild(shard=(0, 2))
    loopback.add_guild(shard=(1, 2))
    with pytest.raises(discord.ConnectionClosed) as closed:
        async with run_client(loopback, ShardedBot(shard_count=1)):
            pass
    assert closed.value.code == 4011


@pytest.mark.parametrize(
    ("concurrency", "shards", "broken"),
    [
        (1, [[0, 2], [1, 2]], ["shard 1 identified", "bucket 0"]),
        (2, [[0, 4], [1, 4]], []),
        (2, [[0, 4], [1, 4], [2, 4]], ["shard 2 identified", "after shard 0 in bucket 0"]),
        (16, [[0, 1], [0, 1]], ["shard 0 identified"]),  # a restart counts too
    ],
)
async def test_identifies_are_limited_per_bucket(
    loopback: LoopbackDiscord, concurrency: int, shards: list[list[int]], broken: list[str]
) -> None:
    loopback.max_concurrency = concurrency
    loopback.identify_window = 60.0  # every IDENTIFY of the test falls within one window
    async with aiohttp.ClientSession() as http:
        for shard in shards:
            ws, ready = await raw_identify(loopback, http, shard)
            assert isinstance(ready, dict)  # recorded, not refused: the test sees what happened
            await ws.close()
    found = loopback.take_violations("identify")
    assert len(found) == (1 if broken else 0)
    assert all(words in found[0].detail for words in broken)


async def test_identifies_a_window_apart_are_within_the_limit(loopback: LoopbackDiscord) -> None:
    loopback.identify_window = 0.2
    async with aiohttp.ClientSession() as http:
        ws, _ = await raw_identify(loopback, http, [0, 2])
        await ws.close()
        first = loopback.sessions[0].identified_at
        await loopback.wait_for(
            lambda: loopback.now() >= first + 0.2, what="the window to pass"
        )  # the stand-in's own clock, which it checks by
        ws, _ = await raw_identify(loopback, http, [1, 2])
        await ws.close()
    assert loopback.take_violations("identify") == []
