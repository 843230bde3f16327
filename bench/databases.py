"""Scratch databases for the benchmark: SQLite files on disk, or throw-away databases on a PostgreSQL server."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.engine import make_url

from db.engine import normalise_url


def is_postgres(url: str | None) -> bool:
    """True for a PostgreSQL URL."""
    return bool(url) and make_url(normalise_url(url or "")).get_backend_name() == "postgresql"


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.asynccontextmanager
async def scratch_database(server_url: str | None, workdir: Path, name: str) -> AsyncIterator[str]:
    """A fresh, empty database: ``workdir/name.db``, or ``<name>_<random>`` created on the PostgreSQL server
    of ``server_url`` (whose own database is never touched) and dropped again afterwards."""
    if not is_postgres(server_url):
        path = workdir / f"{name}.db"
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        yield f"sqlite+aiosqlite:///{path.as_posix()}"
        return
    import asyncpg

    admin = normalise_url(server_url or "")
    db_name = f"coach_bench_{name}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(_dsn(admin), timeout=10)
    try:
        await conn.execute(f'CREATE DATABASE "{db_name}"')
    finally:
        await conn.close()
    try:
        yield make_url(admin).set(database=db_name).render_as_string(hide_password=False)
    finally:
        conn = await asyncpg.connect(_dsn(admin), timeout=10)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        finally:
            await conn.close()


async def server_version(url: str) -> str:
    """``PostgreSQL 15.x`` (for the report)."""
    import asyncpg

    conn = await asyncpg.connect(_dsn(normalise_url(url)), timeout=10)
    try:
        return "PostgreSQL " + str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


async def durable_settings(url: str) -> dict[str, str]:
    """The server settings a durable commit depends on (``synchronous_commit``, ``fsync``, ``wal_sync_method``)."""
    import asyncpg

    conn = await asyncpg.connect(_dsn(normalise_url(url)), timeout=10)
    try:
        names = ("synchronous_commit", "fsync", "wal_sync_method", "commit_delay")
        return {name: str(await conn.fetchval(f"SHOW {name}")) for name in names}
    finally:
        await conn.close()
