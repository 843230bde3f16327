"""The server's training week and its clock: which day is lower, push, pull or rest, when the plan of the day
and the weekly recap are due, and consistency streaks. Pure: no Discord, no database.

Times are the server's wall clock in its IANA time zone (``zoneinfo``). A post is due once the scheduled
local time has passed on its day — computed as an instant, so a daylight-saving change moves nothing:
07:00 is 07:00 on both sides of it. A time that doesn't exist on a spring-forward day (02:30) is read
with the offset before the change, i.e. it falls an hour later on the clock (03:30).

Streaks fit lifting: rest days are training, so a member sets a weekly target (sessions per week) and their
streak is the number of consecutive weeks (Monday to Sunday, in the given time zone) that met it. The week
in progress counts once it has met the target, and never breaks a streak before it is over.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from catalog import DAYS
from coach.errors import ValidationError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# The seed article's week: Monday lower, Tuesday push, Wednesday pull.
SEED_WEEK: Mapping[int, str] = {0: "lower", 1: "push", 2: "pull"}
# The seed's week twice: a second cycle Thursday to Saturday.
TWICE_WEEK: Mapping[int, str] = {0: "lower", 1: "push", 2: "pull", 3: "lower", 4: "push", 5: "pull"}
DEFAULT_PLAN_TIME = time(7, 0)
DEFAULT_RECAP_TIME = time(18, 0)
RECAP_WEEKDAY = 6  # Sunday: the week's last day
DEFAULT_SESSIONS_PER_WEEK = 3
MAX_SESSIONS_PER_WEEK = 14
# A post this long after its time says it is late (the bot was down, or just started).
LATE_AFTER = timedelta(minutes=10)
_CLOCK = re.compile(r"(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm)?")
_SEPARATORS = re.compile(r"[\s,;:=/·]+")
_FULL_WEEKDAYS = tuple(name.lower() for name in WEEKDAY_NAMES)


@dataclass(frozen=True, slots=True)
class Week:
    """Which training day falls on which weekday (Monday is 0); the other weekdays are rest."""

    days: Mapping[int, str]

    def day_on(self, weekday: int) -> str | None:
        """'lower', 'push', 'pull', or None for a rest day."""
        return self.days.get(weekday)

    def encode(self) -> str:
        """As stored: ``'mon:lower,tue:push,wed:pull'``."""
        return ",".join(f"{WEEKDAYS[d]}:{self.days[d]}" for d in sorted(self.days))

    def describe(self) -> str:
        """'Mon lower · Tue push · Wed pull (rest the other days)'."""
        listed = " · ".join(f"{WEEKDAYS[d].title()} {self.days[d]}" for d in sorted(self.days))
        return f"{listed} (rest the other days)" if len(self.days) < 7 else listed


def parse_week(text: str | None) -> Week:
    """A week from ``'mon:lower, tue:push, wed:pull'`` (any separators; unnamed days are rest), or the
    shortcuts ``seed`` (Mon lower, Tue push, Wed pull) and ``twice`` (that, then Thu–Sat again)."""
    raw = (text or "").strip().lower()
    if raw in ("", "seed", "default"):
        return Week(dict(SEED_WEEK))
    if raw == "twice":
        return Week(dict(TWICE_WEEK))
    tokens = [t for t in _SEPARATORS.split(raw) if t]
    usage = (
        "Give the week as weekday:day pairs, e.g. `mon:lower tue:push wed:pull` (days are lower, push or pull; "
        "the others are rest), or `seed` (that week) or `twice` (that week, then Thu–Sat again)."
    )
    if not tokens or len(tokens) % 2:
        raise ValidationError(usage)
    days: dict[int, str] = {}
    seen: set[int] = set()
    for name, what in zip(tokens[::2], tokens[1::2], strict=True):
        weekday = next((i for i, full in enumerate(_FULL_WEEKDAYS) if len(name) >= 3 and full.startswith(name)), None)
        if weekday is None:
            raise ValidationError(f"“{name}” isn't a weekday; use mon, tue, wed, thu, fri, sat or sun.")
        if what not in (*DAYS, "rest"):
            raise ValidationError(f"“{what}” isn't a training day; use lower, push, pull or rest.")
        if weekday in seen:
            raise ValidationError(f"{WEEKDAY_NAMES[weekday]} is named twice.")
        seen.add(weekday)
        if what != "rest":
            days[weekday] = what
    if not days:
        raise ValidationError(usage)
    return Week(days)


def decode_week(stored: str | None) -> Week:
    """The week as stored (the seed week when nothing is)."""
    return parse_week(stored.replace(",", " ") if stored else None)


def parse_clock(text: str) -> time:
    """A wall-clock time from '07:00', '7:30', '7am', '18:45' or '6:45pm'."""
    match = _CLOCK.fullmatch(text.strip().lower())
    if match is None:
        raise ValidationError(f"“{text}” isn't a time; use 24-hour HH:MM, e.g. 07:00 or 18:30.")
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise ValidationError(f"“{text}” isn't a time: with am/pm the hour is 1–12.")
        hour = hour % 12 + (12 if match["ampm"] == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValidationError(f"“{text}” isn't a time of day (00:00 to 23:59).")
    return time(hour, minute)


def format_clock(value: time) -> str:
    """'07:00'."""
    return f"{value:%H:%M}"


def parse_timezone(name: str) -> ZoneInfo:
    """An IANA time zone ('Europe/Berlin', 'America/New_York', 'UTC'), with a clear error for anything else."""
    cleaned = name.strip()
    try:
        if cleaned and ".." not in cleaned and not cleaned.startswith("/"):
            return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    raise ValidationError(
        f"“{cleaned}” isn't a time zone I know. Use an IANA name such as Europe/London, America/New_York or "
        "Asia/Tokyo (start typing for suggestions)."
    )


@functools.cache
def _zone_names() -> tuple[str, ...]:
    """Every IANA region/city name (and UTC), read from the time zone database once: it walks the disk."""
    return tuple(sorted(n for n in available_timezones() if "/" in n or n == "UTC"))


def timezone_names(typed: str, limit: int = 25) -> list[str]:
    """IANA names containing what was typed (case-insensitive), shortest first, at most ``limit``."""
    folded = typed.strip().lower().replace(" ", "_")
    names = _zone_names()
    hits = [n for n in names if folded in n.lower()] if folded else ["UTC", "Europe/London", "America/New_York"]
    return sorted(hits, key=lambda n: (not n.lower().startswith(folded), len(n), n))[:limit]


# --------------------------------------------------------------------------- due posts


@dataclass(frozen=True, slots=True)
class Due:
    """A post that is due: for which local day, scheduled when, and whether it is late."""

    local_date: date
    scheduled: datetime
    late: bool


def scheduled_at(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant of a local wall-clock time on a local day, in that time zone (it compares as an instant)."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC).astimezone(tz)


def _due_today(now: datetime, tz: ZoneInfo, at: time) -> Due | None:
    """Today's (local) post at ``at``, once that instant has passed."""
    today = now.astimezone(tz).date()
    when = scheduled_at(today, at, tz)
    return None if now < when else Due(today, when, now - when > LATE_AFTER)


