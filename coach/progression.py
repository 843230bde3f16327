"""Double progression: today's target from the last session's working sets. Pure; no I/O.

The rule: keep the load and add reps until every prescribed set reaches the top of the rep range;
then add the smallest sensible load step for that equipment and unit and go back to the bottom of
the range. Weights here are in the member's unit (kg or lb), never converted mid-way, so a step of
5 lb stays exactly 5 lb.

Steps (kg / lb): barbell, Smith machine and EZ bar 2.5 / 5; dumbbells 2 / 5 per hand; kettlebells
4 / 10; machines and cables 5 / 10; body-weight moves 2.5 / 5 of added weight (belt, vest or a
dumbbell); bands have no weight steps, so the next step is a stronger band. A barbell target is
never below the empty bar (20 kg / 45 lb) and no target is ever below zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from catalog import Exercise, Load
from coach.metrics import Unit

LoadKind = Literal[
    "barbell",
    "smith_machine",
    "ez_bar",
    "dumbbell",
    "kettlebell",
    "machine",
    "cable",
    "band",
    "bodyweight",
    "assisted",
]
Action = Literal["add_reps", "add_load", "stronger_band"]

# Weights closer than this (in kg or lb) are the same load: logged values went through float conversion.
_SAME_LOAD = 0.01


@dataclass(frozen=True, slots=True)
class LoadRule:
    """How a kind of equipment can be made heavier, and the lightest load it can be used with."""

    increment: dict[Unit, float] | None
    floor: dict[Unit, float]
    label: str = ""


LOAD_RULES: dict[LoadKind, LoadRule] = {
    # Most gyms have 1.25 kg (2.5 lb) plates: one per side is the smallest jump.
    "barbell": LoadRule({"kg": 2.5, "lb": 5.0}, {"kg": 20.0, "lb": 45.0}, label="barbell"),
    "smith_machine": LoadRule({"kg": 2.5, "lb": 5.0}, {"kg": 0.0, "lb": 0.0}, label="Smith machine"),
    # EZ bars weigh anything from 7 to 12 kg, so no bar weight is assumed.
    "ez_bar": LoadRule({"kg": 2.5, "lb": 5.0}, {"kg": 0.0, "lb": 0.0}, label="EZ bar"),
    "dumbbell": LoadRule({"kg": 2.0, "lb": 5.0}, {"kg": 0.0, "lb": 0.0}, label="dumbbells"),
    "kettlebell": LoadRule({"kg": 4.0, "lb": 10.0}, {"kg": 0.0, "lb": 0.0}, label="kettlebell"),
    "machine": LoadRule({"kg": 5.0, "lb": 10.0}, {"kg": 0.0, "lb": 0.0}, label="machine"),
    "cable": LoadRule({"kg": 5.0, "lb": 10.0}, {"kg": 0.0, "lb": 0.0}, label="cable"),
    "band": LoadRule(None, {"kg": 0.0, "lb": 0.0}, label="band"),
    "bodyweight": LoadRule({"kg": 2.5, "lb": 5.0}, {"kg": 0.0, "lb": 0.0}, label="added weight"),
    # Assisted lifts progress by taking assistance off: the step is negative, down to none at all.
    "assisted": LoadRule({"kg": -5.0, "lb": -10.0}, {"kg": 0.0, "lb": 0.0}, label="assistance"),
}

# When an exercise lists several kinds of equipment, the one that carries the load decides the step.
_LOAD_PRIORITY: tuple[LoadKind, ...] = (
    "barbell", "smith_machine", "ez_bar", "dumbbell", "kettlebell", "machine", "cable", "band",
)  # fmt: skip


def load_kind(equipment: Iterable[str]) -> LoadKind:
    """The equipment kind that sets the load step for an exercise (body weight when nothing loads it)."""
    available = set(equipment)
    for kind in _LOAD_PRIORITY:
        if kind in available:
            return kind
    return "bodyweight"


def exercise_load_kind(exercise: Exercise) -> LoadKind:
    """The load step an exercise progresses by: less assistance for assisted lifts, added weight where the body
    is the load, else its loading equipment's step."""
    if exercise.load is Load.ASSISTED:
        return "assisted"
    if exercise.uses_bodyweight:
        return "bodyweight"
    return load_kind(exercise.equipment)


def increment(kind: LoadKind, unit: Unit) -> float | None:
    """The smallest sensible load step for this equipment in this unit (None for bands)."""
    steps = LOAD_RULES[kind].increment
    return None if steps is None else steps[unit]


def floor_weight(kind: LoadKind, unit: Unit) -> float:
    """The lightest load a target may name: the empty bar for barbell lifts, otherwise zero."""
    return LOAD_RULES[kind].floor[unit]


@dataclass(frozen=True, slots=True)
class LastSet:
    """One working set from last time, in the member's unit."""

    weight: float
    reps: int


