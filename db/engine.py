"""Engine and session factory: built once at start-up, shared by every unit of work.

SQLite is tuned for many members writing at once from one process: WAL (readers never block the
writer), a busy timeout (writers queue instead of failing with "database is locked"),
``synchronous=FULL`` by default (every commit synced before anyone is told; ``SQLITE_SYNCHRONOUS``
relaxes it only explicitly) and foreign keys on. Write transactions start with ``BEGIN IMMEDIATE`` so a
transaction that reads first and then writes can't hit SQLite's un-waitable lock-upgrade deadlock
(SQLITE_BUSY_SNAPSHOT).

PostgreSQL (``postgresql+asyncpg://…``) needs none of this and runs the same code.

Which database to open is not decided here: coach.settings.Settings is the one place that reads
``DATABASE_URL``, ``COACH_DATA_DIR`` and ``.env``, for the bot and the Alembic CLI alike.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from coach.settings import DEFAULT_DATA_DIR, Settings, default_database_url

DEFAULT_DATABASE_URL = default_database_url(DEFAULT_DATA_DIR)

# Milliseconds a SQLite writer waits for the lock before giving up. Writes take milliseconds, so
# fifteen seconds only runs out if something is badly wrong (another process holding a lock).
SQLITE_BUSY_TIMEOUT_MS = 15_000

# Seconds to wait for a PostgreSQL connection before reporting storage as unavailable.
PG_CONNECT_TIMEOUT_S = 10

# Execution option read by the "begin" hook: which BEGIN to emit on SQLite.
SQLITE_BEGIN_OPTION = "coach_sqlite_begin"


# SQLite ``synchronous`` modes the bot accepts: FULL (default) and EXTRA are durable at commit, NORMAL isn't.
SQLITE_SYNCHRONOUS_MODES = ("FULL", "EXTRA", "NORMAL")
# Execution option carrying an engine's SQLite synchronous mode, for its writer twin (``sqlite_writer``).
SQLITE_SYNCHRONOUS_OPTION = "coach_sqlite_synchronous"


def database_url_from_env(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> str:
    """The database the bot would open, from ``Settings.from_env`` (environment, .env, COACH_DATA_DIR), normalised."""
    return normalise_url(Settings.from_env(environ, env_file).database_url)


def normalise_url(url: str | URL) -> str:
    """Pick the async driver for bare ``postgres://``, ``postgresql://`` and ``sqlite://`` URLs."""
    parsed = make_url(url)
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgres", "postgresql") and driver in ("", "psycopg2", "psycopg"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif backend == "sqlite" and driver in ("", "pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine_or_url: AsyncEngine | str | URL) -> bool:
    """True when the engine or URL points at SQLite."""
    if isinstance(engine_or_url, AsyncEngine):
        return engine_or_url.dialect.name == "sqlite"
    return make_url(engine_or_url).get_backend_name() == "sqlite"


def _sqlite_file(url: URL) -> Path | None:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:") or url.query.get("mode") == "memory":
        return None
    return Path(database)


def create_engine(url: str | URL, *, sqlite_synchronous: str = "full", **kwargs: Any) -> AsyncEngine:
    """Create the application's AsyncEngine for ``url`` (usually ``Settings.database_url``).

    ``sqlite_synchronous`` is SQLite's ``synchronous`` pragma: ``full`` (the default) syncs the write-ahead
    log at every commit, so a set the bot acknowledged survives a power cut; ``normal`` survives only an
    application crash (see docs/operations.md). PostgreSQL keeps its own durable commit.
    """
    mode = sqlite_synchronous.strip().upper()
    if mode not in SQLITE_SYNCHRONOUS_MODES:
        raise ValueError(f"sqlite_synchronous must be one of {', '.join(SQLITE_SYNCHRONOUS_MODES).lower()}")
    parsed = make_url(normalise_url(url))
    # Database errors are logged; their text must not carry what members typed (notes, names).
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() != "sqlite":
        # Dropped connections (server restart, idle timeout) are replaced instead of failing a member's command.
        kwargs.setdefault("pool_pre_ping", True)
        if parsed.get_driver_name() == "asyncpg":
            # asyncpg waits 60 s for an unreachable server by default; members shouldn't.
            kwargs["connect_args"] = {"timeout": PG_CONNECT_TIMEOUT_S, **kwargs.get("connect_args", {})}
        return create_async_engine(parsed, **kwargs)

    path = _sqlite_file(parsed)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    # sqlite3's own timeout is the busy timeout at connect time; PRAGMA below sets it for good.
    connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, **kwargs.pop("connect_args", {})}
    options = {SQLITE_SYNCHRONOUS_OPTION: mode, **kwargs.pop("execution_options", {})}
    engine = create_async_engine(parsed, connect_args=connect_args, execution_options=options, **kwargs)
    _install_sqlite_hooks(engine.sync_engine, wal=path is not None, synchronous=mode)
    return engine


def sqlite_writer(engine: AsyncEngine) -> Engine | None:
    """A synchronous twin of a SQLite *file* engine (same file, same pragmas and BEGIN), for a writer thread
    that runs a whole transaction in one call; None for PostgreSQL or an in-memory database.

    Through aiosqlite every statement, cursor and commit is a hop to its thread and back (~0.1 ms of CPU
    each here, a dozen per /log); on a thread of its own the driver runs a transaction with no hops at all.
    """
    if engine.dialect.name != "sqlite":
        return None
    path = _sqlite_file(engine.url)
    if path is None:
        return None
    mode = str(engine.get_execution_options().get(SQLITE_SYNCHRONOUS_OPTION, "FULL"))
    twin = create_sync_engine(
        engine.url.set(drivername="sqlite+pysqlite"),
        # Created on the writer thread, disposed from the event loop's at shutdown.
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        hide_parameters=True,
    )
    _install_sqlite_hooks(twin, wal=True, synchronous=mode)
    return twin


def _install_sqlite_hooks(engine: Engine, *, wal: bool, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We emit BEGIN ourselves (below); the driver's implicit, deferred BEGIN would undo that.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # The busy timeout first: switching a new file to WAL needs its lock, which another process
            # migrating the same file may hold for a while (two instances starting together).
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
            # FULL syncs the WAL at each commit, before /log can answer "logged"; NORMAL would lose the latest
            # commits on a power cut (an operator may choose it explicitly, for throw-away setups).
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The one session factory: objects stay readable after commit (no lazy reloads in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False, class_=AsyncSession)


@contextlib.asynccontextmanager
async def transaction(session_factory: async_sessionmaker[AsyncSession], *, write: bool) -> AsyncIterator[AsyncSession]:
    """One unit of work: a session in a transaction, committed on success, rolled back on error.

    ``write=True`` takes SQLite's write lock up front (``BEGIN IMMEDIATE``), so writers queue on the
    busy timeout at the start instead of failing half-way; on PostgreSQL it changes nothing.
    """
    async with session_factory() as session, session.begin():
        if write:
            await session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        yield session
