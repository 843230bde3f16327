"""The /log write transaction: one synchronous call on the database side, run by ``Storage.run``.

The transaction is one call to the database (``db.group_commit``): the reads, the checks that need them
(the member's unit, the set cap), the insert and the reply's facts (set number, last session, PRs, 🔥
pre-exhausted) together. It reads one row of facts (``LogQueries.log_context``: duplicate, settings, set
count, bests), the current session and the exercise's previous one, each walked back only as far as the
session goes (``LogQueries.walk``). A replayed interaction answers from the same reads, restricted to sets
logged before it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from catalog import Catalog, Load
from coach.errors import LimitReachedError, NotYourSetError, StorageUnavailableError
from coach.exercise_search import ExerciseIndex, ResolvedExercise
from coach.logbook_results import LastSession, LogRequest, LogResult, SetSummary
from coach.metrics import (
    MAX_SESSION_SETS,
    MAX_SESSION_SPAN,
    SetKind,
    Unit,
    counts_body,
    counts_for_records,
    personal_records,
    pre_exhausted_by,
    preferred_unit,
    session_so_far,
    set_e1rm,
)
from coach.set_rules import check_weight, parse_kind, parse_note, parse_number, parse_reps, parse_rpe, parse_unit
from coach.timeparse import parse_when_known
from db.log_queries import LogContext, LogQueries
from db.repositories import NewSet


@dataclass(frozen=True, slots=True)
class ParsedSet:
    """A /log request with every value checked and converted, before any I/O."""

    exercise: ResolvedExercise
    weight: float
    weight_given: bool
    unit: Unit | None
    reps: int
    rpe: float | None
    kind: SetKind
    note: str | None
    performed_at: datetime
    time_known: bool


@dataclass(frozen=True, slots=True)
class _Context:
    session_start: datetime
    set_number: int
    last_session: LastSession | None
    best_e1rm: float | None
    best_at_reps: float | None
    pre_exhausted_by: tuple[str, ...]
    body: _Body


@dataclass(frozen=True, slots=True)
class _Body:
    """For a lift where the body is the load: the body weight that applies, and the most reps at this load."""

    body_is_load: bool = False
    assisted: bool = False
    bodyweight_kg: float | None = None
    best_reps_at_weight: int | None = None


@dataclass(frozen=True, slots=True)
class _Prefs:
    """A member's stored unit and share mode, as /log's single read returns them."""

    unit: str | None
    share: str


def parse_request(req: LogRequest, now: datetime, exercise: ResolvedExercise) -> ParsedSet:
    """Every value of a /log request checked and converted; raises a ValidationError naming the bad one."""
    performed_at, time_known = parse_when_known(req.when, now=now)
    weight_given = req.weight is not None and not (isinstance(req.weight, str) and not req.weight.strip())
    weight = parse_number(req.weight, "weight", "Weight") if weight_given else 0.0
    return ParsedSet(
        exercise=exercise,
        weight=weight,
        weight_given=weight_given,
        unit=parse_unit(req.unit),
        reps=parse_reps(req.reps),
        rpe=parse_rpe(req.rpe),
        kind=parse_kind(req.kind),
        note=parse_note(req.note),
        performed_at=performed_at,
        time_known=time_known,
    )


class LogWriter:
    """Builds and answers /log transactions for a logbook service (its catalog, index and set cap)."""

    def __init__(
        self, catalog: Catalog, index: ExerciseIndex, max_sets: int, full_log: Callable[[int], LimitReachedError]
    ) -> None:
        self.catalog = catalog
        self.index = index
        self.max_sets = max_sets
        self.full_log = full_log

    def log(self, conn: Connection, req: LogRequest, parsed: ParsedSet, now: datetime) -> LogResult:
        """The whole /log transaction on the database side: read what the reply needs, insert, answer.

        Runs inside ``Storage.run`` (one call, a shared commit). It raises a domain error only before its
        first write, so a refused set never leaves anything behind in the shared transaction."""
        q = LogQueries(conn)
        known = q.log_context(
            req.member_id, parsed.exercise.key, parsed.reps, parsed.performed_at,
            cap=self.max_sets, interaction_id=req.interaction_id,
        )  # fmt: skip
        if known.duplicate_id is None:
            if known.stored >= self.max_sets:
                raise self.full_log(known.stored)
            prefs = _Prefs(unit=known.unit, share=known.share or "private")
            display_unit = preferred_unit(prefs.unit, req.locale)
            unit = parsed.unit or display_unit
            weight_kg = check_weight(parsed.weight, unit, parsed.exercise, given=parsed.weight_given)
            body = _body(q, req.member_id, parsed.exercise, weight_kg, parsed.performed_at)
            row = _new_set(req, parsed, unit, weight_kg, now, body.bodyweight_kg)
            # Writes from here on: nothing below raises a member's error.
            if not known.member_exists:  # First set ever: the member's row (defaults) comes into being.
                q.ensure_member(req.member_id)
            if q.insert(row):
                # The sets logged before this one: the same reads a replay of it makes.
                at = parsed.performed_at
                ctx = self._context(
                    q, req.member_id, parsed.exercise, at, known, kind=parsed.kind, body=body, before_id=row.id
                )
                return _build_result(row, ctx, display_unit, prefs.share, parsed.exercise.suggestions)
        # Another delivery of this interaction stored the set (before, or in a race just now): its reply.
        existing = q.by_interaction(req.interaction_id) if req.interaction_id is not None else None
        if existing is None:  # pragma: no cover - the unique index admits no other conflict
            raise StorageUnavailableError()
        return self._replay(q, existing, req.locale, member_id=req.member_id)

    def _replay(self, q: LogQueries, row: NewSet, locale: str | None, *, member_id: int) -> LogResult:
        """The reply for an already stored set, as it was when logged (only sets logged before it count)."""
        if row.member_id != member_id:
            # Interaction ids are per user, so this is a forged or corrupted request: reveal nothing.
            raise NotYourSetError("That interaction belongs to someone else.")
        exercise = self.index.for_row(row.exercise_key, row.exercise_name, row.exercise_id, row.custom_name)
        known = q.log_context(row.member_id, row.exercise_key, row.reps, row.performed_at, before_id=row.id)
        body = _body(
            q, row.member_id, exercise, row.weight_kg, row.performed_at, before_id=row.id, stored=row.bodyweight_kg
        )
        ctx = self._context(
            q, row.member_id, exercise, row.performed_at, known, kind=row.kind, body=body, before_id=row.id
        )
        share = known.share or "private"
        return _build_result(row, ctx, preferred_unit(known.unit, locale), share, exercise.suggestions, duplicate=True)

    def _context(
        self,
        q: LogQueries,
        member_id: int,
        exercise: ResolvedExercise,
        at: datetime,
        known: LogContext,
        *,
        kind: str,
        body: _Body,
        before_id: int | None = None,
    ) -> _Context:
        """Where a set at ``at`` stands: its session, set number, last session of the exercise and bests.

        The session is walked back from ``at`` (``session_so_far``) over rows read only as far as the walk
        goes; the exercise's previous session is anchored at its latest set before this session and walked
        back from there the same way. A reply reads the sets of two sessions and three single rows.
        """
        limit = MAX_SESSION_SETS + 1  # the walk stops at the cap, after reading one row past it
        with closing(q.walk(member_id, at, at - MAX_SESSION_SPAN, limit=limit, before_id=before_id)) as rows:
            start, window = session_so_far(at, rows)
        anchor = q.latest_before(member_id, exercise.key, start, before_id=before_id)
        last = None
        if anchor is not None:
            floor = anchor.performed_at - MAX_SESSION_SPAN
            walk = q.walk(member_id, anchor.performed_at, floor, limit=limit, before_id=before_id, after_id=anchor.id)
            with closing(walk) as rows:
                _, previous = session_so_far(anchor.performed_at, rows)
            sets = [r for r in (*previous, anchor) if r.exercise_key == exercise.key]
            last = LastSession(
                started_at=sets[0].performed_at,
                sets=tuple(SetSummary(r.weight_kg, r.reps, r.kind, r.rpe) for r in sets),
            )
        pre = (
            pre_exhausted_by(exercise.exercise, window, self.catalog, kind=kind)
            if exercise.exercise is not None
            else ()
        )
        return _Context(
            session_start=start,
            # Working sets are numbered; warm-ups before them aren't "set #1".
            set_number=1 + sum(1 for s in window if s.exercise_key == exercise.key and counts_for_records(s.kind)),
            last_session=last,
            best_e1rm=known.best_e1rm,
            best_at_reps=known.best_at_reps,
            pre_exhausted_by=pre,
            body=body,
        )


def _new_set(
    req: LogRequest, parsed: ParsedSet, unit: Unit, weight_kg: float, now: datetime, bodyweight_kg: float | None
) -> NewSet:
    return NewSet(
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
        e1rm_kg=set_e1rm(parsed.exercise.exercise, weight_kg, parsed.reps, bodyweight_kg),
        performed_at=parsed.performed_at,
        created_at=now,
        source="discord",
        bodyweight_kg=bodyweight_kg,
        time_known=parsed.time_known,
    )


def _build_result(
    row: NewSet,
    ctx: _Context,
    display_unit: Unit,
    share: str,
    suggestions: tuple[str, ...],
    *,
    duplicate: bool = False,
) -> LogResult:
    records = personal_records(
        kind=row.kind,
        weight_kg=row.weight_kg,
        reps=row.reps,
        e1rm_kg=row.e1rm_kg,
        previous_best_e1rm_kg=ctx.best_e1rm,
        previous_best_weight_at_reps_kg=ctx.best_at_reps,
        body_is_load=ctx.body.body_is_load,
        assisted=ctx.body.assisted,
        previous_best_reps_at_weight=ctx.body.best_reps_at_weight,
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
        bodyweight_kg=row.bodyweight_kg,
        body_is_load=ctx.body.body_is_load,
        time_known=row.time_known,
        records=records,
        pre_exhausted_by=ctx.pre_exhausted_by,
        share=share,
        duplicate=duplicate,
        suggestions=suggestions,
    )


def _body(
    q: LogQueries,
    member_id: int,
    exercise: ResolvedExercise,
    weight_kg: float,
    at: datetime,
    *,
    before_id: int | None = None,
    stored: float | None = None,
) -> _Body:
    """What a lift where the body is the load needs besides /log's main read (nothing for other lifts)."""
    if not counts_body(exercise.exercise):
        return _Body()
    best, bodyweight = q.body_context(member_id, exercise.key, weight_kg, at, before_id=before_id)
    assisted = exercise.exercise is not None and exercise.exercise.load is Load.ASSISTED
    # A replay shows the body weight the set was stored with, even if entries changed since.
    return _Body(True, assisted, stored if before_id is not None else bodyweight, best)
