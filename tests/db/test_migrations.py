"""Migrations build the schema the models describe, on SQLite and PostgreSQL, and run both ways."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from coach.settings import Settings
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
    assert await _tables(empty_db_url) >= APP_TABLES


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


@pytest.mark.parametrize(
    ("dotenv", "environ", "expected"),
    [
        ("COACH_DATA_DIR=from-dotenv\n", {}, "from-dotenv/coach.db"),
        ("COACH_DATA_DIR=from-dotenv\n", {"COACH_DATA_DIR": "from-environ"}, "from-environ/coach.db"),
        ("DATABASE_URL=sqlite:///ops/explicit.db\nCOACH_DATA_DIR=ignored\n", {}, "ops/explicit.db"),
    ],
    ids=["dotenv-data-dir", "environment-wins", "dotenv-url"],
)
def test_alembic_cli_and_bot_resolve_the_same_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dotenv: str, environ: dict[str, str], expected: str
) -> None:
    """`alembic upgrade head` and the bot read one configuration: .env, COACH_DATA_DIR, DATABASE_URL alike."""
    (tmp_path / ".env").write_text(dotenv, encoding="utf-8")
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "COACH_DATA_DIR")}
    env = {**base, **environ}
    alembic = [sys.executable, "-m", "alembic", "-c", str(REPO_ROOT / "alembic.ini"), "upgrade", "head"]
    run = subprocess.run(alembic, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    migrated = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.db")]
    assert migrated == [expected]
    with sqlite3.connect(tmp_path / expected) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(head_revision(),)]

    # The bot's settings, read the way the bot reads them (from the environment and ./.env).
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("COACH_DATA_DIR", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert Settings.from_env().database_url.endswith(f":///{expected}")
    # And the bot process itself: --backup names the database it opened, the one Alembic just migrated.
    backup = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bot.py"), "--backup", "copy.db"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert backup.returncode == 0, backup.stderr
    assert backup.stdout.startswith(f"backup of {expected} written to copy.db"), backup.stdout


def test_alembic_cli_reports_a_bad_setting_in_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LOG_LEVEL=chatty\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "COACH_DATA_DIR", "LOG_LEVEL")}
    alembic = [sys.executable, "-m", "alembic", "-c", str(REPO_ROOT / "alembic.ini"), "upgrade", "head"]
    run = subprocess.run(alembic, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert run.stderr.strip().splitlines()[-1].startswith("error: LOG_LEVEL must be one of")
    assert "Traceback" not in run.stderr
    assert not list(tmp_path.rglob("*.db"))


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
