"""The guided workout service against real databases (SQLite file and PostgreSQL), with a clock the test moves.

What the card does is tested through the real bot in tests/cogs/test_workout.py; here: the rules and
transactions under it — every press all or nothing, out-of-date cards, undo, the idle limit, the summary.
"""

# The database fixtures are imported by name from tests/db/fixtures.py; pytest injects them as arguments.

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog import Catalog
from coach.errors import ValidationError
from coach.export import JSON_NAME
from coach.insight import InsightService
from coach.logbook import LogbookService, LogRequest
from coach.planner import Planner
from coach.storage import Storage
from coach.workout import (
    Action,
    Card,
    Press,
    SetEntry,
    StaleCardError,
    StartRequest,
    WorkoutActiveError,
    WorkoutService,
)
from coach.workout_rules import COMPOUND_REST_S, ISOLATION_REST_S, PAIR_REST_S, WorkoutError
from db.models import LoggedSet
from tests.clock import Clock

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # a Tuesday: push day
ALICE, BOB = 111_111_111_111_111_111, 222_222_222_222_222_222
_ids = itertools.count(10**17)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def services(
    session_factory: async_sessionmaker[AsyncSession], logbook_catalog: Catalog, clock: Clock
) -> AsyncIterator[tuple[WorkoutService, LogbookService]]:
    storage = Storage(session_factory)
    common = {"clock": clock, "storage": storage}
    insight = InsightService(session_factory, logbook_catalog, **common)
    workouts = WorkoutService(
        session_factory, logbook_catalog, planner=Planner(logbook_catalog), insight=insight, **common
    )
    logbook = LogbookService(session_factory, logbook_catalog, **common)
    try:
        yield workouts, logbook
    finally:
        await storage.close()


@pytest.fixture
def workouts(services: tuple[WorkoutService, LogbookService]) -> WorkoutService:
    return services[0]


def start(
    member: int = ALICE, day: str = "push", protocol: str = "pre-exhaust", equipment: str = "gym"
) -> StartRequest:
    return StartRequest(
        member_id=member, day=day, protocol=protocol, equipment=equipment, week=48, interaction_id=next(_ids),
        locale="en-GB",
    )  # fmt: skip


def press(card: Card, action: Action, member: int = ALICE, **kw: object) -> Press:
    w = card.workout
    return Press(member, w.workout_id, w.version, action, interaction_id=next(_ids), locale="en-GB", **kw)  # type: ignore[arg-type]


async def edit(workouts: WorkoutService, card: Card, weight: str, reps: str, **kw: str) -> Card:
    return await workouts.press(press(card, Action.EDIT, entry=SetEntry(weight=weight, reps=reps, **kw)))


async def sets_of(session_factory: async_sessionmaker[AsyncSession], member: int = ALICE) -> list[LoggedSet]:
    async with session_factory() as session:
        rows = await session.scalars(
            select(LoggedSet).where(LoggedSet.member_id == member).order_by(LoggedSet.performed_at, LoggedSet.id)
        )
        return list(rows)


