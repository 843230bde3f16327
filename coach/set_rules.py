"""What a valid set is: every value a member (or an import) sends, checked with a specific message.

Pure; raises ``coach.errors.ValidationError`` naming the field, so nothing is written on bad input.
/log, the guided workout and imports all validate through these functions.
"""

from __future__ import annotations

import math
import unicodedata

from coach.errors import ValidationError
from coach.exercise_search import ResolvedExercise, allows_zero_weight
from coach.metrics import KG_PER_LB, SET_KINDS, SetKind, Unit, format_weight, to_kg
from coach.text import member_text
from db.models import MAX_BODYWEIGHT_KG, MAX_NOTE_LENGTH, MAX_WEIGHT_KG, MIN_BODYWEIGHT_KG

MAX_REPS = 100

_KIND_ALIASES: dict[str, SetKind] = {
    "working": "working", "work": "working", "normal": "working", "top": "working",
    "warmup": "warmup", "warm-up": "warmup", "warm up": "warmup", "warm": "warmup",
    "drop": "drop", "dropset": "drop", "drop set": "drop", "drop-set": "drop",
    "failure": "failure", "fail": "failure", "amrap": "failure", "to failure": "failure",
}  # fmt: skip
_UNIT_ALIASES: dict[str, Unit] = {
    "kg": "kg", "kgs": "kg", "kilo": "kg", "kilos": "kg", "kilogram": "kg", "kilograms": "kg",
    "lb": "lb", "lbs": "lb", "pound": "lb", "pounds": "lb",
}  # fmt: skip


def shown(value: object) -> str:
    """A value a member sent, for a message: whole floats without ".0", anything else marked as member text."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return member_text(value)


def parse_number(value: object, field_name: str, what: str) -> float:
    """Coerce a raw number (int, float or numeric string) or raise a specific ValidationError."""
    if isinstance(value, bool):
        raise ValidationError(f"{what} must be a number — you sent {value}.", field=field_name)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            raise ValidationError(
                f"{what} must be a number — you sent “{member_text(value)}”.", field=field_name
            ) from None
    else:
        raise ValidationError(f"{what} must be a number — you sent {member_text(repr(value))}.", field=field_name)
    if not math.isfinite(number):
        raise ValidationError(f"{what} must be a finite number — you sent {value}.", field=field_name)
    return number


def parse_unit(value: str | None) -> Unit | None:
    """``'kg'``/``'lb'`` (accepting kgs, lbs, pounds…), None for no value; ValidationError otherwise."""
    if value is None or not str(value).strip():
        return None
    unit = _UNIT_ALIASES.get(str(value).strip().lower())
    if unit is None:
        raise ValidationError(f"Unit must be kg or lb — you sent “{member_text(value)}”.", field="unit")
    return unit


def parse_kind(value: str | None) -> SetKind:
    """A set kind (default working); ValidationError names the allowed kinds."""
    if value is None or not str(value).strip():
        return "working"
    kind = _KIND_ALIASES.get(" ".join(str(value).strip().lower().split()))
    if kind is None:
        raise ValidationError(
            f"Kind must be one of {', '.join(SET_KINDS)} — you sent “{member_text(value)}”.", field="kind"
        )
    return kind


def parse_reps(value: object) -> int:
    """Reps as a whole number from 1 to 100."""
    message = f"Reps must be a whole number from 1 to {MAX_REPS}"
    if value is None:
        raise ValidationError(f"{message} — you didn't send any.", field="reps")
    number = parse_number(value, "reps", "Reps")
    if not number.is_integer() or not 1 <= number <= MAX_REPS:
        raise ValidationError(f"{message} — you sent {shown(value)}.", field="reps")
    return int(number)


def parse_rpe(value: object) -> float | None:
    """RPE from 1 to 10 in steps of 0.5, or None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    rpe = parse_number(value, "rpe", "RPE")
    if not 1 <= rpe <= 10 or not (rpe * 2).is_integer():
        raise ValidationError(f"RPE must be between 1 and 10 in steps of 0.5 — you sent {shown(value)}.", field="rpe")
    return rpe


def parse_note(value: str | None) -> str | None:
    """The note trimmed, control characters removed (tabs and newlines kept), at most 200 characters."""
    if value is None:
        return None
    # NUL and other control characters break PostgreSQL text and Discord rendering.
    cleaned = "".join(ch for ch in str(value) if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()
    if len(cleaned) > MAX_NOTE_LENGTH:
        raise ValidationError(
            f"Note must be at most {MAX_NOTE_LENGTH} characters — yours has {len(cleaned)}.", field="note"
        )
    return cleaned or None


def max_weight(unit: Unit) -> float:
    """The heaviest weight accepted, in ``unit`` (1000 kg ≈ 2204.6 lb)."""
    return MAX_WEIGHT_KG if unit == "kg" else MAX_WEIGHT_KG / KG_PER_LB


def check_weight(value: float, unit: Unit, exercise: ResolvedExercise, *, given: bool) -> float:
    """Validate a weight in ``unit``; return it in kg."""
    limit = max_weight(unit)
    if value < 0 or value > limit + 1e-9:
        raise ValidationError(
            f"Weight must be between 0 and {format_weight(MAX_WEIGHT_KG, unit)} — you sent {shown(value)} {unit}.",
            field="weight",
        )
    if value == 0 and not allows_zero_weight(exercise.exercise):
        if not given:
            raise ValidationError(f"Weight is required for {exercise.name}.", field="weight")
        raise ValidationError(
            f"Weight must be more than 0 for {exercise.name} — 0 is only for bodyweight exercises. "
            f"You sent {shown(value)} {unit}.",
            field="weight",
        )
    # Rounding keeps the stored kg tidy without ever moving a weight by more than a microgram.
    return min(round(value * (KG_PER_LB if unit == "lb" else 1.0), 9), MAX_WEIGHT_KG)


def check_bodyweight(value: float | str, unit: Unit) -> float:
    """Validate a body weight in ``unit``; return it in kg (MIN_BODYWEIGHT_KG to MAX_BODYWEIGHT_KG)."""
    number = parse_number(value, "bodyweight", "Body weight")
    kg = to_kg(number, unit)
    if not MIN_BODYWEIGHT_KG <= kg <= MAX_BODYWEIGHT_KG:
        low, high = format_weight(MIN_BODYWEIGHT_KG, unit), format_weight(MAX_BODYWEIGHT_KG, unit)
        raise ValidationError(
            f"Body weight must be between {low} and {high} — you sent {shown(value)} {unit}.", field="bodyweight"
        )
    return round(kg, 6)
