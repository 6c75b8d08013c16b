"""The bot as a separate process: started through the launcher, killed with SIGKILL, restarted."""

from __future__ import annotations

import pytest

from tests.loopback import LoopbackDiscord
from tests.loopback.launch import main as launch


async def test_killed_bot_restarts_and_old_buttons_still_work(loopback: LoopbackDiscord) -> None:
    guild = loopback.add_guild("Alpha")
    reader = guild.add_member("reader")
    first = await loopback.spawn("tests.loopback.sample_bot")
    await loopback.wait_for_ready_clients(1, within=20)
    shown = await loopback.slash(guild, reader, "counter")
    assert shown.content == "count 0"

    assert await first.kill() == -9
    second = await loopback.spawn("tests.loopback.sample_bot")
    await loopback.wait_for_ready_clients(2, within=20)
    clicked = await loopback.click(shown, reader, label="Count 0")
    assert clicked.content == "count 1"
    assert loopback.gateway.resume_count == 0
    assert loopback.count("PUT /applications/{application_id}/commands") == 2
    assert "Traceback" not in second.output()


def test_launcher_needs_a_url_and_a_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOOPBACK_DISCORD_URL", raising=False)
    for argv in ([], ["--", "reviewbot"], ["http://127.0.0.1:1", "--"]):
        with pytest.raises(SystemExit, match="usage"):
            launch(argv)
