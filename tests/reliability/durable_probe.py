"""Run under strace by test_durability.py: log sets through the real logbook service on a SQLite file and
write an acknowledgement marker to a pipe after each one returns (when /log would reply)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from catalog import load_catalog
from coach.logbook import LogbookService
from coach.logbook_results import LogRequest
from db.engine import create_engine, make_session_factory
from db.migrate import upgrade_to_head


async def main(path: Path, mode: str, count: int, ack_fd: int) -> None:
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_to_head(url)
    engine = create_engine(url, sqlite_synchronous=mode)
    logbook = LogbookService(make_session_factory(engine), load_catalog())
    os.write(ack_fd, b"START\n")
    for n in range(count):
        await logbook.log_set(
            LogRequest(member_id=1, exercise="bench_press", weight=60 + n, reps=5, unit="kg", interaction_id=10**9 + n)
        )
        os.write(ack_fd, b"ACK\n")  # what the reply to the member would be
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
