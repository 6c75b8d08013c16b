"""Failures on demand: server errors, rate limits, missing permissions, vanished channels."""

from __future__ import annotations

import io

import aiohttp
import discord
import pytest

from tests.loopback import Channel, Guild, LoopbackDiscord, Member, Permission, run_client
from tests.loopback.sample_bot import SampleBot


@pytest.fixture
def reviews(guild: Guild) -> Channel:
    return guild.add_text_channel("reviews")


async def post(loopback: LoopbackDiscord, guild: Guild, member: Member, channel: Channel) -> str:
    reply = await loopback.slash(guild, member, "post", channel=channel, text="a review")
    return reply.content or ""


async def test_every_response_carries_rate_limit_headers(loopback: LoopbackDiscord) -> None:
    headers = {"Authorization": f"Bot {loopback.token}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{loopback.api_base}/users/@me", headers=headers) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "application/json"
            first = response.headers
        async with http.get(f"{loopback.api_base}/users/@me", headers=headers) as response:
            second = response.headers
        async with http.get(f"{loopback.api_base}/channels/1", headers=headers) as response:
            assert response.status == 404
            assert (await response.json())["code"] == 10003
            assert "X-RateLimit-Bucket" in response.headers
    for name in ("Limit", "Remaining", "Reset", "Reset-After", "Bucket"):
        assert f"X-RateLimit-{name}" in first
    assert int(second["X-RateLimit-Remaining"]) == int(first["X-RateLimit-Remaining"]) - 1
    assert second["X-RateLimit-Bucket"] == first["X-RateLimit-Bucket"]


async def test_server_error_then_success_is_retried(
    loopback: LoopbackDiscord, guild: Guild, reader: Member, reviews: Channel
) -> None:
    # discord.py waits a second before retrying a 500; this test pays for that once.
    loopback.interaction_timeout = 3.0
    loopback.response_deadline = 3.0
    fault = loopback.fail(f"POST /channels/{reviews.id}/messages", 500, times=1)
    async with run_client(loopback, SampleBot()):
        answer = await post(loopback, guild, reader, reviews)
    assert answer.startswith("posted")
    assert fault.hits == 1
    assert [r.status for r in loopback.requests(f"POST /channels/{reviews.id}/messages")] == [
        500,
        200,
    ]
    assert len(loopback.channel_messages(reviews)) == 1


async def test_503_reaches_the_bot_as_a_server_error(
    loopback: LoopbackDiscord, guild: Guild, reader: Member, reviews: Channel
) -> None:
    loopback.fail("POST /channels/{channel_id}/messages", 503)
    async with run_client(loopback, SampleBot()):
        assert await post(loopback, guild, reader, reviews) == "failed: 503 0"
        assert (await post(loopback, guild, reader, reviews)).startswith("posted")


@pytest.mark.parametrize("global_", [False, True], ids=["route", "global"])
async def test_429_is_waited_out_and_retried(
    loopback: LoopbackDiscord, guild: Guild, reader: Member, reviews: Channel, global_: bool
) -> None:
    loopback.fail("POST /channels/*/messages", 429, times=2, retry_after=0.05, global_=global_)
    async with run_client(loopback, SampleBot()):
        assert (await post(loopback, guild, reader, reviews)).startswith("posted")
    statuses = [r.status for r in loopback.requests("POST /channels/{channel_id}/messages")]
    assert statuses == [429, 429, 200]


@pytest.mark.parametrize("global_", [False, True], ids=["route", "global"])
async def test_429_answers_like_discord(loopback: LoopbackDiscord, global_: bool) -> None:
    loopback.fail("GET /users/@me", 429, retry_after=1.5, global_=global_)
    headers = {"Authorization": f"Bot {loopback.token}"}
    url = f"{loopback.api_base}/users/@me"
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as response:
        body = await response.json()
        assert response.status == 429
        assert response.headers["Retry-After"] == "2"
        assert response.headers["Via"]
        assert response.headers["X-RateLimit-Scope"] == ("global" if global_ else "user")
        assert ("X-RateLimit-Global" in response.headers) == global_
        assert ("X-RateLimit-Bucket" in response.headers) == (not global_)
    assert body == {
        "message": "You are being rate limited.",
        "retry_after": 1.5,
        "global": global_,
        "code": 0,
    }


async def test_small_bucket_makes_discord_py_wait_instead_of_hitting_429(
    loopback: LoopbackDiscord, guild: Guild, reader: Member, reviews: Channel
) -> None:
    loopback.limit_rate("POST /channels/{channel_id}/messages", 2, 0.2)
    async with run_client(loopback, SampleBot()):
        for _ in range(3):
            assert (await post(loopback, guild, reader, reviews)).startswith("posted")
    assert loopback.rate_limited == 0
    assert len(loopback.channel_messages(reviews)) == 3


