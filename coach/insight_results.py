"""What the insight service returns: sessions as the analysis sees them, and each view's results.

Plain, immutable data (plus the small derived properties each reply needs); no Discord, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from catalog import DAYS, Catalog, Exercise
from coach.metrics import Unit
from coach.planner import DayPlan, Protocol
from coach.progression import LastSet, Target
from db.repositories import SetRow

Metric = Literal["e1rm", "top-set", "volume"]
METRICS: tuple[Metric, ...] = ("e1rm", "top-set", "volume")
METRIC_LABELS: dict[Metric, str] = {"e1rm": "estimated 1RM", "top-set": "top set", "volume": "volume per session"}
# Sets whose load and reps count in /compare and progression targets: drop sets are lighter by design.
WORKING_KINDS = ("working", "failure")


class Condition(StrEnum):
    """How a compound was done in a session."""

    PRE_EXHAUSTED = "pre-exhausted"
    FRESH = "compound first"


# --------------------------------------------------------------------------- sessions


@dataclass(frozen=True, slots=True)
class TrainingSession:
    """One inferred session: its sets in order, and how each catalog compound in it was done."""

    sets: tuple[SetRow, ...]
    conditions: Mapping[str, Condition]
    pre_pairs: tuple[Exercise, ...]
    traditional_pairs: tuple[Exercise, ...]

    @property
    def start(self) -> datetime:
        """Time of the first set."""
        return self.sets[0].performed_at

    @property
    def end(self) -> datetime:
        """Time of the last set."""
        return self.sets[-1].performed_at

    @property
    def duration(self) -> timedelta:
        """First to last logged set."""
        return self.end - self.start

    def day(self, catalog: Catalog) -> str | None:
        """Which training day (lower, push, pull) the session was: the day most of its catalog sets belong to."""
        votes: dict[str, int] = {}
        for s in self.sets:
            if s.exercise_id is None or s.exercise_id not in catalog or s.kind == "warmup":
                continue
            for day in catalog.get(s.exercise_id).days:
                votes[day] = votes.get(day, 0) + 1
        return max(votes, key=lambda d: (votes[d], -DAYS.index(d))) if votes else None

    @property
    def protocol(self) -> Protocol | None:
        """PRE_EXHAUST or TRADITIONAL when every pair went one way; None for mixed or pair-less sessions."""
        if self.pre_pairs and not self.traditional_pairs:
            return Protocol.PRE_EXHAUST
        if self.traditional_pairs and not self.pre_pairs:
            return Protocol.TRADITIONAL
        return None

    def hard_sets(self, exercise_key: str) -> list[SetRow]:
        """The exercise's sets in this session, warm-ups left out."""
        return [s for s in self.sets if s.exercise_key == exercise_key and s.kind != "warmup"]

    def working_sets(self, exercise_key: str) -> list[SetRow]:
        """The exercise's working and failure sets in this session."""
        return [s for s in self.sets if s.exercise_key == exercise_key and s.kind in WORKING_KINDS]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class ReplyPreferences:
    """What a reply needs from the member's settings: their unit and whether to answer privately."""

    unit: Unit
    ephemeral: bool


@dataclass(frozen=True, slots=True)
class DaySuggestion:
    """What to train next: the day after the member's last one in the lower → push → pull rotation."""

    day: str
    last_day: str | None = None
    last_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ProgressPoint:
    """One session on a progress chart; ``value`` is in the member's unit (volume: unit × reps)."""

    at: datetime
    value: float
    label: str
    condition: Condition | None
    is_pr: bool
    # Which /log records the session's sets broke ("e1rm", "weight at reps", "reps at load").
    pr_kinds: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProgressSeries:
    """A member's sessions of one exercise over a window, for one metric."""

    exercise_name: str
    metric: Metric
    days: int
    unit: Unit
    since: datetime
    until: datetime
    points: tuple[ProgressPoint, ...]
    is_compound: bool

    @property
    def axis_label(self) -> str:
        """The y-axis label, with the member's unit."""
        if self.metric == "volume":
            return f"Volume per session ({self.unit} × reps)"
        return f"{'Estimated 1RM' if self.metric == 'e1rm' else 'Top set weight'} ({self.unit})"

    @property
    def title(self) -> str:
        """Chart and embed title."""
        return f"{self.exercise_name} — {METRIC_LABELS[self.metric]}, last {self.days} days"

    def count(self, condition: Condition) -> int:
        """How many sessions were done this way."""
        return sum(1 for p in self.points if p.condition is condition)

    @property
    def best(self) -> ProgressPoint:
        """The highest point."""
        return max(self.points, key=lambda p: p.value)

    @property
    def prs(self) -> int:
        """Sessions marked as personal records."""
        return sum(1 for p in self.points if p.is_pr)


