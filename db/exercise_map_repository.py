"""A member's own exercise names mapped to catalog exercises, and moving their sets when one is mapped.

Every statement is scoped to one member.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ExerciseMap, LoggedSet, utc_now


class ExerciseMapRepository:
    """Members' name mappings; takes a session and never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self, member_id: int) -> dict[str, str]:
        """The member's mappings: own-exercise key → catalog exercise id."""
        stmt = select(ExerciseMap.custom_key, ExerciseMap.exercise_id).where(ExerciseMap.member_id == member_id)
        return {str(key): str(exercise) for key, exercise in (await self.session.execute(stmt)).all()}

    async def get(self, member_id: int, custom_key: str) -> str | None:
        """The catalog exercise one of the member's names maps to, if any."""
        stmt = select(ExerciseMap.exercise_id).where(
            ExerciseMap.member_id == member_id, ExerciseMap.custom_key == custom_key
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def set(self, member_id: int, custom_key: str, exercise_id: str) -> None:
        """Map (or re-map) one of the member's names."""
        insert: Any = postgresql.insert if self.session.get_bind().dialect.name == "postgresql" else sqlite.insert
        stmt = (
            insert(ExerciseMap.__table__)
            .values(member_id=member_id, custom_key=custom_key, exercise_id=exercise_id, created_at=utc_now())
            .on_conflict_do_update(index_elements=["member_id", "custom_key"], set_={"exercise_id": exercise_id})
        )
        await self.session.execute(stmt)

    async def move_sets(self, member_id: int, custom_key: str, exercise_id: str, exercise_name: str) -> int:
        """Turn the member's sets of an own exercise into sets of the catalog exercise; returns how many."""
        result: Any = await self.session.execute(
            update(LoggedSet)
            .where(LoggedSet.member_id == member_id, LoggedSet.exercise_key == custom_key)
            .values(exercise_key=exercise_id, exercise_id=exercise_id, custom_name=None, exercise_name=exercise_name)
        )
        return int(result.rowcount or 0)

    async def delete_for_member(self, member_id: int) -> int:
        """Delete every mapping of the member; returns how many."""
        result: Any = await self.session.execute(delete(ExerciseMap).where(ExerciseMap.member_id == member_id))
        return int(result.rowcount or 0)
