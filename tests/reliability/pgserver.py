"""A throw-away PostgreSQL server a test can stop and start again (``.ci/postgres.sh`` does the same in bash).

The server listens on 127.0.0.1 only, trusts local connections (test data only) and lives in a fresh
directory under /tmp. As root it runs as the ``postgres`` user (initdb refuses root), like the CI script.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest


def find_bin() -> Path | None:
    """The directory holding initdb and pg_ctl: COACH_PG_BIN, the newest /usr/lib/postgresql, or PATH."""
    candidates = [os.environ.get("COACH_PG_BIN", "")]
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda d: [int(x) for x in d.split("/")[-2].split(".") if x.isdigit()],
    )[::-1]
    which = shutil.which("pg_ctl")
    if which:
        candidates.append(str(Path(which).parent))
    for directory in candidates:
        if directory and (Path(directory) / "initdb").is_file() and (Path(directory) / "pg_ctl").is_file():
            return Path(directory)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """initdb + pg_ctl start/stop around one data directory."""

    def __init__(self) -> None:
        bin_dir = find_bin()
        if bin_dir is None:
            pytest.skip("PostgreSQL server binaries not found (`source .ci/postgres.sh` installs them)")
        self.bin = bin_dir
        self.user: str | None = None
        if os.geteuid() == 0:
            self.user = os.environ.get("COACH_PG_USER") or "postgres"
            try:
                pwd.getpwnam(self.user)
            except KeyError:
                pytest.skip(f"running as root and there is no {self.user!r} user to run PostgreSQL as")
        self.dir = Path(tempfile.mkdtemp(prefix="coach-pg-reliability.", dir="/tmp"))
        (self.dir / "sock").mkdir()
        if self.user is not None:
            shutil.chown(self.dir, self.user)
            shutil.chown(self.dir / "sock", self.user)
        self.port = _free_port()
        self._run("initdb", "-D", str(self.dir / "data"), "-U", "coach", "--auth=trust", "-E", "UTF8", "--no-locale")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")

    def start(self) -> None:
        """Start (or restart) the server on its port; returns once it accepts connections."""
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir / 'sock'} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "server.log"), "-w", "-t", "60",
                  "-o", options, "start")  # fmt: skip

    def stop(self) -> None:
        """Stop the server now (fast shutdown: open connections are closed)."""
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def url(self, password: str | None = None, database: str = "postgres") -> str:
        """SQLAlchemy URL (trust auth accepts any password, so a test can put a secret in it)."""
        auth = f"coach:{password}" if password else "coach"
        return f"postgresql+asyncpg://{auth}@127.0.0.1:{self.port}/{database}"

    def cleanup(self) -> None:
        """Stop the server if it runs and delete its files."""
        with contextlib.suppress(RuntimeError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
