"""Every acknowledged /log is on disk before the acknowledgement: counted from outside with strace.

``bench.sync_probe`` logs sets through the real logbook service on a SQLite file and writes "SUB n" to a
pipe before set n goes to the service and "ACK n" after it returns — the moment the bot would reply.
strace records the process's fsync/fdatasync calls and those writes in order (``bench.syncs``): with the
default (``SQLITE_SYNCHRONOUS=full``) a sync must lie between every set's hand-over and its
acknowledgement, one after the other and with members logging at once (their commits shared). The same
check run with ``normal`` must fail, so the test can tell the difference.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.syncs import SyncCount, TraceUnavailable, count, traced

SETS = 20


def run(tmp_path: Path, mode: str, concurrency: int = 1, sets: int = SETS) -> SyncCount:
    """The traced run, or a skip where strace can't run (a failure on CI, where it must)."""
    try:
        return traced(tmp_path, mode, sets, concurrency)
    except TraceUnavailable as missing:
        if os.environ.get("CI"):
            pytest.fail(f"{missing}; CI machines have strace (Debian's strace)")
        pytest.skip(str(missing))


def test_every_acknowledged_set_is_synced_first(tmp_path: Path) -> None:
    seen = run(tmp_path, "full")
    assert seen.acks == SETS
    assert seen.syncs >= SETS
    assert seen.unsynced_acks == 0, seen


def test_shared_commits_are_synced_before_any_of_their_acknowledgements(tmp_path: Path) -> None:
    seen = run(tmp_path, "full", concurrency=20, sets=200)
    assert seen.acks == 200
    assert seen.unsynced_acks == 0, seen
    # Twenty members at once share commits: fewer syncs than acknowledgements.
    assert seen.syncs < seen.acks, seen


def test_the_check_catches_acknowledgements_before_their_sync(tmp_path: Path) -> None:
    # SQLite's NORMAL in WAL mode syncs only at checkpoints: acknowledgements go out unsynced.
    seen = run(tmp_path, "normal")
    assert seen.acks == SETS
    assert seen.unsynced_acks > SETS // 2, seen


def test_the_count_reads_the_order() -> None:
    # Set 1 is acknowledged with no sync after its hand-over; set 0 and 2 each have one.
    seen = count([("sub", 0), ("sync", -1), ("ack", 0), ("sub", 1), ("ack", 1), ("sub", 2), ("sync", -1), ("ack", 2)])
    assert (seen.acks, seen.syncs, seen.unsynced_acks) == (3, 2, 1)
