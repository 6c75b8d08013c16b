#!/usr/bin/env python3
"""Set up the project's environment on demand, then run the bot, the tests or the benchmarks.

    python3 dev.py run [ARGS...]    start the bot (any `reviewbot` command works: run, search, ...)
    python3 dev.py test [ARGS...]   ruff, ruff format --check, mypy, then pytest (ARGS go to pytest)
                                    against SQLite and a PostgreSQL server started for the run
    python3 dev.py bench [ARGS...]  the catalogue benchmarks (see bench/README.md)
    python3 dev.py lock             re-pin constraints.txt from the current environment

Only the standard library is used here, so this works with nothing but Python 3.11+ installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".reviewbot-installed"
PINNED = ROOT / "constraints.txt"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "constraints.txt"):
        path = ROOT / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_environment() -> None:
    """Create .venv and install the pinned dependencies unless they are already in place."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        sys.exit("reviewbot needs Python 3.11 or newer; this is " + sys.version.split()[0])
    if not PYTHON.exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = _fingerprint()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("Installing reviewbot and its pinned dependencies ...", flush=True)
    command = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if PINNED.exists():
        command += ["--constraint", str(PINNED)]
    subprocess.run([*command, "--editable", f"{ROOT}[dev]"], check=True, cwd=ROOT)
    STAMP.write_text(wanted)


def _run(*argv: str | Path) -> int:
    return subprocess.run([str(a) for a in argv], cwd=ROOT).returncode


def test(args: list[str]) -> int:
    checks = [
        (BIN / "ruff", "check", "src", "tests", "bench", "dev.py"),
        (BIN / "ruff", "format", "--check", "src", "tests", "bench", "dev.py"),
        (BIN / "mypy",),
    ]
    for check in checks:
        if _run(*check) != 0:
            print(f"\n{Path(check[0]).name} failed; fix the above before the tests run.")
            return 1
    return _run_tests_with_postgres(args)


def _run_tests_with_postgres(args: list[str]) -> int:
    """pytest, with a PostgreSQL server of its own for the run: found (or installed from
    Debian's packages), started as an unprivileged user on 127.0.0.1 and a free port, and
    stopped at the end, even after Ctrl+C or a failed run."""
    sys.path.insert(0, str(ROOT / "tests"))
    from postgres_server import ENV_URL, PostgresServer, ServerUnavailable

    try:
        with PostgresServer.start(may_install=True) as server:
            print(f"PostgreSQL for the tests: {server.url}", flush=True)
            return subprocess.run(
                [str(PYTHON), "-m", "pytest", *args],
                cwd=ROOT,
                env={**os.environ, ENV_URL: server.url},
            ).returncode
    except ServerUnavailable as missing:
        print(f"No PostgreSQL for the tests ({missing}); they start their own or skip.")
        return _run(PYTHON, "-m", "pytest", *args)


def lock() -> int:
    frozen = subprocess.run(
        [str(PYTHON), "-m", "pip", "freeze", "--exclude-editable", "--exclude", "reviewbot"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    PINNED.write_text(
        "# Pinned versions a fresh machine installs (python3 dev.py lock rewrites this file).\n"
        + frozen
    )
    return 0


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test", "bench", "lock"}:
        print(__doc__)
        return 2
    command, args = sys.argv[1], sys.argv[2:]
    ensure_environment()
    if command == "test":
        return test(args)
    if command == "lock":
        return lock()
    if command == "bench":
        return _run(PYTHON, ROOT / "bench" / "catalogue.py", *args)
    return _run(BIN / "reviewbot", *(args or ["run"]))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
