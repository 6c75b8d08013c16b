"""Run a module as `__main__` with discord.py pointed at a stand-in: the real bot as a subprocess.

python -m tests.loopback.launch http://127.0.0.1:PORT -- reviewbot run
LOOPBACK_DISCORD_URL=http://127.0.0.1:PORT python -m tests.loopback.launch -- reviewbot run
"""

from __future__ import annotations

import os
import runpy
import sys

from .patch import point_discord_at

URL_VARIABLE = "LOOPBACK_DISCORD_URL"
USAGE = (
    f"usage: python -m tests.loopback.launch [URL] -- MODULE [ARGS...] (or URL in {URL_VARIABLE})"
)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if "--" not in args:
        raise SystemExit(USAGE)
    split = args.index("--")
    head, command = args[:split], args[split + 1 :]
    url = head[0] if head else os.environ.get(URL_VARIABLE)
    if not url or not command or len(head) > 1:
        raise SystemExit(USAGE)
    point_discord_at(url)
    module, *rest = command
    sys.argv = [module, *rest]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
