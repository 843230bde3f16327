"""The logbook service: `/log`, `/undo`, `/history`, `/settings` and `/privacy`, without Discord.

The service owns every transaction (one per call), validates everything a member sends — including
raw values that skipped Discord's client-side checks — and raises ``coach.errors`` exceptions whose
``message`` the cog can show as-is. A member can only ever read or change their own rows: every
method takes the acting member's id and every query is scoped to it.

Sessions are inferred, never declared: a member's sets less than 90 minutes apart belong to one
session (see ``coach.metrics.SESSION_GAP``). "Set number" counts that exercise's sets earlier in the
same session; "last session" is the most recent earlier session that contains the exercise.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import logging
import math
import unicodedata
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog import Catalog, Exercise, normalise_name
from coach.errors import (
    CoachError,
    NothingToUndoError,
    NotYourSetError,
    StorageUnavailableError,
    UnknownExerciseError,
    ValidationError,
)
from coach.exercise_search import (
    CUSTOM_PREFIX,
    MAX_CUSTOM_NAME,
    ExerciseChoice,
    ExerciseIndex,
    RecentExercise,
    clean_custom_name,
    custom_key,
)
from coach.metrics import (
    E1RM_FORMULA,
    KG_PER_LB,
    SESSION_GAP,
    SET_KINDS,
    PersonalRecords,
    SetKind,
    Unit,
    counts_for_records,
    estimate_1rm,
    format_weight,
    personal_records,
    unit_for_locale,
)
from coach.timeparse import parse_when, utc_now
from db.engine import transaction
from db.models import MAX_NOTE_LENGTH, MAX_WEIGHT_KG, LoggedSet, MemberSettings
from db.repositories import LogContext, MemberRepository, NewSet, SetFacts, SetRepository

log = logging.getLogger(__name__)

MAX_REPS = 100
MAX_HISTORY_DAYS = 365
MAX_PAGE_SIZE = 25
# Seconds autocomplete waits for the member's recent exercises before answering without them.
AUTOCOMPLETE_DB_TIMEOUT_S = 1.5
# How many set times one query fetches while walking back to a session's start.
_SESSION_WALK_BATCH = 200
# Sets fetched in one go for the current session: more than almost any real session holds, so the
# walk above is the rare fallback, while a long history never costs more than this many rows.
_SESSION_FIRST_BATCH = 60
# /log reads the member's sets this far back in its single look-up (see SetRepository.log_context);
# only a session reaching further back than that (over ~10 hours) needs the step-by-step queries.
_SESSION_LOOKBACK = timedelta(hours=12)

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
_SHARE_MODES = ("private", "public")


# --------------------------------------------------------------------------- requests and results


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


@dataclass(frozen=True, slots=True)
class SetSummary:
    """One set, as shown in "last session"."""

    weight_kg: float
    reps: int
    kind: str
    rpe: float | None = None

    def describe(self, unit: Unit) -> str:
        """``'100 kg × 8'``, with the kind when it isn't a plain working set."""
        text = f"{format_weight(self.weight_kg, unit)} × {self.reps}"
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
    e1rm_kg: float
    records: PersonalRecords
    # Names of isolation exercises for this compound's target muscle done earlier in the session.
    pre_exhausted_by: tuple[str, ...]
    share: str
    # True when this interaction had already logged the set: nothing new was written.
    duplicate: bool = False
    # For a custom exercise: catalog names it might have meant ("did you mean …?").
    suggestions: tuple[str, ...] = ()
    e1rm_formula: str = E1RM_FORMULA

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
    def weight_display(self) -> str:
        """The weight in the member's unit, e.g. ``'225 lb'``."""
        return format_weight(self.weight_kg, self.display_unit)

    @property
    def e1rm_display(self) -> str:
        """The estimated 1RM in the member's unit."""
        return format_weight(self.e1rm_kg, self.display_unit)


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

    def describe(self) -> str:
        """E.g. ``'Barbell Bench Press 100 kg × 8 (2026-11-20 18:30 UTC)'`` in the unit it was entered in."""
        return (
            f"{self.exercise_name} {format_weight(self.weight_kg, self.weight_unit)} × {self.reps}"
            f"{'' if self.kind == 'working' else f' ({self.kind})'} ({self.performed_at:%Y-%m-%d %H:%M} UTC)"
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
    e1rm_kg: float

    def describe(self, unit: Unit) -> str:
        """One line: date, exercise, weight × reps, RPE and kind."""
        s = SetSummary(self.weight_kg, self.reps, self.kind, self.rpe).describe(unit)
        return f"{self.performed_at:%Y-%m-%d %H:%M} · {self.exercise_name} · {s}"


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
class MemberPreferences:
    """A member's effective settings; ``unit_is_default`` when the unit comes from their locale."""

    member_id: int
    unit: Unit
    share: str
    unit_is_default: bool

    @property
    def ephemeral(self) -> bool:
        """Whether replies about their sets should be private."""
        return self.share != "public"


@dataclass(frozen=True, slots=True)
class ResolvedExercise:
    """An exercise as the member chose it: a catalog entry (``exercise``) or a custom name."""

    key: str
    name: str
    exercise: Exercise | None
    custom_name: str | None = None
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Parsed:
    exercise: ResolvedExercise
    weight: float
    weight_given: bool
    unit: Unit | None
    reps: int
    rpe: float | None
    kind: SetKind
    note: str | None
    performed_at: datetime


@dataclass(slots=True)
class _Context:
    session_start: datetime
    set_number: int
    last_session: LastSession | None
    best_e1rm: float | None
    best_at_reps: float | None
    pre_exhausted_by: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------- validation helpers


def _shown(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: object, field_name: str, what: str) -> float:
    """Coerce a raw number (int, float or numeric string) or raise a specific ValidationError."""
    if isinstance(value, bool):
        raise ValidationError(f"{what} must be a number — you sent {value}.", field=field_name)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            raise ValidationError(f"{what} must be a number — you sent “{value}”.", field=field_name) from None
    else:
        raise ValidationError(f"{what} must be a number — you sent {value!r}.", field=field_name)
    if not math.isfinite(number):
        raise ValidationError(f"{what} must be a finite number — you sent {value}.", field=field_name)
    return number


def parse_unit(value: str | None) -> Unit | None:
    """``'kg'``/``'lb'`` (accepting kgs, lbs, pounds…), None for no value; ValidationError otherwise."""
    if value is None or not str(value).strip():
        return None
    unit = _UNIT_ALIASES.get(str(value).strip().lower())
    if unit is None:
        raise ValidationError(f"Unit must be kg or lb — you sent “{value}”.", field="unit")
    return unit


def parse_kind(value: str | None) -> SetKind:
    """A set kind (default working); ValidationError names the allowed kinds."""
    if value is None or not str(value).strip():
        return "working"
    kind = _KIND_ALIASES.get(" ".join(str(value).strip().lower().split()))
    if kind is None:
        raise ValidationError(f"Kind must be one of {', '.join(SET_KINDS)} — you sent “{value}”.", field="kind")
    return kind


def parse_reps(value: object) -> int:
    """Reps as a whole number from 1 to 100."""
    message = f"Reps must be a whole number from 1 to {MAX_REPS}"
    if value is None:
        raise ValidationError(f"{message} — you didn't send any.", field="reps")
    number = _number(value, "reps", "Reps")
    if not number.is_integer() or not 1 <= number <= MAX_REPS:
        raise ValidationError(f"{message} — you sent {_shown(value)}.", field="reps")
    return int(number)


def parse_rpe(value: object) -> float | None:
    """RPE from 1 to 10 in steps of 0.5, or None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    rpe = _number(value, "rpe", "RPE")
    if not 1 <= rpe <= 10 or not (rpe * 2).is_integer():
        raise ValidationError(f"RPE must be between 1 and 10 in steps of 0.5 — you sent {_shown(value)}.", field="rpe")
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


# Equipment that adds no load you could weigh: with only these, weight 0 means "body weight, nothing added"
# (push-ups, pull-ups on a bar, bench dips, band work).
LOAD_FREE_EQUIPMENT = frozenset({"bodyweight", "pullup_bar", "bench", "band"})


def allows_zero_weight(exercise: Exercise | None) -> bool:
    """Body-weight exercises (no loading equipment) and custom exercises may be logged with weight 0."""
    return exercise is None or set(exercise.equipment) <= LOAD_FREE_EQUIPMENT


def check_weight(value: float, unit: Unit, exercise: ResolvedExercise, *, given: bool) -> float:
    """Validate a weight in ``unit``; return it in kg."""
    limit = max_weight(unit)
    if value < 0 or value > limit + 1e-9:
        raise ValidationError(
            f"Weight must be between 0 and {format_weight(MAX_WEIGHT_KG, unit)} — you sent {_shown(value)} {unit}.",
            field="weight",
        )
    if value == 0 and not allows_zero_weight(exercise.exercise):
        if not given:
            raise ValidationError(f"Weight is required for {exercise.name}.", field="weight")
        raise ValidationError(
            f"Weight must be more than 0 for {exercise.name} — 0 is only for bodyweight exercises. "
            f"You sent {_shown(value)} {unit}.",
            field="weight",
        )
    # Rounding keeps the stored kg tidy without ever moving a weight by more than a microgram.
    return min(round(value * (KG_PER_LB if unit == "lb" else 1.0), 9), MAX_WEIGHT_KG)


# --------------------------------------------------------------------------- the service


class LogbookService:
    """Members' logged sets: validate, store, summarise, undo, page, export and forget."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        catalog: Catalog,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = session_factory
        self.catalog = catalog
        self.index = ExerciseIndex(catalog)
        self._clock = clock
        bind = session_factory.kw.get("bind")
        # SQLite has one writer at a time: queue this process's writers fairly on an asyncio lock
        # instead of letting them spin on the busy timeout (which still covers other processes).
        self._write_lock: asyncio.Lock | None = (
            asyncio.Lock() if bind is not None and bind.dialect.name == "sqlite" else None
        )

    # ----------------------------------------------------------------- transactions

    @contextlib.asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncSession]:
        with _storage_errors():
            async with transaction(self._sessions, write=False) as session:
                yield session

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncSession]:
        with _storage_errors():
            if self._write_lock is None:
                async with transaction(self._sessions, write=True) as session:
                    yield session
            else:
                async with self._write_lock, transaction(self._sessions, write=True) as session:
                    yield session

    def now(self) -> datetime:
        """The service clock (aware UTC)."""
        return self._clock()

    # ----------------------------------------------------------------- exercises

    def resolve_exercise(self, raw: str, *, custom: bool = False) -> ResolvedExercise:
        """Map an autocomplete value, name or alias to a catalog exercise, or an explicit custom one."""
        text = (raw or "").strip()
        if text.lower().startswith(CUSTOM_PREFIX):
            custom, text = True, text[len(CUSTOM_PREFIX) :].strip()
        if not text:
            raise ValidationError("Pick an exercise from the list.", field="exercise")
        found = self.catalog.find(text)
        if found is not None:
            # "Custom: Bench Press" is still the catalog's bench press: one history, one PR line.
            return ResolvedExercise(key=found.id, name=found.name, exercise=found)
        if not custom:
            raise UnknownExerciseError(text, self.index.suggest(text))
        name = clean_custom_name(text)
        if len(name) > MAX_CUSTOM_NAME:
            raise ValidationError(
                f"Custom exercise names can be at most {MAX_CUSTOM_NAME} characters — yours has {len(name)}.",
                field="exercise",
            )
        if not normalise_name(name):
            raise ValidationError("A custom exercise name needs at least one letter or digit.", field="exercise")
        return ResolvedExercise(
            key=custom_key(name),
            name=name,
            exercise=None,
            custom_name=name,
            suggestions=tuple(self.index.suggest(name)),
        )

    def _history_key(self, raw: str | None) -> tuple[str | None, str | None]:
        if raw is None or not raw.strip():
            return None, None
        text = raw.strip()
        if text.lower().startswith(CUSTOM_PREFIX):
            text = text[len(CUSTOM_PREFIX) :].strip()
        found = self.catalog.find(text)
        if found is not None:
            return found.id, found.name
        # Not in the catalog: the member's own custom exercise of that name (if they have one).
        return custom_key(text), clean_custom_name(text)

    async def recent_exercises(self, member_id: int, limit: int = 10) -> list[RecentExercise]:
        """The member's most recently performed distinct exercises, newest first."""
        async with self._read() as session:
            rows = await SetRepository(session).recent_exercises(member_id, limit=limit)
        return [RecentExercise(key=key, name=name) for key, name in rows]

    async def autocomplete(self, member_id: int, current: str, limit: int = 25) -> list[ExerciseChoice]:
        """Exercise choices for what the member has typed, their recent exercises first."""
        try:
            # Autocomplete must answer within Discord's 3 s even when the database is slow or down.
            recent = await asyncio.wait_for(self.recent_exercises(member_id, limit=10), AUTOCOMPLETE_DB_TIMEOUT_S)
        except (StorageUnavailableError, TimeoutError):
            recent = []
        return self.index.search(current, recent, limit)

    # ----------------------------------------------------------------- /log

    def _parse(self, req: LogRequest, now: datetime) -> _Parsed:
        exercise = self.resolve_exercise(req.exercise, custom=req.custom)
        weight_given = req.weight is not None and not (isinstance(req.weight, str) and not req.weight.strip())
        weight = _number(req.weight, "weight", "Weight") if weight_given else 0.0
        return _Parsed(
            exercise=exercise,
            weight=weight,
            weight_given=weight_given,
            unit=parse_unit(req.unit),
            reps=parse_reps(req.reps),
            rpe=parse_rpe(req.rpe),
            kind=parse_kind(req.kind),
            note=parse_note(req.note),
            performed_at=parse_when(req.when, now=now),
        )

    async def log_set(self, req: LogRequest) -> LogResult:
        """Validate and store one set; a repeated interaction id returns the original set, never a second row."""
        now = self.now()
        parsed = self._parse(req, now)  # Raises before touching the database: nothing is written.
        try:
            async with self._write() as session:
                sets = SetRepository(session)
                # One round trip answers nearly everything below (duplicate, settings, PRs, sessions): on the
                # hot path each query's round trip costs more than the work the database does for it.
                known = await sets.log_context(
                    req.member_id,
                    parsed.exercise.key,
                    parsed.reps,
                    parsed.performed_at,
                    parsed.performed_at - _SESSION_LOOKBACK,
                    limit=_SESSION_FIRST_BATCH,
                    interaction_id=req.interaction_id,
                )
                if known.duplicate_id is not None:
                    existing = await sets.get(known.duplicate_id)
                    if existing is not None:
                        return await self._result(
                            session, existing, req.locale, duplicate=True, member_id=req.member_id
                        )
                settings: MemberSettings | _StoredPrefs | None
                if known.member_exists:
                    settings = _StoredPrefs(unit=known.unit, share=known.share or "private")
                else:  # First set ever: the member's row (defaults) comes into being.
                    members = MemberRepository(session)
                    await members.ensure(req.member_id)
                    settings = await members.get(req.member_id)
                display_unit = _member_unit(settings, req.locale)
                unit = parsed.unit or display_unit
                weight_kg = check_weight(parsed.weight, unit, parsed.exercise, given=parsed.weight_given)
                ctx = self._context_from(known, parsed.exercise, parsed.performed_at) or await self._context(
                    sets, req.member_id, parsed.exercise, parsed.performed_at, reps=parsed.reps, before_id=None
                )
                row = NewSet(
                    member_id=req.member_id,
                    guild_id=req.guild_id,
                    channel_id=req.channel_id,
                    interaction_id=req.interaction_id,
                    exercise_key=parsed.exercise.key,
                    exercise_id=parsed.exercise.exercise.id if parsed.exercise.exercise else None,
                    custom_name=parsed.exercise.custom_name,
                    exercise_name=parsed.exercise.name,
                    weight_kg=weight_kg,
                    weight_value=parsed.weight,
                    weight_unit=unit,
                    reps=parsed.reps,
                    rpe=parsed.rpe,
                    kind=parsed.kind,
                    note=parsed.note,
                    e1rm_kg=estimate_1rm(weight_kg, parsed.reps),
                    performed_at=parsed.performed_at,
                    created_at=now,
                    source="discord",
                )
                await sets.insert(row)
                return self._build_result(row, ctx, display_unit, settings, suggestions=parsed.exercise.suggestions)
        except StorageUnavailableError as error:
            if req.interaction_id is None or not isinstance(error.__cause__, sa_exc.IntegrityError):
                raise
        # Another delivery of the same interaction won the race to insert: answer with its set.
        async with self._read() as session:
            existing = await SetRepository(session).by_interaction(req.interaction_id)
            if existing is None:  # pragma: no cover - the conflict was about something else
                raise StorageUnavailableError()
            return await self._result(session, existing, req.locale, duplicate=True, member_id=req.member_id)

    async def _result(
        self, session: AsyncSession, row: LoggedSet, locale: str | None, *, duplicate: bool, member_id: int
    ) -> LogResult:
        """The reply for an already stored set, as it was when logged (only earlier sets considered)."""
        if row.member_id != member_id:
            # Interaction ids are per user, so this is a forged or corrupted request: reveal nothing.
            raise NotYourSetError("That interaction belongs to someone else.")
        settings = await MemberRepository(session).get(row.member_id)
        exercise = self._exercise_for_row(row)
        ctx = await self._context(
            SetRepository(session), row.member_id, exercise, row.performed_at, reps=row.reps, before_id=row.id
        )
        return self._build_result(
            row, ctx, _member_unit(settings, locale), settings, duplicate=duplicate, suggestions=exercise.suggestions
        )

    def _exercise_for_row(self, row: LoggedSet) -> ResolvedExercise:
        found = None
        if row.exercise_id is not None and row.exercise_id in self.catalog:
            found = self.catalog.get(row.exercise_id)
        return ResolvedExercise(
            key=row.exercise_key, name=row.exercise_name, exercise=found, custom_name=row.custom_name
        )

    def _build_result(
        self,
        row: LoggedSet | NewSet,
        ctx: _Context,
        display_unit: Unit,
        settings: MemberSettings | _StoredPrefs | None,
        *,
        duplicate: bool = False,
        suggestions: tuple[str, ...] = (),
    ) -> LogResult:
        records = personal_records(
            kind=row.kind,
            weight_kg=row.weight_kg,
            reps=row.reps,
            previous_best_e1rm_kg=ctx.best_e1rm,
            previous_best_weight_at_reps_kg=ctx.best_at_reps,
        )
        return LogResult(
            set_id=row.id,
            member_id=row.member_id,
            exercise_key=row.exercise_key,
            exercise_id=row.exercise_id,
            exercise_name=row.exercise_name,
            weight_kg=row.weight_kg,
            weight_value=row.weight_value,
            weight_unit=row.weight_unit,  # type: ignore[arg-type]
            display_unit=display_unit,
            reps=row.reps,
            rpe=row.rpe,
            kind=row.kind,
            note=row.note,
            performed_at=row.performed_at,
            created_at=row.created_at,
            set_number=ctx.set_number,
            session_started_at=ctx.session_start,
            last_session=ctx.last_session,
            e1rm_kg=row.e1rm_kg,
            records=records,
            pre_exhausted_by=ctx.pre_exhausted_by,
            share=settings.share if settings is not None else "private",
            duplicate=duplicate,
            suggestions=suggestions,
        )

    async def _context(
        self,
        sets: SetRepository,
        member_id: int,
        exercise: ResolvedExercise,
        at: datetime,
        *,
        reps: int,
        before_id: int | None,
    ) -> _Context:
        start, window = await _current_session(sets, member_id, at, before_id)
        set_number = 1 + sum(1 for s in window if s.exercise_key == exercise.key)
        best_e1rm, best_at_reps = await sets.bests(member_id, exercise.key, reps, before_id=before_id)
        return _Context(
            session_start=start,
            set_number=set_number,
            last_session=await _last_session(sets, member_id, exercise.key, start, before_id),
            best_e1rm=best_e1rm,
            best_at_reps=best_at_reps,
            pre_exhausted_by=self._pre_exhausted_by(exercise.exercise, window),
        )

    def _context_from(self, known: LogContext, exercise: ResolvedExercise, at: datetime) -> _Context | None:
        """The context from /log's single read, or None when those rows can't settle it (then ``_context`` asks).

        Same answers as ``_context``: ``known.recent`` holds every set in (since, at] unless it is full, and
        the last session's anchor is either among them (before the current session) or the exercise's latest
        set at or before ``since``, whose preceding sets are ``known.before_last``.
        """
        since = at - _SESSION_LOOKBACK
        complete = len(known.recent) < _SESSION_FIRST_BATCH
        current = _walk_session(known.recent, at, since if complete else None, complete=complete)
        if current is None:
            return None
        start, window = current
        last: LastSession | None = None
        anchor = next((r for r in known.recent if r.performed_at < start and r.exercise_key == exercise.key), None)
        if anchor is not None:
            earlier = [r for r in known.recent if r.performed_at <= anchor.performed_at]
            found = _walk_session(earlier, anchor.performed_at, since, complete=complete)
        elif not complete:
            return None  # the anchor may be among the older sets a full batch left out
        elif known.before_last:
            before = known.before_last
            found = _walk_session(before, before[0].performed_at, None, complete=len(before) < _SESSION_FIRST_BATCH)
        else:
            found = (start, [])  # the member never did this exercise before this session
        if found is None:
            return None
        rows = [r for r in found[1] if r.exercise_key == exercise.key]
        if rows:
            last = LastSession(
                started_at=rows[0].performed_at,
                sets=tuple(SetSummary(r.weight_kg, r.reps, r.kind, r.rpe) for r in rows),
            )
        return _Context(
            session_start=start,
            set_number=1 + sum(1 for s in window if s.exercise_key == exercise.key),
            last_session=last,
            best_e1rm=known.best_e1rm,
            best_at_reps=known.best_at_reps,
            pre_exhausted_by=self._pre_exhausted_by(exercise.exercise, window),
        )

    def _pre_exhausted_by(self, exercise: Exercise | None, window: Sequence[LoggedSet | SetFacts]) -> tuple[str, ...]:
        """Isolation exercises for the compound's target muscle done earlier in the session (warm-ups don't fatigue)."""
        if exercise is None or not exercise.is_compound:
            return ()
        names: dict[str, None] = {}
        for s in window:
            if not counts_for_records(s.kind) or s.exercise_id is None or s.exercise_id not in self.catalog:
                continue
            earlier = self.catalog.get(s.exercise_id)
            if earlier.is_isolation and exercise.target in earlier.primary:
                names[earlier.name] = None
        return tuple(names)

    # ----------------------------------------------------------------- /undo

    async def undo_last(self, member_id: int, guild_id: int | None = None) -> UndoneSet:
        """Remove the member's most recently logged set (in ``guild_id`` if given) and say which."""
        async with self._write() as session:
            sets = SetRepository(session)
            row = await sets.latest_logged(member_id, guild_id)
            if row is None:
                raise NothingToUndoError(
                    "There's nothing to undo: you have no logged sets"
                    + (" in this server." if guild_id is not None else ".")
                )
            undone = _undone(row)
            await sets.delete(row)
        return undone

    async def undo_set(self, set_id: int, member_id: int) -> UndoneSet:
        """Remove one set (the Undo button); only its owner may."""
        if not 0 < set_id < 2**63:
            # A custom id can carry any digits; no row has such an id and the database can't even compare it.
            raise NothingToUndoError("That set is already gone — nothing to undo.")
        async with self._write() as session:
            sets = SetRepository(session)
            row = await sets.get(set_id)
            if row is None:
                raise NothingToUndoError("That set is already gone — nothing to undo.")
            if row.member_id != member_id:
                raise NotYourSetError("Only the member who logged this set can undo it.")
            undone = _undone(row)
            await sets.delete(row)
        return undone

    # ----------------------------------------------------------------- /history

    async def history(
        self,
        member_id: int,
        exercise: str | None = None,
        days: int = 30,
        page: int = 0,
        page_size: int = 10,
        *,
        locale: str | None = None,
    ) -> HistoryPage:
        """One page (0-based) of the member's own sets from the last ``days`` days, newest first."""
        days_n = _number(days, "days", "Days")
        if not days_n.is_integer() or not 1 <= days_n <= MAX_HISTORY_DAYS:
            raise ValidationError(
                f"Days must be a whole number from 1 to {MAX_HISTORY_DAYS} — you sent {_shown(days)}.", field="days"
            )
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValidationError(f"Page size must be from 1 to {MAX_PAGE_SIZE}.", field="page_size")
        key, name = self._history_key(exercise)
        since = self.now() - timedelta(days=int(days_n))
        async with self._read() as session:
            sets = SetRepository(session)
            total = await sets.count(member_id, since=since, exercise_key=key)
            pages = max(1, math.ceil(total / page_size))
            # Clamp, so a stale "next" button after an undo lands on the last page instead of nothing.
            page = min(max(0, int(page)), pages - 1)
            rows = await sets.history(
                member_id, since=since, exercise_key=key, offset=page * page_size, limit=page_size
            )
            settings = await MemberRepository(session).get(member_id)
        return HistoryPage(
            entries=tuple(_entry(r) for r in rows),
            page=page,
            page_size=page_size,
            total=total,
            days=int(days_n),
            unit=_member_unit(settings, locale),
            exercise_name=name,
        )

    # ----------------------------------------------------------------- /settings

    async def get_settings(self, member_id: int, locale: str | None = None) -> MemberPreferences:
        """The member's effective settings (nothing is created by looking)."""
        async with self._read() as session:
            row = await MemberRepository(session).get(member_id)
        return _preferences(member_id, row, locale)

    async def update_settings(
        self,
        member_id: int,
        *,
        unit: str | None = None,
        share: str | None = None,
        locale: str | None = None,
    ) -> MemberPreferences:
        """Change the member's unit and/or share mode; None leaves a setting as it is."""
        values: dict[str, Any] = {}
        parsed_unit = parse_unit(unit)
        if parsed_unit is not None:
            values["unit"] = parsed_unit
        if share is not None:
            mode = str(share).strip().lower()
            if mode not in _SHARE_MODES:
                raise ValidationError(f"Share must be private or public — you sent “{share}”.", field="share")
            values["share"] = mode
        async with self._write() as session:
            row = await MemberRepository(session).update(member_id, **values)
            prefs = _preferences(member_id, row, locale)
        return prefs

    # ----------------------------------------------------------------- /privacy

    async def export(self, member_id: int) -> tuple[bytes, bytes]:
        """The member's own data as (CSV, JSON) bytes: every set, plus their settings in the JSON."""
        async with self._read() as session:
            rows = await SetRepository(session).all_for_member(member_id)
            settings = await MemberRepository(session).get(member_id)
        records = [_export_record(r) for r in rows]
        csv_buffer = io.StringIO()
        writer = csv.DictWriter(csv_buffer, fieldnames=list(_EXPORT_FIELDS), lineterminator="\n")
        writer.writeheader()
        for record in records:
            writer.writerow({k: _csv_cell(v) for k, v in record.items()})
        document = {
            "member_id": str(member_id),
            "exported_at": self.now().isoformat(),
            "settings": None
            if settings is None
            else {
                "unit": settings.unit,
                "share": settings.share,
                "created_at": settings.created_at.isoformat(),
                "updated_at": settings.updated_at.isoformat(),
            },
            "sets": records,
        }
        json_bytes = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        # UTF-8 with BOM so spreadsheet apps open names and notes with accents correctly.
        return csv_buffer.getvalue().encode("utf-8-sig"), json_bytes

    async def forget(self, member_id: int) -> int:
        """Delete all of the member's data (sets and settings); returns how many rows went."""
        async with self._write() as session:
            deleted = await SetRepository(session).delete_for_member(member_id)
            deleted += await MemberRepository(session).delete(member_id)
        log.info("forgot a member's data: %d rows", deleted)
        return deleted


