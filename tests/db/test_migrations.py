"""Migrations build the schema the models describe, on SQLite and PostgreSQL, and run both ways."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from db.engine import create_engine
from db.migrate import current_revision, downgrade, head_revision, upgrade_to_head
from db.models import Base

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_TABLES = {"member_settings", "guild_settings", "logged_sets", "bot_state"}


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


def _diff(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
    return compare_metadata(context, Base.metadata)


async def test_upgrade_from_empty_reaches_head(empty_db_url: str) -> None:
    assert await current_revision(empty_db_url) is None
    await upgrade_to_head(empty_db_url)
    assert await current_revision(empty_db_url) == head_revision()
    assert APP_TABLES <= await _tables(empty_db_url)


async def test_upgrade_is_idempotent(empty_db_url: str) -> None:
    await upgrade_to_head(empty_db_url)
    await upgrade_to_head(empty_db_url)  # What every restart does.
    assert await current_revision(empty_db_url) == head_revision()


async def test_two_processes_migrating_at_once(empty_db_url: str) -> None:
    """Two bot instances starting together: one migrates, the other waits and finds nothing to do."""
    import asyncio

    await asyncio.gather(upgrade_to_head(empty_db_url), upgrade_to_head(empty_db_url))
    assert await current_revision(empty_db_url) == head_revision()


async def test_schema_from_migrations_matches_models(empty_db_url: str) -> None:
    engine = create_engine(empty_db_url)
    try:
        await upgrade_to_head(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
    finally:
        await engine.dispose()
    assert diff == [], f"models and migrations disagree; write a migration for: {diff}"


async def test_downgrade_upgrade_round_trip(empty_db_url: str) -> None:
    engine = create_engine(empty_db_url)
    try:
        await upgrade_to_head(engine)
        await downgrade(engine, "base")
        assert await current_revision(engine) is None
        async with engine.connect() as conn:
            left = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        assert not (APP_TABLES & left)
        await upgrade_to_head(engine)
        assert await current_revision(engine) == head_revision()
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
        assert diff == []
    finally:
        await engine.dispose()


def test_alembic_cli_reads_database_url(tmp_path: Path) -> None:
    """Operators can run `alembic upgrade head` from the checkout, configured by DATABASE_URL only."""
    db_file = tmp_path / "ops" / "coach.db"
    db_file.parent.mkdir()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_file}"}  # A plain URL is upgraded to aiosqlite.
    alembic = [sys.executable, "-m", "alembic", "-c", str(REPO_ROOT / "alembic.ini")]
    run = subprocess.run([*alembic, "upgrade", "head"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    current = subprocess.run([*alembic, "current"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert head_revision() in current.stdout, current.stderr


async def test_comparison_would_notice_drift(empty_db_url: str) -> None:
    """Guard against a vacuous check: a schema that lost an index must show up as a difference."""
    from sqlalchemy import text

    engine = create_engine(empty_db_url)
    try:
        await upgrade_to_head(engine)
        async with engine.begin() as conn:
            await conn.execute(text("DROP INDEX ix_logged_sets_member_id_created_at"))
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
    finally:
        await engine.dispose()
    assert any(op[0] == "add_index" for op in diff), diff
