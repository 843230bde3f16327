"""Pure training arithmetic: units, Epley e1RM, sessions and PR rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.metrics import (
    E1RM_FORMULA,
    KG_PER_LB,
    SESSION_GAP,
    estimate_1rm,
    format_weight,
    from_kg,
    personal_records,
    same_session,
    session_start,
    split_sessions,
    to_kg,
    unit_for_locale,
)

T0 = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def test_pound_is_exact() -> None:
    assert KG_PER_LB == 0.45359237
    assert to_kg(225, "lb") == pytest.approx(102.0582, abs=1e-4)
    assert from_kg(100, "lb") == pytest.approx(220.4623, abs=1e-4)
    assert to_kg(100, "kg") == 100.0


@given(st.floats(min_value=0, max_value=1000, allow_nan=False))
def test_unit_round_trip(kg: float) -> None:
    assert to_kg(from_kg(kg, "lb"), "lb") == pytest.approx(kg, abs=1e-9)


def test_format_weight() -> None:
    assert format_weight(100, "kg") == "100 kg"
    assert format_weight(102.5, "kg") == "102.5 kg"
    assert format_weight(to_kg(225, "lb"), "lb") == "225 lb"
    assert format_weight(0, "kg") == "0 kg"


def test_epley() -> None:
    assert "Epley" in E1RM_FORMULA and "reps / 30" in E1RM_FORMULA
    assert estimate_1rm(100, 1) == 100  # A single is its own max.
    assert estimate_1rm(100, 10) == pytest.approx(133.333, abs=1e-3)
    assert estimate_1rm(0, 12) == 0
    with pytest.raises(ValueError):
        estimate_1rm(100, 0)


@given(st.floats(min_value=1, max_value=1000), st.integers(min_value=1, max_value=99))
def test_e1rm_grows_with_reps_and_is_at_least_the_weight(weight: float, reps: int) -> None:
    assert estimate_1rm(weight, reps) >= weight
    assert estimate_1rm(weight, reps + 1) > estimate_1rm(weight, reps)


@pytest.mark.parametrize(
    ("locale", "unit"), [("en-US", "lb"), ("en_US", "lb"), ("en-GB", "kg"), ("de", "kg"), (None, "kg"), ("", "kg")]
)
def test_unit_for_locale(locale: str | None, unit: str) -> None:
    assert unit_for_locale(locale) == unit


def test_session_gap_rule() -> None:
    assert SESSION_GAP == timedelta(minutes=90)
    assert same_session(T0, T0 + timedelta(minutes=89, seconds=59))
    assert not same_session(T0, T0 + timedelta(minutes=90))


def test_sessions_chain_through_short_gaps() -> None:
    times = [T0 + timedelta(minutes=m) for m in (0, 80, 160, 250, 260)]
    assert split_sessions(times) == [times[:3], times[3:]]
    # Walking back from the last set of the first chain finds its very first set.
    assert session_start(times[2], reversed(times[:2])) == T0
    assert session_start(times[4], reversed(times[:4])) == times[3]


def test_first_set_is_a_baseline_not_a_pr() -> None:
    pr = personal_records(
        kind="working", weight_kg=100, reps=5, previous_best_e1rm_kg=None, previous_best_weight_at_reps_kg=None
    )
    assert not pr.any


def test_pr_rules() -> None:
    best = estimate_1rm(100, 5)
    e1rm_pr = personal_records(
        kind="working", weight_kg=100, reps=6, previous_best_e1rm_kg=best, previous_best_weight_at_reps_kg=None
    )
    assert e1rm_pr.e1rm and not e1rm_pr.rep_max
    rep_pr = personal_records(
        kind="working", weight_kg=90, reps=8, previous_best_e1rm_kg=best, previous_best_weight_at_reps_kg=85
    )
    assert rep_pr.rep_max and not rep_pr.e1rm
    same = personal_records(
        kind="working", weight_kg=100, reps=5, previous_best_e1rm_kg=best, previous_best_weight_at_reps_kg=100
    )
    assert not same.any  # Equal is not better.
    # Float noise from a kg→lb→kg trip is not a record.
    noisy = personal_records(
        kind="working",
        weight_kg=to_kg(from_kg(100, "lb"), "lb"),
        reps=5,
        previous_best_e1rm_kg=best,
        previous_best_weight_at_reps_kg=100,
    )
    assert not noisy.any


@pytest.mark.parametrize("kind", ["warmup"])
def test_warmups_never_count(kind: str) -> None:
    pr = personal_records(kind=kind, weight_kg=500, reps=10, previous_best_e1rm_kg=1, previous_best_weight_at_reps_kg=1)
    assert not pr.any


@pytest.mark.parametrize("kind", ["working", "failure", "drop"])
def test_non_warmup_kinds_can_set_records(kind: str) -> None:
    pr = personal_records(kind=kind, weight_kg=500, reps=10, previous_best_e1rm_kg=1, previous_best_weight_at_reps_kg=1)
    assert pr.e1rm and pr.rep_max
