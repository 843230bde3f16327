"""What the logbook service takes and returns: requests and results of /log, /undo, /history and /settings.

Plain, immutable data with the small formatting each reply needs; no Discord, no database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from coach.metrics import E1RM_FORMULA, PersonalRecords, Unit, day_label, entered_note, format_weight
from coach.text import plural
from db.models import LoggedSet


@dataclass(frozen=True, slots=True)
class LogRequest:
    """What `/log` received. Values may be raw (strings, floats) — the service validates them all."""

    member_id: int
    exercise: str
    weight: float | int | str | None
    reps: int | float | str | None
    guild_id: int | None = None
    channel_id: int | None = None
    # The Discord interaction id: unique, so a retried or replayed interaction logs the set once.
    interaction_id: int | None = None
    unit: str | None = None
    rpe: float | int | str | None = None
    kind: str | None = None
    note: str | None = None
    when: str | None = None
    # The member's Discord locale: picks kg or lb until they choose a unit in /settings.
    locale: str | None = None
    # True when the member explicitly chose to log an unknown name as their own exercise.
    custom: bool = False


def load_text(weight_kg: float, unit: Unit) -> str:
    """A set's load as members read it: ``'100 kg'``, or ``'body weight'`` when nothing was added."""
    return format_weight(weight_kg, unit) if weight_kg > 0 else "body weight"


def when_text(at: datetime, time_known: bool, *, utc: bool = True) -> str:
    """ "2026-11-20 18:30 UTC", or "2026-11-20" for a set logged with a date only."""
    if not time_known:
        return f"{at:%Y-%m-%d}"
    return f"{at:%Y-%m-%d %H:%M}" + (" UTC" if utc else "")


@dataclass(frozen=True, slots=True)
class SetSummary:
    """One set, as shown in "last session"."""

    weight_kg: float
    reps: int
    kind: str
    rpe: float | None = None

    def describe(self, unit: Unit) -> str:
        """``'100 kg × 8'`` (``'body weight × 8'`` with nothing added), with the kind when it isn't a working set."""
        text = f"{load_text(self.weight_kg, unit)} × {self.reps}"
        if self.rpe is not None:
            text += f" @{self.rpe:g}"
        if self.kind != "working":
            text += f" ({self.kind})"
        return text


@dataclass(frozen=True, slots=True)
class LastSession:
    """What the member did for an exercise in their previous session that included it."""

    started_at: datetime
    sets: tuple[SetSummary, ...]

    def describe(self, unit: Unit) -> str:
        """E.g. ``'2026-11-18: 100 kg × 8, 100 kg × 7'``."""
        return f"{self.started_at:%Y-%m-%d}: " + ", ".join(s.describe(unit) for s in self.sets)


@dataclass(frozen=True, slots=True)
class LogResult:
    """Everything the `/log` reply shows. Weights are kg; ``display_unit`` is the member's unit."""

    set_id: int
    member_id: int
    exercise_key: str
    exercise_id: str | None
    exercise_name: str
    weight_kg: float
    weight_value: float
    weight_unit: Unit
    display_unit: Unit
    reps: int
    rpe: float | None
    kind: str
    note: str | None
    performed_at: datetime
    created_at: datetime
    set_number: int
    session_started_at: datetime
    last_session: LastSession | None
    e1rm_kg: float | None
    records: PersonalRecords
    # Names of isolation exercises for this compound's target muscle done earlier in the session.
    pre_exhausted_by: tuple[str, ...]
    share: str
    # True when this interaction had already logged the set: nothing new was written.
    duplicate: bool = False
    # For a custom exercise: catalog names it might have meant ("did you mean …?").
    suggestions: tuple[str, ...] = ()
    e1rm_formula: str = E1RM_FORMULA
    # Lifts where the body is the load: the body weight that applied (None when the member gave none).
    bodyweight_kg: float | None = None
    body_is_load: bool = False
    # False for a set logged with a date only: the reply shows the date alone.
    time_known: bool = True

    @property
    def is_custom(self) -> bool:
        """True for a member-named exercise."""
        return self.exercise_id is None

    @property
    def is_pr(self) -> bool:
        """True when the set beat the member's best e1RM or their best weight at this rep count."""
        return self.records.any

    @property
    def pre_exhausted(self) -> bool:
        """True when an isolation set for this compound's target muscle came earlier in the session."""
        return bool(self.pre_exhausted_by)

    @property
    def ephemeral(self) -> bool:
        """Whether the reply should be visible only to the member (their `share` setting)."""
        return self.share != "public"

    @property
    def set_label(self) -> str:
        """ "#2 today", "warm-up · yesterday", "#1 · Mon 1 Dec 2025": working sets are numbered, warm-ups
        aren't, and the day is the set's own (a backdated set doesn't say "today")."""
        day = day_label(self.performed_at.date(), self.created_at.date())
        if self.kind == "warmup":
            return f"warm-up · {day}"
        return f"#{self.set_number} {day}" if day in ("today", "yesterday") else f"#{self.set_number} · {day}"

    @property
    def entered(self) -> str:
        """ " · entered as 225 lb" when the weight was typed in another unit than the member's, else ""."""
        return entered_note(self.weight_kg, self.weight_value, self.weight_unit, self.display_unit)

    @property
    def weight_display(self) -> str:
        """The weight in the member's unit, e.g. ``'225 lb'``."""
        return format_weight(self.weight_kg, self.display_unit)

    @property
    def e1rm_display(self) -> str:
        """The estimated 1RM in the member's unit, what it includes, or why there is none."""
        if self.e1rm_kg is None:
            if self.body_is_load and self.bodyweight_kg is None:
                return "— set your body weight once with `/settings bodyweight:` to get one"
            if self.body_is_load:
                return "— not estimated for this lift (its PRs count reps at the same load)"
            return "— nothing lifted"
        text = format_weight(self.e1rm_kg, self.display_unit)
        if self.body_is_load and self.bodyweight_kg is not None:
            text += f" incl. {format_weight(self.bodyweight_kg, self.display_unit)} body weight"
        return text

    @property
    def pr_line(self) -> str:
        """Which records the set broke, for the reply ("" for none)."""
        return "🏆 **PR** — " + self.pr_text if self.pr_text else ""

    @property
    def pr_text(self) -> str:
        """The set's best record in words, e.g. "best estimated 1RM" ("" for none)."""
        kinds = self.records.kinds
        if not kinds:
            return ""
        words = {
            "e1rm": "best estimated 1RM",
            "weight at reps": f"most weight for {plural(self.reps, 'rep')}",
            "reps at load": "most reps at this load"
            + (f" ({self.weight_display})" if self.weight_kg else " (body weight)"),
        }
        return words[kinds[0]]

    @property
    def when_display(self) -> str:
        """When the set was done: date and time, or the date alone when no time was given."""
        return when_text(self.performed_at, self.time_known)


