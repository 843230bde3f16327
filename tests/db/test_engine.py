"""Engine set-up: SQLite PRAGMAs, URL handling, and concurrent writers that queue instead of failing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coach.settings import Settings
from db.engine import create_engine, database_url_from_env, is_sqlite, make_session_factory, normalise_url, transaction
from db.migrate import upgrade_to_head
from db.models import BotState, LoggedSet
from db.repositories import MemberRepository, SetRepository


async def test_sqlite_pragmas_and_parent_dir(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "coach.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.connect() as conn:
            pragmas = {
                name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
    finally:
        await engine.dispose()
    assert path.parent.is_dir()
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 15000,
        "synchronous": 2,
    }  # FULL: durable commits


async def test_in_memory_sqlite_works_without_wal() -> None:
    engine = create_engine("sqlite+aiosqlite://")
    try:
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h:5432/db", "postgresql+asyncpg://u:p@h:5432/db"),
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("sqlite:///data/coach.db", "sqlite+aiosqlite:///data/coach.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_normalise_url(given: str, expected: str) -> None:
    assert normalise_url(given) == expected


def test_database_url_from_env_is_the_settings_url(tmp_path: Path) -> None:
    """No second reading of the environment: the same rules as Settings, .env and COACH_DATA_DIR included."""
    assert database_url_from_env({}, env_file=None) == "sqlite+aiosqlite:///data/coach.db"
    assert database_url_from_env({"COACH_DATA_DIR": "/srv/coach"}, env_file=None) == (
        "sqlite+aiosqlite:////srv/coach/coach.db"
    )
    dotenv = tmp_path / ".env"
    dotenv.write_text("DATABASE_URL=postgres://coach@db/coach\n", encoding="utf-8")
    assert database_url_from_env({}, env_file=dotenv) == "postgresql+asyncpg://coach@db/coach"
    environ = {"DATABASE_URL": "sqlite:///x.db"}
    assert database_url_from_env(environ, env_file=dotenv) == normalise_url(
        Settings.from_env(environ, env_file=dotenv).database_url
    )
    assert is_sqlite("sqlite+aiosqlite:///x.db")
    assert not is_sqlite("postgresql+asyncpg://h/db")


async def test_a_read_then_write_transaction_does_not_deadlock_on_sqlite(tmp_path: Path) -> None:
    """Many transactions that read before they write, at once: with BEGIN IMMEDIATE none fail."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    await upgrade_to_head(url)
    engine = create_engine(url)
    factory = make_session_factory(engine)

    async def bump(i: int) -> None:
        # No in-process lock here on purpose: only SQLite's own locking and the busy timeout.
        async with transaction(factory, write=True) as session:
            await session.scalar(select(func.count()).select_from(BotState))
            await asyncio.sleep(0)
            session.add(BotState(key=f"k{i}", value="v"))

    try:
        await asyncio.gather(*(bump(i) for i in range(60)))
        async with transaction(factory, write=False) as session:
            assert await session.scalar(select(func.count()).select_from(BotState)) == 60
    finally:
        await engine.dispose()


async def test_utc_round_trip(session_factory: async_sessionmaker[AsyncSession], backend: str) -> None:
    """Timestamps come back aware UTC on both backends, whatever offset they were written with."""
    from datetime import timedelta, timezone

    cet = timezone(timedelta(hours=1))
    performed = datetime(2026, 11, 20, 19, 30, tzinfo=cet)
    async with transaction(session_factory, write=True) as session:
        await MemberRepository(session).ensure(1)
        # Through the ORM column type directly: this is about the engine and UtcDateTime, not a repository.
        row = LoggedSet(
            member_id=1,
            exercise_key="bench_press",
            exercise_id="bench_press",
            exercise_name="Bench Press",
            weight_kg=100.0,
            weight_value=100.0,
            weight_unit="kg",
            reps=5,
            e1rm_kg=116.7,
            performed_at=performed,
        )
        session.add(row)
        await session.flush()
        set_id = row.id
    async with transaction(session_factory, write=False) as session:
        got = await SetRepository(session).get(set_id)
        assert got is not None
        assert got.performed_at == datetime(2026, 11, 20, 18, 30, tzinfo=UTC)
        assert got.performed_at.tzinfo == UTC
        assert got.created_at.tzinfo == UTC
        raw = (await session.execute(text("SELECT performed_at FROM logged_sets"))).scalar()
        if backend == "sqlite":
            # One fixed, naive-UTC text format keeps SQLite's string ordering chronological.
            assert str(raw).startswith("2026-11-20 18:30:00")


async def test_naive_datetimes_are_refused(session_factory: async_sessionmaker[AsyncSession]) -> None:
    from sqlalchemy.exc import StatementError

    async with transaction(session_factory, write=False) as session:
        session.add(BotState(key="k", value="v", updated_at=datetime(2026, 1, 1)))
        with pytest.raises(StatementError, match="naive datetime"):
            await session.flush()
