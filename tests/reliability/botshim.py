"""Run the real ``bot.py`` as its own process, with database faults a test can switch on.

    python -m tests.reliability.botshim [bot.py arguments]

This is ``bot.main()`` unchanged plus two SQLAlchemy event hooks, installed only here (the bot itself
has no test hooks):

- ``COACH_TEST_DB_BEGIN_DELAY_S``: every transaction waits this long before it begins — an overloaded
  or distant database. The wait is an ``await`` (the event loop keeps running, as with a slow server).
  ``COACH_TEST_DB_DELAY_FILE``: the same, with the seconds read from that file at each transaction
  (no file: no delay), so a test can slow the database down after setting things up.
- ``COACH_TEST_READONLY_FLAG``: a path; while that file exists, each SQLite connection handed out by the
  pool has ``PRAGMA query_only`` on, so SQLite itself refuses every write with SQLITE_READONLY
  ("attempt to write a readonly database") — the error a read-only database file gives. ``chmod 0444``
  can't be used for this: CI runs as root, which ignores file modes, and a running bot's open file
  descriptors keep write access anyway. Deleting the file makes the database writable again.
- ``COACH_TEST_NO_AUTOCHECKPOINT``: SQLite never checkpoints on its own, so every set stays in
  ``coach.db-wal`` — what busy readers can cause in production, and what a naive ``cp`` of the file misses.
- ``COACH_TEST_URL_ERROR``: parsing DATABASE_URL fails the way SQLAlchemy 2.0 did, quoting the whole URL
  (password included) in the exception's text.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import Pool
from sqlalchemy.util import await_only

DELAY_ENV = "COACH_TEST_DB_BEGIN_DELAY_S"
DELAY_FILE_ENV = "COACH_TEST_DB_DELAY_FILE"
NO_AUTOCHECKPOINT_ENV = "COACH_TEST_NO_AUTOCHECKPOINT"
URL_ERROR_ENV = "COACH_TEST_URL_ERROR"
READONLY_ENV = "COACH_TEST_READONLY_FLAG"


def install_delay(delay_s: float | Callable[[], float], target: Any = Engine) -> None:
    """Make every transaction on ``target`` (default: all engines) start ``delay_s`` seconds late."""

    @event.listens_for(target, "begin")
    def _slow_begin(conn: Connection) -> None:
        seconds = delay_s() if callable(delay_s) else delay_s
        if seconds <= 0:
            return
        if conn.dialect.is_async:
            # Runs inside SQLAlchemy's greenlet bridge, so awaiting here suspends only this unit of work.
            await_only(asyncio.sleep(seconds))
        else:
            time.sleep(seconds)  # the writer thread's own connection (db.group_commit): a slow disk, there


def _delay_from(path: Path) -> float:
    try:
        return float(path.read_text().strip() or 0)
    except (OSError, ValueError):
        return 0.0


def install_readonly_switch(flag: Path, target: Any = Pool) -> None:
    """While ``flag`` exists, SQLite connections checked out of ``target`` refuse writes."""

    @event.listens_for(target, "checkout")
    def _checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if "sqlite" not in type(dbapi_connection).__module__:
            return
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA query_only = {'ON' if flag.exists() else 'OFF'}")
        finally:
            cursor.close()


def install_no_autocheckpoint(target: Any = Pool) -> None:
    """Turn off SQLite's automatic WAL checkpoints on every new connection."""

    @event.listens_for(target, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        if "sqlite" in type(dbapi_connection).__module__:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("PRAGMA wal_autocheckpoint = 0")
            finally:
                cursor.close()


def install_url_error() -> None:
    """Make URL parsing crash unexpectedly with a message that quotes the URL (as SQLAlchemy 2.0's did).

    A RuntimeError, not ArgumentError: start-up turns ArgumentError into a clean one-line error on purpose,
    and this fault stands for any crash nobody anticipated.
    """
    import db.engine

    def make_url(name: Any) -> Any:
        raise RuntimeError(f"Could not parse SQLAlchemy URL from string '{name}'")

    db.engine.make_url = make_url  # type: ignore[assignment]


def main() -> int:
    """Install the requested faults, then run bot.py's main()."""
    delay = float(os.environ.get(DELAY_ENV) or 0)
    if delay > 0:
        install_delay(delay)
    delay_file = os.environ.get(DELAY_FILE_ENV)
    if delay_file:
        install_delay(lambda: _delay_from(Path(delay_file)))
    flag = os.environ.get(READONLY_ENV)
    if flag:
        install_readonly_switch(Path(flag))
    if os.environ.get(NO_AUTOCHECKPOINT_ENV):
        install_no_autocheckpoint()
    if os.environ.get(URL_ERROR_ENV):
        install_url_error()
    import bot

    return bot.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
