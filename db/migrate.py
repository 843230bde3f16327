"""Run Alembic migrations from Python (start-up, tests) without an alembic.ini.

The bot calls ``await upgrade_to_head(engine)`` before serving; operators can also run
``alembic upgrade head`` from the checkout (top-level ``alembic.ini``; the URL is resolved by
``Settings.from_env()``, as the bot does). The scripts are found next to this module, so an installed
(non-editable) copy migrates too: they ship as package data (see pyproject.toml).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import pool, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import SQLITE_BEGIN_OPTION, create_engine, normalise_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Any fixed number: two bot processes starting at once on PostgreSQL take turns migrating.
_PG_MIGRATION_LOCK = 0x636F616368  # "coach"


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic Config pointing at ``db/migrations``, built in code (no ini file needed)."""
    cfg = Config()
    # ConfigParser interpolates "%", so a path containing one must be escaped.
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if url is not None:
        # Passed as an attribute, not an option: passwords may contain "%" too.
        cfg.attributes["url"] = normalise_url(url)
    return cfg


def head_revision() -> str:
    """The newest migration revision id."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found next to db/migrate.py")
    return head


@contextlib.asynccontextmanager
async def _engine_for(engine_or_url: AsyncEngine | str | URL) -> AsyncIterator[AsyncEngine]:
    """The given engine, or a throw-away one for a URL (disposed afterwards)."""
    if isinstance(engine_or_url, AsyncEngine):
        yield engine_or_url
        return
    engine = create_engine(engine_or_url, poolclass=pool.NullPool)
    try:
        yield engine
    finally:
        await engine.dispose()


async def _run(engine_or_url: AsyncEngine | str | URL, action: Callable[[Config], None]) -> None:
    async with _engine_for(engine_or_url) as engine, engine.connect() as conn:
        # IMMEDIATE on SQLite: take the write lock before reading the version table, so two
        # processes can't both decide to run the same migration.
        conn = await conn.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        async with conn.begin():
            if conn.dialect.name == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            await conn.run_sync(_invoke, action)


def _invoke(connection: Connection, action: Callable[[Config], None]) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    action(cfg)


async def upgrade(engine_or_url: AsyncEngine | str | URL, revision: str = "head") -> None:
    """Migrate the database up to ``revision``."""
    await _run(engine_or_url, lambda cfg: command.upgrade(cfg, revision))


async def upgrade_to_head(engine_or_url: AsyncEngine | str | URL) -> None:
    """Migrate the database to the newest revision (idempotent; run at every start-up)."""
    await upgrade(engine_or_url, "head")


async def downgrade(engine_or_url: AsyncEngine | str | URL, revision: str = "base") -> None:
    """Migrate the database down to ``revision`` (``base`` drops every table)."""
    await _run(engine_or_url, lambda cfg: command.downgrade(cfg, revision))


async def current_revision(engine_or_url: AsyncEngine | str | URL) -> str | None:
    """The revision the database is at, or None for an empty (unversioned) database."""
    async with _engine_for(engine_or_url) as engine, engine.connect() as conn:
        return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
