"""Read-only queries behind /progress, /stats, /compare and "My numbers".

Every query filters on ``member_id`` and a time range (or one exercise), so it is a range scan of
``ix_logged_sets_member_id_performed_at`` or ``ix_logged_sets_member_id_exercise_key_performed_at``
however large the table grows. Only the columns the analysis needs are read, as plain tuples.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import LoggedSet
from db.repositories import NON_RECORD_KINDS, SET_ROW_COLUMNS, SetRow


class InsightRepository:
    """Queries over one member's logged sets; takes a session and never writes."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sets_between(self, member_id: int, start: datetime, end: datetime, *, limit: int) -> list[SetRow]:
        """The member's sets with ``start <= performed_at <= end``, oldest first; the newest ``limit`` when more."""
        # Newest first with a limit, then reversed: a cap drops the oldest sets, never the latest.
        stmt = (
            select(*SET_ROW_COLUMNS)
            .where(LoggedSet.member_id == member_id, LoggedSet.performed_at >= start, LoggedSet.performed_at <= end)
            .order_by(LoggedSet.performed_at.desc(), LoggedSet.id.desc())
            .limit(limit)
        )
        rows = (await self.session.execute(stmt)).all()
        return [SetRow._make(row) for row in reversed(rows)]

    async def record_bests_before(
        self, member_id: int, exercise_key: str, before: datetime
    ) -> tuple[float | None, dict[int, float], dict[float, int]]:
        """The member's bests for an exercise before ``before`` (warm-ups excluded), as /log compares with:
        best e1RM, heaviest weight (kg) per rep count, and most reps per weight (kg, to the gram)."""
        scope = (
            LoggedSet.member_id == member_id,
            LoggedSet.exercise_key == exercise_key,
            LoggedSet.performed_at < before,
            LoggedSet.kind.not_in(NON_RECORD_KINDS),
        )
        best = (await self.session.execute(select(func.max(LoggedSet.e1rm_kg)).where(*scope))).scalar_one()
        by_reps = await self.session.execute(
            select(LoggedSet.reps, func.max(LoggedSet.weight_kg)).where(*scope).group_by(LoggedSet.reps)
        )
        by_weight = await self.session.execute(
            select(LoggedSet.weight_kg, func.max(LoggedSet.reps)).where(*scope).group_by(LoggedSet.weight_kg)
        )
        reps_at_weight: dict[float, int] = {}
        for weight, reps in by_weight.all():
            key = round(weight, 3)
            reps_at_weight[key] = max(reps_at_weight.get(key, 0), reps)
        return best, {int(reps): float(weight) for reps, weight in by_reps.all()}, reps_at_weight
