"""Pure training arithmetic and the training rules every feature shares.

Units and the member's preferred unit, estimated 1RM, PR rules, what a session is
(``session_so_far`` / ``group_sessions``: sets under 90 minutes apart, capped at 12 hours and 100
sets) and what "pre-exhausted" means (``pre_exhausted_by``). Nothing here touches Discord or the
database, so every rule can be tested exhaustively.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from catalog.models import Load

if TYPE_CHECKING:
    from catalog import Catalog, Exercise

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
# No workout lasts half a day or takes a hundred sets; past either, a run of closely spaced sets is split
# into several sessions. The caps bound what any walk over a member's sets can cost, whatever the log holds.
MAX_SESSION_SPAN = timedelta(hours=12)
MAX_SESSION_SETS = 100

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


def entered_note(weight_kg: float, value: float, entered_unit: str, unit: Unit) -> str:
    """ " · entered as 225 lb" when a weight was typed in another unit than the one shown, else "": every
    reply shows weights in the member's unit and what they typed beside it, the same way."""
    if entered_unit == unit or not weight_kg:
        return ""
    return f" · entered as {value:g} {entered_unit}"


def day_label(day: date, today: date) -> str:
    """ "today", "yesterday", or the date ("Mon 1 Dec 2025") for a set done on ``day``."""
    if day == today:
        return "today"
    if day == today - timedelta(days=1):
        return "yesterday"
    return f"{day:%a} {day.day} {day:%b %Y}"


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


def lifted_load(exercise: Exercise | None, weight_kg: float, bodyweight_kg: float | None) -> float | None:
    """The load the working muscles moved (kg): the one rule every e1RM, PR and volume figure uses.

    An external load is the weight itself. Where the body is the load, the catalog's share of the body
    weight plus what was added (minus the assistance, for assisted lifts) — when the catalog gives a share
    and the member gave a body weight. None when it can't be known, and when nothing was lifted: a
    body-weight set without a body weight gets no e1RM rather than "e1RM 0".
    """
    if exercise is None or not exercise.uses_bodyweight:
        return weight_kg if weight_kg > 0 else None
    if exercise.bodyweight_share is None or bodyweight_kg is None:
        return None
    body = exercise.bodyweight_share * bodyweight_kg
    total = body - weight_kg if exercise.load is Load.ASSISTED else body + weight_kg
    return total if total > 0 else None


def set_e1rm(exercise: Exercise | None, weight_kg: float, reps: int, bodyweight_kg: float | None) -> float | None:
    """A set's estimated 1RM from its lifted load (``lifted_load``), or None when that isn't known."""
    load = lifted_load(exercise, weight_kg, bodyweight_kg)
    return estimate_1rm(load, reps) if load is not None else None


def counts_body(exercise: Exercise | None) -> bool:
    """Whether the body is (part of) the load, so rep PRs at the same added load are records too."""
    return exercise is not None and exercise.uses_bodyweight


@dataclass(frozen=True, slots=True)
class PersonalRecords:
    """Which records a set broke, with the previous bests it was compared against (kg)."""

    e1rm: bool = False
    rep_max: bool = False
    previous_e1rm_kg: float | None = None
    previous_weight_at_reps_kg: float | None = None
    # Lifts where the body is the load: more reps than ever at this added weight (or assistance).
    reps_at_load: bool = False
    previous_reps_at_load: int | None = None

    @property
    def any(self) -> bool:
        """True when the set broke at least one record."""
        return self.e1rm or self.rep_max or self.reps_at_load

    @property
    def kinds(self) -> tuple[str, ...]:
        """Which records, best first: "e1rm", "weight at reps", "reps at load" (the reply and chart legend)."""
        hits = (("e1rm", self.e1rm), ("weight at reps", self.rep_max), ("reps at load", self.reps_at_load))
        return tuple(name for name, hit in hits if hit)


def personal_records(
    *,
    kind: str,
    weight_kg: float,
    reps: int,
    e1rm_kg: float | None,
    previous_best_e1rm_kg: float | None,
    previous_best_weight_at_reps_kg: float | None,
    body_is_load: bool = False,
    assisted: bool = False,
    previous_best_reps_at_weight: int | None = None,
) -> PersonalRecords:
    """Decide the PR badges for a set given the member's previous bests for the exercise.

    A PR needs something to beat: the very first set of an exercise (or the first at a rep count, or at
    an added load) sets a baseline, not a record. Warm-ups never count. e1RM records need a known e1RM
    (``set_e1rm``); "most weight for N reps" needs weight added (and isn't a record on an assisted lift,
    where more assistance is easier); "most reps at this load" counts where the body is the load.
    """
    previous_reps = previous_best_reps_at_weight if body_is_load else None
    if not counts_for_records(kind):
        return PersonalRecords(
            previous_e1rm_kg=previous_best_e1rm_kg,
            previous_weight_at_reps_kg=previous_best_weight_at_reps_kg,
            previous_reps_at_load=previous_reps,
        )
    return PersonalRecords(
        e1rm=e1rm_kg is not None and previous_best_e1rm_kg is not None and e1rm_kg > previous_best_e1rm_kg + _EPSILON,
        rep_max=weight_kg > 0
        and not assisted
        and previous_best_weight_at_reps_kg is not None
        and weight_kg > previous_best_weight_at_reps_kg + _EPSILON,
        reps_at_load=body_is_load and previous_best_reps_at_weight is not None and reps > previous_best_reps_at_weight,
        previous_e1rm_kg=previous_best_e1rm_kg,
        previous_weight_at_reps_kg=previous_best_weight_at_reps_kg,
        previous_reps_at_load=previous_reps,
    )


