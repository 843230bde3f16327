"""The server trains together: its schedule (plan of the day, weekly recap), members' consistency streaks and
training-day reminders, without Discord.

What is due is decided by ``coach.schedule`` (pure); this service reads and writes the settings and the
record of posts. A post is claimed (a row keyed by server or member, kind and local date) before it is
made, so it happens once whatever the number of processes, restarts or ticks.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from catalog import Catalog
from coach.errors import ValidationError
from coach.insight import InsightService, catalog_exercise, summarise_weeks
from coach.insight_results import TrainingSession, WeeklyStats
from coach.metrics import RecordBook, Unit
from coach.schedule import (
    DEFAULT_PLAN_TIME,
    DEFAULT_RECAP_TIME,
    DEFAULT_SESSIONS_PER_WEEK,
    Due,
    Streak,
    Week,
    decode_week,
    format_clock,
    parse_clock,
    parse_timezone,
    parse_week,
    plan_due,
    recap_due,
    scheduled_at,
    streak,
    week_start,
)
from coach.storage import Service
from db.models import GuildSettings
from db.repositories import GuildRepository, MemberRepository
from db.schedule_repository import ScheduleRepository

log = logging.getLogger(__name__)

PLAN, RECAP, REMINDER = "plan", "recap", "reminder"
UTC_ZONE = ZoneInfo("UTC")
# Sets read per member for the recap's PRs: a record is judged against everything before it.
RECAP_HISTORY_DAYS = 3650
# Sessions a streak is counted over, everywhere it is shown: a year, so a streak reads up to 52 weeks.
STREAK_DAYS = 371


@dataclass(frozen=True, slots=True)
class GuildSchedule:
    """A server's schedule as its admins set it."""

    guild_id: int
    channel_id: int | None
    plan_time: time
    tz: ZoneInfo
    week: Week
    recap: bool
    recap_time: time

    @property
    def posts(self) -> bool:
        """True when the plan of the day is posted (a channel is set)."""
        return self.channel_id is not None

    def due(self, now: datetime) -> tuple[tuple[Due, str] | None, Due | None]:
        """The plan of the day (with its day) and the recap, each when it is on and due now."""
        plan = plan_due(now, self.tz, self.plan_time, self.week) if self.posts else None
        recap = recap_due(now, self.tz, self.recap_time) if self.recap else None
        return plan, recap


@dataclass(frozen=True, slots=True)
class DuePost:
    """A plan of the day or a recap to post now."""

    kind: str
    guild_id: int
    channel_id: int
    due: Due
    day: str | None = None


@dataclass(frozen=True, slots=True)
class DueReminder:
    """A member's training-day DM to send now."""

    member_id: int
    guild_id: int
    due: Due
    day: str


@dataclass(frozen=True, slots=True)
class MemberWeek:
    """One opted-in member's week in the recap (the same numbers /stats gives for that period)."""

    member_id: int
    streak: Streak
    hard_sets: int
    pre_pairs: int
    prs: int


@dataclass(frozen=True, slots=True)
class Recap:
    """A server's week: opted-in members only."""

    guild_id: int
    week_of: date
    since: datetime
    until: datetime
    members: tuple[MemberWeek, ...]

    @property
    def hard_sets(self) -> int:
        """All the opted-in members' hard sets."""
        return sum(m.hard_sets for m in self.members)

    @property
    def pre_pairs(self) -> int:
        """All their 🔥 pre-exhaust pairs."""
        return sum(m.pre_pairs for m in self.members)

    @property
    def prs(self) -> int:
        """All their PRs."""
        return sum(m.prs for m in self.members)


def _schedule(guild_id: int, row: GuildSettings | None) -> GuildSchedule:
    if row is None:
        return GuildSchedule(guild_id, None, DEFAULT_PLAN_TIME, UTC_ZONE, decode_week(None), False, DEFAULT_RECAP_TIME)
    return GuildSchedule(
        guild_id=guild_id,
        channel_id=row.plan_channel_id,
        plan_time=parse_clock(row.plan_time),
        tz=parse_timezone(row.timezone),
        week=decode_week(row.week),
        recap=bool(row.recap),
        recap_time=parse_clock(row.recap_time),
    )


