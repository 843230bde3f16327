"""The guided workout service: start a planned day, then one press per set, without Discord.

Every press is one call to the database (``Storage.run``, sharing commits with /log): it reads the member's
workout, checks that the card pressed is the current one (``Workout.version``), logs the set through the
same transaction code as /log (``coach.log_write.LogWriter``: same validation, PRs, e1RM, 🔥 tag) and
stores the new state — all or nothing. A card that is behind (a second device, a double tap) changes
nothing and gets the current state back.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from catalog import Exercise
from coach.community import CommunityService
from coach.errors import CoachError
from coach.exercise_search import ResolvedExercise
from coach.insight import MIN_TIMED_SESSION, InsightService
from coach.insight_results import NumbersItem, TrainingSession
from coach.log_write import LogWriter, parse_request
from coach.logbook_results import LogRequest, LogResult
from coach.metrics import Unit, lifted_load
from coach.planner import DayPlan, PlannedExercise, Planner, Protocol, parse_protocol, substitute_prescription
from coach.schedule import Streak
from coach.storage import Service
from coach.workout_rules import (
    IDLE_LIMIT,
    PlanItem,
    Rest,
    Step,
    StepKind,
    Suggestion,
    TimeComparison,
    Workout,
    WorkoutError,
    WorkoutSummary,
    summarise,
)
from db.workout_queries import WorkoutQueries

log = logging.getLogger(__name__)


class Action(StrEnum):
    """What a card press asks for."""

    DONE = "done"
    EDIT = "edit"
    SKIP = "skip"
    NEXT = "next"
    SWAP = "swap"
    UNDO = "undo"
    END = "end"


class StaleCardError(CoachError):
    """The card belongs to a workout that has ended (or to none); nothing was changed."""

    default_message = (
        "That workout has ended, so this card does nothing now. `/workout start` (or **Start workout** under a "
        "`/plan`) begins a new one."
    )


class WorkoutActiveError(CoachError):
    """A new workout was asked for while one is still open: the member chooses to resume it or end it."""

    def __init__(self, card: Card, wanted: DayPlan) -> None:
        self.card = card
        self.wanted = wanted
        open_day = card.workout.day
        super().__init__(
            f"You already have a {open_day} workout open (set {card.workout.set_number} of "
            f"{card.exercise.name if card.exercise else 'the day'}). Resume it, or end it and start "
            f"{wanted.day}?"
        )


@dataclass(frozen=True, slots=True)
class StartRequest:
    """What starting a workout needs: the planned day and where it was asked."""

    member_id: int
    day: str
    protocol: str
    equipment: str
    week: int
    interaction_id: int
    guild_id: int | None = None
    channel_id: int | None = None
    locale: str | None = None


@dataclass(frozen=True, slots=True)
class SetEntry:
    """What the member typed in the card's Edit form (raw: validated like /log)."""

    weight: str | float | None
    reps: str | int | None
    rpe: str | float | None = None
    kind: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Press:
    """One press of a card: whose, which card state, what for."""

    member_id: int
    workout_id: int
    version: int
    action: Action
    interaction_id: int
    guild_id: int | None = None
    channel_id: int | None = None
    locale: str | None = None
    entry: SetEntry | None = None
    exercise_id: str | None = None


@dataclass(frozen=True, slots=True)
class Card:
    """Everything the card shows after a press."""

    workout: Workout
    now: datetime
    exercise: Exercise | None
    upcoming: Exercise | None
    replaces: Exercise | None
    suggestion: Suggestion | None
    rest: Rest | None
    substitutes: tuple[Exercise, ...] = ()
    logged: LogResult | None = None
    undone: Step | None = None
    # False when the set Undo took back had already been removed from the log (with /undo, say).
    undone_deleted: bool = True
    notice: str | None = None
    summary: WorkoutSummary | None = None


@dataclass(frozen=True, slots=True)
class _Outcome:
    workout: Workout
    logged: LogResult | None = None
    undone: Step | None = None
    undone_deleted: bool = True
    notice: str | None = None
    kept: frozenset[int] | None = None
    by_idle: bool = False


