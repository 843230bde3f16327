"""The guided workout's rules: where a member is in the day, what the next set should be, how long to rest.

Pure: no Discord, no database. A workout is the planned day (its exercises, prescriptions and the
member's targets, fixed when it starts) plus what happened, in order (``Step``). Every press of the card
is a transition from one ``Workout`` to the next; ``coach.workout`` stores them.

Rest follows the method. Between sets of one exercise it is the usual rest for its mechanic; going from
isolation work into a compound that the day's isolation work pre-exhausts (``coach.metrics.pre_exhausts``)
it is short on purpose, because the point of pre-exhaust is that the target muscle arrives tired.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from catalog import Catalog, Exercise, Load, Prescription
from coach.errors import CoachError
from coach.metrics import Unit, pre_exhausts
from coach.planner import Protocol
from coach.schedule import Streak

# A workout nobody has touched for this long has ended by itself (the member went home).
IDLE_LIMIT = timedelta(hours=3)
# Seconds of rest. Going from the isolation lift into the compound it pre-exhausts: 30 s at most.
PAIR_REST_S = 30
ISOLATION_REST_S = 75
COMPOUND_REST_S = 150


class WorkoutError(CoachError):
    """A workout press that can't be done (nothing to undo, a finished day); nothing was changed."""


class StepKind(StrEnum):
    """What happened at one point of the workout."""

    DONE = "done"  # a prescribed set, logged
    SKIP = "skip"  # a prescribed set, skipped (nothing logged)
    EXTRA = "extra"  # a set logged that doesn't count toward the prescription (a warm-up)


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One exercise of the workout: the prescription and the member's target for it (member's unit)."""

    exercise_id: str
    sets: int
    reps_low: int
    reps_high: int
    replaces: str | None = None
    target_weight: float | None = None
    target_reps: tuple[int, ...] = ()
    # Why that target ("same load, a rep more per set…"), or what to start with when there is none.
    target_note: str | None = None
    # A first load for the compound when the member only did it the other way round (see numbers_for).
    start_weight: float | None = None
    # "pre-exhausted" / "fresh": which of the member's sessions the target came from (compounds only).
    condition: str | None = None
    # What the plan put in this slot (exercise and sets × reps): Swap's stand-ins are for it, and swapping
    # keeps its prescription, however many swaps came before.
    slot_exercise: str | None = None
    slot: tuple[int, int, int] | None = None

    @property
    def slot_exercise_id(self) -> str:
        """The exercise the plan put in this slot (this one, unless it was swapped in)."""
        return self.slot_exercise or self.exercise_id

    @property
    def slot_prescription(self) -> Prescription:
        """The plan's sets × reps for this slot."""
        return Prescription(*self.slot) if self.slot else self.prescription

    @property
    def prescription(self) -> Prescription:
        """Sets × reps."""
        return Prescription(self.sets, self.reps_low, self.reps_high)

    def to_json(self) -> dict[str, Any]:
        """As stored."""
        return {
            "x": self.exercise_id, "sets": self.sets, "lo": self.reps_low, "hi": self.reps_high,
            "replaces": self.replaces, "tw": self.target_weight, "tr": list(self.target_reps),
            "note": self.target_note, "start": self.start_weight, "cond": self.condition,
            "slot_x": self.slot_exercise, "slot": list(self.slot) if self.slot else None,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlanItem:
        """From what ``to_json`` stored."""
        return cls(
            exercise_id=str(data["x"]), sets=int(data["sets"]), reps_low=int(data["lo"]), reps_high=int(data["hi"]),
            replaces=data.get("replaces"), target_weight=data.get("tw"), target_reps=tuple(data.get("tr") or ()),
            target_note=data.get("note"), start_weight=data.get("start"), condition=data.get("cond"),
            slot_exercise=data.get("slot_x"), slot=tuple(data["slot"]) if data.get("slot") else None,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Step:
    """One thing that happened: a set logged (with what the logbook said about it) or skipped."""

    item: int
    exercise_id: str
    kind: StepKind
    at: datetime
    set_id: int | None = None
    # What was logged, in the workout's unit, and the volume the logbook counted (kg; None when unknown).
    weight: float = 0.0
    reps: int = 0
    volume_kg: float | None = None
    pr: str | None = None
    # Isolation exercises that pre-exhausted this compound (the 🔥 tag), when it had one.
    fire: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """As stored."""
        return {
            "i": self.item, "x": self.exercise_id, "k": self.kind.value, "at": self.at.isoformat(),
            "id": self.set_id, "w": self.weight, "r": self.reps, "v": self.volume_kg, "pr": self.pr,
            "fire": list(self.fire),
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Step:
        """From what ``to_json`` stored."""
        return cls(
            item=int(data["i"]), exercise_id=str(data["x"]), kind=StepKind(data["k"]),
            at=datetime.fromisoformat(data["at"]), set_id=data.get("id"), weight=float(data.get("w") or 0.0),
            reps=int(data.get("r") or 0), volume_kg=data.get("v"), pr=data.get("pr"),
            fire=tuple(data.get("fire") or ()),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What ✓ Done logs for the current set: a load in the workout's unit (added load or assistance for
    body-weight lifts) and reps, and where it comes from."""

    weight: float
    reps: int
    source: str


@dataclass(frozen=True, slots=True)
class Rest:
    """The rest before the next set and why."""

    until: datetime
    seconds: int
    reason: str


@dataclass(frozen=True, slots=True)
class Workout:
    """A member's workout: the planned day, where they are, what they did."""

    member_id: int
    workout_id: int
    day: str
    protocol: Protocol
    equipment: str
    week: int
    unit: Unit
    items: tuple[PlanItem, ...]
    started_at: datetime
    updated_at: datetime
    position: int = 0
    version: int = 0
    steps: tuple[Step, ...] = ()
    ended_at: datetime | None = None
    guild_id: int | None = None
    channel_id: int | None = None

    # ------------------------------------------------------------------ where the member is

    @property
    def ended(self) -> bool:
        """True once the member (or the idle limit) ended it."""
        return self.ended_at is not None

    @property
    def finished(self) -> bool:
        """True when every exercise of the day is behind the member (the card offers End)."""
        return self.position >= len(self.items)

    @property
    def current(self) -> PlanItem | None:
        """The exercise the card is on (None when the day is finished)."""
        return None if self.finished else self.items[self.position]

    def counted(self, item: int) -> list[Step]:
        """The prescribed sets of an exercise done or skipped so far, in order."""
        return [s for s in self.steps if s.item == item and s.kind is not StepKind.EXTRA]

    @property
    def set_number(self) -> int:
        """The prescribed set the card is on, from 1."""
        return len(self.counted(self.position)) + 1

    def expired(self, now: datetime) -> bool:
        """True when an open workout has been left untouched for IDLE_LIMIT: it has ended by itself."""
        return not self.ended and now - self.updated_at >= IDLE_LIMIT

    @property
    def set_ids(self) -> list[int]:
        """The ids of the sets this workout logged."""
        return [s.set_id for s in self.steps if s.set_id is not None]

    # ------------------------------------------------------------------ what Done logs

    def suggestion(self, catalog: Catalog) -> Suggestion | None:
        """The load and reps ✓ Done logs for the current set, or None when only the member can say (a first
        session of a loaded lift: Edit)."""
        item = self.current
        if item is None:
            return None
        index = self.set_number - 1
        reps = None
        if item.target_reps:
            reps = item.target_reps[min(index, len(item.target_reps) - 1)]
        previous = [
            s
            for s in self.steps
            if s.item == self.position and s.exercise_id == item.exercise_id and s.kind is StepKind.DONE
        ]
        if previous:
            # The set before in this workout sets the load (the member may have changed it with Edit).
            last = previous[-1]
            if reps is None or reps == last.reps:
                return Suggestion(last.weight, last.reps, "same as your last set")
            return Suggestion(last.weight, reps, "your last set's load, today's target reps")
        if item.target_weight is not None and reps is not None:
            return Suggestion(item.target_weight, reps, "your target")
        if item.start_weight is not None:
            return Suggestion(item.start_weight, item.reps_low, "a cautious first load")
        exercise = catalog.get(item.exercise_id)
        if exercise.uses_bodyweight and exercise.load is not Load.ASSISTED:
            return Suggestion(0.0, item.reps_low, "body weight")
        return None

    # ------------------------------------------------------------------ rest

    def rest(self, catalog: Catalog) -> Rest | None:
        """The rest after the latest logged set, before what the card shows now (None after a skip or an undo
        back to the start, or when the day is finished)."""
        if not self.steps or self.steps[-1].set_id is None or self.finished:
            return None
        last = self.steps[-1]
        done = catalog.get(last.exercise_id)
        upcoming = catalog.get(self.items[self.position].exercise_id)
        seconds, reason = rest_between(done, upcoming, self._isolation_done(catalog))
        return Rest(last.at + timedelta(seconds=seconds), seconds, reason)

    def _isolation_done(self, catalog: Catalog) -> list[Exercise]:
        seen: dict[str, Exercise] = {}
        for s in self.steps:
            if s.set_id is not None and s.kind is StepKind.DONE:
                exercise = catalog.get(s.exercise_id)
                if exercise.is_isolation:
                    seen[exercise.id] = exercise
        return list(seen.values())

    # ------------------------------------------------------------------ transitions

    def _moved(self, now: datetime, **changes: Any) -> Workout:
        return replace(self, version=self.version + 1, updated_at=now, **changes)

    def record(self, step: Step, now: datetime) -> Workout:
        """After a set is logged or skipped: the step appended, and on to the next exercise after the last
        prescribed set."""
        if self.finished:
            raise WorkoutError("Every exercise of the day is done — press **End workout** for your summary.")
        moved = self._moved(now, steps=(*self.steps, step))
        if step.kind is not StepKind.EXTRA and len(moved.counted(self.position)) >= self.items[self.position].sets:
            moved = replace(moved, position=self.position + 1)
        return moved

    def next_exercise(self, now: datetime) -> Workout:
        """Leave the rest of the current exercise's sets and go on."""
        if self.finished:
            raise WorkoutError("That was the last exercise — press **End workout** for your summary.")
        return self._moved(now, position=self.position + 1)

    def undo(self, now: datetime) -> tuple[Workout, Step]:
        """Take back the latest step (its set is deleted by the caller) and return to where it was."""
        if not self.steps:
            raise WorkoutError("Nothing to undo in this workout yet.")
        last = self.steps[-1]
        return self._moved(now, steps=self.steps[:-1], position=last.item), last

    def swap(self, item: PlanItem, now: datetime) -> Workout:
        """The current exercise replaced by a substitute (the sets already done stay done)."""
        if self.finished:
            raise WorkoutError("Every exercise of the day is done: nothing left to swap.")
        items = list(self.items)
        items[self.position] = item
        return self._moved(now, items=tuple(items))

    def end(self, now: datetime) -> Workout:
        """Ended by the member (or by the idle limit, at ``now``)."""
        return self._moved(now, ended_at=now)


def rest_between(done: Exercise, upcoming: Exercise, isolation_done: list[Exercise]) -> tuple[int, str]:
    """Seconds to rest after a set of ``done`` before one of ``upcoming``, and why, in a sentence."""
    if done.id == upcoming.id:
        if done.is_isolation:
            return ISOLATION_REST_S, "60–90 s between sets of an isolation exercise."
        return COMPOUND_REST_S, "2–3 min between sets of a compound lift."
    tiring = [e.name for e in isolation_done if pre_exhausts(e, upcoming)]
    if done.is_isolation and tiring:
        return PAIR_REST_S, (
            f"Pre-exhaust pair: straight into {upcoming.name}, 30 s at most — {' and '.join(tiring)} tired your "
            f"{upcoming.target_label.lower()}, and arriving tired is the point of the method."
        )
    if upcoming.is_isolation:
        return ISOLATION_REST_S, f"New exercise: 60–90 s, then {upcoming.name}."
    return COMPOUND_REST_S, f"New exercise: 2–3 min before a compound lift ({upcoming.name})."


# --------------------------------------------------------------------------- the summary


@dataclass(frozen=True, slots=True)
class ExerciseDone:
    """One exercise of a finished workout."""

    exercise: Exercise
    sets: int
    skipped: int
    best: Step | None
    volume_kg: float


@dataclass(frozen=True, slots=True)
class TimeComparison:
    """The member's sessions of the same day in the other order (compound first after a pre-exhaust workout):
    how many were timed and their mean minutes."""

    sessions: int
    mean_minutes: float | None
    protocol: Protocol = Protocol.TRADITIONAL

    @property
    def label(self) -> str:
        """'compound-first' or 'pre-exhaust'."""
        return "compound-first" if self.protocol is Protocol.TRADITIONAL else "pre-exhaust"


@dataclass(frozen=True, slots=True)
class WorkoutSummary:
    """What the end of a workout shows (and what the member may share)."""

    day: str
    protocol: Protocol
    unit: Unit
    exercises: tuple[ExerciseDone, ...]
    sets: int
    skipped: int
    volume_kg: float
    # True when some set's volume couldn't be counted (a body-weight lift without a body weight).
    volume_partial: bool
    prs: tuple[str, ...]
    fire_pairs: tuple[str, ...]
    duration: timedelta | None
    other_order: TimeComparison | None
    ended_by_idle: bool = False
    # The member's consistency streak (weeks meeting their weekly target), when known.
    streak: Streak | None = None

    @property
    def minutes(self) -> float | None:
        """First to last logged set, in minutes."""
        return None if self.duration is None else self.duration.total_seconds() / 60


def heaviness(exercise: Exercise, step: Step) -> tuple[float, int]:
    """How a set ranks for "best set": the load the muscles moved (so less assistance is heavier), then reps."""
    if step.volume_kg is not None and step.reps:
        return step.volume_kg / step.reps, step.reps
    return (-step.weight if exercise.load is Load.ASSISTED else step.weight), step.reps


def summarise(
    workout: Workout,
    catalog: Catalog,
    *,
    kept: set[int] | None = None,
    other_order: TimeComparison | None = None,
    ended_by_idle: bool = False,
    streak: Streak | None = None,
) -> WorkoutSummary:
    """The workout in numbers. ``kept``: the set ids still in the log (a set removed with /undo since isn't
    counted); ``other_order``: the member's sessions of this day in the other order, to compare the time.
    The time runs from the first to the last logged set, as every session's does."""
    steps = [s for s in workout.steps if s.set_id is None or kept is None or s.set_id in kept]
    by_exercise: dict[str, list[Step]] = {}
    for s in steps:
        by_exercise.setdefault(s.exercise_id, []).append(s)
    exercises = []
    for exercise_id, done in by_exercise.items():
        logged = [s for s in done if s.kind is StepKind.DONE]
        exercise = catalog.get(exercise_id)
        best = max(logged, key=lambda s: heaviness(exercise, s), default=None)
        exercises.append(
            ExerciseDone(
                exercise=exercise,
                sets=len(logged),
                skipped=sum(1 for s in done if s.kind is StepKind.SKIP),
                best=best,
                volume_kg=sum(s.volume_kg or 0.0 for s in logged),
            )
        )
    logged = [s for s in steps if s.kind is StepKind.DONE]
    pairs: dict[str, None] = {}
    for s in logged:
        if s.fire:
            pairs[f"{' + '.join(s.fire)} → {catalog.get(s.exercise_id).name}"] = None
    logged_at = [s.at for s in steps if s.set_id is not None]
    return WorkoutSummary(
        day=workout.day,
        protocol=workout.protocol,
        unit=workout.unit,
        exercises=tuple(exercises),
        sets=len(logged),
        skipped=sum(1 for s in steps if s.kind is StepKind.SKIP),
        volume_kg=sum(s.volume_kg or 0.0 for s in logged),
        volume_partial=any(s.volume_kg is None for s in logged),
        prs=tuple(f"{catalog.get(s.exercise_id).name}: {s.pr}" for s in logged if s.pr),
        fire_pairs=tuple(pairs),
        duration=max(logged_at) - min(logged_at) if logged_at else None,
        other_order=other_order,
        ended_by_idle=ended_by_idle,
        streak=streak,
    )
