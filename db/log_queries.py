"""The queries of /log's write transaction, on a plain (synchronous) connection.

A /log is one call to the database: ``coach.storage`` hands the whole transaction to the database side as
one synchronous function (``AsyncConnection.run_sync``), which runs these queries back to back, and several
members' transactions share one commit (``db.group_commit``). Written as async repository methods, each of
them cost a greenlet switch and an ORM round on top of its SQL, more than the database's own work.

Every query filters on ``member_id`` first (index range scans whatever the table size). A query that writes
marks the connection (``WROTE``), so the group commit knows an error after it can't be answered alone.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    String,
    bindparam,
    func,
    literal,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite

from db.models import LOGGED_SETS, BodyWeight, LoggedSet, MemberSettings, utc_now
from db.repositories import NON_RECORD_KINDS, SAME_WEIGHT_KG, SET_ROW_COLUMNS, NewSet, SetRow, member_scope

# ``Connection.info`` key set by a query that wrote in the current transaction.
WROTE = "coach_wrote"


@dataclass(frozen=True, slots=True)
class LogContext:
    """Everything `/log` reads before it writes, from one round trip (see ``LogQueries.log_context``)."""

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
    """The statement behind ``LogQueries.log_context``, built once per shape: building and hashing a
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


@functools.cache
def _ensure_member(dialect: str) -> Any:
    table: Any = MemberSettings.__table__
    stmt: Any = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return stmt.on_conflict_do_nothing(index_elements=["member_id"])


class LogQueries:
    """The reads and writes of one /log (or its replay) on one connection. ``before_id`` restricts a query to
    sets logged before a given one (ids grow with time), so a replayed interaction reproduces its reply."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    _scope = staticmethod(member_scope)

    def ensure_member(self, member_id: int) -> None:
        """Create the member's settings row with defaults if it doesn't exist (race-safe)."""
        now = utc_now()
        values = {"member_id": member_id, "share": "private", "created_at": now, "updated_at": now}
        self.conn.execute(_ensure_member(self.conn.dialect.name), values)
        self.conn.info[WROTE] = True

    def insert(self, row: NewSet) -> bool:
        """Insert a new set with one Core statement and give ``row`` its id; False when its interaction
        already stored a set (another delivery of the same interaction won), and nothing was written.

        ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` on both databases makes that race an explicit
        outcome instead of an exception. A plain object and a Core statement, not the ORM: on /log's hot
        path the unit-of-work bookkeeping cost as much as the insert itself.
        """
        values = {column.key: getattr(row, column.key) for column in _INSERT_COLUMNS}
        new_id = self.conn.execute(_insert_set(self.conn.dialect.name), values).scalar_one_or_none()
        if new_id is None:
            return False
        row.id = new_id
        self.conn.info[WROTE] = True
        return True

    def by_interaction(self, interaction_id: int) -> NewSet | None:
        """The set created by a Discord interaction, if any, every column."""
        row = self.conn.execute(select(*LOGGED_SETS.columns).where(LoggedSet.interaction_id == interaction_id)).first()
        return NewSet(**row._asdict()) if row is not None else None

    def session_rows_before(
        self, member_id: int, at: datetime, *, limit: int, before_id: int | None = None
    ) -> list[SetRow]:
        """The member's sets performed at or before ``at``, newest first: enough to walk back through a session."""
        stmt = (
            select(*SET_ROW_COLUMNS)
            .where(*self._scope(member_id, before_id), LoggedSet.performed_at <= at)
            .order_by(LoggedSet.performed_at.desc(), LoggedSet.id.desc())
            .limit(limit)
        )
        return [SetRow._make(row) for row in self.conn.execute(stmt)]

    def log_context(
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
        result = self.conn.execute(stmt, params).all()
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

    def body_context(
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
        best, body = self.conn.execute(stmt).one()
        return best, body
