"""The schedule's pure rules: the week, times and zones, when posts are due, and streaks (property-tested)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.errors import ValidationError
from coach.schedule import (
    LATE_AFTER,
    Week,
    parse_clock,
    parse_timezone,
    parse_week,
    plan_due,
    recap_due,
    sessions_per_week,
    streak,
    timezone_names,
    week_start,
)

ZONES = [ZoneInfo(z) for z in ("UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kathmandu")]
SEED = parse_week("seed")


def test_weeks_parse_and_round_trip() -> None:
    assert parse_week(None).days == {0: "lower", 1: "push", 2: "pull"}
    assert (
        parse_week("twice").describe()
        == "Mon lower · Tue push · Wed pull · Thu lower · Fri push · Sat pull (rest the other days)"
    )
    week = parse_week("Monday: push, wednesday=pull; fri lower sun rest")
    assert week.days == {0: "push", 2: "pull", 4: "lower"}
    assert parse_week(week.encode().replace(",", " ")) == week
    for bad, why in (("mon:legs", "isn't a training day"), ("funday:push", "isn't a weekday"), ("mon", "pairs"),
                     ("mon:push mon:pull", "named twice"), ("sun:rest", "pairs")):  # fmt: skip
        with pytest.raises(ValidationError, match=why):
            parse_week(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07:00", time(7)),
        ("7", time(7)),
        ("7am", time(7)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("6:45pm", time(18, 45)),
        ("23:59", time(23, 59)),
    ],
)
def test_clock_times(text: str, expected: time) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["24:00", "7:60", "13pm", "noon", "", "07:00:00", "-1"])
def test_bad_clock_times(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_clock(text)


def test_time_zones() -> None:
    assert parse_timezone(" Europe/Berlin ").key == "Europe/Berlin"
    for bad in ("Mars/Olympus", "", "../etc/passwd", "/etc/localtime"):
        with pytest.raises(ValidationError, match="time zone"):
            parse_timezone(bad)
    assert timezone_names("berlin") == ["Europe/Berlin"]
    assert len(timezone_names("america")) == 25
    assert timezone_names("new york")[0] == "America/New_York"


def test_plan_due_at_local_time_and_late() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    monday = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
    assert plan_due(monday - timedelta(seconds=1), berlin, time(7), SEED) is None
    due, day = plan_due(monday, berlin, time(7), SEED) or (None, None)
    assert due is not None
    assert (due.local_date, day, due.late) == (date(2026, 11, 23), "lower", False)
    late = plan_due(monday + LATE_AFTER + timedelta(seconds=1), berlin, time(7), SEED)
    assert late is not None
    assert late[0].late
    assert plan_due(datetime(2026, 11, 26, 12, tzinfo=UTC), berlin, time(7), SEED) is None  # Thursday: rest


def test_a_time_skipped_by_daylight_saving_falls_an_hour_later() -> None:
    new_york = ZoneInfo("America/New_York")
    every_day = Week(dict.fromkeys(range(7), "push"))
    # 8 March 2026: clocks go from 02:00 to 03:00. 02:30 doesn't exist; the post comes at 03:30 EDT.
    assert plan_due(datetime(2026, 3, 8, 7, 29, tzinfo=UTC), new_york, time(2, 30), every_day) is None
    due = plan_due(datetime(2026, 3, 8, 7, 30, tzinfo=UTC), new_york, time(2, 30), every_day)
    assert due is not None
    assert due[0].local_date == date(2026, 3, 8)


def test_recap_due_on_sunday_evening() -> None:
    tz = ZoneInfo("Australia/Sydney")
    sunday_6pm = datetime(2026, 11, 29, 18, tzinfo=tz)
    assert recap_due(sunday_6pm.astimezone(UTC) - timedelta(minutes=1), tz) is None
    assert recap_due(sunday_6pm.astimezone(UTC), tz) is not None
    assert recap_due((sunday_6pm + timedelta(days=1)).astimezone(UTC), tz) is None


@settings(max_examples=200, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
    zone=st.sampled_from(ZONES),
    at=st.times(),
    days=st.dictionaries(st.integers(0, 6), st.sampled_from(["lower", "push", "pull"]), min_size=1),
)
def test_a_post_is_due_exactly_from_its_local_time_on_its_days(
    moment: datetime, zone: ZoneInfo, at: time, days: dict[int, str]
) -> None:
    week = Week(days)
    due = plan_due(moment, zone, at, week)
    local = moment.astimezone(zone)
    if local.weekday() not in days:
        assert due is None
        return
    if due is None:
        # Not yet: the scheduled instant today is still ahead.
        assert datetime.combine(local.date(), at, tzinfo=zone).astimezone(UTC) > moment
    else:
        assert due[0].local_date == local.date()
        assert due[1] == days[local.weekday()]
        assert due[0].scheduled <= moment
        assert due[0].late == (moment - due[0].scheduled > LATE_AFTER)


# --------------------------------------------------------------------------- streaks


def starts_in_week(monday: date, count: int, zone: ZoneInfo, hour: int = 18) -> list[datetime]:
    return [
        datetime.combine(monday + timedelta(days=i % 7), time(hour), tzinfo=zone).astimezone(UTC) for i in range(count)
    ]


def test_streak_counts_whole_weeks_that_met_the_target() -> None:
    zone = ZoneInfo("UTC")
    monday = date(2026, 11, 23)
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)  # Wednesday
    history = (
        starts_in_week(monday - timedelta(weeks=4), 1, zone)  # short week: breaks the run before it
        + starts_in_week(monday - timedelta(weeks=3), 3, zone)
        + starts_in_week(monday - timedelta(weeks=2), 4, zone)
        + starts_in_week(monday - timedelta(weeks=1), 3, zone)
    )
    result = streak(history, 3, now, zone)
    assert (result.weeks, result.this_week) == (3, 0), "this week is still running: no break yet"
    result = streak([*history, *starts_in_week(monday, 3, zone, hour=6)], 3, now, zone)
    assert (result.weeks, result.this_week) == (4, 3)
    assert result.describe() == "3/3 sessions this week · 4-week streak"
    assert streak(history, 4, now, zone).weeks == 0


def test_a_session_just_after_midnight_belongs_to_the_local_week() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # Sunday 23:30 UTC is already Monday 00:30 in Berlin: next week there, this week in UTC.
    start = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert week_start(start, berlin) == date(2026, 11, 30)
    assert week_start(start, ZoneInfo("UTC")) == date(2026, 11, 23)


@settings(max_examples=200, deadline=None)
@given(
    counts=st.lists(st.integers(0, 6), min_size=1, max_size=12),
    target=st.integers(1, 5),
    zone=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
)
def test_streak_is_the_run_of_weeks_meeting_the_target(
    counts: list[int], target: int, zone: ZoneInfo, hour: int
) -> None:
    # counts[-1] is this week (so far); weeks before it in order. Sessions at a local hour of each day.
    this_monday = date(2026, 11, 23)
    now = datetime.combine(this_monday + timedelta(days=6), time(23, 59), tzinfo=zone).astimezone(UTC)
    starts: list[datetime] = []
    for back, count in enumerate(reversed(counts)):
        starts += starts_in_week(this_monday - timedelta(weeks=back), count, zone, hour)
    result = streak(starts, target, now, zone)
    # The reference: walk back week by week.
    expected = 0
    weeks = list(reversed(counts))
    if weeks[0] >= target:
        expected = 1
    for count in weeks[1:]:
        if count < target:
            break
        expected += 1
    assert result.weeks == expected
    assert result.this_week == counts[-1]
    assert sum(sessions_per_week(starts, zone).values()) == len(starts)
