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
from collections.abc import Generator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    bindparam,
    func,
    literal,
    null,
    select,
    tuple_,
)

from db.models import LOGGED_SETS, BodyWeight, LoggedSet, MemberSettings
from db.repositories import (
    NON_RECORD_KINDS,
    SAME_WEIGHT_KG,
    SET_ROW_COLUMNS,
    NewSet,
    SetRow,
    insert_ignoring,
    member_scope,
    new_member_row,
)

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
    # How many sets the member has stored, counted no further than the cap the caller gave.
    stored: int = 0


# Every column but the generated id; the statement is built once (see _log_context_statement for why).
_INSERT_COLUMNS = tuple(c for c in LOGGED_SETS.columns if c.key != "id")


@functools.cache
def _insert_set(dialect: str) -> Any:
    """The /log insert for a dialect, built once: on the table, not the entity, for a plain result row."""
    return insert_ignoring(dialect, LOGGED_SETS, ("interaction_id",)).returning(LOGGED_SETS.c.id)


@functools.cache
def _log_context_statement(duplicate_check: bool, before: bool) -> Select[Any]:
    """The statement behind ``LogQueries.log_context``, built once per shape: building and hashing a
    statement costs more than running it, so the hot path only binds parameters."""
    scope = [LoggedSet.member_id == bindparam("member_id")]
    if before:
        scope.append(LoggedSet.id < bindparam("before_id"))
    exercise = LoggedSet.exercise_key == bindparam("exercise_key")
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
    return select(
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
    )


@functools.cache
def _latest_before_statement(before: bool) -> Any:
    """The statement behind ``LogQueries.latest_before``, built once per shape."""
    where = [
        LoggedSet.member_id == bindparam("member_id"),
        LoggedSet.exercise_key == bindparam("exercise_key"),
        LoggedSet.performed_at < bindparam("before"),
    ]
    if before:
        where.append(LoggedSet.id < bindparam("before_id"))
    return select(*SET_ROW_COLUMNS).where(*where).order_by(LoggedSet.performed_at.desc(), LoggedSet.id.desc()).limit(1)


@functools.cache
def _walk_statement(before: bool, after: bool) -> Any:
    """The statement behind ``LogQueries.walk``, built once per shape."""
    where = [LoggedSet.member_id == bindparam("member_id"), LoggedSet.performed_at >= bindparam("floor")]
    if before:
        where.append(LoggedSet.id < bindparam("before_id"))
    if after:  # strictly older than a given set, in (performed_at, id) order
        older = tuple_(
            bindparam("at", type_=LoggedSet.performed_at.type), bindparam("after_id", type_=LoggedSet.id.type)
        )
        where.append(tuple_(LoggedSet.performed_at, LoggedSet.id) < older)
    else:
        where.append(LoggedSet.performed_at <= bindparam("at"))
    return (
        select(*SET_ROW_COLUMNS)
        .where(*where)
        .order_by(LoggedSet.performed_at.desc(), LoggedSet.id.desc())
        .limit(bindparam("limit"))
    )


class LogQueries:
    """The reads and writes of one /log (or its replay) on one connection. ``before_id`` restricts a query to
    sets logged before a given one (ids grow with time), so a replayed interaction reproduces its reply."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    _scope = staticmethod(member_scope)

    def ensure_member(self, member_id: int) -> None:
        """Create the member's settings row with defaults if it doesn't exist (race-safe)."""
        table: Any = MemberSettings.__table__
        self.conn.execute(insert_ignoring(self.conn.dialect.name, table, ("member_id",)), new_member_row(member_id))
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

    def walk(
        self,
        member_id: int,
        at: datetime,
        floor: datetime,
        *,
        limit: int,
        before_id: int | None = None,
        after_id: int | None = None,
    ) -> Generator[SetRow, None, None]:
        """The member's sets performed between ``floor`` and ``at``, newest first, read only as far as they are
        consumed: a session walk (``coach.metrics.session_so_far``) stops at the session's first gap, and so
        does the reading. With ``after_id``, only sets older than that set (performed at ``at``). Close the
        iterator when done (``contextlib.closing``)."""
        params: dict[str, Any] = {"member_id": member_id, "at": at, "floor": floor, "limit": limit}
        if before_id is not None:
            params["before_id"] = before_id
        if after_id is not None:
            params["after_id"] = after_id
        result = self.conn.execute(_walk_statement(before_id is not None, after_id is not None), params)
        try:
            for row in result:
                yield SetRow._make(row)
        finally:
            result.close()

    def latest_before(
        self, member_id: int, exercise_key: str, before: datetime, *, before_id: int | None = None
    ) -> SetRow | None:
        """The member's latest set of an exercise performed before ``before`` (one index probe)."""
        params: dict[str, Any] = {"member_id": member_id, "exercise_key": exercise_key, "before": before}
        if before_id is not None:
            params["before_id"] = before_id
        row = self.conn.execute(_latest_before_statement(before_id is not None), params).first()
        return SetRow._make(row) if row is not None else None

    def log_context(
        self,
        member_id: int,
        exercise_key: str,
        reps: int,
        at: datetime,
        *,
        cap: int = 0,
        interaction_id: int | None = None,
        before_id: int | None = None,
    ) -> LogContext:
        """What `/log` needs to know besides the session, in one single-row statement: already logged by
        this interaction?, how many sets the member has (up to ``cap``), their settings, and the two bests.
        Every part is a bounded index probe."""
        stmt = _log_context_statement(interaction_id is not None, before_id is not None)
        params: dict[str, Any] = {"member_id": member_id, "exercise_key": exercise_key, "reps": reps, "at": at}
        params["cap"] = cap
        if interaction_id is not None:
            params["interaction_id"] = interaction_id
        if before_id is not None:
            params["before_id"] = before_id
        first = self.conn.execute(stmt, params).one()
        return LogContext(
            duplicate_id=first.duplicate_id,
            member_exists=first.settings_member_id is not None,
            unit=first.unit,
            share=first.share,
            best_e1rm=first.best_e1rm,
            best_at_reps=first.best_at_reps,
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
