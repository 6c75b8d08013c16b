"""A throwaway PostgreSQL server for the tests: found or installed, started, stopped.

Standard library only, so that `dev.py` (which runs before the virtual environment exists)
starts the same server the pytest session would start by itself.

    with PostgresServer.start() as server:
        server.url   # postgresql://postgres@127.0.0.1:PORT/postgres
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ENV_URL = "REVIEWBOT_TEST_DATABASE_URL"
PREFERRED_VERSION = "15"
SERVICE_USER = "postgres"
# A server only tests use: nothing to keep after a crash, so nothing is flushed to disk.
SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "128MB",
    "listen_addresses": "127.0.0.1",
    "autovacuum": "off",  # statistics change only when a test asks (ANALYZE): same run, same plans
}


class ServerUnavailable(RuntimeError):
    """No PostgreSQL server programs here, and none could be installed."""


def find_binaries() -> Path | None:
    """The folder of `initdb` and `pg_ctl`: Debian's (version 15 first), else on the PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key, reverse=True)
    preferred = [f for f in found if f"/{PREFERRED_VERSION}/" in f]
    for pg_ctl in preferred + found:
        return Path(pg_ctl).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path and shutil.which("initdb") else None


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def install() -> None:
    """Debian's `postgresql` package, without questions (as root, where apt-get exists)."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")):
        raise ServerUnavailable(
            "PostgreSQL is not installed and cannot be installed here: install the"
            " `postgresql` package (its server programs) and run the tests again"
        )
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"]
    print("Installing PostgreSQL for the tests (apt-get install postgresql) ...", flush=True)
    if subprocess.run(command, env=environment, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=environment, stdout=subprocess.DEVNULL)
        subprocess.run(command, env=environment, stdout=subprocess.DEVNULL, check=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """One PostgreSQL server in a temporary folder, on 127.0.0.1 and a free port."""

    def __init__(
        self,
        binaries: Path,
        folder: Path,
        port: int,
        runner: list[str],
        settings: dict[str, str] | None = None,
    ) -> None:
        self.settings = {**SETTINGS, **(settings or {})}
        self.binaries = binaries
        self.folder = folder
        self.data = folder / "data"
        self.port = port
        self._runner = runner  # how the server's programs are run (as which user)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @classmethod
    @contextlib.contextmanager
    def start(
        cls,
        *,
        may_install: bool = False,
        settings: dict[str, str] | None = None,
        parent: Path | None = None,
    ) -> Iterator[PostgresServer]:
        """A running server, stopped and removed on leaving (Ctrl+C and failures too);
        `settings` change the test server's (a benchmark's server flushes to disk), `parent`
        is where its folder goes."""
        binaries = find_binaries()
        if binaries is None and may_install:
            install()
            binaries = find_binaries()
        if binaries is None:
            raise ServerUnavailable(
                "no PostgreSQL server programs (initdb, pg_ctl) were found: install the"
                " `postgresql` package"
            )
        folder = Path(tempfile.mkdtemp(prefix="reviewbot-pg-", dir=parent)).resolve()
        try:
            server = cls(binaries, folder, free_port(), _runner(folder), settings)
            server._init()
            server._start()
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        try:
            yield server
        finally:
            server.stop()

    def _run(self, program: str, *args: str) -> None:
        command = [*self._runner, str(self.binaries / program), *args]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.folder)
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise ServerUnavailable(
                f"{program} failed: {detail[-1] if detail else 'exit ' + str(done.returncode)}"
            )

    def _init(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )

    def _start(self) -> None:
        options = " ".join(f"-c {name}={value}" for name, value in self.settings.items())
        options += f" -p {self.port} -k {self.folder}"
        log = self.folder / "server.log"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(log), "-o", options, "-w", "start")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # pg_ctl -w waits; the TCP socket is checked too
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1),
            ):
                return
            time.sleep(0.05)
        raise ServerUnavailable(f"PostgreSQL did not start listening on port {self.port}")

    def stop(self) -> None:
        """Stop at once (the data is thrown away) and remove the folder. A server that stopped
        already (Ctrl+C reaches it too) is fine."""
        try:
            if (self.data / "postmaster.pid").exists():
                command = [*self._runner, str(self.binaries / "pg_ctl"), "-D", str(self.data)]
                subprocess.run(
                    [*command, "-m", "immediate", "-w", "stop"],
                    capture_output=True,
                    cwd=self.folder,
                    check=False,
                )
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _runner(folder: Path) -> list[str]:
    """PostgreSQL refuses to run as root: then its programs run as the `postgres` user (made if
    missing), owning the folder."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        return []
    import pwd

    try:
        user = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/bin/false", SERVICE_USER],
            check=True,
        )
        user = pwd.getpwnam(SERVICE_USER)
    os.chown(folder, user.pw_uid, user.pw_gid)
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", SERVICE_USER, "--"]
    return ["su", SERVICE_USER, "-s", "/bin/sh", "-c", '"$0" "$@"']


if __name__ == "__main__":  # a server to try things against by hand: stops on Ctrl+C
    with PostgresServer.start(may_install=True) as running:
        print(running.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
    sys.exit(0)
