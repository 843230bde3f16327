"""Turn the catalog's template days into ordered, prescribed training days.

Pure Python: no Discord here. Ordering rules (from the seed article):
pre-exhaust puts every isolation (single-joint) exercise before every compound
(multi-joint) one, each group from least to most intense; traditional is the
same day reversed, heaviest compound first. Alternate runs the two protocols on
alternating days and swaps them each ISO week, as the research summary suggests
("do the bench press twice a week according to different protocols").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from catalog import DAYS, Catalog, Exercise, Prescription
from coach.errors import PlanError


class Protocol(StrEnum):
    """Exercise order within a day."""

    PRE_EXHAUST = "pre-exhaust"
    TRADITIONAL = "traditional"
    ALTERNATE = "alternate"


# What each equipment choice makes available; None means a full gym.
EQUIPMENT_PROFILES: dict[str, frozenset[str] | None] = {
    "gym": None,
    "dumbbells": frozenset({"dumbbell", "bench", "bodyweight"}),
    "bodyweight": frozenset({"bodyweight", "pullup_bar"}),
}

WEEKDAYS: dict[str, str] = {"lower": "Monday", "push": "Tuesday", "pull": "Wednesday"}
DAY_TITLES: dict[str, str] = {"lower": "Lower body", "push": "Upper body push", "pull": "Upper body pull"}
PLAN_CHOICES: tuple[str, ...] = (*DAYS, "week")

WHY_THIS_ORDER: dict[Protocol, str] = {
    Protocol.PRE_EXHAUST: (
        "Isolation work first tires each target muscle on its own, so on the compound lift it — not the "
        "helpers — gives out first; least intense to most intense."
    ),
    Protocol.TRADITIONAL: (
        "Compound lifts first while you're fresh, heaviest first, then isolation work to finish each muscle."
    ),
}

NO_ISOLATION_NOTE = (
    "No isolation exercise fits this equipment today, so nothing can pre-exhaust the compounds: this is a "
    "compound-only day, easiest first. A band or a pair of dumbbells opens up isolation work."
)

CAVEAT = (
    "Research: pre-exhaust lowers the load you can use on the compound and isn't shown to build more muscle "
    "than the usual order; it may save time (a preprint, per secondary reports). See /evidence."
)


@dataclass(frozen=True, slots=True)
class PlannedExercise:
    """One line of a training day."""

    exercise: Exercise
    prescription: Prescription
    replaces: Exercise | None = None


@dataclass(frozen=True, slots=True)
class MissingSlot:
    """A template exercise that couldn't be done with the equipment and has no substitute."""

    exercise: Exercise
    reason: str


@dataclass(frozen=True, slots=True)
class DayPlan:
    """An ordered training day."""

    day: str
    protocol: Protocol
    equipment: str
    items: tuple[PlannedExercise, ...]
    missing: tuple[MissingSlot, ...]

    @property
    def weekday(self) -> str:
        """The weekday the seed's sample week puts this day on."""
        return WEEKDAYS[self.day]

    @property
    def title(self) -> str:
        """A human title such as 'Upper body push'."""
        return DAY_TITLES[self.day]

    @property
    def why_this_order(self) -> str:
        """Why the day is ordered as it is — said honestly when there is no isolation work to go first."""
        if self.protocol is Protocol.PRE_EXHAUST and not any(i.exercise.is_isolation for i in self.items):
            return NO_ISOLATION_NOTE
        if self.protocol is Protocol.PRE_EXHAUST:
            # Compounds whose isolation work this equipment couldn't replace go in fresh: say which.
            worked = {muscle for i in self.items if i.exercise.is_isolation for muscle in i.exercise.primary}
            lost = {m for gap in self.missing if gap.exercise.is_isolation for m in gap.exercise.primary}
            bare = [
                i.exercise
                for i in self.items
                if i.exercise.is_compound and i.exercise.target in lost and i.exercise.target not in worked
            ]
            if bare:
                names = ", ".join(f"{ex.name} ({ex.target_label})" for ex in bare)
                return (
                    f"{WHY_THIS_ORDER[self.protocol]} With this equipment nothing isolates the target of {names}, "
                    "so those go in fresh."
                )
        return WHY_THIS_ORDER[self.protocol]


@dataclass(frozen=True, slots=True)
class Plan:
    """What /plan answers: one day or the three-day week."""

    requested: str
    protocol: Protocol
    equipment: str
    days: tuple[DayPlan, ...]


def parse_protocol(value: str) -> Protocol:
    """Protocol from its public name, with a clear error for anything else."""
    try:
        return Protocol(value)
    except ValueError:
        allowed = ", ".join(p.value for p in Protocol)
        raise PlanError(f"Unknown protocol {value!r}; choose one of: {allowed}.") from None


def fits(exercise: Exercise, equipment: str) -> bool:
    """True when everything the exercise needs is in the equipment profile."""
    available = EQUIPMENT_PROFILES[equipment]
    return available is None or set(exercise.equipment) <= available


def order_key(protocol: Protocol, exercise: Exercise, index: int) -> tuple[int, int, int]:
    """Sort key placing exercises in the protocol's order (index keeps ties stable)."""
    if protocol is Protocol.PRE_EXHAUST:
        return (0 if exercise.is_isolation else 1, exercise.intensity, index)
    if protocol is Protocol.TRADITIONAL:
        return (0 if exercise.is_compound else 1, -exercise.intensity, index)
    raise ValueError(f"{protocol} is not a concrete order")