# --------------------------------------------------------------------------- helpers


@contextlib.contextmanager
def _storage_errors() -> Iterator[None]:
    """Turn database outages (unreachable, locked, read-only, pool exhausted) into StorageUnavailableError."""
    try:
        yield
    except CoachError:
        raise
    except (sa_exc.DBAPIError, sa_exc.TimeoutError, OSError) as error:
        if isinstance(error, sa_exc.IntegrityError):
            log.info("integrity conflict: %s", error.orig)
        else:
            log.warning("storage unavailable: %s", error, exc_info=True)
        raise StorageUnavailableError() from error


@dataclass(frozen=True, slots=True)
class _StoredPrefs:
    """A member's stored unit and share mode, as /log's single read returns them."""

    unit: str | None
    share: str


def _walk_session(
    rows: Sequence[SetFacts], at: datetime, floor: datetime | None, *, complete: bool
) -> tuple[datetime, list[SetFacts]] | None:
    """Session start for a set at ``at`` and the session's sets (oldest first), from ``rows`` (newest first, all
    at or before ``at``); None when they can't tell: the session may reach back past ``floor`` (the lower
    bound the rows were read with) or past the last row when not ``complete``.
    """
    start = at
    window: list[SetFacts] = []
    for row in rows:
        if start - row.performed_at >= SESSION_GAP:
            return start, window[::-1]
        start = min(start, row.performed_at)
        window.append(row)
    if complete and (floor is None or start - floor >= SESSION_GAP):
        return start, window[::-1]
    return None


