"""A bot started as a separate process against the stand-in, to be killed and restarted by tests."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .launch import URL_VARIABLE

if TYPE_CHECKING:
    from .server import LoopbackDiscord

REPOSITORY = Path(__file__).resolve().parents[2]


class BotProcess:
    """`python -m tests.loopback.launch URL -- MODULE ARGS...`, output kept in a temporary file."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process = process
        self.log = log

    @classmethod
    async def start(
        cls,
        discord_: LoopbackDiscord,
        module: str,
        *args: str,
        env: dict[str, str] | None = None,
        cwd: Path | str | None = None,
    ) -> BotProcess:
        handle, name = tempfile.mkstemp(prefix="loopback-bot-", suffix=".log")
        python_path = os.pathsep.join(
            p for p in (str(REPOSITORY), os.environ.get("PYTHONPATH")) if p
        )
        environment = {
            **os.environ,
            "DISCORD_TOKEN": discord_.token,
            URL_VARIABLE: discord_.url,
            "PYTHONPATH": python_path,
            **(env or {}),
        }
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.loopback.launch",
                discord_.url,
                "--",
                module,
                *args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=handle,
                stderr=asyncio.subprocess.STDOUT,
                cwd=cwd or REPOSITORY,
                env=environment,
            )
        finally:
            os.close(handle)
        return cls(process, Path(name))

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def kill(self) -> int:
        """SIGKILL: no shutdown code runs, the gateway connection just drops."""
        return await self._signal(signal.SIGKILL)

    async def terminate(self) -> int:
        return await self._signal(signal.SIGTERM)

    async def interrupt(self) -> int:
        return await self._signal(signal.SIGINT)

    async def wait(self, within: float = 10.0) -> int:
        try:
            return await asyncio.wait_for(self.process.wait(), within)
        except TimeoutError:
            raise AssertionError(
                f"bot process {self.pid} still running after {within:g}s"
            ) from None

    async def _signal(self, number: signal.Signals) -> int:
        if self.process.returncode is None:
            self.process.send_signal(number)
        return await self.wait()

    def remove_log(self) -> None:
        self.log.unlink(missing_ok=True)
