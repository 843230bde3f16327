"""The schedule's rows: servers that post a plan of the day or a recap, members with reminders, who opted in to
recaps, and the record of posts made (a claim inserted before posting makes each post happen once, even with
several processes or after a restart)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import GuildSettings, LoggedSet, MemberSettings, ScheduledPost, utc_now
from db.repositories import insert_ignoring


def _post_key(target_id: int, kind: str, local_date: date) -> tuple[ColumnElement[bool], ...]:
    """The conditions that pick one scheduled post by its key."""
    return (
        ScheduledPost.target_id == target_id,
        ScheduledPost.kind == kind,
        ScheduledPost.local_date == local_date,
    )


class ScheduleRepository:
    """Scheduled posts and the settings they read, from an ``AsyncSession``."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def scheduled_guilds(self) -> Sequence[GuildSettings]:
        """Servers with a plan channel (plans and recaps go there)."""
        rows = await self.session.scalars(select(GuildSettings).where(GuildSettings.plan_channel_id.is_not(None)))
        return rows.all()

    async def guild(self, guild_id: int) -> GuildSettings | None:
        """One server's settings."""
        return await self.session.get(GuildSettings, guild_id, populate_existing=True)

    async def reminder_members(self) -> Sequence[MemberSettings]:
        """Members who asked for training-day reminders."""
        rows = await self.session.scalars(select(MemberSettings).where(MemberSettings.reminder_time.is_not(None)))
        return rows.all()

    async def failed_reminders(self) -> list[int]:
        """Members whose reminders went off because a DM couldn't be delivered, not yet told."""
        rows = await self.session.scalars(select(MemberSettings.member_id).where(MemberSettings.reminder_failed))
        return list(rows)

    async def recap_members(self, guild_id: int) -> list[int]:
        """Members who opted in to recaps and have logged a set in this server."""
        here = exists().where(LoggedSet.member_id == MemberSettings.member_id, LoggedSet.guild_id == guild_id)
        rows = await self.session.scalars(
            select(MemberSettings.member_id).where(MemberSettings.recap, here).order_by(MemberSettings.member_id)
        )
        return list(rows)

    async def claim(self, target_id: int, kind: str, local_date: date, *, late: bool) -> bool:
        """Record that this post is being made; False when it already was (by this or another process)."""
        dialect = self.session.get_bind().dialect.name
        table: Any = ScheduledPost.__table__
        statement = insert_ignoring(dialect, table, ("target_id", "kind", "local_date")).returning(table.c.target_id)
        values = {"target_id": target_id, "kind": kind, "local_date": local_date, "late": late, "created_at": utc_now()}
        return (await self.session.execute(statement, values)).first() is not None

    async def release(self, target_id: int, kind: str, local_date: date) -> None:
        """Forget a claim whose post failed for a reason that may pass, so the next tick tries again."""
        await self.session.execute(delete(ScheduledPost).where(*_post_key(target_id, kind, local_date)))

    async def posted(self, target_id: int, kind: str, local_date: date, message_id: int) -> None:
        """Remember which message the post became."""
        await self.session.execute(
            update(ScheduledPost).where(*_post_key(target_id, kind, local_date)).values(message_id=message_id)
        )

    async def delete_for_member(self, member_id: int) -> int:
        """Forget a member's reminder records (/privacy forget)."""
        result: Any = await self.session.execute(
            delete(ScheduledPost).where(ScheduledPost.target_id == member_id, ScheduledPost.kind == "reminder")
        )
        return int(result.rowcount or 0)
