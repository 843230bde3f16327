"""A member's body weight over time, and the sets whose numbers rest on it.

Every statement is scoped to one member. The latest entry at or before a set's time applies to it; when an
entry is added or changed, the sets it now applies to are re-read and given their new body weight and e1RM
(``repriced``), so stored numbers always agree with the body weights the member recorded.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import LOGGED_SETS, BodyWeight, LoggedSet, utc_now


class BodyWeightEntry(NamedTuple):
    """One recorded body weight."""

    weight_kg: float
    measured_at: datetime


class PricedSet(NamedTuple):
    """A set whose numbers depend on body weight, as re-read after a body-weight change."""

    id: int
    exercise_id: str
    weight_kg: float
    reps: int


class BodyWeightRepository:
    """Body-weight entries of members; takes a session and never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, member_id: int, weight_kg: float, measured_at: datetime) -> None:
        """Record (or correct) the member's body weight at ``measured_at``."""
        insert: Any = postgresql.insert if self.session.get_bind().dialect.name == "postgresql" else sqlite.insert
        values = {"member_id": member_id, "weight_kg": weight_kg, "measured_at": measured_at, "created_at": utc_now()}
        stmt = (
            insert(BodyWeight.__table__)
            .values(**values)
            .on_conflict_do_update(index_elements=["member_id", "measured_at"], set_={"weight_kg": weight_kg})
        )
        await self.session.execute(stmt)

    async def latest(self, member_id: int) -> BodyWeightEntry | None:
        """The member's most recent body weight, or None if they never gave one."""
        stmt = (
            select(BodyWeight.weight_kg, BodyWeight.measured_at)
            .where(BodyWeight.member_id == member_id)
            .order_by(BodyWeight.measured_at.desc())
            .limit(1)
        )
        row = (await self.session.execute(stmt)).first()
        return BodyWeightEntry(row[0], row[1]) if row is not None else None

    async def next_after(self, member_id: int, at: datetime) -> datetime | None:
        """When the member's next entry after ``at`` was measured (where this one stops applying)."""
        stmt = (
            select(BodyWeight.measured_at)
            .where(BodyWeight.member_id == member_id, BodyWeight.measured_at > at)
            .order_by(BodyWeight.measured_at)
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def all(self, member_id: int) -> list[BodyWeightEntry]:
        """Every entry of the member, oldest first (for their export)."""
        stmt = (
            select(BodyWeight.weight_kg, BodyWeight.measured_at)
            .where(BodyWeight.member_id == member_id)
            .order_by(BodyWeight.measured_at)
        )
        return [BodyWeightEntry(w, at) for w, at in (await self.session.execute(stmt)).all()]

    async def sets_between(
        self, member_id: int, exercise_ids: Collection[str], since: datetime | None, until: datetime | None
    ) -> list[PricedSet]:
        """The member's sets of these exercises performed in [since, until) (open ends when None)."""
        stmt = select(LoggedSet.id, LoggedSet.exercise_id, LoggedSet.weight_kg, LoggedSet.reps).where(
            LoggedSet.member_id == member_id,
            LoggedSet.exercise_id.in_(list(exercise_ids)),
        )
        if since is not None:
            stmt = stmt.where(LoggedSet.performed_at >= since)
        if until is not None:
            stmt = stmt.where(LoggedSet.performed_at < until)
        return [PricedSet(i, str(ex), w, r) for i, ex, w, r in (await self.session.execute(stmt)).all()]

    async def reprice(self, member_id: int, values: Sequence[tuple[int, float | None, float | None]]) -> None:
        """Give sets (id, body weight kg, e1RM kg) their new numbers, in one executemany."""
        if not values:
            return
        stmt = (
            update(LOGGED_SETS)
            .where(LOGGED_SETS.c.id == bindparam("set_id"), LOGGED_SETS.c.member_id == member_id)
            .values(bodyweight_kg=bindparam("bw"), e1rm_kg=bindparam("e1rm"))
        )
        params: list[dict[str, Any]] = [{"set_id": i, "bw": bw, "e1rm": e} for i, bw, e in values]
        await (await self.session.connection()).execute(stmt, params)

    async def delete_for_member(self, member_id: int) -> int:
        """Delete every entry of the member; returns how many."""
        result: Any = await self.session.execute(delete(BodyWeight).where(BodyWeight.member_id == member_id))
        return int(result.rowcount or 0)