@dataclass(frozen=True, slots=True)
class UndoneSet:
    """A set that was just removed, so the reply can say which."""

    set_id: int
    exercise_name: str
    weight_kg: float
    weight_value: float
    weight_unit: Unit
    reps: int
    kind: str
    performed_at: datetime
    # The member's unit, in which the reply shows the weight.
    unit: Unit = "kg"
    time_known: bool = True

    @classmethod
    def from_row(cls, row: LoggedSet, unit: Unit) -> UndoneSet:
        """The reply's view of a stored set about to go, in the member's ``unit``."""
        return cls(
            set_id=row.id,
            exercise_name=row.exercise_name,
            weight_kg=row.weight_kg,
            weight_value=row.weight_value,
            weight_unit=row.weight_unit,  # type: ignore[arg-type]
            reps=row.reps,
            kind=row.kind,
            performed_at=row.performed_at,
            unit=unit,
            time_known=row.time_known,
        )

    def describe(self, unit: Unit) -> str:
        """E.g. ``'Bench Press 102.1 kg × 5 · entered as 225 lb (2026-11-20 18:30 UTC)'``, in the member's unit."""
        return (
            f"{self.exercise_name} {load_text(self.weight_kg, unit)} × {self.reps}"
            f"{'' if self.kind == 'working' else f' ({self.kind})'}"
            f"{entered_note(self.weight_kg, self.weight_value, self.weight_unit, unit)}"
            f" ({when_text(self.performed_at, self.time_known)})"
        )


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One row of `/history`."""

    set_id: int
    performed_at: datetime
    exercise_key: str
    exercise_name: str
    weight_kg: float
    weight_value: float
    weight_unit: Unit
    reps: int
    rpe: float | None
    kind: str
    note: str | None
    e1rm_kg: float | None
    time_known: bool = True

    @classmethod
    def from_row(cls, row: LoggedSet) -> HistoryEntry:
        """One stored set as a /history line."""
        return cls(
            set_id=row.id,
            performed_at=row.performed_at,
            exercise_key=row.exercise_key,
            exercise_name=row.exercise_name,
            weight_kg=row.weight_kg,
            weight_value=row.weight_value,
            weight_unit=row.weight_unit,  # type: ignore[arg-type]
            reps=row.reps,
            rpe=row.rpe,
            kind=row.kind,
            note=row.note,
            e1rm_kg=row.e1rm_kg,
            time_known=row.time_known,
        )

    def describe(self, unit: Unit) -> str:
        """One line: date, exercise, weight × reps, RPE and kind (and what was typed, if in another unit)."""
        s = SetSummary(self.weight_kg, self.reps, self.kind, self.rpe).describe(unit)
        entered = entered_note(self.weight_kg, self.weight_value, self.weight_unit, unit)
        return f"{when_text(self.performed_at, self.time_known, utc=False)} · {self.exercise_name} · {s}{entered}"


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page of a member's history, newest first. ``page`` is 0-based."""

    entries: tuple[HistoryEntry, ...]
    page: int
    page_size: int
    total: int
    days: int
    unit: Unit
    exercise_name: str | None = None

    @property
    def pages(self) -> int:
        """Number of pages (at least 1, so "page 1 of 1" reads right when empty)."""
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def has_next(self) -> bool:
        """Whether a later page exists."""
        return self.page + 1 < self.pages

    @property
    def has_prev(self) -> bool:
        """Whether an earlier page exists."""
        return self.page > 0


@dataclass(frozen=True, slots=True)
class MappedExercise:
    """What /map did: the member's name, the catalog exercise it now means, and how many sets moved."""

    name: str
    exercise_name: str
    moved: int
    # Re-mapped: the exercise the name meant before (its sets moved then stay there).
    previous: str | None = None


@dataclass(frozen=True, slots=True)
class MemberPreferences:
    """A member's effective settings; ``unit_is_default`` when the unit comes from their locale."""

    member_id: int
    unit: Unit
    share: str
    unit_is_default: bool
    # The member's latest body weight (kg) and when it was measured; None until they give one.
    bodyweight_kg: float | None = None
    bodyweight_at: datetime | None = None
    # Consistency: the weekly session target, whether they appear in server recaps, their reminder time.
    sessions_per_week: int = 3
    recap: bool = False
    reminder_time: str | None = None

    @property
    def ephemeral(self) -> bool:
        """Whether replies about their sets should be private."""
        return self.share != "public"
