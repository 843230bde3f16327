"""InsightService against real databases (SQLite file and PostgreSQL), plus the pure session analysis."""

# The database fixtures are imported by name from tests/db/fixtures.py; pytest injects them as arguments,
# which pyflakes reads as redefinitions.

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog import Catalog
from coach.errors import NotEnoughDataError, UnknownExerciseError, ValidationError
from coach.insight import InsightService, build_sessions
from coach.insight_results import Condition
from coach.logbook import LogbookService, LogRequest
from coach.planner import Planner, Protocol
from db.insight_repository import InsightRepository
from db.repositories import SetRepository, SetRow
from tests.clock import Clock

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
ALICE, BOB = 111_111_111_111_111_111, 222_222_222_222_222_222
_ids = count(10**15)

Entry = tuple[str, float, int] | tuple[str, float, int, str]


@pytest.fixture
def logbook(session_factory: async_sessionmaker[AsyncSession], logbook_catalog: Catalog) -> LogbookService:
    return LogbookService(session_factory, logbook_catalog, clock=Clock(NOW))


@pytest.fixture
def service(session_factory: async_sessionmaker[AsyncSession], logbook_catalog: Catalog) -> InsightService:
    return InsightService(session_factory, logbook_catalog, clock=Clock(NOW))


async def train(
    logbook: LogbookService,
    days_ago: int,
    entries: list[Entry],
    *,
    member: int = ALICE,
    start: str = "10:00",
    spacing_min: int = 3,
    unit: str = "kg",
) -> None:
    """Log one session through the logbook: sets ``spacing_min`` minutes apart from ``start`` on that day."""
    first = datetime.combine((NOW - timedelta(days=days_ago)).date(), datetime.strptime(start, "%H:%M").time(), UTC)
    for i, entry in enumerate(entries):
        exercise, weight, reps = entry[0], entry[1], entry[2]
        kind = entry[3] if len(entry) > 3 else None
        at = first + timedelta(minutes=spacing_min * i)
        await logbook.log_set(
            LogRequest(
                member_id=member,
                exercise=exercise,
                weight=weight,
                reps=reps,
                unit=unit,
                kind=kind,
                when=f"{at:%Y-%m-%d %H:%M}",
                interaction_id=next(_ids),
            )
        )


def squats(weight: float, reps: int = 6, n: int = 4) -> list[Entry]:
    return [("back_squat", weight, reps)] * n


def leg_extensions(n: int = 3) -> list[Entry]:
    return [("leg_extension", 50, 15)] * n


# ------------------------------------------------------------------------------------------ pure analysis


def fact(i: int, key: str, minute: int, kind: str = "working", weight: float = 50, reps: int = 10) -> SetRow:
    custom = key.startswith("custom:")
    at = NOW + timedelta(minutes=minute)
    return SetRow(i, at, key, None if custom else key, key, kind, weight, reps, None, weight * (1 + reps / 30), None)


def test_isolation_first_is_pre_exhausted(logbook_catalog: Catalog) -> None:
    (session,) = build_sessions([fact(1, "leg_extension", 0), fact(2, "back_squat", 10)], logbook_catalog)
    assert session.conditions == {"back_squat": Condition.PRE_EXHAUSTED}
    assert [e.id for e in session.pre_pairs] == ["back_squat"]
    assert not session.traditional_pairs
    assert session.protocol is Protocol.PRE_EXHAUST


def test_compound_first_then_isolation_is_traditional(logbook_catalog: Catalog) -> None:
    (session,) = build_sessions([fact(1, "bench_press", 0), fact(2, "pec_deck_fly", 10)], logbook_catalog)
    assert session.conditions == {"bench_press": Condition.FRESH}
    assert [e.id for e in session.traditional_pairs] == ["bench_press"]
    assert session.protocol is Protocol.TRADITIONAL


def test_warmups_and_other_muscles_dont_pre_exhaust(logbook_catalog: Catalog) -> None:
    facts = [fact(1, "leg_extension", 0, kind="warmup"), fact(2, "bicep_curl", 5), fact(3, "back_squat", 10)]
    (session,) = build_sessions(facts, logbook_catalog)
    assert session.conditions == {"back_squat": Condition.FRESH}
    assert session.protocol is None, "no isolation for the squat's muscle: not comparable"


def test_a_gap_of_90_minutes_splits_sessions(logbook_catalog: Catalog) -> None:
    facts = [fact(1, "leg_extension", 0), fact(2, "back_squat", 89), fact(3, "back_squat", 89 + 90)]
    first, second = build_sessions(facts, logbook_catalog)
    assert len(first.sets) == 2
    assert first.conditions["back_squat"] is Condition.PRE_EXHAUSTED
    assert second.conditions["back_squat"] is Condition.FRESH