BEHIND = (
    "This card was behind (a press on another device, or a double tap): nothing was logged. It shows where you are now."
)


def other_order_time(
    sessions: Sequence[TrainingSession], day: str, before: datetime, catalog: Any, done: Protocol
) -> TimeComparison:
    """The member's timed sessions of this day in the other order than ``done``, before ``before``: how many,
    and their mean minutes (first to last set)."""
    other = Protocol.TRADITIONAL if done is Protocol.PRE_EXHAUST else Protocol.PRE_EXHAUST
    minutes = [
        s.duration.total_seconds() / 60
        for s in sessions
        if s.end < before and s.protocol is other and s.duration >= MIN_TIMED_SESSION and s.day(catalog) == day
    ]
    return TimeComparison(len(minutes), sum(minutes) / len(minutes) if minutes else None, other)


def plan_item(planned: PlannedExercise, numbers: NumbersItem, slot: PlanItem | None = None) -> PlanItem:
    """A planned exercise with the member's target ("My numbers") for it; ``slot``: the item it replaces in a
    workout (its plan slot carries over), else the planned exercise is the slot's own."""
    target = numbers.target
    rx = planned.prescription
    slot_rx = slot.slot_prescription if slot else rx
    return PlanItem(
        exercise_id=planned.exercise.id,
        sets=rx.sets,
        reps_low=rx.reps_low,
        reps_high=rx.reps_high,
        replaces=planned.replaces.id if planned.replaces else None,
        target_weight=target.weight if target else None,
        target_reps=target.reps if target else (),
        # Without a target or a first load the card says "tap Edit" itself; /plan's note would say "/log it".
        target_note=(
            f"{target.summary()} — {target.reason()}"
            if target
            else (numbers.note if numbers.start_weight is not None else None)
        ),
        start_weight=numbers.start_weight,
        condition=numbers.condition.value if numbers.condition else None,
        slot_exercise=slot.slot_exercise_id if slot else planned.exercise.id,
        slot=(slot_rx.sets, slot_rx.reps_low, slot_rx.reps_high),
    )