def _member_unit(settings: MemberSettings | _StoredPrefs | None, locale: str | None) -> Unit:
    if settings is not None and settings.unit in ("kg", "lb"):
        return settings.unit  # type: ignore[return-value]
    return unit_for_locale(locale)


def _preferences(member_id: int, row: MemberSettings | None, locale: str | None) -> MemberPreferences:
    return MemberPreferences(
        member_id=member_id,
        unit=_member_unit(row, locale),
        share=row.share if row is not None else "private",
        unit_is_default=row is None or row.unit is None,
    )


async def _current_session(
    sets: SetRepository, member_id: int, at: datetime, before_id: int | None
) -> tuple[datetime, list[LoggedSet]]:
    """Start of the session a set at ``at`` belongs to, and the member's sets in it up to ``at`` (oldest first).

    One query covers any ordinary session; only a session longer than the batch needs the slow walk.
    """
    rows = await sets.latest_before(member_id, at, limit=_SESSION_FIRST_BATCH, before_id=before_id)
    start = at
    window: list[LoggedSet] = []
    for row in rows:
        if start - row.performed_at >= SESSION_GAP:
            return start, window[::-1]
        start = min(start, row.performed_at)
        window.append(row)
    if len(rows) < _SESSION_FIRST_BATCH:
        return start, window[::-1]
    start = await _session_start(sets, member_id, at, before_id)
    return start, await sets.in_window(member_id, start, at, before_id=before_id)