def test_custom_exercises_are_kept_but_not_classified(logbook_catalog: Catalog) -> None:
    (session,) = build_sessions([fact(1, "custom:sled push", 0), fact(2, "leg_press", 5)], logbook_catalog)
    assert len(session.sets) == 2
    assert session.conditions == {"leg_press": Condition.FRESH}


# ------------------------------------------------------------------------------------------ /progress


async def test_progress_series_marks_prs_and_conditions(logbook: LogbookService, service: InsightService) -> None:
    await train(logbook, 40, squats(100))  # before the window: the best to beat
    await train(logbook, 20, leg_extensions() + squats(95))
    await train(logbook, 15, squats(105))
    await train(logbook, 10, [("back_squat", 60, 5, "warmup"), *squats(102.5)])
    await train(logbook, 5, leg_extensions() + squats(110, reps=5), member=BOB)  # someone else's
    series = await service.progress(ALICE, "squat", "e1rm", 30, unit="kg")
    assert series.exercise_name == "Back Squat"
    assert series.is_compound
    assert [round(p.value, 1) for p in series.points] == [114.0, 126.0, 123.0]
    assert [p.condition for p in series.points] == [Condition.PRE_EXHAUSTED, Condition.FRESH, Condition.FRESH]
    assert [p.is_pr for p in series.points] == [False, True, False], "114 doesn't beat the 120 from before"
    assert series.count(Condition.PRE_EXHAUSTED) == 1
    assert series.prs == 1
    assert series.axis_label == "Estimated 1RM (kg)"
    top = await service.progress(ALICE, "back_squat", "top-set", 30, unit="lb")
    assert top.points[1].label == "231.5 lb × 6"
    assert top.axis_label == "Top set weight (lb)"
    volume = await service.progress(ALICE, "Back Squat", "volume", 30, unit="kg")
    assert [p.value for p in volume.points] == [95 * 24, 105 * 24, 102.5 * 24], "warm-ups aren't volume"
    assert [p.is_pr for p in volume.points] == [False, True, False]


async def test_progress_needs_two_sessions(logbook: LogbookService, service: InsightService) -> None:
    with pytest.raises(NotEnoughDataError, match="no sessions of Back Squat"):
        await service.progress(ALICE, "back squat", unit="kg")
    await train(logbook, 3, squats(100))
    with pytest.raises(NotEnoughDataError, match=r"1 session of Back Squat.*at least 2"):
        await service.progress(ALICE, "back squat", unit="kg")
    with pytest.raises(NotEnoughDataError):
        await service.progress(BOB, "back squat", unit="kg")


async def test_progress_of_own_custom_exercise(logbook: LogbookService, service: InsightService) -> None:
    await train(logbook, 4, [("custom:Sled Push", 80, 20)])
    await train(logbook, 2, [("custom:Sled Push", 90, 20)])
    series = await service.progress(ALICE, "custom:sled push", unit="kg")
    assert series.exercise_name == "Sled Push"
    assert not series.is_compound
    assert all(p.condition is None for p in series.points)
    with pytest.raises(UnknownExerciseError, match="haven't logged an exercise called “\u2068sled pull\u2069”"):
        await service.progress(ALICE, "sled pull", unit="kg")
    with pytest.raises(UnknownExerciseError):
        await service.progress(BOB, "sled push", unit="kg")


async def test_progress_of_bodyweight_sets_says_why_not(logbook: LogbookService, service: InsightService) -> None:
    await train(logbook, 4, [("pull_up", 0, 8)])
    await train(logbook, 2, [("pull_up", 0, 9)])
    with pytest.raises(NotEnoughDataError, match="set it once with `/settings bodyweight:`"):
        await service.progress(ALICE, "pull up", unit="kg")
    with pytest.raises(NotEnoughDataError, match="without added weight"):
        await service.progress(ALICE, "pull up", metric="top-set", unit="kg")
    # With a body weight from before those sets, the e1RM counts it: 80 kg × (1 + 9/30) = 104 kg.
    await logbook.update_settings(
        ALICE, bodyweight=80, unit="kg", bodyweight_when=f"{NOW - timedelta(days=30):%Y-%m-%d}"
    )
    series = await service.progress(ALICE, "pull up", unit="kg")
    assert [round(p.value, 1) for p in series.points] == [104.0 - 2.7, 104.0]
    assert series.points[1].is_pr


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"metric": "power"}, "Metric must be one of e1rm, top-set, volume"), ({"days": 0}, "Days must be a whole"),
     ({"days": 731}, "1 to 730"), ({"days": "many"}, "Days"), ({"exercise": "  "}, "Pick an exercise")],
)  # fmt: skip
async def test_progress_validates_options(service: InsightService, kwargs: dict[str, Any], fragment: str) -> None:
    values: dict[str, Any] = {"exercise": "back squat", "metric": None, "days": None, **kwargs}
    with pytest.raises(ValidationError, match=fragment):
        await service.progress(ALICE, values["exercise"], values["metric"], values["days"], unit="kg")


