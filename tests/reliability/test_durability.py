"""Every acknowledged /log is on disk before the acknowledgement: counted from outside with strace.

The probe logs sets through the real logbook service on a SQLite file and writes "ACK" to a pipe after
each one returns — the moment the bot would reply. strace records the process's fsync/fdatasync calls and
those writes in order: with the default (``SQLITE_SYNCHRONOUS=full``) every ACK must follow a sync made
after the previous ACK. The same check run with ``normal`` must fail, so the test can tell the difference.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("durable_probe.py")
SETS = 20
_SYNC = re.compile(r"\b(?:fsync|fdatasync)\(")


def traced(tmp_path: Path, mode: str) -> list[str]:
    """The probe's sync calls and ACK writes, in order ("sync" / "ack")."""
    if shutil.which("strace") is None:
        if os.environ.get("CI"):
            pytest.fail("strace is missing; CI machines have it (Debian's strace)")
        pytest.skip("strace not installed")
    read_fd, write_fd = os.pipe()
    out = tmp_path / f"trace-{mode}.txt"
    cmd = [
        "strace", "-f", "-qq", "-e", "trace=fsync,fdatasync,write", "-e", "signal=none", "-o", str(out),
        sys.executable, str(PROBE), str(tmp_path / f"{mode}.db"), mode, str(SETS), str(write_fd),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(cmd, pass_fds=(write_fd,), env=env, capture_output=True, timeout=120, check=False)
    os.close(write_fd)
    os.close(read_fd)
    if proc.returncode != 0 and b"ptrace" in proc.stderr:
        pytest.skip("ptrace is not permitted here")
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    events: list[str] = []
    started = False
    for line in out.read_text().splitlines():
        if f"write({write_fd}, " in line:
            if '"START\\n"' in line:
                started = True
            elif '"ACK\\n"' in line and started:
                events.append("ack")
        elif started and _SYNC.search(line) and "= 0" in line:
            events.append("sync")
    return events


def unsynced_acks(events: list[str]) -> int:
    """Acknowledgements with no sync since the previous acknowledgement."""
    bad, synced = 0, False
    for event in events:
        if event == "sync":
            synced = True
        else:
            bad += 0 if synced else 1
            synced = False
    return bad


def test_every_acknowledged_set_is_synced_first(tmp_path: Path) -> None:
    events = traced(tmp_path, "full")
    assert events.count("ack") == SETS
    assert events.count("sync") >= SETS
    assert unsynced_acks(events) == 0, events


def test_the_check_catches_acknowledgements_before_their_sync(tmp_path: Path) -> None:
    # SQLite's NORMAL in WAL mode syncs only at checkpoints: acknowledgements go out unsynced.
    events = traced(tmp_path, "normal")
    assert events.count("ack") == SETS
    assert unsynced_acks(events) > SETS // 2, events