@dataclass(frozen=True, slots=True)
class Target:
    """Today's suggestion: a load (member's unit) and reps for each prescribed set."""

    weight: float
    unit: Unit
    reps: tuple[int, ...]
    action: Action
    kind: LoadKind
    previous_weight: float
    reps_high: int
    step: float | None
    # One dumbbell in each working hand (the catalog's per_hand), so the load reads "per hand".
    per_hand: bool = False

    def summary(self) -> str:
        """E.g. ``'102.5 kg × 6, 6, 6, 6'`` (``'… per hand'`` with a dumbbell in each hand)."""
        hand = " per hand" if self.per_hand else ""
        # Nothing added to a body-weight move reads as what it is, not "0 kg".
        load = f"{format_load(self.weight, self.unit)}{hand}" if self.weight > 0 else "body weight"
        return f"{load} × {', '.join(str(r) for r in self.reps)}"

    def reason(self) -> str:
        """One line on why this is today's target."""
        sets = len(self.reps)
        if self.action == "add_load" and (self.step or 0) < 0:
            return (
                f"every set reached {self.reps_high} last time: take {format_load(-(self.step or 0), self.unit)} "
                f"off the assistance, back to {min(self.reps)} reps"
            )
        if self.action == "add_load":
            return (
                f"every set reached {self.reps_high} last time: add {format_load(self.step or 0, self.unit)}, "
                f"back to {min(self.reps)} reps"
            )
        if self.action == "stronger_band":
            return f"every set reached {self.reps_high} last time: use a stronger band, back to {min(self.reps)} reps"
        plural = "s" if sets != 1 else ""
        if all(r == self.reps_high for r in self.reps):
            text = f"same load: all {sets} set{plural} of {self.reps_high} before adding weight"
        else:
            text = f"same load, a rep more per set until all {sets} set{plural} reach {self.reps_high}"
        if self.weight > self.previous_weight + _SAME_LOAD:
            text += f" (never below the empty bar, {format_load(self.weight, self.unit)})"
        return text


def format_load(value: float, unit: Unit) -> str:
    """A load in its unit with at most one decimal, e.g. ``'102.5 kg'``, ``'230 lb'``."""
    return f"{round(value, 1):.1f}".removesuffix(".0") + f" {unit}"


def next_target(
    last: Sequence[LastSet],
    *,
    sets: int,
    reps_low: int,
    reps_high: int,
    kind: LoadKind,
    unit: Unit,
    per_hand: bool = False,
) -> Target:
    """Double progression from last session's working sets (at least one) for a ``sets`` × low–high prescription.

    The working load is last time's heaviest; only sets done at that load count. The load goes up
    only when at least ``sets`` sets were done at it and each of the first ``sets`` reached the top.
    """
    if not last:
        raise ValueError("next_target needs at least one set from last time")
    if sets < 1 or not 1 <= reps_low <= reps_high:
        raise ValueError("a prescription needs sets >= 1 and 1 <= reps_low <= reps_high")
    floor = floor_weight(kind, unit)
    top = round(max(max(s.weight for s in last), 0.0), 2)
    at_top = [s.reps for s in last if abs(s.weight - top) < _SAME_LOAD][:sets]
    step = increment(kind, unit)
    if len(at_top) >= sets and all(r >= reps_high for r in at_top):
        low_reps = (reps_low,) * sets
        if step is None:
            return Target(top, unit, low_reps, "stronger_band", kind, top, reps_high, None, per_hand)
        return Target(
            max(round(top + step, 2), floor), unit, low_reps, "add_load", kind, top, reps_high, step, per_hand
        )
    # Not there yet: the same load, one more rep on each set (within the range); a missing set starts low.
    reps = tuple(min(reps_high, max(reps_low, at_top[i] + 1)) if i < len(at_top) else reps_low for i in range(sets))
    return Target(max(top, floor), unit, reps, "add_reps", kind, top, reps_high, step, per_hand)


def starting_load(reference: float, fraction: float, *, kind: LoadKind, unit: Unit) -> float:
    """A cautious first load: ``fraction`` of a reference load, rounded down to the equipment's step.

    Used for a compound the member has only done fresh but is about to do pre-exhausted: the research
    finds the load drops after isolation work, so the first pre-exhausted target starts lighter.
    """
    if not 0 < fraction <= 1:
        raise ValueError("fraction must be in (0, 1]")
    floor = floor_weight(kind, unit)
    step = increment(kind, unit)
    reference = max(reference, 0.0)
    if step is None:
        return max(round(reference, 2), floor)
    if step < 0:
        # Assisted: lighter means more assistance. Without the member's body weight the share can't be
        # scaled, so one step more than before is the cautious start.
        return round(reference - step, 2)
    # The epsilon keeps 0.9 × 100 from landing on 89.999… and rounding a whole step down.
    stepped = math.floor(reference * fraction / step + 1e-9) * step
    return max(round(stepped, 2), floor)