# ------------------------------------------------------------------------------------------ /stats


async def test_weekly_stats_per_muscle(logbook: LogbookService, service: InsightService) -> None:
    await train(logbook, 2, [("leg_extension", 50, 15, "warmup"), *leg_extensions(), *squats(100)])
    await train(logbook, 4, [("bench_press", 80, 8), ("bench_press", 80, 8), ("pec_deck_fly", 40, 12)])
    await train(logbook, 10, squats(100))  # outside one week
    await train(logbook, 1, squats(200), member=BOB)
    stats = await service.weekly_stats(ALICE, 1, unit="kg")
    by = {m.muscle: m for m in stats.muscles}
    assert (by["quads"].hard_sets, by["quads"].sessions, by["quads"].pre_pairs) == (7, 1, 1)
    assert by["glutes"].hard_sets == 4, "the squat's second primary muscle"
    assert by["quads"].volume == pytest.approx(3 * 50 * 15 + 4 * 100 * 6)
    assert (by["chest"].hard_sets, by["chest"].traditional_pairs, by["chest"].pre_pairs) == (3, 1, 0)
    assert stats.muscles[0].muscle == "quads", "most sets first"
    assert (stats.sessions, stats.hard_sets, stats.pre_pairs, stats.traditional_pairs) == (2, 10, 1, 1)
    two = await service.weekly_stats(ALICE, 2, unit="lb")
    assert {m.muscle: m for m in two.muscles}["quads"].sessions == 2
    assert two.period == "last 2 weeks"
    with pytest.raises(NotEnoughDataError, match="no sets"):
        await service.weekly_stats(123, 1, unit="kg")
    with pytest.raises(ValidationError, match="Weeks must be a whole number from 1 to 12"):
        await service.weekly_stats(ALICE, 13, unit="kg")


# ------------------------------------------------------------------------------------------ /compare


async def seed_experiment(logbook: LogbookService, *, pre: int = 3, fresh: int = 3) -> None:
    """``pre`` pre-exhaust sessions (30 min) and ``fresh`` traditional ones (45 min) of bench press."""
    for i in range(pre):
        # 10:00 pec deck, 10:30 bench press: 30 minutes.
        await train(logbook, 60 - 2 * i, [("pec_deck_fly", 40, 12), ("bench_press", 80, 8)], spacing_min=30)
    for i in range(fresh):
        await train(logbook, 59 - 2 * i, [("bench_press", 90, 8), ("pec_deck_fly", 40, 12)], spacing_min=45)


async def test_compare_means_sample_sizes_and_durations(logbook: LogbookService, service: InsightService) -> None:
    await seed_experiment(logbook)
    await train(logbook, 3, squats(100))
    comparison = await service.compare(ALICE, unit="kg")
    bench = next(c for c in comparison.exercises if c.exercise.id == "bench_press")
    assert (bench.pre.sessions, bench.fresh.sessions) == (3, 3)
    assert bench.enough
    assert bench.pre.mean_load == 80
    assert bench.fresh.mean_load == 90
    assert bench.pre.mean_reps == 8
    assert bench.e1rm_difference_pct == pytest.approx((80 - 90) / 90 * 100)
    squat = next(c for c in comparison.exercises if c.exercise.id == "back_squat")
    assert (squat.pre.sessions, squat.fresh.sessions) == (0, 1)
    assert not squat.enough
    assert squat.e1rm_difference_pct is None
    d = comparison.durations
    assert (d.pre_sessions, d.traditional_sessions) == (3, 3)
    assert (d.pre_mean_minutes, d.traditional_mean_minutes) == (30, 45)
    assert d.difference_pct == pytest.approx(-100 / 3)


async def test_compare_below_the_minimum_is_not_enough(logbook: LogbookService, service: InsightService) -> None:
    await seed_experiment(logbook, pre=2, fresh=3)
    comparison = await service.compare(ALICE, "bench press", unit="kg")
    (bench,) = comparison.exercises
    assert not bench.enough
    assert bench.e1rm_difference_pct is None
    assert not comparison.durations.enough
    assert comparison.durations.difference_pct is None
    assert comparison.requested is not None
    assert comparison.requested.id == "bench_press"