@dataclass
class RecordBook:
    """A member's running bests for one exercise, so history can be replayed through ``personal_records``
    exactly as /log judged each set when it was logged (the chart's PR stars are /log's 🏆)."""

    best_e1rm_kg: float | None = None
    # Heaviest weight (kg) per rep count, and most reps per added weight (kg, rounded to a gram).
    weight_at_reps: dict[int, float] | None = None
    reps_at_weight: dict[float, int] | None = None

    def judge(
        self, exercise: Exercise | None, *, kind: str, weight_kg: float, reps: int, e1rm_kg: float | None
    ) -> PersonalRecords:
        """The records a set breaks against the bests so far; then the set joins the bests."""
        at_reps = self.weight_at_reps if self.weight_at_reps is not None else {}
        at_weight = self.reps_at_weight if self.reps_at_weight is not None else {}
        key = round(weight_kg, 3)
        records = personal_records(
            kind=kind,
            weight_kg=weight_kg,
            reps=reps,
            e1rm_kg=e1rm_kg,
            previous_best_e1rm_kg=self.best_e1rm_kg,
            previous_best_weight_at_reps_kg=at_reps.get(reps),
            body_is_load=counts_body(exercise),
            assisted=exercise is not None and exercise.load is Load.ASSISTED,
            previous_best_reps_at_weight=at_weight.get(key),
        )
        if counts_for_records(kind):
            if e1rm_kg is not None:
                self.best_e1rm_kg = max(self.best_e1rm_kg or 0.0, e1rm_kg)
            at_reps[reps] = max(at_reps.get(reps, 0.0), weight_kg)
            at_weight[key] = max(at_weight.get(key, 0), reps)
        self.weight_at_reps, self.reps_at_weight = at_reps, at_weight
        return records


def same_session(earlier: datetime, later: datetime) -> bool:
    """True when two sets are close enough in time (< 90 minutes apart) to share a session."""
    return abs(later - earlier) < SESSION_GAP


class TimedSet(Protocol):
    """Anything with a performed_at time: a stored set, a row of one, an imported set."""

    @property
    def performed_at(self) -> datetime: ...


class SessionSet(TimedSet, Protocol):
    """The columns the pre-exhaust rule reads."""

    @property
    def exercise_id(self) -> str | None: ...

    @property
    def exercise_key(self) -> str: ...

    @property
    def kind(self) -> str: ...


T = TypeVar("T", bound=TimedSet)


def session_so_far(at: datetime, earlier_desc: Iterable[T]) -> tuple[datetime, list[T]]:
    """The session a set at ``at`` belongs to: its start, and the earlier sets in it (oldest first).

    ``earlier_desc`` are the member's sets at or before ``at``, newest first. The walk back stops at the
    first gap of 90 minutes or more, and never reaches more than ``MAX_SESSION_SPAN`` before ``at`` nor
    takes more than ``MAX_SESSION_SETS`` sets, so every caller can read a bounded number of rows.
    """
    start = at
    window: list[T] = []
    for row in earlier_desc:
        t = row.performed_at
        if not same_session(t, start) or at - t > MAX_SESSION_SPAN or len(window) >= MAX_SESSION_SETS:
            break
        start = min(start, t)
        window.append(row)
    return start, window[::-1]


def group_sessions(rows: Iterable[T]) -> list[list[T]]:
    """Group sets into sessions, in time order: the same rule as ``session_so_far``, applied forwards."""
    sessions: list[list[T]] = []
    for row in sorted(rows, key=lambda r: r.performed_at):
        current = sessions[-1] if sessions else None
        if (
            current is not None
            and same_session(current[-1].performed_at, row.performed_at)
            and row.performed_at - current[0].performed_at <= MAX_SESSION_SPAN
            and len(current) < MAX_SESSION_SETS
        ):
            current.append(row)
        else:
            sessions.append([row])
    return sessions


def pre_exhausts(earlier: Exercise, compound: Exercise) -> bool:
    """Whether hard sets of ``earlier`` tire ``compound``'s target muscle first: an isolation exercise whose
    primary muscles include the compound's target (the pairing every pre-exhaust rule builds on)."""
    return earlier.is_isolation and compound.is_compound and compound.target in earlier.primary


def pre_exhausted_by(
    compound: Exercise, session: Sequence[SessionSet], catalog: Catalog, *, kind: str = "working"
) -> tuple[str, ...]:
    """The isolation exercises that pre-exhausted a compound in a session; () when it was done fresh.

    The one definition of "pre-exhausted" (the 🔥 tag, /compare, chart markers and "My numbers" all
    use it): a hard (non-warm-up) set of an isolation exercise whose primary muscles include the
    compound's target came before the compound's first hard set in the session — so a compound
    already done fresh earlier in the session stays fresh. ``session`` is the session's sets in order;
    when the compound has no hard set among them yet (the set being logged now), every isolation set in
    it counts as before. A warm-up set of the compound (``kind``) is never tagged.
    """
    if not compound.is_compound or not counts_for_records(kind):
        return ()
    names: dict[str, None] = {}
    for s in session:
        if not counts_for_records(s.kind):
            continue  # warm-ups don't fatigue
        if s.exercise_key == compound.id:
            break  # the compound's first hard set: what comes after it doesn't pre-exhaust it
        earlier = catalog.get(s.exercise_id) if s.exercise_id is not None and s.exercise_id in catalog else None
        if earlier is not None and pre_exhausts(earlier, compound):
            names[earlier.name] = None
    return tuple(names)


def preferred_unit(stored: str | None, locale: str | None) -> Unit:
    """The member's unit: the one they chose in /settings, else the one their Discord locale suggests."""
    for unit in UNITS:
        if stored == unit:
            return unit
    return unit_for_locale(locale)