def substitute_prescription(slot: Prescription, substitute: Exercise) -> Prescription:
    """A substitute fills its slot, so it keeps the slot's sets × reps (the day's intent survives the swap) —
    except a body-weight move whose own rep range doesn't meet the slot's: it can't be made lighter or heavier
    (nordic curls for 15–20, walking lunges for 6), so it keeps its own reps, at the slot's number of sets."""
    own = substitute.prescription
    overlaps = own.reps_low <= slot.reps_high and slot.reps_low <= own.reps_high
    if substitute.uses_bodyweight and not overlaps:
        return Prescription(slot.sets, own.reps_low, own.reps_high)
    return slot


def alternate_protocol(day: str, week_index: int) -> Protocol:
    """The concrete protocol a day gets under 'alternate' in the given week."""
    return Protocol.PRE_EXHAUST if (DAYS.index(day) + week_index) % 2 == 0 else Protocol.TRADITIONAL


class Planner:
    """Builds plans from a validated catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        # Stand-ins per (exercise, day, equipment): the catalog never changes while the bot runs, and the
        # workout card asks on every press.
        self._stand_ins: dict[tuple[str, str, str], tuple[Exercise, ...]] = {}

    def plan(
        self, day: str, protocol: Protocol | str = Protocol.PRE_EXHAUST, equipment: str = "gym", *, week_index: int = 0
    ) -> Plan:
        """Plan one day ('lower', 'push', 'pull') or the whole week ('week')."""
        protocol = parse_protocol(protocol) if isinstance(protocol, str) else protocol
        if day not in PLAN_CHOICES:
            raise PlanError(f"Unknown day {day!r}; choose one of: {', '.join(PLAN_CHOICES)}.")
        if equipment not in EQUIPMENT_PROFILES:
            raise PlanError(f"Unknown equipment {equipment!r}; choose one of: {', '.join(EQUIPMENT_PROFILES)}.")
        days = DAYS if day == "week" else (day,)
        return Plan(
            requested=day,
            protocol=protocol,
            equipment=equipment,
            days=tuple(self.plan_day(d, protocol, equipment, week_index=week_index) for d in days),
        )

    def plan_day(self, day: str, protocol: Protocol, equipment: str, *, week_index: int = 0) -> DayPlan:
        """Order, prescribe and adapt one template day."""
        concrete = alternate_protocol(day, week_index) if protocol is Protocol.ALTERNATE else protocol
        template = self._catalog.days[day]
        slots = [(self._catalog.get(s.exercise_id), s.prescription) for s in template.slots]
        # Originals that fit are claimed first, so a substitute never crowds out a real slot later in the day.
        used = {ex.id for ex, _ in slots if fits(ex, equipment)}
        chosen: list[tuple[int, PlannedExercise]] = []
        missing: list[MissingSlot] = []
        for index, (exercise, seed_prescription) in enumerate(slots):
            if fits(exercise, equipment):
                chosen.append((index, PlannedExercise(exercise, seed_prescription or exercise.prescription)))
                continue
            substitute = self._substitute(exercise, day, equipment, used)
            if substitute is None:
                missing.append(MissingSlot(exercise, _missing_reason(exercise, equipment)))
                continue
            used.add(substitute.id)
            chosen.append(
                (
                    index,
                    PlannedExercise(
                        substitute,
                        substitute_prescription(seed_prescription or exercise.prescription, substitute),
                        replaces=exercise,
                    ),
                )
            )
        chosen.sort(key=lambda pair: order_key(concrete, pair[1].exercise, pair[0]))
        return DayPlan(
            day=day,
            protocol=concrete,
            equipment=equipment,
            items=tuple(item for _, item in chosen),
            missing=tuple(missing),
        )

    def _substitute(self, exercise: Exercise, day: str, equipment: str, used: set[str]) -> Exercise | None:
        found = self.substitutes(exercise, day, equipment, exclude=used)
        return found[0] if found else None

    def substitutes(
        self, exercise: Exercise, day: str, equipment: str, *, exclude: Iterable[str] = ()
    ) -> list[Exercise]:
        """Exercises that can stand in for ``exercise`` on ``day`` with this equipment, best first: the same
        mechanic and target muscle, its curated substitutes first, then the closest in intensity."""
        key = (exercise.id, day, equipment)
        if key not in self._stand_ins:
            self._stand_ins[key] = self._stand_ins_for(exercise, day, equipment)
        excluded = set(exclude)
        return [candidate for candidate in self._stand_ins[key] if candidate.id not in excluded]

    def _stand_ins_for(self, exercise: Exercise, day: str, equipment: str) -> tuple[Exercise, ...]:
        listed = [self._catalog.get(sub_id) for sub_id in exercise.substitutes]
        # Beyond the curated list, any same-mechanic exercise for the same target muscle will do,
        # closest in intensity first, so the day's shape survives.
        others = sorted(
            (
                ex
                for ex in self._catalog.exercises
                if ex.id != exercise.id
                and ex.mechanic is exercise.mechanic
                and ex.target == exercise.target
                and day in ex.days
            ),
            key=lambda ex: (abs(ex.intensity - exercise.intensity), ex.id),
        )
        return tuple(
            candidate
            for candidate in _unique(listed + others)
            if candidate.mechanic is exercise.mechanic
            and candidate.target == exercise.target
            and candidate.id != exercise.id
            and fits(candidate, equipment)
        )


def _unique(exercises: Iterable[Exercise]) -> list[Exercise]:
    seen: set[str] = set()
    out = []
    for ex in exercises:
        if ex.id not in seen:
            seen.add(ex.id)
            out.append(ex)
    return out


def _missing_reason(exercise: Exercise, equipment: str) -> str:
    needs = ", ".join(e.replace("_", " ") for e in exercise.equipment)
    return (
        f"No {equipment} substitute for {exercise.name} ({exercise.mechanic}, {exercise.target_label}); "
        f"it needs {needs}."
    )