@pytest.mark.parametrize(
    ("status", "expected"),
    [(403, "failed: 403 50013"), (404, "failed: 404 10003")],
)
async def test_injected_403_and_404_raise_in_the_bot(
    loopback: LoopbackDiscord,
    guild: Guild,
    reader: Member,
    reviews: Channel,
    status: int,
    expected: str,
) -> None:
    loopback.fail(f"POST /channels/{reviews.id}/messages", status)
    async with run_client(loopback, SampleBot()):
        assert await post(loopback, guild, reader, reviews) == expected


async def test_forbidden_channel_until_allowed(
    loopback: LoopbackDiscord, guild: Guild, reader: Member, reviews: Channel
) -> None:
    async with run_client(loopback, SampleBot()) as bot:
        reviews.forbid()
        assert await post(loopback, guild, reader, reviews) == "failed: 403 50013"
        assert await post(loopback, guild, reader, reviews) == "failed: 403 50013"
        reviews.allow()
        assert (await post(loopback, guild, reader, reviews)).startswith("posted")
        reviews.delete()
        with pytest.raises(discord.NotFound) as raised:
            await bot.get_partial_messageable(reviews.id).send("x")
    assert raised.value.code == 10003


async def test_permissions_follow_overwrites_and_roles(
    loopback: LoopbackDiscord, guild: Guild, reader: Member, reviews: Channel
) -> None:
    async with run_client(loopback, SampleBot()):
        reviews.set_overwrite(guild.bot_member, deny=Permission.SEND_MESSAGES)
        assert await post(loopback, guild, reader, reviews) == "failed: 403 50013"
        reviews.set_overwrite(guild.bot_role, allow=Permission.SEND_MESSAGES)
        assert await post(loopback, guild, reader, reviews) == "failed: 403 50013"
        reviews.remove_overwrite(guild.bot_member)
        assert (await post(loopback, guild, reader, reviews)).startswith("posted")
        reviews.set_overwrite(guild.everyone, deny=Permission.VIEW_CHANNEL)
        assert await post(loopback, guild, reader, reviews) == "failed: 403 50001"
        guild.set_bot_permissions(Permission.ADMINISTRATOR)
        assert (await post(loopback, guild, reader, reviews)).startswith("posted")
    assert reviews.permissions_for(reader) == 0


async def test_interaction_payload_carries_permissions(
    loopback: LoopbackDiscord, guild: Guild, reader: Member, reviews: Channel
) -> None:
    reviews.set_overwrite(reader, deny=Permission.SEND_MESSAGES)
    async with run_client(loopback, SampleBot()):
        reply = await loopback.slash(guild, reader, "hello", channel=reviews, name="x")
    payload = reply.interaction.payload
    assert int(payload["member"]["permissions"]) == reviews.permissions_for(reader)
    assert not int(payload["member"]["permissions"]) & Permission.SEND_MESSAGES
    assert int(payload["app_permissions"]) == reviews.permissions_for(guild.bot_member)


async def test_files_arrive_as_multipart(
    loopback: LoopbackDiscord, guild: Guild, reader: Member
) -> None:
    class Uploader(SampleBot):
        def __init__(self) -> None:
            super().__init__()

            @self.tree.command(description="Upload")
            async def upload(interaction: discord.Interaction) -> None:
                await interaction.response.defer()
                file = discord.File(io.BytesIO(b"# Her\n"), filename="her.md")
                await interaction.followup.send("attached", file=file)
                assert isinstance(interaction.channel, discord.TextChannel)
                await interaction.channel.send(
                    file=discord.File(io.BytesIO(b"x"), filename="x.txt")
                )

    async with run_client(loopback, Uploader()):
        reply = await loopback.slash(guild, reader, "upload")
    assert reply.content == "attached"
    assert reply.message is not None
    assert [(a["filename"], a["size"]) for a in reply.message.attachments] == [("her.md", 6)]
    (request,) = loopback.requests("POST /webhooks/{webhook_id}/{webhook_token}")
    assert request.files[0]["data"] == b"# Her\n"
    posted = loopback.channel_messages(guild.default_channel)[-1]
    assert posted.attachments[0]["filename"] == "x.txt"
    assert reply.messages[-1] is posted


async def test_unknown_routes_are_violations(loopback: LoopbackDiscord) -> None:
    headers = {"Authorization": f"Bot {loopback.token}"}
    url = f"{loopback.api_base}/stickers/1"
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as response:
        assert response.status == 404
    (violation,) = loopback.take_violations("unsupported")
    assert "/stickers/1" in violation.detail
