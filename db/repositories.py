"""Repositories: all SQL lives here. They take a session and never commit; services own transactions.

Every query filters on ``member_id`` first, so one member's look-ups are index range scans whatever
the table size, and no query can return another member's rows by accident.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import BotState, GuildSettings, LoggedSet, MemberSettings, utc_now

# Kinds that never count towards records (PRs) or pre-exhaustion.
NON_RECORD_KINDS = ("warmup",)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def _insert_ignore(
    session: AsyncSession, table: Table, values: Mapping[str, Any], conflict: Sequence[str]
) -> None:
    """INSERT … ON CONFLICT DO NOTHING: concurrent first uses by the same member both succeed."""
    name = _dialect(session)
    if name == "postgresql":
        stmt: Any = postgresql.insert(table).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
    elif name == "sqlite":
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"unsupported dialect {name}")
    await session.execute(stmt)


class MemberRepository:
    """Members' settings rows."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, member_id: int) -> MemberSettings | None:
        """The member's settings row, if they have one."""
        return await self.session.get(MemberSettings, member_id, populate_existing=True)

    async def ensure(self, member_id: int) -> None:
        """Create the member's row with defaults if it doesn't exist (race-safe)."""
        now = utc_now()
        await _insert_ignore(
            self.session,
            MemberSettings.__table__,  # type: ignore[arg-type]
            {"member_id": member_id, "share": "private", "created_at": now, "updated_at": now},
            ["member_id"],
        )

    async def update(self, member_id: int, **values: Any) -> MemberSettings:
        """Set some settings (creating the row first if needed) and return the row."""
        await self.ensure(member_id)
        if values:
            await self.session.execute(
                update(MemberSettings)
                .where(MemberSettings.member_id == member_id)
                .values(**values, updated_at=utc_now())
            )
        row = await self.get(member_id)
        assert row is not None
        return row

    async def delete(self, member_id: int) -> int:
        """Delete the member's settings row; returns rows deleted (0 or 1)."""
        result: Any = await self.session.execute(delete(MemberSettings).where(MemberSettings.member_id == member_id))
        return int(result.rowcount or 0)


class GuildRepository:
    """Per-server settings rows."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, guild_id: int) -> GuildSettings | None:
        """The server's settings, if any were saved."""
        return await self.session.get(GuildSettings, guild_id, populate_existing=True)

    async def update(self, guild_id: int, **values: Any) -> GuildSettings:
        """Set some server settings (creating the row if needed) and return it."""
        now = utc_now()
        await _insert_ignore(
            self.session,
            GuildSettings.__table__,  # type: ignore[arg-type]
            {"guild_id": guild_id, "evidence_replies": False, "created_at": now, "updated_at": now},
            ["guild_id"],
        )
        if values:
            await self.session.execute(
                update(GuildSettings).where(GuildSettings.guild_id == guild_id).values(**values, updated_at=now)
            )
        row = await self.get(guild_id)
        assert row is not None
        return row


class BotStateRepository:
    """The bot's own key/value state (e.g. the command-sync hash)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> str | None:
        """The stored value, or None."""
        row = await self.session.get(BotState, key, populate_existing=True)
        return row.value if row is not None else None

    async def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` (insert or replace)."""
        now = utc_now()
        await _insert_ignore(
            self.session,
            BotState.__table__,  # type: ignore[arg-type]
            {"key": key, "value": value, "updated_at": now},
            ["key"],
        )
        await self.session.execute(update(BotState).where(BotState.key == key).values(value=value, updated_at=now))


