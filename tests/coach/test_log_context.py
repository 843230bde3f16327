"""/log's single read (``SetRepository.log_context``) gives exactly the answers of the step-by-step queries."""

# The database fixtures are imported by name from tests/db/fixtures.py; pytest injects them as arguments,
# which pyflakes reads as redefinitions.

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog import Catalog
from coach.logbook import _SESSION_FIRST_BATCH, _SESSION_LOOKBACK, LogbookService
from coach.metrics import estimate_1rm
from db.engine import transaction
from db.models import LoggedSet, MemberSettings
from db.repositories import SetRepository

MEMBER, OTHER = 333_333_333_333_333_333, 444_444_444_444_444_444
T0 = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
# Isolations and compounds for the same muscles, so pre-exhaustion shows up, plus a custom exercise.
EXERCISES = ("leg_extension", "back_squat", "cable_fly", "bench_press", "leg_curl", "custom:meadows row")
KINDS = ("working", "working", "working", "warmup", "drop", "failure")


def timeline(rng: random.Random) -> list[datetime]:
    """Set times with every shape that matters: short and long gaps, exactly 90 minutes, ties, marathons."""
    times: list[datetime] = []
    at = T0
    for _ in range(rng.randint(5, 14)):
        gap = rng.choice((timedelta(minutes=90), timedelta(hours=3), timedelta(hours=11), timedelta(days=2)))
        at += gap
        marathon = rng.random() < 0.15  # longer than the look-back, or more sets than one batch
        for _ in range(rng.randint(70, 90) if marathon else rng.randint(1, 12)):
            at += timedelta(minutes=rng.choice((0, 1, 3, 7, 15, 89) if not marathon else (5, 10, 12)))
            times.append(at)
    return times


async def seed(factory: async_sessionmaker[AsyncSession], rng: random.Random, times: list[datetime]) -> None:
    async with transaction(factory, write=True) as session:
        for member in (MEMBER, OTHER):
            session.add(MemberSettings(member_id=member, unit=rng.choice((None, "kg", "lb")), share="private"))
        await session.flush()
        for i, at in enumerate(times):
            member = OTHER if rng.random() < 0.1 else MEMBER
            key = rng.choice(EXERCISES)
            weight, reps = rng.choice((20.0, 60.0, 100.0)), rng.choice((5, 8, 12))
            session.add(
                LoggedSet(
                    member_id=member,
                    interaction_id=10**12 + i,
                    exercise_key=key,
                    exercise_id=None if key.startswith("custom:") else key,
                    custom_name="meadows row" if key.startswith("custom:") else None,
                    exercise_name=key,
                    weight_kg=weight,
                    weight_value=weight,
                    weight_unit="kg",
                    reps=reps,
                    rpe=rng.choice((None, 8.0)),
                    kind=rng.choice(KINDS),
                    e1rm_kg=estimate_1rm(weight, reps),
                    performed_at=at,
                    created_at=at,
                )
            )


@pytest.mark.parametrize("seed_value", range(12))
async def test_single_read_matches_the_step_by_step_queries(
    session_factory: async_sessionmaker[AsyncSession], logbook_catalog: Catalog, seed_value: int
) -> None:
    rng = random.Random(seed_value)
    times = timeline(rng)
    await seed(session_factory, rng, times)
    service = LogbookService(session_factory, logbook_catalog)
    probes = [times[-1] + timedelta(minutes=5), times[-1] + timedelta(days=3)]
    probes += [rng.choice(times) for _ in range(10)]  # backdated sets, some at an existing set's exact time
    probes += [rng.choice(times) + timedelta(minutes=rng.choice((1, 45, 100, 700))) for _ in range(10)]
    settled = 0
    async with transaction(session_factory, write=False) as session:
        sets = SetRepository(session)
        for at in probes:
            for key in EXERCISES:
                exercise = service.resolve_exercise(key, custom=True)
                known = await sets.log_context(
                    MEMBER, exercise.key, 8, at, at - _SESSION_LOOKBACK, limit=_SESSION_FIRST_BATCH
                )
                fast = service._context_from(known, exercise, at)
                slow = await service._context(sets, MEMBER, exercise, at, reps=8, before_id=None)
                assert (known.best_e1rm, known.best_at_reps) == (slow.best_e1rm, slow.best_at_reps)
                if fast is not None:
                    assert fast == slow, (at, key)
                    settled += 1
    assert settled > 0


async def test_ordinary_histories_need_no_second_query(
    session_factory: async_sessionmaker[AsyncSession], logbook_catalog: Catalog
) -> None:
    """Sessions of a dozen sets a day or more apart: the single read settles every look-up."""
    rng = random.Random(3)
    times = [T0 + timedelta(days=2 * s, minutes=4 * i) for s in range(30) for i in range(12)]
    await seed(session_factory, rng, times)
    service = LogbookService(session_factory, logbook_catalog)
    async with transaction(session_factory, write=False) as session:
        sets = SetRepository(session)
        for at in (times[-1] + timedelta(minutes=3), times[-1] + timedelta(days=1), times[200]):
            for key in EXERCISES:
                exercise = service.resolve_exercise(key, custom=True)
                known = await sets.log_context(
                    MEMBER, exercise.key, 8, at, at - _SESSION_LOOKBACK, limit=_SESSION_FIRST_BATCH
                )
                assert service._context_from(known, exercise, at) is not None, (at, key)


async def test_duplicates_and_settings_come_back_with_the_context(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    rng = random.Random(7)
    await seed(session_factory, rng, [T0 + timedelta(minutes=i) for i in range(3)])
    async with transaction(session_factory, write=False) as session:
        sets = SetRepository(session)
        at = T0 + timedelta(hours=1)
        known = await sets.log_context(
            MEMBER, "bench_press", 5, at, at - _SESSION_LOOKBACK, limit=5, interaction_id=10**12
        )
        assert known.duplicate_id is not None and known.member_exists and known.share == "private"
        fresh = await sets.log_context(999, "bench_press", 5, at, at - _SESSION_LOOKBACK, limit=5, interaction_id=1)
        assert fresh.duplicate_id is None and not fresh.member_exists and fresh.recent == fresh.before_last == []
