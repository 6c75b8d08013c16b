"""`reviewbot sync`: the operator registers the commands; ordinary starts never do."""

from pathlib import Path

import pytest

from .loopback.model import Guild
from .loopback.process import BotProcess
from .loopback.server import LoopbackDiscord
from .test_bot_publishing import realistic_token


async def run_to_end(loopback: LoopbackDiscord, *args: str, database: Path) -> tuple[int, str]:
    process = await BotProcess.start(
        loopback, "reviewbot", *args, env={"REVIEWBOT_DB": str(database)}
    )
    try:
        code = await process.wait(30)
        return code, process.output()
    finally:
        await process.kill()
        process.remove_log()


def names(commands: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [c["name"] for c in commands]


async def test_sync_registers_the_review_group_for_one_server_or_all(
    loopback: LoopbackDiscord, guild: Guild, tmp_path: Path
) -> None:
    loopback.token = realistic_token()
    code, output = await run_to_end(
        loopback, "sync", "--guild", str(guild.id), database=tmp_path / "db.sqlite3"
    )
    assert code == 0, output
    assert f"Registered 1 command(s) for server {guild.id}: review" in output
    [review] = loopback.guild_commands(guild)
    subcommands = {o["name"] for o in review["options"]}
    assert subcommands == {
        "show",
        "search",
        "latest",
        "random",
        "post",
        "edit",
        "delete",
        "status",
        "config",
        "feed",
    }
    assert loopback.global_commands == []

    code, output = await run_to_end(loopback, "sync", database=tmp_path / "db.sqlite3")
    assert code == 0 and names(loopback.global_commands) == ["review"]
    assert loopback.token not in output


async def test_a_refused_token_is_one_clear_line(
    loopback: LoopbackDiscord, guild: Guild, tmp_path: Path
) -> None:
    wrong = realistic_token().replace("k", "q")
    process = await BotProcess.start(
        loopback,
        "reviewbot",
        "run",
        env={"REVIEWBOT_DB": str(tmp_path / "db.sqlite3"), "DISCORD_TOKEN": wrong},
    )
    try:
        code = await process.wait(30)
        output = process.output()
    finally:
        await process.kill()
        process.remove_log()
    assert code == 1
    assert "Discord refused DISCORD_TOKEN: copy the bot token again into .env." in output
    assert wrong not in output
    assert "Traceback" not in output, output


@pytest.mark.parametrize("stop", ["interrupt", "terminate"])
async def test_ctrl_c_and_sigterm_close_the_gateway_normally_and_exit_cleanly(
    loopback: LoopbackDiscord, guild: Guild, tmp_path: Path, stop: str
) -> None:
    loopback.token = realistic_token()
    process = await BotProcess.start(
        loopback, "reviewbot", "run", env={"REVIEWBOT_DB": str(tmp_path / "db.sqlite3")}
    )
    try:
        await loopback.wait_for_ready_clients(1, within=20)
        assert await getattr(process, stop)() == 0
        output = process.output()
    finally:
        await process.kill()
        process.remove_log()
    signal_name = "SIGINT" if stop == "interrupt" else "SIGTERM"
    assert f"Received {signal_name}: closing the gateway and the database." in output
    # 1000: Discord ends the session at once; with 4000 the bot would look online a while.
    assert loopback.gateway.closes == [1000]
    assert output.count("Stopped cleanly.") == 1  # each line logged once
    assert "Traceback" not in output, output
    assert "never awaited" not in output
    assert "voice" not in output.lower()  # discord.py's warnings about voice libraries: noise
    assert "New database: loaded the sample catalogue" in output
    assert loopback.global_commands == []  # an ordinary start never syncs commands


async def test_sync_opens_no_database(
    loopback: LoopbackDiscord, guild: Guild, tmp_path: Path
) -> None:
    loopback.token = realistic_token()
    database = tmp_path / "db.sqlite3"
    code, output = await run_to_end(loopback, "sync", "--guild", str(guild.id), database=database)
    assert code == 0, output
    assert not database.exists()