async def test_compare_refuses_isolation_and_custom_and_empty(service: InsightService, logbook: LogbookService) -> None:
    with pytest.raises(ValidationError, match="isolation exercise"):
        await service.compare(ALICE, "leg extension", unit="kg")
    # A name never logged and not in the catalog: "did you mean", not "your own exercise".
    with pytest.raises(UnknownExerciseError, match="haven't logged an exercise called"):
        await service.compare(ALICE, "sled push", unit="kg")
    await logbook.log_set(LogRequest(member_id=ALICE, exercise="Sled Push", weight=40, reps=20, custom=True))
    with pytest.raises(ValidationError, match="your own exercise"):
        await service.compare(ALICE, "sled push", unit="kg")
    with pytest.raises(NotEnoughDataError, match="protocol:alternate"):
        await service.compare(ALICE, unit="kg")


# ------------------------------------------------------------------------------------------ My numbers


async def test_my_numbers_use_the_matching_history(
    logbook: LogbookService, service: InsightService, logbook_catalog: Catalog
) -> None:
    planner = Planner(logbook_catalog)
    await train(logbook, 8, leg_extensions(4) + squats(100))  # pre-exhausted: every set hit 6
    await train(logbook, 4, squats(120, reps=5))  # fresh, heavier, not all at 6
    pre_day = planner.plan_day("lower", Protocol.PRE_EXHAUST, "gym")
    numbers = await service.my_numbers(ALICE, pre_day, unit="kg")
    by = {item.exercise.id: item for item in numbers.items}
    squat = by["back_squat"]
    assert squat.condition is Condition.PRE_EXHAUSTED
    assert squat.target is not None, "not the fresh 120"
    assert squat.target.summary() == "102.5 kg × 6, 6, 6, 6", "not the fresh 120"
    extension = by["leg_extension"]
    assert extension.target is not None
    assert extension.target.summary() == "50 kg × 16, 16, 16, 16"
    assert by["leg_curl"].target is None
    assert "no sets logged yet" in (by["leg_curl"].note or "")

    traditional = await service.my_numbers(ALICE, planner.plan_day("lower", Protocol.TRADITIONAL, "gym"), unit="kg")
    fresh = {item.exercise.id: item for item in traditional.items}["back_squat"]
    assert fresh.condition is Condition.FRESH
    assert fresh.target is not None
    assert fresh.target.summary() == "120 kg × 6, 6, 6, 6"


async def test_my_numbers_start_lighter_when_only_fresh(
    logbook: LogbookService, service: InsightService, logbook_catalog: Catalog
) -> None:
    await train(logbook, 4, squats(100, reps=6), unit="lb")  # 100 lb
    day = Planner(logbook_catalog).plan_day("lower", Protocol.PRE_EXHAUST, "gym")
    numbers = await service.my_numbers(ALICE, day, unit="lb")
    squat = {item.exercise.id: item for item in numbers.items}["back_squat"]
    assert squat.target is None
    assert squat.note is not None
    assert "no pre-exhausted sets yet" in squat.note
    assert "start around 90 lb" in squat.note
    other = await service.my_numbers(BOB, day, unit="kg")
    assert all(item.target is None and not item.last_sets for item in other.items), "only the presser's own data"


# ------------------------------------------------------------------------------------------ repository


async def test_repository_is_member_scoped_and_keeps_the_newest(
    logbook: LogbookService, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await train(logbook, 3, squats(100, n=3))
    await train(logbook, 1, squats(110, n=2))
    await train(logbook, 1, squats(200, n=2), member=BOB)
    async with session_factory() as session:
        repo = InsightRepository(session)
        facts = await repo.sets_between(ALICE, NOW - timedelta(days=7), NOW, limit=3)
        assert [f.weight_kg for f in facts] == [100, 110, 110], "the newest three, oldest first"
        best, at_reps, at_weight = await repo.record_bests_before(ALICE, "back_squat", NOW - timedelta(days=2))
        assert (best, at_reps, at_weight) == (pytest.approx(120), {6: 100}, {100: 6})
        assert await repo.record_bests_before(BOB, "back_squat", NOW - timedelta(days=2)) == (None, {}, {})
        assert await SetRepository(session).latest_name(ALICE, "back_squat") == "Back Squat"
        assert await SetRepository(session).latest_name(ALICE, "custom:nothing") is None
