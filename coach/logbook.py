"""The logbook service: `/log`, `/undo`, `/history`, `/settings` and `/privacy`, without Discord.

The service owns every transaction (one per call), validates everything a member sends — including
raw values that skipped Discord's client-side checks — and raises ``coach.errors`` exceptions whose
``message`` the cog can show as-is. A member can only ever read or change their own rows: every
method takes the acting member's id and every query is scoped to it.

Sessions are inferred, never declared (``coach.metrics.session_so_far``: sets under 90 minutes apart,
at most 12 hours and 100 sets). "Set number" counts that exercise's sets earlier in the same session;
"last session" is the most recent earlier session that contains the exercise. The /log transaction
itself is ``coach.log_write``: one call on the database side, sharing its commit with other members'.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coach import bodyweight as bodyweight_rules
from coach.errors import NothingToUndoError, StorageUnavailableError, ValidationError
from coach.exercise_search import ExerciseChoice, RecentExercise, clean_custom_name, custom_key
from coach.export import ExportFile, ExportWriter
from coach.log_write import LogWriter, parse_request
from coach.logbook_results import (
    HistoryEntry,
    HistoryPage,
    LogRequest,
    LogResult,
    MappedExercise,
    MemberPreferences,
    UndoneSet,
)
from coach.metrics import (
    Unit,
    preferred_unit,
)
from coach.schedule import DEFAULT_SESSIONS_PER_WEEK, MAX_SESSIONS_PER_WEEK, format_clock, parse_clock
from coach.set_rules import (
    check_bodyweight,
    parse_number,
    parse_unit,
    shown,
)
from coach.storage import Service
from coach.text import member_text
from coach.timeparse import parse_when
from db.bodyweight_repository import BodyWeightEntry, BodyWeightRepository
from db.exercise_map_repository import ExerciseMapRepository
from db.models import MemberSettings
from db.repositories import MemberRepository, SetRepository
from db.schedule_repository import ScheduleRepository
from db.workout_queries import WorkoutRepository

log = logging.getLogger(__name__)

MAX_HISTORY_DAYS = 365
MAX_PAGE_SIZE = 25
# Seconds autocomplete waits for the member's recent exercises before answering without them.
AUTOCOMPLETE_DB_TIMEOUT_S = 1.5
_SHARE_MODES = ("private", "public")
# Sets read per round trip while exporting.
EXPORT_BATCH = 2_000


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

    async def log_set(self, req: LogRequest) -> LogResult:
        """Validate and store one set; a repeated interaction id returns the original set, never a second row."""
        now = self.now()
        exercise = await self.exercise_to_log(req.member_id, req.exercise, custom=req.custom)
        parsed = parse_request(req, now, exercise)  # Raises before any write: nothing is written.
        writer = LogWriter(self.catalog, self.index, self.max_sets, self.full_log)
        return await self._storage.run(functools.partial(writer.log, req=req, parsed=parsed, now=now))

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
        sessions_per_week: int | str | None = None,
        recap: bool | None = None,
        reminder: str | None = None,
        reminder_guild_id: int | None = None,
    ) -> MemberPreferences:
        """Change the member's unit, share mode, body weight, weekly target, recap opt-in and/or training-day
        reminder (``HH:MM`` by the schedule of ``reminder_guild_id``, or ``off``); None leaves a setting as it is.

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
        values |= _community_values(sessions_per_week, recap, reminder, reminder_guild_id)
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
            workout = await WorkoutRepository(session).get(member_id)
            writer = ExportWriter(member_id, settings, self.now(), bodyweights, mapped, workout)
            after: tuple[datetime, int] | None = None
            while rows := await sets.export_batch(member_id, after, EXPORT_BATCH):
                await asyncio.to_thread(writer.add, rows)
                after = (rows[-1].performed_at, rows[-1].id)
        return await asyncio.to_thread(writer.finish, limit_bytes)

    async def forget(self, member_id: int) -> int:
        """Delete all of the member's data (sets, settings, body weights, names, workout); returns the row count."""
        async with self._storage.write() as session:
            deleted = await SetRepository(session).delete_for_member(member_id)
            deleted += await BodyWeightRepository(session).delete_for_member(member_id)
            deleted += await ExerciseMapRepository(session).delete_for_member(member_id)
            deleted += await WorkoutRepository(session).delete_for_member(member_id)
            deleted += await ScheduleRepository(session).delete_for_member(member_id)
            deleted += await MemberRepository(session).delete(member_id)
        log.info("forgot a member's data: %d rows", deleted)
        return deleted


# --------------------------------------------------------------------------- helpers


def _community_values(
    sessions_per_week: int | str | None, recap: bool | None, reminder: str | None, reminder_guild_id: int | None
) -> dict[str, Any]:
    """The streak target, recap opt-in and reminder settings to store, each checked."""
    values: dict[str, Any] = {}
    if sessions_per_week is not None:
        target = parse_number(sessions_per_week, "sessions_per_week", "The weekly target")
        if not target.is_integer() or not 1 <= target <= MAX_SESSIONS_PER_WEEK:
            raise ValidationError(
                f"The weekly target is a whole number of sessions, 1 to {MAX_SESSIONS_PER_WEEK}.",
                field="sessions_per_week",
            )
        values["sessions_per_week"] = int(target)
    if recap is not None:
        values["recap"] = recap
    if reminder is not None:
        if reminder.strip().lower() == "off":
            values |= {"reminder_time": None, "reminder_guild_id": None}
        else:
            if reminder_guild_id is None:
                raise ValidationError(
                    "Set a reminder in a server: it follows that server's training days and time zone.",
                    field="reminder",
                )
            values |= {
                "reminder_time": format_clock(parse_clock(reminder)),
                "reminder_guild_id": reminder_guild_id,
                "reminder_failed": False,
            }
    return values


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
        sessions_per_week=row.sessions_per_week if row is not None else DEFAULT_SESSIONS_PER_WEEK,
        recap=bool(row.recap) if row is not None else False,
        reminder_time=row.reminder_time if row is not None else None,
    )


async def _unit(session: AsyncSession, member_id: int, locale: str | None) -> Unit:
    """The member's unit, read in the caller's transaction."""
    settings = await MemberRepository(session).get(member_id)
    return preferred_unit(settings.unit if settings is not None else None, locale)