class SetRepository:
    """Logged sets. ``before_id`` arguments restrict a query to sets logged before a given one
    (ids grow with time), which lets a replayed interaction reproduce its original reply."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _scope(member_id: int, before_id: int | None) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = [LoggedSet.member_id == member_id]
        if before_id is not None:
            clauses.append(LoggedSet.id < before_id)
        return clauses

    async def add(self, row: LoggedSet) -> LoggedSet:
        """Insert a set and flush so it has an id (raises IntegrityError on a duplicate interaction)."""
        self.session.add(row)
        await self.session.flush()
        return row

    async def get(self, set_id: int) -> LoggedSet | None:
        """A set by id, whoever owns it (callers must check the owner)."""
        return await self.session.get(LoggedSet, set_id, populate_existing=True)

    async def by_interaction(self, interaction_id: int) -> LoggedSet | None:
        """The set created by a Discord interaction, if any."""
        result = await self.session.execute(select(LoggedSet).where(LoggedSet.interaction_id == interaction_id))
        return result.scalar_one_or_none()

    async def latest_logged(self, member_id: int, guild_id: int | None = None) -> LoggedSet | None:
        """The member's most recently *logged* set (optionally only one logged in ``guild_id``)."""
        stmt = select(LoggedSet).where(LoggedSet.member_id == member_id)
        if guild_id is not None:
            stmt = stmt.where(LoggedSet.guild_id == guild_id)
        stmt = stmt.order_by(LoggedSet.created_at.desc(), LoggedSet.id.desc()).limit(1)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def times_before(
        self,
        member_id: int,
        at: datetime,
        *,
        limit: int,
        inclusive: bool = True,
        before_id: int | None = None,
    ) -> list[datetime]:
        """The member's set times at or before ``at`` (strictly before unless ``inclusive``), newest first."""
        bound = LoggedSet.performed_at <= at if inclusive else LoggedSet.performed_at < at
        stmt = (
            select(LoggedSet.performed_at)
            .where(*self._scope(member_id, before_id), bound)
            .order_by(LoggedSet.performed_at.desc())
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def latest_before(
        self, member_id: int, at: datetime, *, limit: int, before_id: int | None = None
    ) -> list[LoggedSet]:
        """The member's sets performed at or before ``at``, newest first (the current session's candidates)."""
        stmt = (
            select(LoggedSet)
            .where(*self._scope(member_id, before_id), LoggedSet.performed_at <= at)
            .order_by(LoggedSet.performed_at.desc(), LoggedSet.id.desc())
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def in_window(
        self,
        member_id: int,
        start: datetime,
        end: datetime,
        *,
        exercise_key: str | None = None,
        before_id: int | None = None,
    ) -> list[LoggedSet]:
        """The member's sets with ``start <= performed_at <= end``, oldest first."""
        stmt = select(LoggedSet).where(
            *self._scope(member_id, before_id), LoggedSet.performed_at >= start, LoggedSet.performed_at <= end
        )
        if exercise_key is not None:
            stmt = stmt.where(LoggedSet.exercise_key == exercise_key)
        stmt = stmt.order_by(LoggedSet.performed_at.asc(), LoggedSet.id.asc())
        return list((await self.session.execute(stmt)).scalars())

    async def last_before(
        self, member_id: int, exercise_key: str, before: datetime, *, before_id: int | None = None
    ) -> LoggedSet | None:
        """The member's latest set of an exercise performed strictly before ``before``."""
        stmt = (
            select(LoggedSet)
            .where(
                *self._scope(member_id, before_id),
                LoggedSet.exercise_key == exercise_key,
                LoggedSet.performed_at < before,
            )
            .order_by(LoggedSet.performed_at.desc(), LoggedSet.id.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def best_e1rm(self, member_id: int, exercise_key: str, *, before_id: int | None = None) -> float | None:
        """The member's best estimated 1RM (kg) for an exercise, warm-ups excluded."""
        # ORDER BY … LIMIT 1 (not MAX) so both databases read the top of ix_…_e1rm_kg and stop.
        stmt = (
            select(LoggedSet.e1rm_kg)
            .where(
                *self._scope(member_id, before_id),
                LoggedSet.exercise_key == exercise_key,
                LoggedSet.kind.not_in(NON_RECORD_KINDS),
            )
            .order_by(LoggedSet.e1rm_kg.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def best_weight_at_reps(
        self, member_id: int, exercise_key: str, reps: int, *, before_id: int | None = None
    ) -> float | None:
        """The heaviest weight (kg) the member has done for exactly ``reps`` reps, warm-ups excluded."""
        stmt = (
            select(LoggedSet.weight_kg)
            .where(
                *self._scope(member_id, before_id),
                LoggedSet.exercise_key == exercise_key,
                LoggedSet.reps == reps,
                LoggedSet.kind.not_in(NON_RECORD_KINDS),
            )
            .order_by(LoggedSet.weight_kg.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def bests(
        self, member_id: int, exercise_key: str, reps: int, *, before_id: int | None = None
    ) -> tuple[float | None, float | None]:
        """(best e1RM, best weight at ``reps``) in kg, warm-ups excluded, in one round trip."""
        scope = [
            *self._scope(member_id, before_id),
            LoggedSet.exercise_key == exercise_key,
            LoggedSet.kind.not_in(NON_RECORD_KINDS),
        ]
        best_e1rm = select(LoggedSet.e1rm_kg).where(*scope).order_by(LoggedSet.e1rm_kg.desc()).limit(1)
        best_at_reps = (
            select(LoggedSet.weight_kg)
            .where(*scope, LoggedSet.reps == reps)
            .order_by(LoggedSet.weight_kg.desc())
            .limit(1)
        )
        row = (await self.session.execute(select(best_e1rm.scalar_subquery(), best_at_reps.scalar_subquery()))).one()
        return row[0], row[1]

    def _history_filter(
        self, member_id: int, since: datetime | None, exercise_key: str | None
    ) -> list[ColumnElement[bool]]:
        clauses = self._scope(member_id, None)
        if since is not None:
            clauses.append(LoggedSet.performed_at >= since)
        if exercise_key is not None:
            clauses.append(LoggedSet.exercise_key == exercise_key)
        return clauses

    async def history(
        self,
        member_id: int,
        *,
        since: datetime | None = None,
        exercise_key: str | None = None,
        offset: int = 0,
        limit: int = 10,
    ) -> list[LoggedSet]:
        """A page of the member's sets, newest first."""
        stmt = (
            select(LoggedSet)
            .where(*self._history_filter(member_id, since, exercise_key))
            .order_by(LoggedSet.performed_at.desc(), LoggedSet.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def count(self, member_id: int, *, since: datetime | None = None, exercise_key: str | None = None) -> int:
        """How many sets match the history filter."""
        stmt = select(func.count()).select_from(LoggedSet).where(*self._history_filter(member_id, since, exercise_key))
        return int((await self.session.execute(stmt)).scalar_one())

    async def recent_exercises(self, member_id: int, *, limit: int, scan: int = 300) -> list[tuple[str, str]]:
        """(exercise_key, name) of the member's most recently performed distinct exercises."""
        # Read only the newest ``scan`` sets (an index range) rather than grouping a whole history.
        stmt = (
            select(LoggedSet.exercise_key, LoggedSet.exercise_name)
            .where(LoggedSet.member_id == member_id)
            .order_by(LoggedSet.performed_at.desc(), LoggedSet.id.desc())
            .limit(scan)
        )
        seen: dict[str, str] = {}
        for key, name in (await self.session.execute(stmt)).all():
            seen.setdefault(key, name)
            if len(seen) >= limit:
                break
        return list(seen.items())

    async def all_for_member(self, member_id: int) -> list[LoggedSet]:
        """Every set of the member, oldest first (for export)."""
        stmt = (
            select(LoggedSet)
            .where(LoggedSet.member_id == member_id)
            .order_by(LoggedSet.performed_at.asc(), LoggedSet.id.asc())
        )
        return list((await self.session.execute(stmt)).scalars())

    async def delete(self, row: LoggedSet) -> None:
        """Delete one set."""
        await self.session.delete(row)
        await self.session.flush()

    async def delete_for_member(self, member_id: int) -> int:
        """Delete every set of the member; returns how many."""
        result: Any = await self.session.execute(delete(LoggedSet).where(LoggedSet.member_id == member_id))
        return int(result.rowcount or 0)
