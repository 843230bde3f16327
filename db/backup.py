"""``python bot.py --backup PATH``: a consistent copy of the SQLite database, even while the bot runs.

Copying ``coach.db`` with ``cp`` is not a backup: in WAL mode the newest committed sets live in
``coach.db-wal`` until a checkpoint, and a copy taken mid-write can be torn. SQLite's online backup
API (``sqlite3.Connection.backup``) copies every page of one read snapshot instead: it includes the
WAL's committed transactions, never a half-written one, and — WAL readers don't block the writer —
the running bot keeps logging sets meanwhile. The copy is written next to ``PATH`` and renamed into
place only after SQLite's integrity check passed, so ``PATH`` is either the previous file or a whole
new backup. PostgreSQL has its own tool for this (``pg_dump``); the README shows both.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from coach.errors import ConfigError
from db.engine import SQLITE_BUSY_TIMEOUT_MS, normalise_url


@dataclass(frozen=True, slots=True)
class BackupReport:
    """What a backup wrote."""

    source: Path
    destination: Path
    size_bytes: int
    logged_sets: int

    def summary(self) -> str:
        """One line for the operator."""
        return (
            f"backup of {self.source} written to {self.destination}: {self.logged_sets} logged sets, "
            f"{self.size_bytes / 1024:.0f} KiB, integrity check ok"
        )


def sqlite_path(database_url: str) -> Path:
    """The SQLite file behind ``database_url``, or ConfigError saying what to do instead."""
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() != "sqlite":
        # Never print the URL as given: it may carry the database password.
        shown = url.render_as_string(hide_password=True)
        raise ConfigError(
            f"--backup copies SQLite databases only, and DATABASE_URL is {url.get_backend_name()} ({shown}). "
            "Back up PostgreSQL with pg_dump, e.g. `pg_dump --format=custom --file=coach.dump DBNAME` "
            "(restore with pg_restore); see the README's backup section."
        )
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:") or url.query.get("mode") == "memory":
        raise ConfigError("--backup needs a SQLite file; DATABASE_URL points at an in-memory database.")
    path = Path(database)
    if not path.is_file():
        raise ConfigError(f"--backup: there is no database at {path} (check DATABASE_URL / COACH_DATA_DIR).")
    return path


def backup_sqlite_file(source: Path, destination: Path) -> BackupReport:
    """Copy ``source`` to ``destination`` with SQLite's online backup API and check the copy (blocking)."""
    destination = destination.expanduser()
    if destination.exists() and destination.resolve() == source.resolve():
        raise ConfigError("--backup PATH must be a different file from the live database.")
    if destination.is_dir():
        raise ConfigError(f"--backup PATH must be a file name, and {destination} is a directory.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.partial-{os.getpid()}")
    try:
        # Not read-only: a reader of a WAL database may need to create the -shm index when the bot isn't running.
        with (
            contextlib.closing(sqlite3.connect(source, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)) as src,
            contextlib.closing(sqlite3.connect(partial)) as dst,
        ):
            # pages=-1: the whole database in one step, i.e. from one consistent read snapshot.
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file, no -wal beside it
            check = dst.execute("PRAGMA integrity_check").fetchall()
            if check != [("ok",)]:
                raise ConfigError(f"--backup: the copy failed SQLite's integrity check: {check[:5]}")
            sets = dst.execute("SELECT count(*) FROM logged_sets").fetchone()[0]
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(source, destination, destination.stat().st_size, int(sets))


async def backup_database(database_url: str, destination: Path) -> BackupReport:
    """Back up the SQLite database behind ``database_url`` in a worker thread (the event loop keeps running)."""
    source = sqlite_path(database_url)
    try:
        return await asyncio.to_thread(backup_sqlite_file, source, destination)
    except sqlite3.Error as error:
        raise ConfigError(f"--backup failed: {error}") from error
