"""Repositories: all SQL lives here. They take a session and never commit; services own transactions.

Every query filters on ``member_id`` first, so one member's look-ups are index range scans whatever
the table size, and no query can return another member's rows by accident.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Table,
    delete,
    func,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import LOGGED_SETS, BotState, GuildSettings, LoggedSet, MemberSettings, utc_now

# Kinds that never count towards records (PRs) or pre-exhaustion.
NON_RECORD_KINDS = ("warmup",)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


@functools.cache
def insert_ignoring(dialect: str, table: Table, conflict: tuple[str, ...]) -> Any:
    """INSERT … ON CONFLICT (``conflict``) DO NOTHING for a dialect, built once per table and conflict."""
    if dialect == "postgresql":
        insert: Any = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"unsupported dialect {dialect}")
    return insert(table).on_conflict_do_nothing(index_elements=list(conflict))


def new_member_row(member_id: int) -> dict[str, Any]:
    """The settings row a member gets on first use: defaults only."""
    now = utc_now()
    return {"member_id": member_id, "share": "private", "created_at": now, "updated_at": now}


async def _insert_ignore(
    session: AsyncSession, table: Table, values: Mapping[str, Any], conflict: Sequence[str]
) -> None:
    """INSERT … ON CONFLICT DO NOTHING: concurrent first uses by the same member both succeed."""
    await session.execute(insert_ignoring(_dialect(session), table, tuple(conflict)), dict(values))


class MemberRepository:
    """Members' settings rows."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, member_id: int) -> MemberSettings | None:
        """The member's settings row, if they have one."""
        return await self.session.get(MemberSettings, member_id, populate_existing=True)

    async def ensure(self, member_id: int) -> None:
        """Create the member's row with defaults if it doesn't exist (race-safe)."""
        await _insert_ignore(
            self.session,
            MemberSettings.__table__,  # type: ignore[arg-type]
            new_member_row(member_id),
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
        if row is None:  # pragma: no cover - the upsert above just wrote it
            raise LookupError(f"member settings {member_id} vanished mid-transaction")
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
        if row is None:  # pragma: no cover - the upsert above just wrote it
            raise LookupError(f"guild settings {guild_id} vanished mid-transaction")
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


class SetRow(NamedTuple):
    """A logged set reduced to what the training rules read (sessions, pre-exhaustion, PRs, insight)."""

    id: int
    performed_at: datetime
    exercise_key: str
    exercise_id: str | None
    exercise_name: str
    kind: str
    weight_kg: float
    reps: int
    rpe: float | None
    e1rm_kg: float | None
    bodyweight_kg: float | None


SET_ROW_COLUMNS = (
    LoggedSet.id,
    LoggedSet.performed_at,
    LoggedSet.exercise_key,
    LoggedSet.exercise_id,
    LoggedSet.exercise_name,
    LoggedSet.kind,
    LoggedSet.weight_kg,
    LoggedSet.reps,
    LoggedSet.rpe,
    LoggedSet.e1rm_kg,
    LoggedSet.bodyweight_kg,
)


# Two weights this close (kg) are the same weight: conversions leave differences in the last bits.
SAME_WEIGHT_KG = 1e-5


@dataclass(slots=True)
class NewSet:
    """A set about to be stored, column by column (``id`` is filled in by ``SetRepository.insert``).

    A plain object rather than a mapped ``LoggedSet``: on /log's hot path, building an ORM instance cost
    more Python time than the insert statement itself.
    """

    member_id: int
    guild_id: int | None
    channel_id: int | None
    interaction_id: int | None
    exercise_key: str
    exercise_id: str | None
    custom_name: str | None
    exercise_name: str
    weight_kg: float
    weight_value: float
    weight_unit: str
    reps: int
    rpe: float | None
    kind: str
    note: str | None
    e1rm_kg: float | None
    performed_at: datetime
    created_at: datetime
    source: str = "discord"
    import_key: str | None = None
    import_id: str | None = None
    bodyweight_kg: float | None = None
    time_known: bool = True
    id: int = 0


def member_scope(member_id: int, before_id: int | None = None) -> list[ColumnElement[bool]]:
    """A member's sets, optionally only those logged before set ``before_id`` (ids grow with time)."""
    clauses: list[ColumnElement[bool]] = [LoggedSet.member_id == member_id]
    if before_id is not None:
        clauses.append(LoggedSet.id < before_id)
    return clauses


class SetRepository:
    """Logged sets. ``before_id`` arguments restrict a query to sets logged before a given one
    (ids grow with time), which lets a replayed interaction reproduce its original reply."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    _scope = staticmethod(member_scope)

    async def get(self, set_id: int) -> LoggedSet | None:
        """A set by id, whoever owns it (callers must check the owner)."""
        return await self.session.get(LoggedSet, set_id, populate_existing=True)

    async def latest_logged(self, member_id: int, guild_id: int | None = None) -> LoggedSet | None:
        """The member's most recently *logged* set (optionally only one logged in ``guild_id``)."""
        stmt = select(LoggedSet).where(LoggedSet.member_id == member_id)
        if guild_id is not None:
            stmt = stmt.where(LoggedSet.guild_id == guild_id)
        stmt = stmt.order_by(LoggedSet.created_at.desc(), LoggedSet.id.desc()).limit(1)
        return (await self.session.execute(stmt)).scalar_one_or_none()

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

    async def count_up_to(self, member_id: int, cap: int) -> int:
        """How many sets the member has stored, counting no further than ``cap``."""
        capped = select(literal(1)).where(LoggedSet.member_id == member_id).limit(cap).subquery()
        return int((await self.session.execute(select(func.count()).select_from(capped))).scalar_one())

    async def count(self, member_id: int, *, since: datetime | None = None, exercise_key: str | None = None) -> int:
        """How many sets match the history filter."""
        stmt = select(func.count()).select_from(LoggedSet).where(*self._history_filter(member_id, since, exercise_key))
        return int((await self.session.execute(stmt)).scalar_one())

    async def latest_name(self, member_id: int, exercise_key: str) -> str | None:
        """The name the member last logged an exercise under, or None if they never logged it (one index probe)."""
        stmt = (
            select(LoggedSet.exercise_name)
            .where(LoggedSet.member_id == member_id, LoggedSet.exercise_key == exercise_key)
            .order_by(LoggedSet.performed_at.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def recent_exercises(
        self, member_id: int, *, limit: int, scan: int = 300, batch: int = 50
    ) -> list[tuple[str, str]]:
        """(exercise_key, name) of the member's most recently performed distinct exercises (among the newest
        ``scan`` sets)."""
        # Newest sets first, ``batch`` at a time, stopping once ``limit`` exercises are known: a member's last
        # few sessions usually name them all, so autocomplete reads one small index range per keystroke
        # whatever the history (reading all ``scan`` rows every time made it grow with the history).
        stmt = (
            select(LoggedSet.exercise_key, LoggedSet.exercise_name)
            .where(LoggedSet.member_id == member_id)
            .order_by(LoggedSet.performed_at.desc(), LoggedSet.id.desc())
        )
        seen: dict[str, str] = {}
        for offset in range(0, scan, batch):
            rows = (await self.session.execute(stmt.offset(offset).limit(min(batch, scan - offset)))).all()
            for key, name in rows:
                seen.setdefault(key, name)
                if len(seen) >= limit:
                    return list(seen.items())
            if len(rows) < batch:
                break
        return list(seen.items())

    async def export_batch(self, member_id: int, after: tuple[datetime, int] | None, limit: int) -> Sequence[Row[Any]]:
        """The member's next ``limit`` sets after ``after`` (performed_at, id), oldest first, every column."""
        stmt = select(*LOGGED_SETS.columns).where(LoggedSet.member_id == member_id)
        if after is not None:
            # Keyset pagination: each batch is an index range scan, however far into the log it is.
            stmt = stmt.where(tuple_(LoggedSet.performed_at, LoggedSet.id) > tuple_(*after))
        stmt = stmt.order_by(LoggedSet.performed_at.asc(), LoggedSet.id.asc()).limit(limit)
        return (await self.session.execute(stmt)).all()

    async def delete(self, row: LoggedSet) -> None:
        """Delete one set."""
        await self.session.delete(row)
        await self.session.flush()

    async def delete_for_member(self, member_id: int) -> int:
        """Delete every set of the member; returns how many."""
        result: Any = await self.session.execute(delete(LoggedSet).where(LoggedSet.member_id == member_id))
        return int(result.rowcount or 0)
