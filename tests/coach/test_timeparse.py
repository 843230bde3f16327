"""`when` parsing against a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.errors import ValidationError
from coach.timeparse import parse_when, parse_when_known

NOW = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, NOW),
        ("", NOW),
        ("now", NOW),
        ("Today", NOW),
        ("  yesterday ", NOW - timedelta(days=1)),
        ("3 days ago", NOW - timedelta(days=3)),
        ("3d ago", NOW - timedelta(days=3)),
        ("2h ago", NOW - timedelta(hours=2)),
        ("2 hours ago", NOW - timedelta(hours=2)),
        ("45 min ago", NOW - timedelta(minutes=45)),
        ("1 week ago", NOW - timedelta(weeks=1)),
        ("2026-11-20", NOW),  # Today's date is just now.
        ("2026-11-18", at(2026, 11, 18, 12, 0)),  # A past date claims no time: noon UTC (flagged date-only).
        ("2026-11-18 07:05", at(2026, 11, 18, 7, 5)),
        ("2026-11-18T07:05:30", at(2026, 11, 18, 7, 5, 30)),
        ("2026-11-18T07:05+01:00", at(2026, 11, 18, 6, 5)),
        ("2026-11-18 07:05Z", at(2026, 11, 18, 7, 5)),
        ("18/11", at(2026, 11, 18, 12, 0)),  # Unambiguous: 18 can't be a month.
        ("11/18", at(2026, 11, 18, 12, 0)),
        ("18/11/2026", at(2026, 11, 18, 12, 0)),
        ("18.11", at(2026, 11, 18, 12, 0)),
        ("11/11", at(2026, 11, 11, 12, 0)),
        ("24/12", at(2025, 12, 24, 12, 0)),  # No year: the most recent 24 December.
        ("17:00", at(2026, 11, 20, 17, 0)),
        ("23:00", at(2026, 11, 19, 23, 0)),  # Later than now today, so last night.
        ("yesterday 07:15", at(2026, 11, 19, 7, 15)),
        ("18/11 7:05", at(2026, 11, 18, 7, 5)),
    ],
)
def test_accepted_forms(text: str | None, expected: datetime) -> None:
    result = parse_when(text, now=NOW)
    assert result == expected
    assert result.tzinfo == UTC


def test_local_timezone_is_respected() -> None:
    cet = timezone(timedelta(hours=1))
    assert parse_when("2026-11-18 07:05", now=NOW, tz=cet) == at(2026, 11, 18, 6, 5)


@pytest.mark.parametrize("text", ["tomorrow", "last leg day", "2026-13-01", "32/01", "25:00", "2026/11/20x", "💪"])
def test_unparseable_input_explains_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_when(text, now=NOW)
    assert "couldn't read" in err.value.message
    for example in ("yesterday", "2026-11-20", "18:30"):
        assert example in err.value.message
    assert err.value.field == "when"


def test_ambiguous_day_month_is_refused_with_both_readings() -> None:
    with pytest.raises(ValidationError) as err:
        parse_when("05/06", now=NOW)
    assert "2026-06-05" in err.value.message
    assert "2026-05-06" in err.value.message


@pytest.mark.parametrize("text", ["2026-11-21", "2026-11-20 19:00", "2027-01-01"])
def test_future_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="future"):
        parse_when(text, now=NOW)


def test_a_minute_of_clock_drift_is_tolerated() -> None:
    assert parse_when("2026-11-20T18:31:00", now=NOW) == at(2026, 11, 20, 18, 31)


@pytest.mark.parametrize("text", ["2025-11-19", "400 days ago", "2020-01-01 10:00"])
def test_more_than_a_year_back_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="more than a year"):
        parse_when(text, now=NOW)


def test_exactly_a_year_back_is_fine() -> None:
    assert parse_when("2025-11-20", now=NOW) == at(2025, 11, 20, 12, 0)


def test_a_bare_date_is_flagged_date_only() -> None:
    assert parse_when_known("2026-11-18", now=NOW) == (at(2026, 11, 18, 12, 0), False)
    assert parse_when_known("2026-11-18 07:05", now=NOW) == (at(2026, 11, 18, 7, 5), True)
    assert parse_when_known("2026-11-20", now=NOW) == (NOW, True), "today means now"
    assert parse_when_known("yesterday", now=NOW)[1], "yesterday is 24 hours ago, a time"


def test_naive_clock_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_when("now", now=datetime(2026, 11, 20))


@given(st.text(max_size=30))
def test_never_crashes(text: str) -> None:
    """Anything a member types yields a UTC time in range or a ValidationError — never another exception."""
    try:
        result = parse_when(text, now=NOW)
    except ValidationError as err:
        message = err.message
        assert message
    else:
        assert result.tzinfo == UTC
        assert result <= NOW + timedelta(minutes=1)
