"""Pure training arithmetic: units, estimated 1RM, session inference and PR rules.

Nothing here touches Discord or the database, so every rule can be tested exhaustively.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Unit = Literal["kg", "lb"]
UNITS: tuple[Unit, ...] = ("kg", "lb")

SetKind = Literal["working", "warmup", "drop", "failure"]
SET_KINDS: tuple[SetKind, ...] = ("working", "warmup", "drop", "failure")

# The international avoirdupois pound, defined exactly in kilograms (1959 agreement).
KG_PER_LB = 0.45359237

# Sets closer together than this belong to the same session; a gap of 90 minutes or more starts a new one.
# Long enough for a slow day with long rests and a chat, short enough that morning and evening
# workouts on the same day count as two sessions.
SESSION_GAP = timedelta(minutes=90)

E1RM_FORMULA = "Epley: weight × (1 + reps / 30)"
E1RM_FORMULA_NAME = "Epley"

# Floats that went through unit conversion may differ in the last bits; anything smaller than this
# (a hundredth of a gram) is "the same weight" and never a PR.
_EPSILON = 1e-5


def to_kg(value: float, unit: Unit) -> float:
    """Convert a weight in ``unit`` to kilograms."""
    if unit == "kg":
        return float(value)
    if unit == "lb":
        return float(value) * KG_PER_LB
    raise ValueError(f"unknown unit {unit!r}")


def from_kg(kg: float, unit: Unit) -> float:
    """Convert kilograms to ``unit``."""
    if unit == "kg":
        return float(kg)
    if unit == "lb":
        return float(kg) / KG_PER_LB
    raise ValueError(f"unknown unit {unit!r}")


def format_weight(kg: float, unit: Unit) -> str:
    """Human-readable weight in ``unit``, at most one decimal, e.g. ``'102.5 kg'``, ``'225 lb'``."""
    value = round(from_kg(kg, unit), 1)
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text} {unit}"


def unit_for_locale(locale: str | None) -> Unit:
    """The unit a member most likely expects from their Discord locale: lb for en-US, kg elsewhere."""
    return "lb" if (locale or "").replace("_", "-").lower() == "en-us" else "kg"


def estimate_1rm(weight_kg: float, reps: int) -> float:
    """Estimated one-rep max with the Epley formula, weight × (1 + reps/30); a single is its own max."""
    if reps < 1:
        raise ValueError("reps must be at least 1")
    if reps == 1:
        return float(weight_kg)
    return float(weight_kg) * (1 + reps / 30)


def counts_for_records(kind: str) -> bool:
    """Whether a set of this kind can set or hold a PR: everything except warm-ups."""
    return kind != "warmup"


@dataclass(frozen=True, slots=True)
class PersonalRecords:
    """Which records a set broke, with the previous bests it was compared against (kg)."""

    e1rm: bool = False
    rep_max: bool = False
    previous_e1rm_kg: float | None = None
    previous_weight_at_reps_kg: float | None = None

    @property
    def any(self) -> bool:
        """True when the set broke at least one record."""
        return self.e1rm or self.rep_max


def personal_records(
    *,
    kind: str,
    weight_kg: float,
    reps: int,
    previous_best_e1rm_kg: float | None,
    previous_best_weight_at_reps_kg: float | None,
) -> PersonalRecords:
    """Decide the PR badges for a set given the member's previous bests for the exercise.

    A PR needs something to beat: the very first set of an exercise (or the first at a rep count)
    sets a baseline, not a record. Warm-ups never count, and weight 0 (body weight) never wins.
    """
    if not counts_for_records(kind) or weight_kg <= 0:
        return PersonalRecords(
            previous_e1rm_kg=previous_best_e1rm_kg, previous_weight_at_reps_kg=previous_best_weight_at_reps_kg
        )
    e1rm = estimate_1rm(weight_kg, reps)
    return PersonalRecords(
        e1rm=previous_best_e1rm_kg is not None and e1rm > previous_best_e1rm_kg + _EPSILON,
        rep_max=previous_best_weight_at_reps_kg is not None and weight_kg > previous_best_weight_at_reps_kg + _EPSILON,
        previous_e1rm_kg=previous_best_e1rm_kg,
        previous_weight_at_reps_kg=previous_best_weight_at_reps_kg,
    )


def same_session(earlier: datetime, later: datetime) -> bool:
    """True when two sets are close enough in time (< 90 minutes apart) to share a session."""
    return abs(later - earlier) < SESSION_GAP


def session_start(at: datetime, earlier_times_desc: Iterable[datetime]) -> datetime:
    """Start of the session that a set at ``at`` belongs to, walking back through earlier set times.

    ``earlier_times_desc`` are the member's earlier set times, newest first; the walk stops at the
    first gap of 90 minutes or more.
    """
    start = at
    for t in earlier_times_desc:
        if not same_session(t, start):
            break
        start = min(start, t)
    return start


def split_sessions(times: Sequence[datetime]) -> list[list[datetime]]:
    """Group set times into sessions: sorted, and split wherever the gap is 90 minutes or more."""
    sessions: list[list[datetime]] = []
    for t in sorted(times):
        if sessions and same_session(sessions[-1][-1], t):
            sessions[-1].append(t)
        else:
            sessions.append([t])
    return sessions