def prs_between(sessions: list[TrainingSession], catalog: Catalog, since: datetime, until: datetime) -> int:
    """Sets in [since, until) that broke a record, each judged against everything before it (as /log did)."""
    books: dict[str, RecordBook] = {}
    count = 0
    for session in sessions:
        for s in session.sets:
            exercise = catalog_exercise(catalog, s.exercise_id)
            book = books.setdefault(s.exercise_key, RecordBook())
            # The stored e1RM, as /log judged it and the /progress chart replays it.
            records = book.judge(exercise, kind=s.kind, weight_kg=s.weight_kg, reps=s.reps, e1rm_kg=s.e1rm_kg)
            if since <= s.performed_at < until and records.any:
                count += 1
    return count


class CommunityService(Service):
    """Schedules, streaks, recaps and reminders."""

    def __init__(self, *args: Any, insight: InsightService, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.insight = insight

    # ----------------------------------------------------------------- the server's schedule

    async def schedule(self, guild_id: int) -> GuildSchedule:
        """The server's schedule (defaults when it never set one)."""
        async with self._storage.read() as session:
            return _schedule(guild_id, await ScheduleRepository(session).guild(guild_id))

    async def configure(
        self,
        guild_id: int,
        *,
        channel_id: int | None = None,
        plan_time: str | None = None,
        timezone: str | None = None,
        week: str | None = None,
        recap: bool | None = None,
        recap_time: str | None = None,
        posts_off: bool = False,
    ) -> GuildSchedule:
        """Change the server's schedule; None leaves a setting as it is. Everything is checked before saving."""
        values: dict[str, Any] = {}
        if posts_off:
            values |= {"plan_channel_id": None, "recap": False}
        elif channel_id is not None:
            values["plan_channel_id"] = channel_id
        if plan_time is not None:
            values["plan_time"] = format_clock(parse_clock(plan_time))
        if timezone is not None:
            values["timezone"] = parse_timezone(timezone).key
        if week is not None:
            values["week"] = parse_week(week).encode()
        if recap is not None:
            values["recap"] = recap
        if recap_time is not None:
            values["recap_time"] = format_clock(parse_clock(recap_time))
        now = self.now()
        async with self._storage.write() as session:
            row = await GuildRepository(session).update(guild_id, **values)
            if row.recap and row.plan_channel_id is None:
                raise ValidationError("The weekly recap goes to the plan channel: set `plan_channel` too.")
            schedule = _schedule(guild_id, row)
            # A post whose time already passed today wasn't missed: the schedule starts with the next one.
            # Recorded as made (with no message), so nobody reads "posted late: I was offline".
            repo = ScheduleRepository(session)
            plan, sunday = schedule.due(now)
            if plan is not None:
                await repo.claim(guild_id, PLAN, plan[0].local_date, late=False)
            if sunday is not None:
                await repo.claim(guild_id, RECAP, sunday.local_date, late=False)
            return schedule

    async def tz_for(self, guild_id: int | None) -> ZoneInfo:
        """The time zone a member's week is counted in here: the server's, or UTC in DMs."""
        if guild_id is None:
            return UTC_ZONE
        return (await self.schedule(guild_id)).tz

    # ----------------------------------------------------------------- what is due

    async def due(self, now: datetime, guild_ids: set[int]) -> list[DuePost]:
        """Plans and recaps due now for these servers (those this process serves)."""
        async with self._storage.read() as session:
            rows = await ScheduleRepository(session).scheduled_guilds()
        out: list[DuePost] = []
        for row in rows:
            if row.guild_id not in guild_ids or row.plan_channel_id is None:
                continue
            plan, recap = _schedule(row.guild_id, row).due(now)
            if plan is not None:
                out.append(DuePost(PLAN, row.guild_id, row.plan_channel_id, plan[0], plan[1]))
            if recap is not None:
                out.append(DuePost(RECAP, row.guild_id, row.plan_channel_id, recap))
        return out

    async def reminders_due(self, now: datetime, guild_ids: set[int]) -> list[DueReminder]:
        """Members' reminders due now, for members whose reminder follows one of these servers."""
        async with self._storage.read() as session:
            repo = ScheduleRepository(session)
            members = await repo.reminder_members()
            guilds = {g.guild_id: g for g in await repo.scheduled_guilds()}
            extra = {m.reminder_guild_id for m in members if m.reminder_guild_id is not None} - set(guilds)
            for guild_id in extra:
                row = await repo.guild(guild_id)
                if row is not None:
                    guilds[guild_id] = row
        out: list[DueReminder] = []
        for member in members:
            home = member.reminder_guild_id
            if home is None or home not in guild_ids or member.reminder_time is None:
                continue
            schedule = _schedule(home, guilds.get(home))
            due = plan_due(now, schedule.tz, parse_clock(member.reminder_time), schedule.week)
            if due is not None:
                out.append(DueReminder(member.member_id, home, due[0], due[1]))
        return out

    async def claim(self, target_id: int, kind: str, local_date: date, *, late: bool) -> bool:
        """Claim a post before making it; False when it was made already."""
        async with self._storage.write() as session:
            return await ScheduleRepository(session).claim(target_id, kind, local_date, late=late)

    async def release(self, target_id: int, kind: str, local_date: date) -> None:
        """Give a claim back after a post failed for a reason that may pass."""
        async with self._storage.write() as session:
            await ScheduleRepository(session).release(target_id, kind, local_date)

    async def posted(self, target_id: int, kind: str, local_date: date, message_id: int) -> None:
        """Record the message a post became."""
        async with self._storage.write() as session:
            await ScheduleRepository(session).posted(target_id, kind, local_date, message_id)

    # ----------------------------------------------------------------- reminders that can't be delivered

    async def reminder_failed(self, member_id: int) -> None:
        """A reminder DM was refused (DMs closed): reminders go off, and the member is told next time."""
        async with self._storage.write() as session:
            await MemberRepository(session).update(
                member_id, reminder_time=None, reminder_guild_id=None, reminder_failed=True
            )

    async def failed_reminders(self) -> set[int]:
        """Members to tell that their reminders went off."""
        async with self._storage.read() as session:
            return set(await ScheduleRepository(session).failed_reminders())

    async def told(self, member_id: int) -> None:
        """The member was told their reminders went off."""
        async with self._storage.write() as session:
            await MemberRepository(session).update(member_id, reminder_failed=False)

    # ----------------------------------------------------------------- streaks and the recap

    async def member_streak(
        self, member_id: int, tz: ZoneInfo, *, sessions: list[TrainingSession] | None = None
    ) -> Streak:
        """The member's consistency streak, weeks counted in ``tz`` over the last STREAK_DAYS (``sessions``, when
        given, may reach further back: only that window counts, so every place shows the same streak)."""
        now = self.now()
        async with self._storage.read() as session:
            row = await MemberRepository(session).get(member_id)
        target = row.sessions_per_week if row is not None else DEFAULT_SESSIONS_PER_WEEK
        if sessions is None:
            sessions = await self.insight.sessions(member_id, days=STREAK_DAYS)
        since = now - timedelta(days=STREAK_DAYS)
        return streak((s.start for s in sessions if s.start >= since), target, now, tz)

    def _week_numbers(
        self, sessions: list[TrainingSession], since: datetime, until: datetime, unit: Unit
    ) -> tuple[WeeklyStats, int]:
        """/stats' numbers for the period, and the PRs in it."""
        stats = summarise_weeks(sessions, self.catalog, weeks=1, since=since, until=until, unit=unit)
        return stats, prs_between(sessions, self.catalog, since, until + timedelta(microseconds=1))

    async def recap(self, guild_id: int, *, unit: Unit = "kg") -> Recap:
        """This week (Monday to now, server time) for the members who opted in and train here."""
        now = self.now()
        tz = await self.tz_for(guild_id)
        monday = week_start(now, tz)
        since = scheduled_at(monday, time(0), tz)  # Monday 00:00, server time
        async with self._storage.read() as session:
            members = await ScheduleRepository(session).recap_members(guild_id)
        lines = []
        for member_id in members:
            sessions = await self.insight.sessions(member_id, days=RECAP_HISTORY_DAYS)
            # Replaying years of sets is CPU work: off the event loop, like /stats and /progress.
            stats, prs = await asyncio.to_thread(self._week_numbers, sessions, since, now, unit)
            lines.append(
                MemberWeek(
                    member_id=member_id,
                    streak=await self.member_streak(member_id, tz, sessions=sessions),
                    hard_sets=stats.hard_sets,
                    pre_pairs=stats.pre_pairs,
                    prs=prs,
                )
            )
        lines.sort(key=lambda m: (-m.streak.weeks, -m.streak.this_week, m.member_id))
        return Recap(guild_id, monday, since, now, tuple(lines))
