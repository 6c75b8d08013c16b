"""The stand-in's gateway: identify, heartbeats, compression, resume and replay after drops."""

from __future__ import annotations

import asyncio
import json
import zlib

import aiohttp
import discord
import pytest

from tests.loopback import Guild, Intent, LoopbackDiscord, Permission, run_client
from tests.loopback.sample_bot import SampleBot


class EagerBot(SampleBot):
    """discord.py waits 5 s before identifying again; a test need not."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        pass


async def identify(ws: aiohttp.ClientWebSocketResponse, token: str) -> str:
    await ws.receive_json()
    await ws.send_json({"op": 2, "d": {"token": token, "intents": 1, "properties": {}}})
    ready = await ws.receive_json()
    assert ready["t"] == "READY"
    return str(ready["d"]["session_id"])


async def test_identify_records_intents_and_sends_ready_then_guilds(
    loopback: LoopbackDiscord, guild: Guild
) -> None:
    intents = discord.Intents.default()
    async with run_client(loopback, SampleBot(intents=intents)) as bot:
        (session,) = loopback.sessions
        assert session.intents == intents.value
        assert session.identify["properties"]["browser"] == "discord.py"
        assert [f["t"] for f in session.backlog] == ["READY", "GUILD_CREATE"]
        assert bot.user is not None and bot.user.id == loopback.bot_user.id
        assert bot.application_id == loopback.application_id
        cached = bot.get_guild(guild.id)
        assert cached is not None and cached.me is not None
        assert [r.id for r in cached.me.roles[1:]] == [guild.bot_role.id]
        assert {c.name for c in cached.text_channels} == {"general"}


async def test_transport_is_zlib_stream_as_discord_py_asks(loopback: LoopbackDiscord) -> None:
    async with run_client(loopback, SampleBot()):
        (connection,) = loopback.gateway.live_connections()
        assert connection.query == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
        assert connection.frames_sent >= 2


async def test_heartbeats_are_acknowledged(loopback: LoopbackDiscord) -> None:
    loopback.heartbeat_interval = 0.05
    async with run_client(loopback, SampleBot()) as bot:
        await loopback.wait_for(lambda: loopback.gateway.heartbeats >= 3, 2.0, "heartbeats")
        assert bot.latency < 1.0


async def test_wrong_token_fails_login(loopback: LoopbackDiscord) -> None:
    with pytest.raises(discord.LoginFailure):
        async with run_client(loopback, SampleBot(), "not-the-token"):
            pass
    assert loopback.count("GET /users/@me", status=401) == 1


async def test_wrong_token_on_identify_closes_with_4004(loopback: LoopbackDiscord) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(loopback.gateway_url) as ws:
        hello = await ws.receive_json()
        assert hello["op"] == 10
        await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 1, "properties": {}}})
        closed = await ws.receive()
        assert closed.type is aiohttp.WSMsgType.CLOSE
        assert ws.close_code == 4004
    assert loopback.sessions == []


async def test_zlib_stream_frames_decode_with_one_context(loopback: LoopbackDiscord) -> None:
    url = f"{loopback.gateway_url}?v=10&encoding=json&compress=zlib-stream"
    inflate = zlib.decompressobj()
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
        await ws.send_json({"op": 1, "d": None})
        frames = [json.loads(inflate.decompress(await ws.receive_bytes())) for _ in range(2)]
    assert [f["op"] for f in frames] == [10, 11]


async def test_privileged_intents_must_be_granted(loopback: LoopbackDiscord) -> None:
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with run_client(loopback, SampleBot(intents=discord.Intents.all())):
            pass
    loopback.privileged_intents = discord.Intents.all().value
    async with run_client(loopback, SampleBot(intents=discord.Intents.all())):
        assert len(loopback.sessions) == 1


async def test_members_intent_gets_members_and_chunks(
    loopback: LoopbackDiscord, guild: Guild
) -> None:
    reader = guild.add_member("reader")
    loopback.privileged_intents = Intent.GUILD_MEMBERS
    intents = discord.Intents.default()
    intents.members = True
    async with run_client(loopback, SampleBot(intents=intents)) as bot:
        cached = bot.get_guild(guild.id)
        assert cached is not None
        await loopback.wait_for(lambda: cached.chunked, what="GUILD_MEMBERS_CHUNK")
        assert cached.get_member(reader.id) is not None
        added = guild.add_member("reviewer")
        await loopback.wait_for(lambda: cached.get_member(added.id), what="GUILD_MEMBER_ADD")


@pytest.mark.parametrize("abrupt", [False, True], ids=["close-frame", "abrupt"])
async def test_resume_after_drop_replays_missed_events(
    loopback: LoopbackDiscord, guild: Guild, abrupt: bool
) -> None:
    reader = guild.add_member("reader")
    async with run_client(loopback, SampleBot()) as bot:
        async with loopback.disconnected(close_code=4000, abrupt=abrupt):
            reviews = guild.add_text_channel("reviews")
            guild.set_bot_permissions(Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES)
        await loopback.wait_for_resume(1)
        (session,) = loopback.sessions
        assert session.resumes == 1
        assert loopback.gateway.identify_count == 1
        cached = bot.get_guild(guild.id)
        assert cached is not None
        await loopback.wait_for(
            lambda: cached.get_channel(reviews.id), what="replayed CHANNEL_CREATE"
        )
        bot_role = cached.get_role(guild.bot_role.id)
        assert bot_role is not None and not bot_role.permissions.embed_links
        reply = await loopback.slash(guild, reader, "hello", name="again")
        assert reply.content == "Hello again"


async def test_resume_uses_resume_gateway_url(loopback: LoopbackDiscord, guild: Guild) -> None:
    async with run_client(loopback, SampleBot()):
        await loopback.drop(close_code=4000)
        await loopback.wait_for_resume(1)
        (connection,) = loopback.gateway.live_connections()
        assert connection.request.path == "/resume"


async def test_drop_during_interaction_is_replayed(loopback: LoopbackDiscord, guild: Guild) -> None:
    reader = guild.add_member("reader")
    async with run_client(loopback, SampleBot()):
        await loopback.drop(abrupt=True)
        reply = await loopback.slash(guild, reader, "hello", name="after a drop")
    assert reply.content == "Hello after a drop"


async def test_reconnect_opcode_leads_to_resume(loopback: LoopbackDiscord, guild: Guild) -> None:
    async with run_client(loopback, SampleBot()):
        assert loopback.request_reconnect() == 1
        await loopback.wait_for_resume(1)


async def test_invalid_session_leads_to_a_new_identify(
    loopback: LoopbackDiscord, guild: Guild
) -> None:
    reader = guild.add_member("reader")
    async with run_client(loopback, EagerBot()):
        loopback.invalidate_session()
        await loopback.wait_for_ready_clients(2)
        assert loopback.gateway.resume_count == 0
        reply = await loopback.slash(guild, reader, "hello", name="anew")
    assert reply.content == "Hello anew"


async def test_non_resumable_close_code_makes_the_client_identify(
    loopback: LoopbackDiscord, guild: Guild
) -> None:
    async with run_client(loopback, EagerBot()):
        await loopback.drop(close_code=4009, resumable=False)
        await loopback.wait_for_ready_clients(2)


async def test_close_with_1000_ends_the_session(loopback: LoopbackDiscord) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(loopback.gateway_url) as ws:
            session_id = await identify(ws, loopback.token)
            await ws.close(code=1000)
        async with http.ws_connect(loopback.resume_gateway_url) as ws:
            await ws.receive_json()
            resume = {"token": loopback.token, "session_id": session_id, "seq": 1}
            await ws.send_json({"op": 6, "d": resume})
            assert await ws.receive_json() == {"op": 9, "d": False, "s": None, "t": None}


async def test_close_with_4000_keeps_the_session(loopback: LoopbackDiscord) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(loopback.gateway_url) as ws:
            session_id = await identify(ws, loopback.token)
            await ws.close(code=4000)
        async with http.ws_connect(loopback.resume_gateway_url) as ws:
            await ws.receive_json()
            resume = {"token": loopback.token, "session_id": session_id, "seq": 1}
            await ws.send_json({"op": 6, "d": resume})
            assert (await ws.receive_json())["t"] == "RESUMED"


async def test_events_reach_a_connected_bot(loopback: LoopbackDiscord, guild: Guild) -> None:
    async with run_client(loopback, SampleBot()) as bot:
        role = guild.add_role("Reviewer", Permission.SEND_MESSAGES)
        channel = guild.add_text_channel("reviews", overwrites={role: (Permission.EMBED_LINKS, 0)})
        cached = bot.get_guild(guild.id)
        assert cached is not None
        await loopback.wait_for(lambda: cached.get_channel(channel.id), what="CHANNEL_CREATE")
        channel.forbid()
        channel.set_overwrite(guild.bot_member, deny=Permission.SEND_MESSAGES)
        cached_channel = cached.get_channel(channel.id)
        assert isinstance(cached_channel, discord.TextChannel)
        await loopback.wait_for(
            lambda: not cached_channel.permissions_for(cached.me).send_messages,
            what="CHANNEL_UPDATE",
        )
        assert cached.get_role(role.id) is not None
        channel.delete()
        await loopback.wait_for(
            lambda: cached.get_channel(channel.id) is None, what="CHANNEL_DELETE"
        )


async def test_two_clients_interactions_go_to_the_newest(
    loopback: LoopbackDiscord, guild: Guild
) -> None:
    reader = guild.add_member("reader")
    async with run_client(loopback, SampleBot()), run_client(loopback, SampleBot()):
        await asyncio.sleep(0)
        assert len(loopback.gateway.live_connections()) == 2
        reply = await loopback.slash(guild, reader, "hello", name="newest")
        assert reply.content == "Hello newest"
