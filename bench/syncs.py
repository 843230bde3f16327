"""Syncs per acknowledged write, counted from outside: ``bench.sync_probe`` run under strace.

strace records the probe's fsync/fdatasync calls and its "SUB n" / "ACK n" pipe writes in order. A set
is synced before its acknowledgement when a sync lies between its hand-over and its acknowledgement (its
commit happens in between, and the commit is the sync); the sequential run makes that exact, the
concurrent run shows how many acknowledgements share one sync.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_SYNC = re.compile(r"\b(?:fsync|fdatasync)\(")
_MARK = re.compile(r'"(START|SUB|ACK) ?(\d*)\\n"')


class TraceUnavailable(RuntimeError):
    """strace is missing, or ptrace isn't permitted here."""


@dataclass(frozen=True)
class SyncCount:
    """What one traced run saw."""

    acks: int
    syncs: int
    unsynced_acks: int  # acknowledgements with no sync between their hand-over and themselves

    @property
    def syncs_per_ack(self) -> float:
        """Syncs per acknowledged write (below 1 when commits are shared)."""
        return self.syncs / self.acks if self.acks else float("nan")

    def as_dict(self) -> dict[str, float | int]:
        """For the benchmark's JSON."""
        return {
            "acks": self.acks,
            "syncs": self.syncs,
            "unsynced_acks": self.unsynced_acks,
            "syncs_per_ack": round(self.syncs_per_ack, 3),
        }


def events(trace: str, fd: int) -> list[tuple[str, int]]:
    """("sub"|"ack", n) and ("sync", -1) events after START, in the order strace saw them."""
    out: list[tuple[str, int]] = []
    started = False
    for line in trace.splitlines():
        if f"write({fd}, " in line:
            mark = _MARK.search(line)
            if mark is None:
                continue
            if mark.group(1) == "START":
                started = True
            elif started:
                out.append((mark.group(1).lower(), int(mark.group(2))))
        elif started and _SYNC.search(line) and "= 0" in line:
            out.append(("sync", -1))
    return out


def count(seen: list[tuple[str, int]]) -> SyncCount:
    """Acknowledgements, syncs, and acknowledgements with no sync since their set was handed over."""
    syncs = 0
    at_sub: dict[int, int] = {}
    acks = unsynced = 0
    for kind, n in seen:
        if kind == "sync":
            syncs += 1
        elif kind == "sub":
            at_sub[n] = syncs
        else:
            acks += 1
            unsynced += syncs == at_sub.get(n, syncs)
    return SyncCount(acks, syncs, unsynced)


def traced(workdir: Path, mode: str, sets: int, concurrency: int = 1) -> SyncCount:
    """Log ``sets`` sets (``concurrency`` members at once) under strace with ``SQLITE_SYNCHRONOUS=mode``."""
    if shutil.which("strace") is None:
        raise TraceUnavailable("strace is not installed")
    workdir.mkdir(parents=True, exist_ok=True)
    read_fd, write_fd = os.pipe()
    out = workdir / f"trace-{mode}-{concurrency}.txt"
    database = workdir / f"syncs-{mode}-{concurrency}.db"
    cmd = [
        "strace", "-f", "-qq", "-e", "trace=fsync,fdatasync,write", "-e", "signal=none", "-o", str(out),
        sys.executable, "-m", "bench.sync_probe", str(database), mode, str(sets), str(write_fd), str(concurrency),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        proc = subprocess.run(  # noqa: S603 - our own interpreter and module, arguments we built
            cmd, pass_fds=(write_fd,), env=env, cwd=ROOT, capture_output=True, timeout=300, check=False
        )
    finally:
        os.close(write_fd)
        os.close(read_fd)
    if proc.returncode != 0 and b"ptrace" in proc.stderr:
        raise TraceUnavailable("ptrace is not permitted here")
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode(errors="replace")[-2000:])
    return count(events(out.read_text(), write_fd))
