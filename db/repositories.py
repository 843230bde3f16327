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
    Select,
    String,
    Table,
    bindparam,
    delete,
    func,
    literal,
    null,
    select,
    true,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import LOGGED_SETS, BodyWeight, BotState, GuildSettings, LoggedSet, MemberSettings, utc_now

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


@dataclass(frozen=True, slots=True)
class LogContext:
    """Everything `/log` reads before it writes, from one round trip (see ``SetRepository.log_context``)."""

    duplicate_id: int | None
    member_exists: bool
    unit: str | None
    share: str | None
    best_e1rm: float | None
    best_at_reps: float | None
    # The member's sets with since < performed_at <= at, newest first (at most ``limit``).
    recent: list[SetRow]
    # The ``limit`` sets at or before the exercise's latest set at or before ``since``, newest first.
    before_last: list[SetRow]
    # How many sets the member has stored, counted no further than the cap the caller gave.
    stored: int = 0


# Every column but the generated id; the statement is built once (see _log_context_statement for why).
_INSERT_COLUMNS = tuple(c for c in LOGGED_SETS.columns if c.key != "id")


@functools.cache
def _insert_set(dialect: str) -> Any:
    """The /log insert for a dialect, built once: on the table, not the entity, for a plain result row."""
    table = LOGGED_SETS
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"unsupported dialect {dialect}")
    return stmt.on_conflict_do_nothing(index_elements=["interaction_id"]).returning(table.c.id)


