"""Parse the `/log when:` option into an aware UTC datetime.

Accepted forms (case-insensitive, surrounding spaces ignored):

- empty, ``now``, ``today``            → now
- ``yesterday``                         → 24 hours ago (same time of day)
- ``3 days ago``, ``3d ago``, ``2h ago``, ``2 hours ago``, ``45 min ago``, ``45m ago``
- ``2026-11-20``                        → that date with no time claimed: noon UTC, flagged date-only
  (sets backfilled for one date share that moment, keep the order they were logged in and form one
  session; replies show just the date)
- ``2026-11-20 18:30`` / ``2026-11-20T18:30[:ss][+01:00|Z]``
- ``20/11``, ``11/20``, ``20/11/2026``  → day and month are told apart only when unambiguous (one part
  above 12, or both equal); ``05/06`` is refused and the member is asked for ISO ``2026-06-05``.
  Without a year: the most recent such date that isn't in the future. ``20.11`` / ``20.11.2026`` are
  always day.month (the European dotted convention).
- ``18:30``                             → the most recent 18:30 (today, or yesterday if that's still ahead)
- any date form followed by a time, e.g. ``yesterday 18:30``, ``20/11 7:05``

Times without an explicit offset are read in ``tz`` (UTC until members can set a time zone).
The result must not be in the future and not more than one year back.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from coach.errors import ValidationError
from coach.text import member_text

# Clocks drift and members type fast: a minute of "future" is still now.
FUTURE_TOLERANCE = timedelta(minutes=1)
# Every accepted form fits in far fewer characters; longer text is refused before it is parsed.
MAX_WHEN_LENGTH = 40

_AGO_RE = re.compile(
    r"^(?P<n>\d{1,4})\s*(?P<unit>m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days|w|wk|wks|week|weeks)\s+ago$"
)
_ISO_DATE_RE = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$")
_SLASH_DATE_RE = re.compile(r"^(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}))?$")
_DOT_DATE_RE = re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.?(?:(?P<y>\d{4}))?$")
_TIME_RE = re.compile(r"^(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?$")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


# The moment a date without a time of day stands for: noon UTC is the same calendar day in every time zone
# from UTC-11 to UTC+11, so the date a member typed is the date everyone sees.
DATE_ONLY_TIME = time(12, 0)


class _DateOnly(datetime):
    """A parsed bare date (its time is DATE_ONLY_TIME, not one the member gave)."""


def utc_now() -> datetime:
    """The current time as an aware UTC datetime (the default clock everywhere)."""
    return datetime.now(UTC)


def accepted_forms(now: datetime | None = None) -> str:
    """One line listing what `when` accepts, with examples based on ``now``."""
    today = (now or utc_now()).date()
    return (
        f"now, today, yesterday, `3 days ago`, `2h ago`, a date like `{today.isoformat()}` or "
        f"`{today.day}/{today.month}` (if day and month can't be confused), "
        f"a date and time like `{today.isoformat()} 18:30`, or just a time like `18:30` (UTC)"
    )


def parse_when(
    text: str | None,
    *,
    now: datetime,
    tz: tzinfo = UTC,
    max_age: timedelta | None = None,
) -> datetime:
    """Parse ``text`` relative to the aware ``now``; return aware UTC or raise ValidationError.

    ``max_age`` defaults to one calendar year back from ``now``.
    """
    return parse_when_known(text, now=now, tz=tz, max_age=max_age)[0]


def parse_when_known(
    text: str | None,
    *,
    now: datetime,
    tz: tzinfo = UTC,
    max_age: timedelta | None = None,
) -> tuple[datetime, bool]:
    """``parse_when``, and whether a time of day was given (False for a bare past date: noon UTC)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    raw = (text or "").strip()
    if len(raw) > MAX_WHEN_LENGTH:
        raise ValidationError(
            f"`when` can be at most {MAX_WHEN_LENGTH} characters. Use {accepted_forms(now)}.", field="when"
        )
    time_known = True
    try:
        parsed = _parse(raw.lower(), now=now, tz=tz)
        time_known = not isinstance(parsed, _DateOnly)
        # A plain datetime leaves here (combine is datetime's, not the marker subclass's).
        result = datetime.combine(parsed.date(), parsed.timetz()).astimezone(UTC) if parsed is not None else None
    except (OverflowError, ValueError):
        result = None  # a date at the very edge of the calendar (year 1 or 9999 with an offset)
    if result is None:
        raise ValidationError(
            f"I couldn't read “{member_text(raw)}” as a time. Use {accepted_forms(now)}.",
            field="when",
        )
    if result > now + FUTURE_TOLERANCE:
        raise ValidationError(
            f"“{member_text(raw)}” is in the future ({result:%Y-%m-%d %H:%M} UTC). "
            "You can only log sets you've already done.",
            field="when",
        )
    earliest = now - max_age if max_age is not None else _one_year_before(now)
    # A date without a time is within reach when its day is (noon a year ago today still counts).
    if (result < earliest) if time_known else (result.date() < earliest.date()):
        raise ValidationError(
            f"“{member_text(raw)}” is more than a year ago ({result:%Y-%m-%d}); "
            "sets can be logged at most one year back.",
            field="when",
        )
    return result, time_known


