"""Measuring a bot process from outside: its CPU clock, and when each interaction was answered."""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.loopback.callbacks import InteractionDesk
from tests.loopback.faults import RateLimits
from tests.loopback.interactions import InteractionRecord
from tests.loopback.model import JSON, Channel, Guild, Member
from tests.loopback.process import BotProcess
from tests.loopback.server import LoopbackDiscord

# `reviewbot run` checks the token's shape (three base64url parts); the stand-in takes any.
TOKEN = "MTU3NDgzMTUzODUxOTAxNTQyNg.GhXyZa." + "b" * 38
QUIET_SECONDS = 0.002  # a bot using no CPU for this long has finished with a request
QUIET_LIMIT_SECONDS = 0.25
LOGS = Path(__file__).resolve().parent / "out"  # each subject's last log: bot-NAME.log


def cpu_ns(pid: int) -> int:
    """CPU time (user + system, every thread, finished ones too) of process `pid`, in ns.

    Linux names another process's CPU clock `~pid << 3 | 2` (what clock_getcpuclockid(3)
    returns); unlike /proc/PID/stat it is exact to the nanosecond, not to 10 ms.
    """
    return time.clock_gettime_ns(((~pid) << 3) | 2)


def main_thread_cpu_ns(pid: int) -> int:
    """CPU time of the process's main thread (its event loop), in ns.

    Linux keeps other processes' thread clocks to themselves, so this reads the scheduler's
    figure, which is exact while the thread sleeps (as it does once `settle` returns).
    """
    return int(Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()[0])


async def settle(pid: int) -> tuple[int, int]:
    """Wait until the process has used no CPU for QUIET_SECONDS; its CPU clock then, and its
    main thread's."""
    last = cpu_ns(pid)
    give_up = time.monotonic() + QUIET_LIMIT_SECONDS
    while True:
        await asyncio.sleep(QUIET_SECONDS)
        current = cpu_ns(pid)
        if current == last or time.monotonic() > give_up:
            return current, main_thread_cpu_ns(pid)
        last = current


class TimedDesk(InteractionDesk):
    """The stand-in's interaction desk, noting when each first answer arrived."""

    def __init__(self, host: LoopbackDiscord) -> None:
        super().__init__(host)
        self.answered: dict[int, float] = {}
        self.last: InteractionRecord | None = None

    def callback(
        self, record: InteractionRecord, body: Any, files: list[JSON], query: JSON
    ) -> JSON | None:
        self.answered.setdefault(record.id, self.host.now())
        self.last = record
        return super().callback(record, body, files, query)

    def latency_ms(self, record: InteractionRecord) -> float:
        return (self.answered[record.id] - record.created) * 1000


def unlimited_stand_in() -> LoopbackDiscord:
    """A stand-in whose rate-limit buckets never run out, so they never pace the bot."""
    discord_ = LoopbackDiscord(token=TOKEN)
    discord_.desk = TimedDesk(discord_)
    discord_.rate_limits = RateLimits(limit=1_000_000, window=1.0)
    discord_.heartbeat_interval = 41.25
    discord_.settle_time = QUIET_SECONDS
    return discord_


@dataclass
class Sample:
    """One request: the bot process's CPU for it (of which in its main thread), and the time
    until it answered."""

    cpu_ms: float
    main_thread_ms: float
    wall_ms: float


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

    @property
    def desk(self) -> TimedDesk:
        assert isinstance(self.discord.desk, TimedDesk)
        return self.discord.desk

    async def slash(self, command: str, **values: Any) -> Sample:
        before = await settle(self.pid)
        reply = await self.discord.slash(self.guild, self.member, command, **values)
        if reply.type != 4 or reply.ephemeral:
            raise AssertionError(f"{self.name}: /{command} {values} answered {reply.content!r}")
        return await self._sample(before, reply.interaction)

    async def autocomplete(self, command: str, option: str, typed: str) -> Sample:
        before = await settle(self.pid)
        await self.discord.autocomplete(self.guild, self.member, command, option, typed)
        assert self.desk.last is not None
        return await self._sample(before, self.desk.last)

    async def _sample(self, before: tuple[int, int], record: InteractionRecord) -> Sample:
        after = await settle(self.pid)
        cpu, main = ((a - b) / 1e6 for a, b in zip(after, before, strict=True))
        return Sample(cpu, main, self.desk.latency_ms(record))

    async def idle_cpu_ms_per_s(self, seconds: float = 3.0) -> float:
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
        lines = output.splitlines()
        return {
            "exit_code": code,
            "errors_logged": [line for line in lines if " ERROR " in line or "Traceback" in line],
            "violations": [str(v) for v in self.discord.violations],
        }


async def start_subject(
    name: str, module: str, *args: str, env: dict[str, str] | None = None, within: float = 60.0
) -> Subject:
    """A stand-in with one server, and `python -m MODULE ARGS` connected to it with commands."""
    discord_ = unlimited_stand_in()
    await discord_.start()
    try:
        guild = discord_.add_guild("Bench")
        member = guild.add_member("reader")
        environment = {"REVIEWBOT_DEV_GUILD": str(guild.id), **(env or {})}
        process = await discord_.spawn(module, *args, env=environment)
        await discord_.wait_for(
            lambda: (
                discord_.gateway.ready_count >= 1
                and (discord_.global_commands or discord_.guild_commands(guild))
            ),
            within,
            f"{name} to connect and register its commands",
        )
    except BaseException:
        await discord_.stop()
        raise
    return Subject(name, discord_, process, guild, member)


def other_benchmarks() -> list[str]:
    """Command lines of other benchmark processes running now (they would skew the figures)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        line = " ".join(a.decode(errors="replace") for a in argv if a)
        if "bench/catalogue.py" in line or "bench/phases" in line:
            found.append(line)
    return found
