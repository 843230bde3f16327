"""Database fixtures shared by tests/db and tests/coach: every test runs on SQLite and on PostgreSQL.

- SQLite: a file in tmp_path, copied from a template migrated once per session (fast and realistic:
  WAL, PRAGMAs and all).
- PostgreSQL: ``TEST_POSTGRES_URL`` (e.g. ``postgresql+asyncpg://coach@127.0.0.1:PORT/postgres``,
  which ``source .ci/postgres.sh`` exports) names a server; a fresh database is created for the
  session, migrated, truncated before each test and dropped at the end. Without the variable the
  PostgreSQL half skips with a visible reason.

Import what you use: ``from tests.db.fixtures import backend, db_url, engine, session_factory``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from catalog import Catalog, load_catalog
from db.engine import create_engine, make_session_factory
from db.migrate import upgrade_to_head

BACKENDS = ("sqlite", "postgresql")
PG_ENV = "TEST_POSTGRES_URL"
PG_SKIP_REASON = (
    "PostgreSQL not available: set TEST_POSTGRES_URL (`source .ci/postgres.sh` starts a throw-away server and sets it)"
)
TABLES = ("logged_sets", "member_settings", "guild_settings", "bot_state", "scheduled_posts", "workouts")


def pg_admin_url() -> str | None:
    """The PostgreSQL server URL from the environment, or None."""
    return os.environ.get(PG_ENV, "").strip() or None


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_pg_database(admin_url: str, prefix: str = "coach_test") -> str:
    """Create a uniquely named database on the server; return its SQLAlchemy URL."""
    import asyncpg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        conn = await asyncpg.connect(_asyncpg_dsn(admin_url), timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"{PG_ENV} is set to {admin_url!r} but the server can't be reached: {exc}")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def drop_pg_database(admin_url: str, url: str) -> None:
    """Drop a database made by create_pg_database (kicking out leftover connections)."""
    import asyncpg

    name = make_url(url).database
    conn = await asyncpg.connect(_asyncpg_dsn(admin_url), timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def sqlite_url(path: Path) -> str:
    """SQLAlchemy URL of a SQLite file."""
    return f"sqlite+aiosqlite:///{path.as_posix()}"


@pytest.fixture(scope="session")
def logbook_catalog() -> Catalog:
    """The real exercise catalog."""
    return load_catalog()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once; tests get copies."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    asyncio.run(upgrade_to_head(sqlite_url(path)))
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for the session (skips without TEST_POSTGRES_URL)."""
    admin = pg_admin_url()
    if admin is None:
        pytest.skip(PG_SKIP_REASON)
    url = asyncio.run(create_pg_database(admin))
    try:
        asyncio.run(upgrade_to_head(url))
        yield url
    finally:
        asyncio.run(drop_pg_database(admin, url))


@pytest.fixture
def fresh_pg_url() -> Iterator[str]:
    """An empty PostgreSQL database just for this test (for migration tests)."""
    admin = pg_admin_url()
    if admin is None:
        pytest.skip(PG_SKIP_REASON)
    url = asyncio.run(create_pg_database(admin, prefix="coach_mig"))
    try:
        yield url
    finally:
        asyncio.run(drop_pg_database(admin, url))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Which database this test runs on."""
    return str(request.param)


@pytest.fixture
def empty_db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An empty (unmigrated) database on the current backend."""
    if backend == "sqlite":
        return sqlite_url(tmp_path / "data" / "empty.db")
    return str(request.getfixturevalue("fresh_pg_url"))


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A migrated database on the current backend, with no rows."""
    if backend == "sqlite":
        path = tmp_path / "coach.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return sqlite_url(path)
    return str(request.getfixturevalue("pg_database"))


@pytest.fixture
async def engine(db_url: str, backend: str) -> AsyncIterator[AsyncEngine]:
    """The application engine on the test database (PostgreSQL tables emptied first)."""
    eng = create_engine(db_url)
    try:
        if backend == "postgresql":
            async with eng.begin() as conn:
                await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        yield eng
    finally:
        await eng.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The application's session factory on the test engine."""
    return make_session_factory(engine)