async def _session_start(sets: SetRepository, member_id: int, at: datetime, before_id: int | None) -> datetime:
    """Walk back from ``at`` through the member's set times until a gap of 90 minutes or more."""
    start = at
    cursor, inclusive = at, True
    while True:
        times = await sets.times_before(
            member_id, cursor, limit=_SESSION_WALK_BATCH, inclusive=inclusive, before_id=before_id
        )
        for t in times:
            if start - t >= SESSION_GAP:
                return start
            start = min(start, t)
        if len(times) < _SESSION_WALK_BATCH:
            return start
        # Equal timestamps at the batch edge don't matter: a zero gap never ends a session.
        cursor, inclusive = times[-1], False


async def _last_session(
    sets: SetRepository, member_id: int, exercise_key: str, before: datetime, before_id: int | None
) -> LastSession | None:
    """The exercise's sets in the latest session before ``before`` that included it."""
    last = await sets.last_before(member_id, exercise_key, before, before_id=before_id)
    if last is None:
        return None
    # ``last`` is the exercise's final set before ``before``, so that session's sets of it all lie
    # between the session's start and ``last``: no need to find where the session ended.
    _, window = await _current_session(sets, member_id, last.performed_at, before_id)
    rows = [r for r in window if r.exercise_key == exercise_key]
    return LastSession(
        started_at=rows[0].performed_at,
        sets=tuple(SetSummary(r.weight_kg, r.reps, r.kind, r.rpe) for r in rows),
    )