async def test_a_first_push_day_done_set_by_set(
    workouts: WorkoutService, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    card = await workouts.start(start())
    assert card.exercise is not None
    assert card.exercise.id == "tricep_extension"
    assert card.suggestion is None, "a loaded lift with no history: only the member knows the weight"
    with pytest.raises(WorkoutError, match="tap \\*\\*Edit\\*\\*"):
        await workouts.press(press(card, Action.DONE))
    card = await edit(workouts, card, "25", "12")
    assert card.logged is not None
    assert card.logged.reps == 12
    assert card.workout.set_number == 2
    assert card.suggestion is not None
    assert (card.suggestion.weight, card.suggestion.reps) == (25.0, 12)
    assert card.rest is not None
    assert card.rest.seconds == ISOLATION_REST_S
    clock.advance(seconds=80)
    card = await workouts.press(press(card, Action.DONE))
    card = await workouts.press(press(card, Action.SKIP))
    # Three prescribed sets (two logged, one skipped): on to the next exercise, no rest after a skip.
    assert card.exercise is not None
    assert card.exercise.id == "overhead_tricep_extension"
    assert card.rest is None
    rows = await sets_of(session_factory)
    assert [(r.exercise_id, r.weight_value, r.reps, r.kind) for r in rows] == [
        ("tricep_extension", 25.0, 12, "working"),
        ("tricep_extension", 25.0, 12, "working"),
    ]


async def test_rest_is_short_from_the_isolation_work_into_the_compound_it_pre_exhausts(
    workouts: WorkoutService, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    card = await workouts.start(start())
    # Straight to the lateral raise, the last isolation exercise before the shoulder press.
    for _ in range(2):
        card = await workouts.press(press(card, Action.NEXT))
    card = await edit(workouts, card, "8", "15")  # front raise: tires the front delts
    card = await workouts.press(press(card, Action.NEXT))
    assert card.exercise is not None
    assert card.exercise.id == "lateral_raise"
    for _ in range(3):
        clock.advance(seconds=70)
        card = await (
            edit(workouts, card, "8", "15") if card.suggestion is None else workouts.press(press(card, Action.DONE))
        )
    assert card.exercise is not None
    assert card.exercise.id == "shoulder_press"
    assert card.rest is not None
    assert card.rest.seconds == PAIR_REST_S
    assert "Front Raise" in card.rest.reason
    assert "Shoulder Press" in card.rest.reason
    assert card.rest.until == clock.now + timedelta(seconds=PAIR_REST_S)
    card = await edit(workouts, card, "40", "8")
    assert card.logged is not None
    assert card.logged.pre_exhausted_by == ("Front Raise",)
    assert card.rest is not None
    assert card.rest.seconds == COMPOUND_REST_S
    rows = await sets_of(session_factory)
    assert rows[-1].exercise_id == "shoulder_press"


async def test_an_out_of_date_card_changes_nothing(
    workouts: WorkoutService, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    card = await workouts.start(start())
    card = await edit(workouts, card, "25", "12")
    newer = await workouts.press(press(card, Action.DONE))
    # The same card pressed again (a double tap, another device): no second set, the current card back.
    again = await workouts.press(press(card, Action.DONE))
    assert again.notice is not None
    assert "nothing was logged" in again.notice
    assert again.workout.version == newer.workout.version
    assert len(await sets_of(session_factory)) == 2


async def test_two_presses_of_one_card_at_once_log_one_set(
    workouts: WorkoutService, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    card = await workouts.start(start())
    card = await edit(workouts, card, "25", "12")
    results = await asyncio.gather(*(workouts.press(press(card, Action.DONE)) for _ in range(4)))
    assert sum(r.logged is not None for r in results) == 1
    assert sum(r.notice is not None for r in results) == 3
    assert len(await sets_of(session_factory)) == 2


async def test_undo_takes_back_the_set_and_the_position(
    workouts: WorkoutService, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    card = await workouts.start(start())
    for _ in range(3):
        card = await (
            edit(workouts, card, "25", "12") if card.suggestion is None else workouts.press(press(card, Action.DONE))
        )
    assert card.exercise is not None
    assert card.exercise.id == "overhead_tricep_extension"
    card = await workouts.press(press(card, Action.UNDO))
    assert card.undone is not None
    assert card.undone.set_id is not None
    assert card.exercise is not None
    assert card.exercise.id == "tricep_extension"
    assert card.workout.set_number == 3
    assert len(await sets_of(session_factory)) == 2
    card = await workouts.press(press(card, Action.UNDO))
    card = await workouts.press(press(card, Action.UNDO))
    assert await sets_of(session_factory) == []
    with pytest.raises(WorkoutError, match="Nothing to undo"):
        await workouts.press(press(card, Action.UNDO))


async def test_a_bad_edit_is_refused_and_writes_nothing(
    workouts: WorkoutService, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    card = await workouts.start(start())
    for weight, reps, extra in (
        ("25", "abc", {}),
        ("-5", "10", {}),
        ("25", "10", {"rpe": "14"}),
        ("25", "10", {"kind": "mega"}),
    ):
        with pytest.raises(ValidationError):
            await edit(workouts, card, weight, reps, **extra)
    assert await sets_of(session_factory) == []
    after = await workouts.resume(ALICE)
    assert after.workout.version == card.workout.version


async def test_a_warm_up_is_logged_but_is_not_a_prescribed_set(
    workouts: WorkoutService, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    card = await workouts.start(start())
    card = await edit(workouts, card, "10", "15", kind="warmup")
    assert card.workout.set_number == 1
    card = await edit(workouts, card, "25", "12")
    assert card.workout.set_number == 2
    assert [r.kind for r in await sets_of(session_factory)] == ["warmup", "working"]


async def test_swap_keeps_the_slot_and_can_swap_back(workouts: WorkoutService) -> None:
    card = await workouts.start(start(equipment="gym"))
    assert card.substitutes, "the triceps slot has stand-ins"
    first = card.substitutes[0]
    card = await workouts.press(press(card, Action.SWAP, exercise_id=first.id))
    assert card.exercise is not None
    assert card.exercise.id == first.id
    assert card.replaces is not None
    assert card.replaces.id == "tricep_extension"
    assert card.substitutes[0].id == "tricep_extension"
    with pytest.raises(WorkoutError, match="can't stand in"):
        await workouts.press(press(card, Action.SWAP, exercise_id="back_squat"))
    card = await workouts.press(press(card, Action.SWAP, exercise_id="tricep_extension"))
    assert card.exercise is not None
    assert card.exercise.id == "tricep_extension"
    assert card.replaces is None


async def test_one_open_workout_per_member(workouts: WorkoutService) -> None:
    card = await workouts.start(start())
    with pytest.raises(WorkoutActiveError) as asked:
        await workouts.start(start(day="pull"))
    assert asked.value.card.workout.workout_id == card.workout.workout_id
    fresh = await workouts.start(start(day="pull"), replacing=card.workout.workout_id)
    assert fresh.workout.day == "pull"
    # The same "End it, start …" pressed again later (a double tap, another device) ends nothing new: it asks.
    with pytest.raises(WorkoutActiveError):
        await workouts.start(start(day="lower"), replacing=card.workout.workout_id)
    with pytest.raises(StaleCardError):
        await workouts.press(press(card, Action.DONE))
    # Bob's workout is his own.
    bobs = await workouts.start(start(member=BOB))
    assert bobs.workout.member_id == BOB
    with pytest.raises(StaleCardError):
        await workouts.press(press(bobs, Action.SKIP, member=ALICE))


async def test_a_workout_left_for_three_hours_ends_itself(workouts: WorkoutService, clock: Clock) -> None:
    card = await workouts.start(start())
    card = await edit(workouts, card, "25", "12")
    clock.advance(hours=3, seconds=1)
    ended = await workouts.press(press(card, Action.DONE))
    assert ended.workout.ended
    assert ended.summary is not None
    assert ended.summary.ended_by_idle
    assert ended.summary.sets == 1
    assert ended.workout.ended_at == card.workout.updated_at + timedelta(hours=3)
    with pytest.raises(StaleCardError, match="no workout open"):
        await workouts.resume(ALICE)
    # Starting again is not blocked by it.
    await workouts.start(start())


async def test_the_summary_counts_what_was_done_and_compares_the_time(
    services: tuple[WorkoutService, LogbookService], clock: Clock
) -> None:
    workouts, logbook = services
    # Two earlier compound-first push days (last week and the one before): 60 and 50 minutes.
    for days, minutes in ((14, 60), (7, 50)):
        at = NOW - timedelta(days=days)
        for offset, (exercise, weight, reps) in enumerate(
            [("Shoulder Press", 30, 8), ("Front Raise", 8, 12), ("Triceps Pushdown", 25, 12)]
        ):
            when = at + timedelta(minutes=offset * minutes / 2)
            await logbook.log_set(
                LogRequest(
                    ALICE, exercise, weight, reps, unit="kg", when=f"{when:%Y-%m-%d %H:%M}", interaction_id=next(_ids)
                )
            )
    card = await workouts.start(start())
    assert card.suggestion is not None
    assert card.suggestion.weight == 25.0, "last time's load is the target"
    for _ in range(3):
        clock.advance(minutes=2)
        card = await workouts.press(press(card, Action.DONE))
    assert card.exercise is not None
    assert card.exercise.id == "overhead_tricep_extension", "three sets done: on to the next exercise"
    card = await edit(workouts, card, "12", "12")
    clock.advance(minutes=30)
    card = await workouts.press(press(card, Action.END))
    summary = card.summary
    assert summary is not None
    assert card.workout.ended
    assert summary.sets == 4
    assert [e.exercise.name for e in summary.exercises] == ["Triceps Pushdown", "Overhead Tricep Extension"]
    # Last time one set of 12: today a rep more on the first, the missing sets from the bottom of the range.
    assert summary.volume_kg == pytest.approx(25 * (13 + 12 + 12) + 12 * 12)
    assert summary.duration == timedelta(minutes=4), "first set (2 min in) to last set (6 min in)"
    assert summary.other_order is not None
    assert summary.other_order.sessions == 2
    assert summary.other_order.mean_minutes == pytest.approx(55)
    shared = await workouts.summary(ALICE, card.workout.workout_id)
    assert shared.sets == 4
    with pytest.raises(StaleCardError):
        await workouts.press(press(card, Action.DONE))


async def test_forget_removes_the_workout_too(
    services: tuple[WorkoutService, LogbookService], session_factory: async_sessionmaker[AsyncSession]
) -> None:
    workouts, logbook = services
    card = await workouts.start(start())
    await edit(workouts, card, "25", "12")
    bobs = await workouts.start(start(member=BOB))
    assert await logbook.forget(ALICE) == 3  # the set, the workout and the settings row
    with pytest.raises(StaleCardError):
        await workouts.resume(ALICE)
    assert (await workouts.resume(BOB)).workout.workout_id == bobs.workout.workout_id


async def test_export_includes_the_workout(services: tuple[WorkoutService, LogbookService]) -> None:
    workouts, logbook = services
    card = await workouts.start(start())
    await edit(workouts, card, "25", "12")
    files = {f.filename: f.data.read() for f in await logbook.export(ALICE, 10_000_000)}
    doc = json.loads(files[JSON_NAME])
    assert doc["workout"]["workout_id"] == str(card.workout.workout_id)
    assert doc["workout"]["day"] == "push"
    assert doc["workout"]["steps"][0]["x"] == "tricep_extension"
    assert len(doc["sets"]) == 1
    files = {f.filename: f.data.read() for f in await logbook.export(BOB, 10_000_000)}
    assert json.loads(files[JSON_NAME])["workout"] is None


async def test_swaps_keep_the_slots_prescription_whatever_came_before(workouts: WorkoutService) -> None:
    card = await workouts.start(start(day="lower"))
    card = await workouts.press(press(card, Action.NEXT))  # leg curl: 4 × 15–20
    assert card.exercise is not None
    assert card.exercise.id == "leg_curl"
    nordic = await workouts.press(press(card, Action.SWAP, exercise_id="nordic_hamstring_curl"))
    current = nordic.workout.current
    assert current is not None
    assert (current.reps_low, current.reps_high) == (4, 8), "a body-weight move keeps its own reps"
    seated = await workouts.press(press(nordic, Action.SWAP, exercise_id="seated_leg_curl"))
    current = seated.workout.current
    assert current is not None
    assert (current.sets, current.reps_low, current.reps_high) == (4, 15, 20), "the slot's, not the nordic's"
    assert seated.replaces is not None
    assert seated.replaces.id == "leg_curl"
    back = await workouts.press(press(seated, Action.SWAP, exercise_id="leg_curl"))
    current = back.workout.current
    assert current is not None
    assert (current.exercise_id, current.reps_low, current.reps_high) == ("leg_curl", 15, 20)
    assert back.replaces is None


def test_the_best_set_of_an_assisted_lift_is_the_least_assisted(logbook_catalog: Catalog) -> None:
    from coach.planner import Protocol
    from coach.workout_rules import PlanItem, Step, StepKind, Workout, summarise

    item = PlanItem("assisted_pull_up", 4, 6, 10)
    steps = tuple(
        Step(0, "assisted_pull_up", StepKind.DONE, NOW + timedelta(minutes=i), set_id=i + 1, weight=w, reps=8,
             volume_kg=(80 * 0.95 - w) * 8)
        for i, w in enumerate((40.0, 20.0, 30.0))
    )  # fmt: skip
    workout = Workout(ALICE, 1, "pull", Protocol.PRE_EXHAUST, "gym", 48, "kg", (item,), NOW, NOW, steps=steps)
    (done,) = summarise(workout, logbook_catalog).exercises
    assert done.best is not None
    assert done.best.weight == 20.0, "20 kg of assistance is heavier than 40"


async def test_the_database_refuses_a_save_from_an_older_version(workouts: WorkoutService) -> None:
    """The last guard against two processes pressing one card: the UPDATE itself compares the version."""
    from db.workout_queries import WorkoutQueries

    card = await workouts.start(start())
    w = card.workout
    moved = {"position": 3, "version": w.version + 1}
    stale = await workouts._storage.run(
        lambda conn: WorkoutQueries(conn).save(ALICE, w.workout_id, w.version + 5, moved)
    )
    assert stale is False
    other = await workouts._storage.run(
        lambda conn: WorkoutQueries(conn).save(ALICE, w.workout_id + 1, w.version, moved)
    )
    assert other is False
    assert (await workouts.resume(ALICE)).workout.position == 0
    saved = await workouts._storage.run(lambda conn: WorkoutQueries(conn).save(ALICE, w.workout_id, w.version, moved))
    assert saved is True
    assert (await workouts.resume(ALICE)).workout.position == 3
