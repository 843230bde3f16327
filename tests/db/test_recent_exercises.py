"""Recent exercises are read in small batches, with the same answer as reading the whole window at once."""

# The database fixtures are imported by name from tests/db/fixtures.py; pytest injects them as arguments,
# which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import transaction
from db.models import LoggedSet, MemberSettings
from db.repositories import SetRepository
from tests.db.fixtures import (  # noqa: F401 - fixtures are found by name
    backend,
    db_url,
    engine,
    pg_database,
    session_factory,
    sqlite_template,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize("seed", range(3))
async def test_batches_give_the_same_answer(session_factory: async_sessionmaker[AsyncSession], seed: int) -> None:
    rng = random.Random(seed)
    async with transaction(session_factory, write=True) as session:
        session.add(MemberSettings(member_id=1, share="private"))
        await session.flush()
        for i in range(230):
            # Long runs of one exercise, so the distinct ones are spread over several batches.
            key = f"ex{rng.randrange(14) if rng.random() < 0.1 else 0}"
            session.add(
                LoggedSet(member_id=1, exercise_key=key, exercise_id=key, exercise_name=key.upper(), weight_kg=50.0,
                          weight_value=50.0, weight_unit="kg", reps=5, kind="working", e1rm_kg=58.0,
                          performed_at=T0 + timedelta(minutes=i // 3), created_at=T0)
            )  # fmt: skip
    async with transaction(session_factory, write=False) as session:
        repo = SetRepository(session)
        ordered = (
            await session.execute(
                select(LoggedSet.exercise_key, LoggedSet.exercise_name)
                .where(LoggedSet.member_id == 1)
                .order_by(LoggedSet.performed_at.desc(), LoggedSet.id.desc())
            )
        ).all()
        for limit, scan, batch in ((5, 300, 7), (10, 100, 50), (3, 40, 40), (20, 230, 1)):
            expected: dict[str, str] = {}
            for key, name in ordered[:scan]:
                if len(expected) < limit:
                    expected.setdefault(key, name)
            assert await repo.recent_exercises(1, limit=limit, scan=scan, batch=batch) == list(expected.items())
