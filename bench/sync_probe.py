"""Run under strace (``bench.syncs``): log sets through the real logbook service on a SQLite file, writing
"SUB n" to a pipe before set n is handed to the service and "ACK n" after it returns — when /log would reply.

``concurrency`` members log at once, so their commits may be shared (group commit).
"""

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


async def main(path: Path, mode: str, count: int, ack_fd: int, concurrency: int = 1) -> None:
    """Log ``count`` sets, ``concurrency`` at a time, marking each hand-over and acknowledgement."""
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_to_head(url)
    engine = create_engine(url, sqlite_synchronous=mode)
    logbook = LogbookService(make_session_factory(engine), load_catalog())
    os.write(ack_fd, b"START\n")
    numbers = iter(range(count))

    async def member(member_id: int) -> None:
        for n in numbers:
            request = LogRequest(
                member_id=member_id, exercise="bench_press", weight=60 + n % 50, reps=5, unit="kg",
                interaction_id=10**9 + n,
            )  # fmt: skip
            os.write(ack_fd, f"SUB {n}\n".encode())
            await logbook.log_set(request)
            os.write(ack_fd, f"ACK {n}\n".encode())  # what the reply to the member would be

    await asyncio.gather(*(member(m + 1) for m in range(concurrency)))
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])))