@functools.cache
def _log_context_statement(limit: int, duplicate_check: bool, before: bool) -> Select[Any]:
    """The statement behind ``SetRepository.log_context``, built once per shape: building and hashing a
    statement this size costs more than running it, so the hot path only binds parameters."""
    scope = [LoggedSet.member_id == bindparam("member_id")]
    if before:
        scope.append(LoggedSet.id < bindparam("before_id"))
    exercise = LoggedSet.exercise_key == bindparam("exercise_key")
    newest_first = (LoggedSet.performed_at.desc(), LoggedSet.id.desc())
    recent = (
        select(literal("recent", String).label("part"), *SET_ROW_COLUMNS)
        .where(*scope, LoggedSet.performed_at <= bindparam("at"), LoggedSet.performed_at > bindparam("since"))
        .order_by(*newest_first)
        .limit(limit)
    )
    anchor = (
        select(LoggedSet.performed_at)
        .where(*scope, exercise, LoggedSet.performed_at <= bindparam("since"))
        .order_by(*newest_first)
        .limit(1)
        .scalar_subquery()
    )
    before_last = (
        select(literal("before_last", String).label("part"), *SET_ROW_COLUMNS)
        .where(*scope, LoggedSet.performed_at <= anchor)
        .order_by(*newest_first)
        .limit(limit)
    )
    # ORDER BY/LIMIT inside a UNION member needs a subquery on SQLite.
    rows = union_all(select(recent.subquery()), select(before_last.subquery())).subquery("rows")
    # A record is judged against the sets done before it (by when they were done), so a backdated set is
    # judged as it stood then — the same bests the /progress chart replays.
    records = [*scope, exercise, LoggedSet.kind.not_in(NON_RECORD_KINDS), LoggedSet.performed_at <= bindparam("at")]
    member = MemberSettings.member_id == bindparam("member_id")
    duplicate: Any = (
        select(LoggedSet.id).where(LoggedSet.interaction_id == bindparam("interaction_id")).scalar_subquery()
        if duplicate_check
        else null()
    )
    # Counting stops at the cap: a member's own index range, never more than ``cap`` entries of it.
    capped = select(literal(1)).where(scope[0]).limit(bindparam("cap")).subquery("capped")
    meta = select(
        duplicate.label("duplicate_id"),
        select(func.count()).select_from(capped).scalar_subquery().label("stored"),
        select(MemberSettings.member_id).where(member).scalar_subquery().label("settings_member_id"),
        select(MemberSettings.unit).where(member).scalar_subquery().label("unit"),
        select(MemberSettings.share).where(member).scalar_subquery().label("share"),
        # NULLs last: PostgreSQL sorts them first on DESC, and a set without an e1RM (a body-weight lift without
        # a body weight) must never hide the best one. Still the top of the e1RM index.
        select(LoggedSet.e1rm_kg)
        .where(*records, LoggedSet.e1rm_kg.is_not(None))
        .order_by(LoggedSet.e1rm_kg.desc())
        .limit(1)
        .scalar_subquery()
        .label("best_e1rm"),
        select(LoggedSet.weight_kg)
        .where(*records, LoggedSet.reps == bindparam("reps"))
        .order_by(LoggedSet.weight_kg.desc())
        .limit(1)
        .scalar_subquery()
        .label("best_at_reps"),
    ).subquery("meta")
    # The one-row meta part joined to the (possibly empty) set rows: at least one row always comes back.
    return (
        select(meta, rows)
        .select_from(meta.outerjoin(rows, true()))
        .order_by(rows.c.part, rows.c.performed_at.desc(), rows.c.id.desc())
    )


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

    async def insert(self, row: NewSet) -> bool:
        """Insert a new set with one Core statement and give ``row`` its id; False when its interaction
        already stored a set (another delivery of the same interaction won), and nothing was written.

        ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` on both databases makes that race an explicit
        outcome instead of an exception. A plain object and a Core statement, not the ORM: on /log's hot
        path the unit-of-work bookkeeping cost as much as the insert itself.
        """
        values = {column.key: getattr(row, column.key) for column in _INSERT_COLUMNS}
        # On the session's connection: a Core statement needs none of the ORM's execution machinery.
        connection = await self.session.connection()
        new_id = (await connection.execute(_insert_set(connection.dialect.name), values)).scalar_one_or_none()
        if new_id is None:
            return False
        row.id = new_id
        return True

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

    async def session_rows_before(
        self, member_id: int, at: datetime, *, limit: int, before_id: int | None = None
    ) -> list[SetRow]:
        """The member's sets performed at or before ``at``, newest first: enough to walk back through a session."""
        stmt = (
            select(*SET_ROW_COLUMNS)
            .where(*self._scope(member_id, before_id), LoggedSet.performed_at <= at)
            .order_by(LoggedSet.performed_at.desc(), LoggedSet.id.desc())
            .limit(limit)
        )
        return [SetRow._make(row) for row in await self.session.execute(stmt)]

    async def log_context(
        self,
        member_id: int,
        exercise_key: str,
        reps: int,
        at: datetime,
        since: datetime,
        *,
        limit: int,
        cap: int = 0,
        interaction_id: int | None = None,
        before_id: int | None = None,
    ) -> LogContext:
        """What `/log` needs to know, in one statement: each round trip to the database costs more than
        the work the database does for it, so the duplicate check, the member's settings, the two bests
        and the rows that place the set in its session (and find the last session) come back together.

        Every part is a bounded index range scan; see ``LogContext`` for what each part holds.
        """
        stmt = _log_context_statement(limit, interaction_id is not None, before_id is not None)
        params = {
            "member_id": member_id,
            "exercise_key": exercise_key,
            "reps": reps,
            "at": at,
            "since": since,
            "cap": cap,
        }
        if interaction_id is not None:
            params["interaction_id"] = interaction_id
        if before_id is not None:
            params["before_id"] = before_id
        # On the session's connection: a Core statement needs none of the ORM's execution machinery.
        result = (await (await self.session.connection()).execute(stmt, params)).all()
        first = result[0]
        parts: dict[str, list[SetRow]] = {"recent": [], "before_last": []}
        for row in result:
            if row.part is not None:
                parts[row.part].append(SetRow._make(row[-len(SET_ROW_COLUMNS) :]))  # the rows' last columns
        return LogContext(
            duplicate_id=first.duplicate_id,
            member_exists=first.settings_member_id is not None,
            unit=first.unit,
            share=first.share,
            best_e1rm=first.best_e1rm,
            best_at_reps=first.best_at_reps,
            recent=parts["recent"],
            before_last=parts["before_last"],
            stored=first.stored,
        )

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

    async def body_context(
        self, member_id: int, exercise_key: str, weight_kg: float, at: datetime, *, before_id: int | None = None
    ) -> tuple[int | None, float | None]:
        """For a lift where the body is the load, in one statement: the most reps the member did in one hard
        set at this added weight (or assistance), and their body weight at ``at`` (the latest entry at or
        before it). Only these lifts pay for it; /log's main statement stays as it is for the rest."""
        records = [*self._scope(member_id, before_id), LoggedSet.exercise_key == exercise_key]
        records += [LoggedSet.kind.not_in(NON_RECORD_KINDS), LoggedSet.performed_at <= at]
        # Float weights that went through unit conversion match within a hundredth of a gram.
        same = LoggedSet.weight_kg.between(weight_kg - SAME_WEIGHT_KG, weight_kg + SAME_WEIGHT_KG)
        stmt = select(
            select(func.max(LoggedSet.reps)).where(*records, same).scalar_subquery(),
            func.coalesce(
                select(BodyWeight.weight_kg)
                .where(BodyWeight.member_id == member_id, BodyWeight.measured_at <= at)
                .order_by(BodyWeight.measured_at.desc())
                .limit(1)
                .scalar_subquery(),
                # Before the first entry, the first entry stands (see coach.bodyweight).
                select(BodyWeight.weight_kg)
                .where(BodyWeight.member_id == member_id)
                .order_by(BodyWeight.measured_at)
                .limit(1)
                .scalar_subquery(),
            ),
        )
        best, body = (await self.session.execute(stmt)).one()
        return best, body

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
