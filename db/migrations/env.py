"""Alembic environment (async template, batch mode for SQLite's limited ALTER TABLE).

Two ways in:
- programmatically (``db.migrate``): a live connection arrives in ``config.attributes["connection"]``
  and migrations run on it, inside the caller's event loop;
- from the command line (``alembic upgrade head`` with the top-level ``alembic.ini``): the URL comes
  from ``config.attributes["url"]``, ``sqlalchemy.url`` (empty in ours) or, normally, from
  ``Settings.from_env()`` exactly as the bot resolves it (environment, then ``.env`` in the current
  directory, then the SQLite file under ``COACH_DATA_DIR``), and we run our own loop.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection

from coach.errors import ConfigError
from coach.settings import Settings
from db.engine import create_engine, normalise_url
from db.models import Base

config = context.config

# Only the CLI configures logging from the ini file; programmatic runs keep the bot's logging as set up.
if config.config_file_name is not None and "connection" not in config.attributes:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        # The bot's own resolution, so `alembic upgrade head` migrates the database the bot will open.
        try:
            url = Settings.from_env().database_url
        except ConfigError as exc:
            raise SystemExit(f"error: {exc.message}") from None
    return normalise_url(url)


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        # SQLite can't ALTER most things; batch mode rebuilds the table (a no-op elsewhere).
        render_as_batch=True,
        compare_type=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it (``alembic upgrade head --sql``)."""
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    """Run the migrations on a synchronous (run_sync) connection."""
    # Our BEGIN is real on SQLite too (db.engine emits it), so the whole upgrade commits or rolls back as one.
    _configure(connection=connection, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    """Open our own engine (same SQLite PRAGMAs as the bot) and migrate through it."""
    engine = create_engine(_url(), poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    """Migrate a live database: on the caller's connection if given, else on a new engine."""
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
    else:
        asyncio.run(run_async_migrations())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
