"""The logbook service: `/log`, `/undo`, `/history`, `/settings` and `/privacy`, without Discord.

The service owns every transaction (one per call), validates everything a member sends — including
raw values that skipped Discord's client-side checks — and raises ``coach.errors`` exceptions whose
``message`` the cog can show as-is. A member can only ever read or change their own rows: every
method takes the acting member's id and every query is scoped to it.

Sessions are inferred, never declared (``coach.metrics.session_so_far``: sets under 90 minutes apart,
at most 12 hours and 100 sets). "Set number" counts that exercise's sets earlier in the same session;
"last session" is the most recent earlier session that contains the exercise. Everything a /log needs
to know comes from one statement (``SetRepository.log_context``), read in the same transaction as the
insert; a replayed interaction answers from the same statement, restricted to sets logged before it.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from catalog import Load
from coach import bodyweight as bodyweight_rules
from coach.errors import NothingToUndoError, NotYourSetError, StorageUnavailableError, ValidationError
from coach.exercise_search import ExerciseChoice, RecentExercise, ResolvedExercise, clean_custom_name, custom_key
from coach.export import ExportFile, ExportWriter
from coach.logbook_results import (
    HistoryEntry,
    HistoryPage,
    LastSession,
    LogRequest,
    LogResult,
    MappedExercise,
    MemberPreferences,
    SetSummary,
    UndoneSet,
)
from coach.metrics import (
    MAX_SESSION_SETS,
    MAX_SESSION_SPAN,
    SESSION_GAP,
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
from coach.set_rules import (
    check_bodyweight,
    check_weight,
    parse_kind,
    parse_note,
    parse_number,
    parse_reps,
    parse_rpe,
    parse_unit,
    shown,
)
from coach.storage import Service
from coach.text import member_text
from coach.timeparse import parse_when, parse_when_known
from db.bodyweight_repository import BodyWeightEntry, BodyWeightRepository
from db.exercise_map_repository import ExerciseMapRepository
from db.models import LoggedSet, MemberSettings
from db.repositories import LogContext, MemberRepository, NewSet, SetRepository, SetRow

log = logging.getLogger(__name__)

MAX_HISTORY_DAYS = 365
MAX_PAGE_SIZE = 25
# Seconds autocomplete waits for the member's recent exercises before answering without them.
AUTOCOMPLETE_DB_TIMEOUT_S = 1.5
_SHARE_MODES = ("private", "public")
# Sets read per round trip while exporting.
EXPORT_BATCH = 2_000


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


class LogbookService(Service):
    """Members' logged sets: validate, store, summarise, undo, page, export and forget."""

    # ----------------------------------------------------------------- exercises

    async def recent_exercises(self, member_id: int, limit: int = 10) -> list[RecentExercise]:
        """The member's most recently performed distinct exercises, newest first."""
        async with self._storage.read() as session:
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

    def _parse(self, req: LogRequest, now: datetime, exercise: ResolvedExercise) -> _Parsed:
        performed_at, time_known = parse_when_known(req.when, now=now)
        weight_given = req.weight is not None and not (isinstance(req.weight, str) and not req.weight.strip())
        weight = parse_number(req.weight, "weight", "Weight") if weight_given else 0.0
        return _Parsed(
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

    async def log_set(self, req: LogRequest) -> LogResult:
        """Validate and store one set; a repeated interaction id returns the original set, never a second row."""
        now = self.now()
        exercise = await self.exercise_to_log(req.member_id, req.exercise, custom=req.custom)
        parsed = self._parse(req, now, exercise)  # Raises before any write: nothing is written.
        async with self._storage.write() as session:
            sets = SetRepository(session)
            known = await _known(
                sets, req.member_id, parsed.exercise.key, parsed.reps, parsed.performed_at,
                cap=self.max_sets, interaction_id=req.interaction_id,
            )  # fmt: skip
            if known.duplicate_id is None:
                if known.stored >= self.max_sets:
                    raise self.full_log(known.stored)
                if known.member_exists:
                    prefs = _Prefs(unit=known.unit, share=known.share or "private")
                else:  # First set ever: the member's row (defaults) comes into being.
                    await MemberRepository(session).ensure(req.member_id)
                    prefs = _Prefs(unit=None, share="private")
                display_unit = preferred_unit(prefs.unit, req.locale)
                unit = parsed.unit or display_unit
                weight_kg = check_weight(parsed.weight, unit, parsed.exercise, given=parsed.weight_given)
                body = await _body(sets, req.member_id, parsed.exercise, weight_kg, parsed.performed_at)
                row = self._new_set(req, parsed, unit, weight_kg, now, body.bodyweight_kg)
                if await sets.insert(row):
                    ctx = await self._context(
                        sets, req.member_id, parsed.exercise, parsed.performed_at, known, kind=parsed.kind, body=body
                    )
                    return self._build_result(row, ctx, display_unit, prefs.share, parsed.exercise.suggestions)
            # Another delivery of this interaction stored the set (before, or in a race just now): its reply.
            existing = await sets.by_interaction(req.interaction_id) if req.interaction_id is not None else None
            if existing is None:  # pragma: no cover - the unique index admits no other conflict
                raise StorageUnavailableError()
            return await self._replay(session, existing, req.locale, member_id=req.member_id)

    @staticmethod
    def _new_set(
        req: LogRequest, parsed: _Parsed, unit: Unit, weight_kg: float, now: datetime, bodyweight_kg: float | None
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

    async def _replay(self, session: AsyncSession, row: LoggedSet, locale: str | None, *, member_id: int) -> LogResult:
        """The reply for an already stored set, as it was when logged (only sets logged before it count)."""
        if row.member_id != member_id:
            # Interaction ids are per user, so this is a forged or corrupted request: reveal nothing.
            raise NotYourSetError("That interaction belongs to someone else.")
        sets = SetRepository(session)
        exercise = self.index.for_row(row.exercise_key, row.exercise_name, row.exercise_id, row.custom_name)
        known = await _known(sets, row.member_id, row.exercise_key, row.reps, row.performed_at, before_id=row.id)
        body = await _body(
            sets, row.member_id, exercise, row.weight_kg, row.performed_at, before_id=row.id, stored=row.bodyweight_kg
        )
        ctx = await self._context(
            sets, row.member_id, exercise, row.performed_at, known, kind=row.kind, body=body, before_id=row.id
        )
        share = known.share or "private"
        return self._build_result(
            row, ctx, preferred_unit(known.unit, locale), share, exercise.suggestions, duplicate=True
        )

    async def _context(
        self,
        sets: SetRepository,
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

        ``known.recent`` covers the whole session-so-far (a session spans at most ``MAX_SESSION_SPAN``
        and ``MAX_SESSION_SETS``). The exercise's previous session is anchored at its latest set before
        this session: among ``known.recent``, or else ``known.before_last`` (the sets up to the latest
        one older than the window). Only when an anchor inside the window has a session reaching back
        past it are that session's sets read once more.
        """
        start, window = session_so_far(at, known.recent)
        earlier: Sequence[SetRow] = known.before_last
        for index, row in enumerate(known.recent):
            if row.performed_at < start and row.exercise_key == exercise.key:
                earlier = known.recent[index:]
                if _may_reach_past(earlier, at - MAX_SESSION_SPAN, full=len(known.recent) >= MAX_SESSION_SETS):
                    earlier = await sets.session_rows_before(
                        member_id, row.performed_at, limit=MAX_SESSION_SETS, before_id=before_id
                    )
                break
        last = None
        if earlier:
            _, previous = session_so_far(earlier[0].performed_at, earlier[1:])
            rows = [r for r in (*previous, earlier[0]) if r.exercise_key == exercise.key]
            last = LastSession(
                started_at=rows[0].performed_at,
                sets=tuple(SetSummary(r.weight_kg, r.reps, r.kind, r.rpe) for r in rows),
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

    @staticmethod
    def _build_result(
        row: LoggedSet | NewSet,
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

    # ----------------------------------------------------------------- /undo

    async def undo_last(self, member_id: int, guild_id: int | None = None, *, locale: str | None = None) -> UndoneSet:
        """Remove the member's most recently logged set (in ``guild_id`` if given) and say which."""
        async with self._storage.write() as session:
            sets = SetRepository(session)
            row = await sets.latest_logged(member_id, guild_id)
            if row is None:
                raise NothingToUndoError(
                    "There's nothing to undo: you have no logged sets"
                    + (" in this server." if guild_id is not None else ".")
                )
            undone = UndoneSet.from_row(row, await _unit(session, member_id, locale))
            await sets.delete(row)
        return undone

    async def undo_set(self, set_id: int, member_id: int, *, locale: str | None = None) -> UndoneSet:
        """Remove one set (the Undo button); only its owner may."""
        if not 0 < set_id < 2**63:
            # A custom id can carry any digits; no row has such an id and the database can't even compare it.
            raise NothingToUndoError("That set is already gone — nothing to undo.")
        async with self._storage.write() as session:
            sets = SetRepository(session)
            row = await sets.get(set_id)
            if row is None or row.member_id != member_id:
                # One answer for both: another member's set id must not reveal that it exists.
                raise NothingToUndoError("That set is already gone — nothing to undo.")
            undone = UndoneSet.from_row(row, await _unit(session, member_id, locale))
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
        days_n = parse_number(days, "days", "Days")
        if not days_n.is_integer() or not 1 <= days_n <= MAX_HISTORY_DAYS:
            raise ValidationError(
                f"Days must be a whole number from 1 to {MAX_HISTORY_DAYS} — you sent {shown(days)}.", field="days"
            )
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValidationError(f"Page size must be from 1 to {MAX_PAGE_SIZE}.", field="page_size")
        ref = await self.exercise_to_read(member_id, exercise) if exercise is not None and exercise.strip() else None
        key, name = (ref.key, ref.name) if ref is not None else (None, None)
        since = self.now() - timedelta(days=int(days_n))
        async with self._storage.read() as session:
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
            entries=tuple(HistoryEntry.from_row(r) for r in rows),
            page=page,
            page_size=page_size,
            total=total,
            days=int(days_n),
            unit=preferred_unit(settings.unit if settings else None, locale),
            exercise_name=name,
        )

    # ----------------------------------------------------------------- /settings

    async def get_settings(self, member_id: int, locale: str | None = None) -> MemberPreferences:
        """The member's effective settings (nothing is created by looking)."""
        async with self._storage.read() as session:
            row = await MemberRepository(session).get(member_id)
            latest = await BodyWeightRepository(session).latest(member_id)
        return _preferences(member_id, row, locale, latest)

    async def update_settings(
        self,
        member_id: int,
        *,
        unit: str | None = None,
        share: str | None = None,
        locale: str | None = None,
        bodyweight: float | str | None = None,
        bodyweight_when: str | None = None,
    ) -> MemberPreferences:
        """Change the member's unit, share mode and/or body weight; None leaves a setting as it is.

        A body weight (in the unit given, else the member's) applies from ``bodyweight_when`` (default now)
        until their next entry; the sets it now applies to get their body weight and e1RM again.
        """
        values: dict[str, Any] = {}
        parsed_unit = parse_unit(unit)
        if parsed_unit is not None:
            values["unit"] = parsed_unit
        if share is not None:
            mode = str(share).strip().lower()
            if mode not in _SHARE_MODES:
                raise ValidationError(
                    f"Share must be private or public — you sent “{member_text(share)}”.", field="share"
                )
            values["share"] = mode
        measured_at = parse_when(bodyweight_when, now=self.now()) if bodyweight is not None else None
        if bodyweight is None and bodyweight_when is not None:
            raise ValidationError("Give the body weight too (`bodyweight:`), not only its date.", field="bodyweight")
        async with self._storage.write() as session:
            row = await MemberRepository(session).update(member_id, **values)
            prefs_unit = preferred_unit(row.unit, locale)
            if bodyweight is not None and measured_at is not None:
                body_kg = check_bodyweight(bodyweight, parsed_unit or prefs_unit)
                await BodyWeightRepository(session).record(member_id, body_kg, measured_at)
                # The sets this entry now applies to get their body weight and e1RM from it.
                await bodyweight_rules.reprice(session, self.catalog, member_id, since=measured_at)
            latest = await BodyWeightRepository(session).latest(member_id)
            prefs = _preferences(member_id, row, locale, latest)
        return prefs

    # ----------------------------------------------------------------- /map

    async def map_exercise(self, member_id: int, name: str, exercise: str) -> MappedExercise:
        """Make one of the member's own exercises a catalog exercise: its sets move there, and the name
        means that exercise in their future imports and /log."""
        target = self.index.resolve(exercise)
        previous = await self._member_name(member_id, name, own=False)
        if previous is not None and target.exercise is not None:
            # Mapped before: the name means the new exercise from now on; sets moved then stay where they went
            # (they are that exercise's sets now, beside any logged as it directly).
            async with self._storage.write() as session:
                await ExerciseMapRepository(session).set(
                    member_id, custom_key(clean_custom_name(name)), target.exercise.id
                )
            return MappedExercise(clean_custom_name(name), target.exercise.name, 0, previous.name)
        own = await self.exercise_to_read(member_id, name)
        if own.exercise is not None:
            raise ValidationError(
                f"“{member_text(own.name)}” is already the catalog's {own.exercise.name}; /map is for your own "
                "exercises.",
                field="name",
            )
        if target.exercise is None:  # pragma: no cover - resolve raises for names outside the catalog
            raise ValidationError("Pick a catalog exercise to map to.", field="exercise")
        ex = target.exercise
        async with self._storage.write() as session:
            maps = ExerciseMapRepository(session)
            await maps.set(member_id, own.key, ex.id)
            moved = await maps.move_sets(member_id, own.key, ex.id, ex.name)
            if ex.uses_bodyweight:
                await bodyweight_rules.reprice(session, self.catalog, member_id)
        return MappedExercise(own.name, ex.name, moved)

    # ----------------------------------------------------------------- /privacy

    async def export(self, member_id: int, limit_bytes: int) -> list[ExportFile]:
        """The member's own data as files within ``limit_bytes``: every set (CSV) plus settings and sets (JSON).

        Read in batches inside one read transaction (a consistent snapshot) and written by a worker
        thread, so a long history neither fills memory nor blocks the event loop.
        """
        async with self._storage.read() as session:
            sets = SetRepository(session)
            settings = await MemberRepository(session).get(member_id)
            bodyweights = await BodyWeightRepository(session).all(member_id)
            mapped = await ExerciseMapRepository(session).all(member_id)
            writer = ExportWriter(member_id, settings, self.now(), bodyweights, mapped)
            after: tuple[datetime, int] | None = None
            while rows := await sets.export_batch(member_id, after, EXPORT_BATCH):
                await asyncio.to_thread(writer.add, rows)
                after = (rows[-1].performed_at, rows[-1].id)
        return await asyncio.to_thread(writer.finish, limit_bytes)

    async def forget(self, member_id: int) -> int:
        """Delete all of the member's data (sets and settings); returns how many rows went."""
        async with self._storage.write() as session:
            deleted = await SetRepository(session).delete_for_member(member_id)
            deleted += await BodyWeightRepository(session).delete_for_member(member_id)
            deleted += await ExerciseMapRepository(session).delete_for_member(member_id)
            deleted += await MemberRepository(session).delete(member_id)
        log.info("forgot a member's data: %d rows", deleted)
        return deleted


# --------------------------------------------------------------------------- helpers


async def _known(
    sets: SetRepository, member_id: int, exercise_key: str, reps: int, at: datetime, **options: Any
) -> LogContext:
    """The single look-up for a set at ``at``: its whole possible session (``MAX_SESSION_SPAN`` back, at most
    ``MAX_SESSION_SETS`` rows) and the rest of ``SetRepository.log_context``."""
    return await sets.log_context(
        member_id, exercise_key, reps, at, at - MAX_SESSION_SPAN, limit=MAX_SESSION_SETS, **options
    )


async def _body(
    sets: SetRepository,
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
    best, bodyweight = await sets.body_context(member_id, exercise.key, weight_kg, at, before_id=before_id)
    assisted = exercise.exercise is not None and exercise.exercise.load is Load.ASSISTED
    # A replay shows the body weight the set was stored with, even if entries changed since.
    return _Body(True, assisted, stored if before_id is not None else bodyweight, best)


def _may_reach_past(rows: Sequence[SetRow], floor: datetime, *, full: bool) -> bool:
    """Whether the session ending at ``rows[0]`` may hold sets older than ``rows`` (read down to ``floor``)."""
    start, previous = session_so_far(rows[0].performed_at, rows[1:])
    if len(previous) < len(rows) - 1:
        return False  # the walk stopped at a gap or a cap inside the rows: the session is all here
    return full or start - floor < SESSION_GAP


def _preferences(
    member_id: int, row: MemberSettings | None, locale: str | None, bodyweight: BodyWeightEntry | None
) -> MemberPreferences:
    return MemberPreferences(
        member_id=member_id,
        unit=preferred_unit(row.unit if row is not None else None, locale),
        share=row.share if row is not None else "private",
        unit_is_default=row is None or row.unit is None,
        bodyweight_kg=bodyweight.weight_kg if bodyweight is not None else None,
        bodyweight_at=bodyweight.measured_at if bodyweight is not None else None,
    )


async def _unit(session: AsyncSession, member_id: int, locale: str | None) -> Unit:
    """The member's unit, read in the caller's transaction."""
    settings = await MemberRepository(session).get(member_id)
    return preferred_unit(settings.unit if settings is not None else None, locale)
