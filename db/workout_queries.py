"""The guided workout's queries, on a plain (synchronous) connection: every press of the card is one call to
the database (``Storage.run``), sharing its commit with other members' writes like a /log.

A press reads the member's workout row, checks the card's version, logs the set with ``LogQueries`` and
writes the row back only if nobody moved it since (``WorkoutQueries.save`` compares the version), so two
devices or a double tap can never log a set twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.log_queries import WROTE, LogQueries
from db.models import LOGGED_SETS, WORKOUTS


class WorkoutQueries:
    """One member's workout row, and the sets a workout logged."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, member_id: int) -> dict[str, Any] | None:
        """The member's latest workout row as a mapping, or None."""
        row = self.conn.execute(select(WORKOUTS).where(WORKOUTS.c.member_id == member_id)).mappings().first()
        return dict(row) if row is not None else None

    def replace(self, values: Mapping[str, Any]) -> None:
        """Store a new workout for the member, in place of their previous one (their member row first)."""
        LogQueries(self.conn).ensure_member(int(values["member_id"]))
        self.conn.execute(delete(WORKOUTS).where(WORKOUTS.c.member_id == values["member_id"]))
        self.conn.execute(WORKOUTS.insert().values(**values))
        self.conn.info[WROTE] = True

    def save(self, member_id: int, workout_id: int, version: int, values: Mapping[str, Any]) -> bool:
        """Write the workout's new state if it is still at ``version``; False (nothing written) otherwise."""
        statement = (
            update(WORKOUTS)
            .where(
                WORKOUTS.c.member_id == member_id,
                WORKOUTS.c.workout_id == workout_id,
                WORKOUTS.c.version == version,
            )
            .values(**values)
        )
        if self.conn.execute(statement).rowcount != 1:
            return False
        self.conn.info[WROTE] = True
        return True

    def delete_set(self, member_id: int, set_id: int) -> bool:
        """Remove one of the member's sets (the card's Undo); False when it is already gone."""
        result = self.conn.execute(
            delete(LOGGED_SETS).where(LOGGED_SETS.c.member_id == member_id, LOGGED_SETS.c.id == set_id)
        )
        if result.rowcount:
            self.conn.info[WROTE] = True
        return bool(result.rowcount)

    def kept(self, member_id: int, set_ids: Iterable[int]) -> set[int]:
        """Which of these set ids are still in the member's log."""
        ids = list(set_ids)
        if not ids:
            return set()
        rows = self.conn.execute(
            select(LOGGED_SETS.c.id).where(LOGGED_SETS.c.member_id == member_id, LOGGED_SETS.c.id.in_(ids))
        )
        return {int(r[0]) for r in rows}


class WorkoutRepository:
    """The workouts table from an ``AsyncSession`` (for /privacy export and forget)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, member_id: int) -> dict[str, Any] | None:
        """The member's latest workout row as a mapping, or None (for /privacy export)."""
        row = (await self.session.execute(select(WORKOUTS).where(WORKOUTS.c.member_id == member_id))).mappings().first()
        return dict(row) if row is not None else None

    async def delete_for_member(self, member_id: int) -> int:
        """Delete the member's workout; returns how many rows went (0 or 1)."""
        result: Any = await self.session.execute(delete(WORKOUTS).where(WORKOUTS.c.member_id == member_id))
        return int(result.rowcount or 0)