class WorkoutService(Service):
    """Guided workouts: start, press, resume, end, share."""

    def __init__(
        self,
        *args: Any,
        planner: Planner,
        insight: InsightService,
        community: CommunityService | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.planner = planner
        self.insight = insight
        self.community = community

    # ----------------------------------------------------------------- start and resume

    async def start(self, req: StartRequest, *, replacing: int | None = None) -> Card:
        """Start the planned day for the member; WorkoutActiveError when one is open, unless it is the workout
        ``replacing`` names (the member chose to end that one)."""
        now = self.now()
        day = self.planner.plan_day(req.day, parse_protocol(req.protocol), req.equipment, week_index=req.week)
        if not day.items:
            raise WorkoutError("Nothing in that day fits this equipment, so there is no workout to start.")
        prefs = await self.insight.reply_preferences(req.member_id, req.locale)
        numbers = await self.insight.my_numbers(req.member_id, day, unit=prefs.unit)
        workout = Workout(
            member_id=req.member_id, workout_id=req.interaction_id, day=day.day, protocol=day.protocol,
            equipment=day.equipment, week=req.week, unit=prefs.unit,
            items=tuple(plan_item(p, n) for p, n in zip(day.items, numbers.items, strict=True)),
            started_at=now, updated_at=now, guild_id=req.guild_id, channel_id=req.channel_id,
        )  # fmt: skip

        def job(conn: Connection) -> tuple[Workout, bool]:
            q = WorkoutQueries(conn)
            current = _load(q, req.member_id)
            if current is not None and current.workout_id == req.interaction_id:
                return current, False  # another delivery of this interaction started it already
            if (
                current is not None
                and current.workout_id != replacing
                and not current.ended
                and not current.expired(now)
            ):
                return current, True
            q.replace(_to_row(workout))
            return workout, False

        stored, clash = await self._storage.run(job)
        if clash:
            raise WorkoutActiveError(self._card(_Outcome(stored), now), day)
        return self._card(_Outcome(stored), now)

    async def resume(self, member_id: int) -> Card:
        """The member's open workout as a fresh card (after a restart, on another device)."""
        now = self.now()

        def job(conn: Connection) -> _Outcome:
            q = WorkoutQueries(conn)
            workout = _load(q, member_id)
            if workout is None or workout.ended:
                raise StaleCardError(
                    "You have no workout open. `/workout start` or **Start workout** under a `/plan` begins one."
                )
            if workout.expired(now):
                return self._end_idle(q, workout)
            return _Outcome(workout)

        outcome = await self._storage.run(job)
        comparison = await self._comparison(outcome.workout) if outcome.workout.ended else None
        return self._card(outcome, now, comparison=comparison)

    async def end_open(self, member_id: int) -> Card:
        """End the member's open workout (``/workout end``) and return its summary card."""
        card = await self.resume(member_id)
        if card.workout.ended:
            return card  # it had just ended by itself
        w = card.workout
        return await self.press(Press(member_id, w.workout_id, w.version, Action.END, interaction_id=0))

    async def summary(self, member_id: int, workout_id: int) -> WorkoutSummary:
        """The summary of the member's ended workout ``workout_id`` (to share it)."""

        def job(conn: Connection) -> _Outcome:
            q = WorkoutQueries(conn)
            workout = _load(q, member_id)
            if workout is None or workout.workout_id != workout_id or not workout.ended:
                raise StaleCardError("That workout's summary isn't available any more.")
            kept = q.kept(member_id, workout.set_ids)
            return _Outcome(workout, kept=frozenset(kept))

        outcome = await self._storage.run(job)
        workout = outcome.workout
        comparison, streak_now = await self._comparison(workout)
        kept = set(outcome.kept or ())
        return summarise(workout, self.catalog, kept=kept, other_order=comparison, streak=streak_now)

    # ----------------------------------------------------------------- presses

    async def press(self, press: Press) -> Card:
        """Apply one card press (see ``Action``); all of it or nothing is stored."""
        now = self.now()
        swap_item = await self._swap_item(press) if press.action is Action.SWAP else None
        outcome = await self._storage.run(functools.partial(self._apply, press=press, now=now, swap_item=swap_item))
        comparison = await self._comparison(outcome.workout) if outcome.workout.ended else None
        return self._card(outcome, now, comparison=comparison)

    def _apply(self, conn: Connection, *, press: Press, now: datetime, swap_item: PlanItem | None) -> _Outcome:
        """The press's transaction on the database side (raises only before writing, or rolls back)."""
        q = WorkoutQueries(conn)
        workout = _load(q, press.member_id)
        if workout is None or workout.workout_id != press.workout_id or workout.ended:
            raise StaleCardError()
        if workout.expired(now):
            return self._end_idle(q, workout)
        if workout.version != press.version:
            return _Outcome(workout, notice=BEHIND)
        logged = undone = None
        deleted = True
        kept: frozenset[int] | None = None
        match press.action:
            case Action.DONE | Action.EDIT:
                new, logged = self._log(q, conn, workout, press, now)
            case Action.SKIP:
                item = workout.current
                if item is None:
                    raise WorkoutError("Every exercise of the day is done — press **End workout** for your summary.")
                new = workout.record(Step(workout.position, item.exercise_id, StepKind.SKIP, now), now)
            case Action.NEXT:
                new = workout.next_exercise(now)
            case Action.SWAP:
                if swap_item is None:  # pragma: no cover - press() prepares it
                    raise WorkoutError("Pick the exercise to swap in.")
                new = workout.swap(swap_item, now)
            case Action.UNDO:
                new, undone = workout.undo(now)
                if undone.set_id is not None:
                    deleted = q.delete_set(press.member_id, undone.set_id)
            case Action.END:
                new = workout.end(now)
                kept = frozenset(q.kept(press.member_id, new.set_ids))
        if not q.save(press.member_id, press.workout_id, press.version, _to_row(new)):
            # Moved by another process since our read (PostgreSQL): the whole press rolls back, set included.
            raise StaleCardError(BEHIND)
        return _Outcome(new, logged=logged, undone=undone, undone_deleted=deleted, kept=kept)

    def _log(
        self, q: WorkoutQueries, conn: Connection, workout: Workout, press: Press, now: datetime
    ) -> tuple[Workout, LogResult]:
        """Log the current set (the suggestion for Done, the form's values for Edit) with /log's own code."""
        item = workout.current
        if item is None:
            raise WorkoutError("Every exercise of the day is done — press **End workout** for your summary.")
        exercise = self.catalog.get(item.exercise_id)
        entry = press.entry
        if press.action is Action.DONE:
            suggestion = workout.suggestion(self.catalog)
            if suggestion is None:
                raise WorkoutError(
                    f"No load to repeat yet for {exercise.name}: tap **Edit** and enter what you lifted — "
                    "the next sets start from it."
                )
            entry = SetEntry(weight=suggestion.weight, reps=suggestion.reps)
        if entry is None:
            raise WorkoutError("Fill in the form to log the set.")
        req = LogRequest(
            member_id=press.member_id, exercise=exercise.id, weight=entry.weight, reps=entry.reps,
            guild_id=press.guild_id, channel_id=press.channel_id, interaction_id=press.interaction_id,
            unit=workout.unit, rpe=entry.rpe or None, kind=entry.kind or None, note=entry.note or None,
            locale=press.locale,
        )  # fmt: skip
        parsed = parse_request(req, now, ResolvedExercise.of(exercise))  # raises before any write
        writer = LogWriter(self.catalog, self.index, self.max_sets, self.full_log)
        result = writer.log(conn, req, parsed, now)
        lifted = lifted_load(exercise, result.weight_kg, result.bodyweight_kg)
        step = Step(
            item=workout.position,
            exercise_id=exercise.id,
            kind=StepKind.EXTRA if result.kind == "warmup" else StepKind.DONE,
            at=result.performed_at,
            set_id=result.set_id,
            weight=parsed.weight,
            reps=result.reps,
            volume_kg=None if lifted is None else lifted * result.reps,
            pr=result.pr_text or None,
            fire=result.pre_exhausted_by,
        )
        return workout.record(step, now), result

    def _end_idle(self, q: WorkoutQueries, workout: Workout) -> _Outcome:
        """A workout untouched for IDLE_LIMIT ends itself, as of its last touch plus the limit."""
        at = workout.updated_at + IDLE_LIMIT
        ended = workout.end(at)
        if not q.save(workout.member_id, workout.workout_id, workout.version, _to_row(ended)):
            raise StaleCardError(BEHIND)
        kept = frozenset(q.kept(workout.member_id, ended.set_ids))
        return _Outcome(ended, kept=kept, by_idle=True)

    async def _swap_item(self, press: Press) -> PlanItem:
        """The substitute the member picked, as a plan item with their target for it (read before the press)."""
        card = await self.resume(press.member_id)
        workout, item = card.workout, card.workout.current
        if item is None or press.exercise_id not in {e.id for e in card.substitutes}:
            raise WorkoutError("That exercise can't stand in here any more; press **Swap** again for the choices.")
        substitute = self.catalog.get(str(press.exercise_id))
        planned_here = self.catalog.get(item.slot_exercise_id)
        back = substitute.id == planned_here.id
        planned = PlannedExercise(
            substitute,
            item.slot_prescription if back else substitute_prescription(item.slot_prescription, substitute),
            replaces=None if back else planned_here,
        )
        day = DayPlan(workout.day, workout.protocol, workout.equipment, (planned,), ())
        numbers = await self.insight.my_numbers(press.member_id, day, unit=workout.unit)
        return plan_item(planned, numbers.items[0], slot=item)

    async def _comparison(self, workout: Workout) -> tuple[TimeComparison, Streak | None]:
        """The member's time for this day in the other order, and their streak (weeks in the server's time zone)."""
        sessions = await self.insight.sessions(workout.member_id)
        compared = other_order_time(sessions, workout.day, workout.started_at, self.catalog, workout.protocol)
        if self.community is None:
            return compared, None
        tz = await self.community.tz_for(workout.guild_id)
        return compared, await self.community.member_streak(workout.member_id, tz, sessions=sessions)

    # ----------------------------------------------------------------- the card

    def _card(
        self, outcome: _Outcome, now: datetime, *, comparison: tuple[TimeComparison, Streak | None] | None = None
    ) -> Card:
        workout = outcome.workout
        item = workout.current
        exercise = self.catalog.get(item.exercise_id) if item else None
        following = workout.items[workout.position + 1] if workout.position + 1 < len(workout.items) else None
        summary = None
        if workout.ended:
            summary = summarise(
                workout,
                self.catalog,
                kept=set(outcome.kept) if outcome.kept is not None else None,
                other_order=comparison[0] if comparison else None,
                ended_by_idle=outcome.by_idle,
                streak=comparison[1] if comparison else None,
            )
        return Card(
            workout=workout,
            now=now,
            exercise=exercise,
            upcoming=self.catalog.get(following.exercise_id) if following else None,
            replaces=self.catalog.get(item.replaces) if item and item.replaces else None,
            suggestion=None if workout.ended else workout.suggestion(self.catalog),
            rest=None if workout.ended else workout.rest(self.catalog),
            substitutes=self._substitutes(workout) if exercise is not None and not workout.ended else (),
            logged=outcome.logged,
            undone=outcome.undone,
            undone_deleted=outcome.undone_deleted,
            notice=outcome.notice,
            summary=summary,
        )

    def _substitutes(self, workout: Workout) -> tuple[Exercise, ...]:
        """What can stand in for the current slot: its original exercise's substitutes (and the original)."""
        item = workout.current
        if item is None:
            return ()
        planned_here = self.catalog.get(item.slot_exercise_id)
        others = {i.exercise_id for n, i in enumerate(workout.items) if n != workout.position}
        found = self.planner.substitutes(
            planned_here, workout.day, workout.equipment, exclude=others | {item.exercise_id}
        )
        if planned_here.id != item.exercise_id:
            found.insert(0, planned_here)  # swapping back to the plan's exercise is always possible
        return tuple(found)


def _to_row(workout: Workout) -> dict[str, Any]:
    """A workout as the ``workouts`` row stores it."""
    return {
        "member_id": workout.member_id, "workout_id": workout.workout_id, "day": workout.day,
        "protocol": workout.protocol.value, "equipment": workout.equipment, "week": workout.week,
        "unit": workout.unit, "guild_id": workout.guild_id, "channel_id": workout.channel_id,
        "position": workout.position, "version": workout.version,
        "items": [i.to_json() for i in workout.items], "steps": [s.to_json() for s in workout.steps],
        "started_at": workout.started_at, "updated_at": workout.updated_at, "ended_at": workout.ended_at,
    }  # fmt: skip


def _load(q: WorkoutQueries, member_id: int) -> Workout | None:
    """The member's latest workout, or None."""
    row = q.get(member_id)
    return _from_row(row) if row is not None else None


def _from_row(row: dict[str, Any]) -> Workout:
    """A workout from its stored row."""
    unit: Unit = "lb" if row["unit"] == "lb" else "kg"
    return Workout(
        member_id=int(row["member_id"]), workout_id=int(row["workout_id"]), day=row["day"],
        protocol=Protocol(row["protocol"]), equipment=row["equipment"], week=int(row["week"]), unit=unit,
        items=tuple(PlanItem.from_json(i) for i in row["items"]), started_at=row["started_at"],
        updated_at=row["updated_at"], position=int(row["position"]), version=int(row["version"]),
        steps=tuple(Step.from_json(s) for s in row["steps"]), ended_at=row["ended_at"],
        guild_id=row["guild_id"], channel_id=row["channel_id"],
    )  # fmt: skip
