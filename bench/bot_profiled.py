"""Run a module as `__main__` under cProfile, switched on by SIGUSR1 and off (and saved) by SIGUSR2.

    BOT_PROFILE=out python -m tests.loopback.launch URL -- bench.bot_profiled reviewbot run

Each SIGUSR2 saves what was profiled since the SIGUSR1 before it as `out-1.prof`, `out-2.prof`, ….

Signal handlers run in the main thread, so the profile covers the event loop (discord.py and the
bot's Python); SQLite's own work happens in aiosqlite's thread and is not in it.
"""

from __future__ import annotations

import cProfile
import os
import runpy
import signal
import sys
import time
from types import FrameType

PROFILE_VARIABLE = "BOT_PROFILE"


def main() -> None:
    prefix = os.environ[PROFILE_VARIABLE]
    profiles: list[cProfile.Profile] = []

    def start(signum: int, frame: FrameType | None) -> None:
        # The main thread's CPU clock, so time spent waiting (for the network, for SQLite's
        # thread) is not counted against the function that waits.
        profiles.append(cProfile.Profile(time.thread_time_ns, 1e-9))
        profiles[-1].enable()

    def stop(signum: int, frame: FrameType | None) -> None:
        profiles[-1].disable()
        profiles[-1].dump_stats(f"{prefix}-{len(profiles)}.prof")

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    module, *args = sys.argv[1:]
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
