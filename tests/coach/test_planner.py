"""The planner: seed days reproduced exactly, order rules hold for every day, protocol and equipment."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import Catalog
from coach.errors import PlanError
from coach.planner import EQUIPMENT_PROFILES, Planner, Protocol, alternate_protocol, fits

SEED = {
    "lower": [
        ("Leg Extension", "4 × 15–20"), ("Leg Curl", "4 × 15–20"), ("Hip Thrust", "4 × 10–12"),
        ("Romanian Deadlift", "4 × 8–10"), ("Back Squat", "4 × 6"),
    ],
    "push": ["Triceps Pushdown", "Overhead Tricep Extension", "Front Raise", "Lateral Raise", "Shoulder Press",
             "Dumbbell Bench Press"],
    "pull": ["Hammer Curl", "Bicep Curl", "Zottman Curl", "Straight-Arm Pushdown", "Lat Pulldown", "Bent-Over Row"],
}  # fmt: skip


@pytest.fixture(scope="module")
def planner(catalog: Catalog) -> Planner:
    return Planner(catalog)


def test_default_lower_day_is_the_seed_with_its_prescriptions(planner: Planner) -> None:
    day = planner.plan("lower").days[0]
    assert [(i.exercise.name, str(i.prescription)) for i in day.items] == SEED["lower"]
    assert day.protocol is Protocol.PRE_EXHAUST
    assert not day.missing


@pytest.mark.parametrize("day", ["push", "pull"])
def test_default_upper_days_are_the_seed_with_defaults_by_mechanic(planner: Planner, day: str) -> None:
    items = planner.plan(day).days[0].items
    assert [i.exercise.name for i in items] == SEED[day]
    for item in items:
        expected = "3 × 12–15" if item.exercise.is_isolation else "4 × 6–10"
        assert str(item.prescription) == expected, item.exercise.name


def test_traditional_is_the_same_exercises_compound_first(planner: Planner) -> None:
    pre = planner.plan("push").days[0]
    trad = planner.plan("push", Protocol.TRADITIONAL).days[0]
    assert [i.exercise.name for i in trad.items] == list(reversed([i.exercise.name for i in pre.items]))
    assert trad.items[0].exercise.name == "Dumbbell Bench Press"


def test_week_has_three_days_in_seed_order(planner: Planner) -> None:
    plan = planner.plan("week")
    assert [(d.day, d.weekday) for d in plan.days] == [("lower", "Monday"), ("push", "Tuesday"), ("pull", "Wednesday")]


@pytest.mark.parametrize("week", [0, 1, 46, 47])
def test_alternate_week_alternates_and_swaps_next_week(planner: Planner, week: int) -> None:
    this_week = [d.protocol for d in planner.plan("week", Protocol.ALTERNATE, week_index=week).days]
    next_week = [d.protocol for d in planner.plan("week", Protocol.ALTERNATE, week_index=week + 1).days]
    assert this_week[0] != this_week[1] != this_week[2]
    assert all(a != b for a, b in zip(this_week, next_week, strict=True))
    assert set(this_week) == {Protocol.PRE_EXHAUST, Protocol.TRADITIONAL}


def test_alternate_single_day_matches_its_week(planner: Planner) -> None:
    for week in range(4):
        week_plan = planner.plan("week", Protocol.ALTERNATE, week_index=week)
        for day in week_plan.days:
            assert planner.plan(day.day, Protocol.ALTERNATE, week_index=week).days[0].protocol is day.protocol
            assert day.protocol is alternate_protocol(day.day, week)


def test_dumbbells_substitute_same_mechanic_and_target(planner: Planner) -> None:
    day = planner.plan("lower", equipment="dumbbells").days[0]
    assert all(fits(i.exercise, "dumbbells") for i in day.items)
    replaced = {i.replaces.id: i.exercise for i in day.items if i.replaces}
    assert "leg_extension" in replaced
    assert "back_squat" in replaced
    for original_id, sub in replaced.items():
        original = next(s for s in planner._catalog.exercises if s.id == original_id)
        assert (sub.mechanic, sub.target) == (original.mechanic, original.target)


def test_missing_substitute_is_reported_not_dropped(planner: Planner) -> None:
    day = planner.plan("push", equipment="bodyweight").days[0]
    accounted = len(day.items) + len(day.missing)
    assert accounted == 6
    assert any("Lateral Raise" in gap.reason and "No bodyweight substitute" in gap.reason for gap in day.missing)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("legs",), "Unknown day 'legs'"),
        (("push", "reverse"), "Unknown protocol 'reverse'"),
        (("push", "pre-exhaust", "garage"), "Unknown equipment 'garage'"),
    ],
)
def test_bad_options_raise_plan_error(planner: Planner, args: tuple[str, ...], message: str) -> None:
    with pytest.raises(PlanError, match=message):
        planner.plan(*args)


@settings(max_examples=200, deadline=None)
@given(
    day=st.sampled_from(["lower", "push", "pull", "week"]),
    protocol=st.sampled_from(list(Protocol)),
    equipment=st.sampled_from(list(EQUIPMENT_PROFILES)),
    week=st.integers(min_value=0, max_value=60),
)
def test_order_rules_hold_everywhere(planner: Planner, day: str, protocol: Protocol, equipment: str, week: int) -> None:
    for plan_day in planner.plan(day, protocol, equipment, week_index=week).days:
        exercises = [i.exercise for i in plan_day.items]
        mechanics = [ex.mechanic.value for ex in exercises]
        if plan_day.protocol is Protocol.PRE_EXHAUST:
            # no compound precedes an isolation; least intense first within each group
            assert mechanics == sorted(mechanics, key=lambda m: m == "compound")
            for group in ("isolation", "compound"):
                ranks = [ex.intensity for ex in exercises if ex.mechanic.value == group]
                assert ranks == sorted(ranks)
        else:
            assert plan_day.protocol is Protocol.TRADITIONAL
            assert mechanics == sorted(mechanics, key=lambda m: m == "isolation")
        assert all(fits(ex, equipment) for ex in exercises)
        assert len({ex.id for ex in exercises}) == len(exercises)
        assert len(plan_day.items) + len(plan_day.missing) == len(planner._catalog.days[plan_day.day].slots)
        assert all(plan_day.day in ex.days for ex in exercises)


def test_a_substitute_keeps_the_slots_sets_and_reps(catalog: Catalog) -> None:
    day = Planner(catalog).plan_day("lower", Protocol.PRE_EXHAUST, "dumbbells")
    by = {i.exercise.id: (i.replaces.id if i.replaces else None, str(i.prescription)) for i in day.items}
    assert by["bulgarian_split_squat"] == ("back_squat", "4 × 6"), "the seed's 4 × 6 for the squat slot"
    assert by["dumbbell_leg_extension"] == ("leg_extension", "4 × 15–20")
    # A body-weight move that can't be loaded to the slot's reps keeps its own reps, at the slot's sets.
    bodyweight = Planner(catalog).plan_day("lower", Protocol.PRE_EXHAUST, "bodyweight")
    nordic = next(i for i in bodyweight.items if i.exercise.id == "nordic_hamstring_curl")
    assert str(nordic.prescription) == "4 × 4–8"


def test_a_day_without_isolation_says_so_instead_of_isolation_first(catalog: Catalog) -> None:
    day = Planner(catalog).plan_day("pull", Protocol.PRE_EXHAUST, "bodyweight")
    assert any(i.exercise.is_isolation for i in day.items), "towel curls give the bodyweight pull day isolation"
    assert day.why_this_order.startswith("Isolation work first")
    compounds_only = replace(day, items=tuple(i for i in day.items if i.exercise.is_compound))
    assert "No isolation exercise fits" in compounds_only.why_this_order
    assert "Isolation work first" not in compounds_only.why_this_order


def test_a_compound_whose_isolation_is_missing_is_said_to_go_in_fresh(catalog: Catalog) -> None:
    pull = Planner(catalog).plan_day("pull", Protocol.PRE_EXHAUST, "bodyweight")
    assert "nothing isolates the target of Pull-Up (lats)" in pull.why_this_order
    gym = Planner(catalog).plan_day("pull", Protocol.PRE_EXHAUST, "gym")
    assert "nothing isolates" not in gym.why_this_order
