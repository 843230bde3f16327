"""Which body weight applies to a set, and keeping stored numbers in line with it.

A member's body-weight entries form a timeline: the latest entry at or before a set applies to it, and the
first entry also stands for the time before it (a member who gives their body weight once expects their
history to count it, not only the sets after today). Sets of
lifts where the body is the load store the body weight that applied and an e1RM from it
(``coach.metrics.set_e1rm``); when an entry is added, corrected, or sets arrive by import, the affected
sets are re-priced here, so a PR, a chart and an export always agree with the entries the member gave.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from catalog import Catalog
from coach.metrics import set_e1rm
from db.bodyweight_repository import BodyWeightRepository


async def reprice(session: AsyncSession, catalog: Catalog, member_id: int, *, since: datetime | None = None) -> int:
    """Give every set of a body-weight lift from ``since`` on (all when None) the body weight that applies to
    it and the e1RM that follows; returns how many sets were re-priced. Runs in the caller's transaction."""
    weights = BodyWeightRepository(session)
    entries = await weights.all(member_id)
    body_lifts = {ex.id: ex for ex in catalog.exercises if ex.uses_bodyweight}
    done = 0
    for index, entry in enumerate(entries):
        until = entries[index + 1].measured_at if index + 1 < len(entries) else None
        if since is not None and until is not None and until <= since:
            continue
        # The first entry covers everything before it too.
        begins = None if index == 0 else entry.measured_at
        start = begins if since is None or index == 0 else max(entry.measured_at, since)
        priced = await weights.sets_between(member_id, body_lifts, start, until)
        await weights.reprice(
            member_id,
            [
                (s.id, entry.weight_kg, set_e1rm(body_lifts[s.exercise_id], s.weight_kg, s.reps, entry.weight_kg))
                for s in priced
            ],
        )
        done += len(priced)
    return done