def _one_year_before(now: datetime) -> datetime:
    try:
        return now.replace(year=now.year - 1)
    except ValueError:  # 29 February → 28 February of the previous year.
        return now.replace(year=now.year - 1, day=28)


def _parse(text: str, *, now: datetime, tz: tzinfo) -> datetime | None:
    local_now = now.astimezone(tz)
    if text in ("", "now", "today", "just now", "right now"):
        return now
    if text == "yesterday":
        return now - timedelta(days=1)
    if m := _AGO_RE.match(text):
        seconds = _UNIT_SECONDS[m["unit"][0]] * int(m["n"])
        return now - timedelta(seconds=seconds)
    if (iso := _parse_iso_datetime(text, tz)) is not None:
        return iso
    if (t := _parse_time(text)) is not None:
        candidate = datetime.combine(local_now.date(), t, tzinfo=tz)
        # A bare time means the most recent such moment: "23:30" typed just after midnight is last night.
        if candidate > local_now + FUTURE_TOLERANCE:
            candidate -= timedelta(days=1)
        return candidate
    # "<date> <time>": split at the last space so "3 days ago" style phrases never reach here whole.
    date_part, _, time_part = text.rpartition(" ")
    if date_part and (t := _parse_time(time_part)) is not None:
        day = _parse_date(date_part.strip(), local_now)
        if day is None:
            return None
        return datetime.combine(day, t, tzinfo=tz)
    day = _parse_date(text, local_now)
    if day is None:
        return None
    if day == local_now.date():
        return now
    # A bare date claims no time of day: noon UTC, marked so replies show the date alone.
    return _DateOnly.combine(day, DATE_ONLY_TIME, tzinfo=UTC)


def _parse_iso_datetime(text: str, tz: tzinfo) -> datetime | None:
    if not re.match(r"^\d{4}-\d{1,2}-\d{1,2}[t ]\d{1,2}:\d{2}", text):
        return None
    candidate = text.upper().replace(" ", "T", 1)
    if candidate.endswith("Z"):
        candidate = candidate[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def _parse_time(text: str) -> time | None:
    m = _TIME_RE.match(text)
    if not m:
        return None
    try:
        return time(int(m["h"]), int(m["mi"]), int(m["s"] or 0))
    except ValueError:
        return None


def _parse_date(text: str, local_now: datetime) -> date | None:
    today = local_now.date()
    if text in ("today", "now"):
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    if m := _ISO_DATE_RE.match(text):
        return _safe_date(int(m["y"]), int(m["m"]), int(m["d"]))
    if m := _DOT_DATE_RE.match(text):
        return _date_maybe_without_year(int(m["d"]), int(m["m"]), m["y"], today)
    if m := _SLASH_DATE_RE.match(text):
        a, b = int(m["a"]), int(m["b"])
        if a > 12 >= b:
            day, month = a, b
        elif b > 12 >= a:
            day, month = b, a
        elif a == b:
            day, month = a, a
        else:
            # Day/month order differs between regions; guessing would silently misdate the set.
            raise ValidationError(
                f"“{member_text(text)}” could be day/month or month/day. Write it as a date like "
                f"`{_iso_or_placeholder(today.year, b, a)}` or `{_iso_or_placeholder(today.year, a, b)}`.",
                field="when",
            )
        return _date_maybe_without_year(day, month, m["y"], today)
    return None


def _iso_or_placeholder(year: int, month: int, day: int) -> str:
    d = _safe_date(year, month, day)
    return d.isoformat() if d else f"{year}-{month:02d}-{day:02d}"


def _date_maybe_without_year(day: int, month: int, year: str | None, today: date) -> date | None:
    if year is not None:
        return _safe_date(int(year), month, day)
    candidate = _safe_date(today.year, month, day)
    if candidate is not None and candidate > today:
        # Without a year, "20/12" typed in January means last December, never the coming one.
        candidate = _safe_date(today.year - 1, month, day)
    elif candidate is None and (month, day) == (2, 29):
        candidate = _safe_date(today.year - 1, month, day)
    return candidate


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