def plan_due(now: datetime, tz: ZoneInfo, at: time, week: Week) -> tuple[Due, str] | None:
    """The plan of the day, if one is due now: today's training day (local) once its time has passed."""
    day = week.day_on(now.astimezone(tz).weekday())
    if day is None:
        return None
    due = _due_today(now, tz, at)
    return None if due is None else (due, day)


def recap_due(now: datetime, tz: ZoneInfo, at: time = DEFAULT_RECAP_TIME) -> Due | None:
    """The weekly recap, if due now: on Sunday (local) once its time has passed."""
    return _due_today(now, tz, at) if now.astimezone(tz).weekday() == RECAP_WEEKDAY else None


def week_start(moment: datetime, tz: ZoneInfo) -> date:
    """The Monday (local) of the week a moment falls in."""
    local = moment.astimezone(tz).date()
    return local - timedelta(days=local.weekday())


# --------------------------------------------------------------------------- streaks


@dataclass(frozen=True, slots=True)
class Streak:
    """A member's consistency: sessions this week against their target, and consecutive weeks that met it."""

    weeks: int
    this_week: int
    target: int

    @property
    def met_this_week(self) -> bool:
        """True once this week's sessions reach the target."""
        return self.this_week >= self.target

    def describe(self) -> str:
        """'3/3 sessions this week · 5-week streak'."""
        text = f"{self.this_week}/{self.target} sessions this week"
        return f"{text} · {self.weeks}-week streak" if self.weeks else text


def sessions_per_week(session_starts: Iterable[datetime], tz: ZoneInfo) -> Counter[date]:
    """How many sessions started in each local week (keyed by its Monday)."""
    return Counter(week_start(start, tz) for start in session_starts)


def streak(session_starts: Iterable[datetime], target: int, now: datetime, tz: ZoneInfo) -> Streak:
    """Consecutive weeks meeting ``target`` sessions, counted back from the current week (which counts once
    it meets the target and doesn't break the streak while it is still running)."""
    if not 1 <= target <= MAX_SESSIONS_PER_WEEK:
        raise ValidationError(f"A weekly target is 1 to {MAX_SESSIONS_PER_WEEK} sessions.")
    counts = sessions_per_week((s for s in session_starts if s <= now), tz)
    current = week_start(now, tz)
    weeks = 1 if counts[current] >= target else 0
    monday = current - timedelta(days=7)
    while counts[monday] >= target:
        weeks += 1
        monday -= timedelta(days=7)
    return Streak(weeks=weeks, this_week=counts[current], target=target)
