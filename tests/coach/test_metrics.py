"""Pure training arithmetic: units, Epley e1RM, sessions and PR rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog import load_catalog
from coach.metrics import (
    E1RM_FORMULA,
    KG_PER_LB,
    MAX_SESSION_SETS,
    MAX_SESSION_SPAN,
    SESSION_GAP,
    PersonalRecords,
    estimate_1rm,
    format_weight,
    from_kg,
    group_sessions,
    lifted_load,
    personal_records,
    preferred_unit,
    same_session,
    session_so_far,
    set_e1rm,
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
    assert "Epley" in E1RM_FORMULA
    assert "reps / 30" in E1RM_FORMULA
    assert estimate_1rm(100, 1) == 100  # A single is its own max.
    assert estimate_1rm(100, 10) == pytest.approx(133.333, abs=1e-3)
    assert estimate_1rm(0, 12) == 0
    with pytest.raises(ValueError, match="reps"):
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
    assert timedelta(minutes=90) == SESSION_GAP
    assert same_session(T0, T0 + timedelta(minutes=89, seconds=59))
    assert not same_session(T0, T0 + timedelta(minutes=90))


@dataclass(frozen=True)
class At:
    performed_at: datetime


def test_sessions_chain_through_short_gaps() -> None:
    times = [At(T0 + timedelta(minutes=m)) for m in (0, 80, 160, 250, 260)]
    assert group_sessions(times) == [times[:3], times[3:]]
    # Walking back from the last set of the first chain finds its very first set.
    assert session_so_far(times[2].performed_at, reversed(times[:2])) == (T0, times[:2])
    assert session_so_far(times[4].performed_at, reversed(times[:4])) == (times[3].performed_at, [times[3]])


def test_a_session_is_capped_at_twelve_hours_and_a_hundred_sets() -> None:
    every_hour = [At(T0 + timedelta(hours=h)) for h in range(30)]
    sessions = group_sessions(every_hour)
    assert [len(s) for s in sessions] == [13, 13, 4]
    assert all(s[-1].performed_at - s[0].performed_at <= MAX_SESSION_SPAN for s in sessions)
    start, window = session_so_far(every_hour[-1].performed_at, reversed(every_hour[:-1]))
    assert every_hour[-1].performed_at - start == MAX_SESSION_SPAN
    assert len(window) == 12
    every_second = [At(T0 + timedelta(seconds=s)) for s in range(250)]
    assert [len(s) for s in group_sessions(every_second)] == [MAX_SESSION_SETS, MAX_SESSION_SETS, 50]
    _, window = session_so_far(every_second[-1].performed_at, reversed(every_second[:-1]))
    assert len(window) == MAX_SESSION_SETS


@given(st.lists(st.integers(min_value=0, max_value=3 * 24 * 60), min_size=1, max_size=60))
def test_walking_back_agrees_with_grouping_in_real_sessions(minutes: list[int]) -> None:
    """Below the caps, the session a set is placed in when logged is the one the analysis groups it in."""
    rows = [At(T0 + timedelta(minutes=m)) for m in sorted(minutes)]
    sessions = group_sessions(rows)
    for i, session in enumerate(sessions):
        capped = i > 0 and same_session(sessions[i - 1][-1].performed_at, session[0].performed_at)
        if capped or len(session) == MAX_SESSION_SETS:
            continue  # a run split by a cap, not by a break: the two views may differ there, by design
        last = session[-1]
        earlier = [r for r in rows if r.performed_at <= last.performed_at and r is not last][::-1]
        assert session_so_far(last.performed_at, earlier)[0] == session[0].performed_at


@pytest.mark.parametrize(
    ("stored", "locale", "unit"),
    [("kg", "en-US", "kg"), ("lb", "de", "lb"), (None, "en-US", "lb"), (None, "en-GB", "kg"), ("bogus", None, "kg")],
)
def test_preferred_unit_is_the_setting_else_the_locale(stored: str | None, locale: str | None, unit: str) -> None:
    assert preferred_unit(stored, locale) == unit


def _records(**kw: Any) -> PersonalRecords:
    """personal_records for an external load, its e1RM from the weight (as /log computes it)."""
    kw.setdefault("e1rm_kg", estimate_1rm(kw["weight_kg"], kw["reps"]))
    return personal_records(**kw)


def test_first_set_is_a_baseline_not_a_pr() -> None:
    pr = _records(
        kind="working", weight_kg=100, reps=5, previous_best_e1rm_kg=None, previous_best_weight_at_reps_kg=None
    )
    assert not pr.any


def test_pr_rules() -> None:
    best = estimate_1rm(100, 5)
    e1rm_pr = _records(
        kind="working", weight_kg=100, reps=6, previous_best_e1rm_kg=best, previous_best_weight_at_reps_kg=None
    )
    assert e1rm_pr.e1rm
    assert not e1rm_pr.rep_max
    rep_pr = _records(
        kind="working", weight_kg=90, reps=8, previous_best_e1rm_kg=best, previous_best_weight_at_reps_kg=85
    )
    assert rep_pr.rep_max
    assert not rep_pr.e1rm
    same = _records(
        kind="working", weight_kg=100, reps=5, previous_best_e1rm_kg=best, previous_best_weight_at_reps_kg=100
    )
    assert not same.any  # Equal is not better.
    # Float noise from a kg→lb→kg trip is not a record.
    noisy = _records(
        kind="working",
        weight_kg=to_kg(from_kg(100, "lb"), "lb"),
        reps=5,
        previous_best_e1rm_kg=best,
        previous_best_weight_at_reps_kg=100,
    )
    assert not noisy.any


@pytest.mark.parametrize("kind", ["warmup"])
def test_warmups_never_count(kind: str) -> None:
    pr = _records(kind=kind, weight_kg=500, reps=10, previous_best_e1rm_kg=1, previous_best_weight_at_reps_kg=1)
    assert not pr.any


@pytest.mark.parametrize("kind", ["working", "failure", "drop"])
def test_non_warmup_kinds_can_set_records(kind: str) -> None:
    pr = _records(kind=kind, weight_kg=500, reps=10, previous_best_e1rm_kg=1, previous_best_weight_at_reps_kg=1)
    assert pr.e1rm
    assert pr.rep_max


def test_bodyweight_lifts_have_their_own_records() -> None:
    catalog = load_catalog()
    pull_up, push_up, assisted = (catalog.get(i) for i in ("pull_up", "push_up", "assisted_pull_up"))
    inverted = catalog.get("glute_bridge")
    # No body weight: no e1RM (never "e1RM 0"), whatever was added.
    assert set_e1rm(pull_up, 0, 8, None) is None
    assert set_e1rm(pull_up, 10, 5, None) is None
    # With one: the catalog's share of it, plus what was added, or minus the assistance.
    assert lifted_load(pull_up, 10, 80) == pytest.approx(90)
    assert lifted_load(push_up, 0, 80) == pytest.approx(52)
    assert lifted_load(assisted, 30, 80) == pytest.approx(50)
    assert lifted_load(inverted, 0, 80) is None, "no share in the catalog: no e1RM even with a body weight"
    assert set_e1rm(pull_up, 10, 5, 80) == pytest.approx(90 * (1 + 5 / 30))
    assert lifted_load(None, 0, 80) is None, "a custom exercise at 0 has nothing to estimate"
    # Rep PRs: more reps at the same added load, for lifts where the body is the load.
    more = personal_records(
        kind="working", weight_kg=0, reps=9, e1rm_kg=None, previous_best_e1rm_kg=None,
        previous_best_weight_at_reps_kg=None, body_is_load=True, previous_best_reps_at_weight=8,
    )  # fmt: skip
    assert more.reps_at_load
    assert more.kinds == ("reps at load",)
    first = personal_records(
        kind="working", weight_kg=0, reps=9, e1rm_kg=None, previous_best_e1rm_kg=None,
        previous_best_weight_at_reps_kg=None, body_is_load=True, previous_best_reps_at_weight=None,
    )  # fmt: skip
    assert not first.any, "the first set at a load is a baseline"
    # Assisted: more assistance at the same reps is easier, never a "most weight" record.
    easier = personal_records(
        kind="working", weight_kg=40, reps=8, e1rm_kg=None, previous_best_e1rm_kg=None,
        previous_best_weight_at_reps_kg=30, body_is_load=True, assisted=True, previous_best_reps_at_weight=None,
    )  # fmt: skip
    assert not easier.any
