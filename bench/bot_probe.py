"""A bot process against its own loopback Discord, and the CPU it spends on each request."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.loopback import Channel, Guild, LoopbackDiscord, Member

if TYPE_CHECKING:
    from tests.loopback.process import BotProcess

# `reviewbot run` checks the token's shape (three base64url parts); the stand-in takes any.
TOKEN = "MTU3NDgzMTUzODUxOTAxNTQyNg.GhXyZa." + "b" * 38
QUIET_SECONDS = 0.002  # a bot using no CPU for this long has finished with a request
QUIET_LIMIT_SECONDS = 0.25
LOGS = Path(__file__).resolve().parent / "out"  # each subject's last log: bot-NAME.log


def cpu_ns(pid: int) -> int:
    """CPU time (user + system, every thread, finished ones too) of process `pid`, in ns.

    Linux names another process's CPU clock `~pid << 3 | 2` (what clock_getcpuclockid(3)
    returns); unlike /proc/PID/stat it is exact to the nanosecond, not to clock ticks.
    """
    return time.clock_gettime_ns(((~pid) << 3) | 2)


async def settle(pid: int) -> int:
    """Wait until the process has used no CPU for QUIET_SECONDS; its CPU clock then."""
    last = cpu_ns(pid)
    give_up = time.monotonic() + QUIET_LIMIT_SECONDS
    while True:
        await asyncio.sleep(QUIET_SECONDS)
        current = cpu_ns(pid)
        if current == last or time.monotonic() > give_up:
            return current
        last = current


@dataclass
class Subject:
    """A bot process connected to its own stand-in, in one server, asked by one member."""

    name: str
    discord: LoopbackDiscord
    process: BotProcess
    guild: Guild
    member: Member

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def channel(self) -> Channel:
        return self.guild.default_channel

    async def slash(self, command: str, **values: Any) -> float:
        """The bot's CPU, in ms, from receiving `/command` to having answered it."""
        before = await settle(self.pid)
        reply = await self.discord.slash(self.guild, self.member, command, **values)
        if reply.type != 4 or reply.ephemeral:
            raise AssertionError(f"{self.name}: /{command} {values} answered {reply.content!r}")
        return (await settle(self.pid) - before) / 1e6

    async def autocomplete(self, command: str, option: str, typed: str) -> float:
        """The bot's CPU, in ms, for one autocomplete request."""
        before = await settle(self.pid)
        await self.discord.autocomplete(self.guild, self.member, command, option, typed)
        return (await settle(self.pid) - before) / 1e6

    async def idle_cpu_ms_per_s(self, seconds: float = 2.0) -> float:
        """The process's background CPU (heartbeats, polling) while nobody asks it anything."""
        before, start = cpu_ns(self.pid), time.monotonic()
        await asyncio.sleep(seconds)
        return (cpu_ns(self.pid) - before) / 1e6 / (time.monotonic() - start)

    async def stop(self) -> dict[str, Any]:
        """SIGTERM the bot, stop the stand-in; what the bot logged and Discord's rules broken."""
        code = await self.process.terminate()
        output = self.process.output()
        LOGS.mkdir(parents=True, exist_ok=True)
        (LOGS / f"bot-{self.name}.log").write_text(output)
        await self.discord.stop()
        return {
            "name": self.name,
            "exit_code": code,
            "errors_logged": [
                line for line in output.splitlines() if " ERROR " in line or "Traceback" in line
            ],
            "violations": [str(v) for v in self.discord.violations],
        }


async def start_subject(
    name: str, module: str, *args: str, env: dict[str, str] | None = None
) -> Subject:
    """A stand-in with one server, and `python -m MODULE ARGS` connected to it with commands."""
    discord_ = LoopbackDiscord(token=TOKEN)
    discord_.settle_time = QUIET_SECONDS
    discord_.limit_rate("*", 1_000_000, 1.0)  # so the stand-in's rate limits never pace a bot
    await discord_.start()
    try:
        guild = discord_.add_guild("Bench")
        member = guild.add_member("reader")
        environment = {"REVIEWBOT_DEV_GUILD": str(guild.id), **(env or {})}
        process = await discord_.spawn(module, *args, env=environment)
        await discord_.wait_for_ready_clients(within=60)
        await discord_.wait_for(
            lambda: discord_.global_commands or discord_.guild_commands(guild),
            60,
            f"{name} to register its commands",
        )
    except BaseException:
        await discord_.stop()
        raise
    return Subject(name, discord_, process, guild, member)