def _undone(row: LoggedSet) -> UndoneSet:
    return UndoneSet(
        set_id=row.id,
        exercise_name=row.exercise_name,
        weight_kg=row.weight_kg,
        weight_value=row.weight_value,
        weight_unit=row.weight_unit,  # type: ignore[arg-type]
        reps=row.reps,
        kind=row.kind,
        performed_at=row.performed_at,
    )


def _entry(row: LoggedSet) -> HistoryEntry:
    return HistoryEntry(
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
    )


_EXPORT_FIELDS = (
    "set_id", "performed_at", "exercise_id", "exercise_name", "custom", "weight_kg", "weight_value",
    "weight_unit", "reps", "rpe", "kind", "note", "e1rm_kg", "guild_id", "channel_id", "interaction_id",
    "created_at", "source",
)  # fmt: skip


def _export_record(row: LoggedSet) -> dict[str, Any]:
    # Discord ids are 64-bit: strings, so JavaScript readers of the JSON don't round them.
    def sid(value: int | None) -> str | None:
        return None if value is None else str(value)

    return {
        "set_id": row.id,
        "performed_at": row.performed_at.isoformat(),
        "exercise_id": row.exercise_id,
        "exercise_name": row.exercise_name,
        "custom": row.exercise_id is None,
        "weight_kg": row.weight_kg,
        "weight_value": row.weight_value,
        "weight_unit": row.weight_unit,
        "reps": row.reps,
        "rpe": row.rpe,
        "kind": row.kind,
        "note": row.note,
        "e1rm_kg": round(row.e1rm_kg, 3),
        "guild_id": sid(row.guild_id),
        "channel_id": sid(row.channel_id),
        "interaction_id": sid(row.interaction_id),
        "created_at": row.created_at.isoformat(),
        "source": row.source,
    }


def _csv_cell(value: Any) -> Any:
    # Spreadsheets run cells starting with = + - @ as formulas; a note must never execute.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if value is None:
        return ""
    return value