@dataclass(frozen=True, slots=True)
class MuscleStats:
    """One muscle group's week(s): hard sets, volume load (member's unit × reps), sessions and pairs."""

    muscle: str
    label: str
    hard_sets: int
    volume: float
    sessions: int
    pre_pairs: int
    traditional_pairs: int


@dataclass(frozen=True, slots=True)
class WeeklyStats:
    """Per-muscle totals for the last ``weeks`` weeks (a rolling window ending now)."""

    weeks: int
    since: datetime
    until: datetime
    unit: Unit
    muscles: tuple[MuscleStats, ...]
    sessions: int
    hard_sets: int
    volume: float
    pre_pairs: int
    traditional_pairs: int

    @property
    def period(self) -> str:
        """'last 7 days' or 'last 3 weeks'."""
        return "last 7 days" if self.weeks == 1 else f"last {self.weeks} weeks"


@dataclass(frozen=True, slots=True)
class ConditionSummary:
    """A compound's sessions in one condition: means over sessions (e1RM) and over working sets (load, reps)."""

    sessions: int
    working_sets: int
    mean_e1rm: float | None
    mean_load: float | None
    mean_reps: float | None


@dataclass(frozen=True, slots=True)
class ExerciseComparison:
    """One compound, pre-exhausted versus compound first."""

    exercise: Exercise
    pre: ConditionSummary
    fresh: ConditionSummary
    min_sessions: int

    @property
    def enough(self) -> bool:
        """True when both conditions have at least the minimum number of sessions."""
        return self.pre.sessions >= self.min_sessions and self.fresh.sessions >= self.min_sessions

    @property
    def e1rm_difference_pct(self) -> float | None:
        """How much higher (positive) or lower the mean e1RM was when pre-exhausted, in percent."""
        if not self.enough or not self.pre.mean_e1rm or not self.fresh.mean_e1rm:
            return None
        return (self.pre.mean_e1rm - self.fresh.mean_e1rm) / self.fresh.mean_e1rm * 100


@dataclass(frozen=True, slots=True)
class DurationComparison:
    """Session lengths (minutes) of the member's pre-exhaust and traditional sessions."""

    pre_sessions: int
    pre_mean_minutes: float | None
    traditional_sessions: int
    traditional_mean_minutes: float | None
    min_sessions: int

    @property
    def enough(self) -> bool:
        """True when both kinds of session have at least the minimum count."""
        return self.pre_sessions >= self.min_sessions and self.traditional_sessions >= self.min_sessions

    @property
    def difference_pct(self) -> float | None:
        """How much shorter (negative) or longer pre-exhaust sessions were, in percent."""
        if not self.enough or not self.traditional_mean_minutes or self.pre_mean_minutes is None:
            return None
        return (self.pre_mean_minutes - self.traditional_mean_minutes) / self.traditional_mean_minutes * 100


@dataclass(frozen=True, slots=True)
class Comparison:
    """The member's own n-of-1 over the last ``days`` days."""

    days: int
    unit: Unit
    exercises: tuple[ExerciseComparison, ...]
    durations: DurationComparison
    min_sessions: int
    requested: Exercise | None = None


@dataclass(frozen=True, slots=True)
class NumbersItem:
    """One exercise of a planned day: what the member did last time and today's target."""

    exercise: Exercise
    sets: int
    reps_low: int
    reps_high: int
    condition: Condition | None
    last_at: datetime | None = None
    last_sets: tuple[LastSet, ...] = ()
    target: Target | None = None
    note: str | None = None
    # Without a target from the same condition: a cautious first load (member's unit) from the other one.
    start_weight: float | None = None


@dataclass(frozen=True, slots=True)
class MyNumbers:
    """A member's numbers for one planned day."""

    day: DayPlan
    unit: Unit
    items: tuple[NumbersItem, ...] = field(default=())
