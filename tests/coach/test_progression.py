"""Double progression: worked examples plus properties that must hold for any history."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog import Catalog
from coach.progression import (
    LOAD_RULES,
    LastSet,
    LoadKind,
    exercise_load_kind,
    floor_weight,
    increment,
    load_kind,
    next_target,
    starting_load,
)

# Kinds that get heavier by adding load (assisted lifts take assistance off: their own test below).
KINDS: list[LoadKind] = [k for k in LOAD_RULES if k != "assisted"]


def sets(*pairs: tuple[float, int]) -> list[LastSet]:
    return [LastSet(w, r) for w, r in pairs]


# ------------------------------------------------------------------------------------------ examples


def test_adds_a_rep_per_set_until_the_top_of_the_range() -> None:
    target = next_target(
        sets((100, 8), (100, 8), (100, 7), (100, 6)), sets=4, reps_low=6, reps_high=10, kind="barbell", unit="kg"
    )
    assert target.action == "add_reps"
    assert target.weight == 100
    assert target.reps == (9, 9, 8, 7)
    assert target.summary() == "100 kg × 9, 9, 8, 7"
    assert "same load" in target.reason()


def test_adds_the_smallest_step_when_every_set_reached_the_top() -> None:
    target = next_target(
        sets((100, 10), (100, 10), (100, 10), (100, 11)), sets=4, reps_low=6, reps_high=10, kind="barbell", unit="kg"
    )
    assert target.action == "add_load"
    assert target.weight == 102.5
    assert target.reps == (6, 6, 6, 6)
    assert "add 2.5 kg" in target.reason()


def test_a_missing_set_means_not_yet() -> None:
    target = next_target(
        sets((100, 10), (100, 10), (100, 10)), sets=4, reps_low=6, reps_high=10, kind="barbell", unit="kg"
    )
    assert target.action == "add_reps"
    assert target.weight == 100
    assert target.reps == (10, 10, 10, 6)


def test_a_fixed_rep_count_needs_every_set_first() -> None:
    target = next_target(sets((100, 6)), sets=4, reps_low=6, reps_high=6, kind="barbell", unit="kg")
    assert target.summary() == "100 kg × 6, 6, 6, 6"
    assert target.reason() == "same load: all 4 sets of 6 before adding weight"


def test_pounds_step_in_pounds() -> None:
    target = next_target(sets((225, 8), (225, 8)), sets=2, reps_low=6, reps_high=8, kind="barbell", unit="lb")
    assert (target.weight, target.summary()) == (230, "230 lb × 6, 6")
    dumbbells = next_target(
        sets((50, 15), (50, 15), (50, 15)), sets=3, reps_low=12, reps_high=15, kind="dumbbell", unit="lb",
        per_hand=True,
    )  # fmt: skip
    assert dumbbells.weight == 55
    assert "per hand" in dumbbells.summary()
    # One dumbbell held in both hands (the overhead extension): no "per hand".
    one = next_target(
        sets(
            (30, 15),
        )
        * 3,
        sets=3,
        reps_low=12,
        reps_high=15,
        kind="dumbbell",
        unit="lb",
    )
    assert one.summary() == "35 lb × 12, 12, 12"
    cable = next_target(
        sets(
            (40, 15),
        )
        * 3,
        sets=3,
        reps_low=12,
        reps_high=15,
        kind="cable",
        unit="kg",
    )
    assert cable.weight == 45


def test_only_sets_at_the_top_load_count() -> None:
    # A back-off set at a lighter load doesn't hold back the increase, nor count towards it.
    target = next_target(sets((100, 6), (100, 6), (90, 4)), sets=2, reps_low=4, reps_high=6, kind="barbell", unit="kg")
    assert target.action == "add_load"
    assert target.weight == 102.5


def test_bands_move_to_a_stronger_band() -> None:
    target = next_target(sets((0, 15), (0, 15), (0, 15)), sets=3, reps_low=12, reps_high=15, kind="band", unit="kg")
    assert target.action == "stronger_band"
    assert target.weight == 0
    assert target.reps == (12, 12, 12)
    assert "stronger band" in target.reason()


def test_never_below_the_empty_bar() -> None:
    target = next_target(sets((15, 5)), sets=3, reps_low=5, reps_high=8, kind="barbell", unit="kg")
    assert target.weight == 20
    assert "empty bar" in target.reason()


def test_load_kind_prefers_the_loaded_equipment() -> None:
    assert load_kind(["barbell", "bench"]) == "barbell"
    assert load_kind(["dumbbell", "bench"]) == "dumbbell"
    assert load_kind(["pullup_bar"]) == "bodyweight"
    assert load_kind(["bodyweight"]) == "bodyweight"
    assert load_kind(["smith_machine", "bench"]) == "smith_machine"


def test_starting_load_rounds_down_to_the_step() -> None:
    assert starting_load(100, 0.9, kind="barbell", unit="kg") == 90
    assert starting_load(225, 0.9, kind="barbell", unit="lb") == 200
    assert starting_load(21, 0.9, kind="barbell", unit="kg") == 20  # the bar
    assert starting_load(23, 0.9, kind="dumbbell", unit="kg") == 20


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one set"):
        next_target([], sets=3, reps_low=6, reps_high=10, kind="barbell", unit="kg")
    with pytest.raises(ValueError, match="reps_low <= reps_high"):
        next_target(sets((100, 5)), sets=3, reps_low=10, reps_high=6, kind="barbell", unit="kg")
    with pytest.raises(ValueError, match="fraction"):
        starting_load(100, 1.5, kind="barbell", unit="kg")


# ------------------------------------------------------------------------------------------ properties

weights = st.floats(min_value=0, max_value=500, allow_nan=False).map(lambda w: round(w * 4) / 4)
histories = st.lists(st.builds(LastSet, weights, st.integers(min_value=1, max_value=30)), min_size=1, max_size=8)


@st.composite
def prescriptions(draw: st.DrawFn) -> tuple[int, int, int]:
    low = draw(st.integers(min_value=1, max_value=20))
    return draw(st.integers(min_value=1, max_value=6)), low, draw(st.integers(min_value=low, max_value=30))


@given(histories, prescriptions(), st.sampled_from(KINDS), st.sampled_from(["kg", "lb"]))
def test_progression_properties(last: list[LastSet], rx: tuple[int, int, int], kind: LoadKind, unit: str) -> None:
    n, low, high = rx
    target = next_target(last, sets=n, reps_low=low, reps_high=high, kind=kind, unit=unit)  # type: ignore[arg-type]
    top = max(s.weight for s in last)
    floor = floor_weight(kind, unit)  # type: ignore[arg-type]
    at_top = [s.reps for s in last if abs(s.weight - top) < 0.01][:n]
    every_set_at_top = len(at_top) >= n and all(r >= high for r in at_top)

    # Never below zero, never below the empty bar.
    assert target.weight >= 0
    assert target.weight >= floor
    # One target per prescribed set, always inside the range.
    assert len(target.reps) == n
    assert all(low <= r <= high for r in target.reps)
    if not every_set_at_top:
        # No load increase before every set reached the top (beyond lifting a too-light bar to the bar).
        assert target.action == "add_reps"
        assert target.weight == pytest.approx(max(top, floor))
        # Reps never go down on sets that were done.
        assert all(t >= min(r, high) for t, r in zip(target.reps, at_top, strict=False))
    else:
        step = increment(kind, unit)  # type: ignore[arg-type]
        if step is None:
            assert target.action == "stronger_band"
            assert target.weight == pytest.approx(top)
        else:
            # Exactly one step in the member's own unit (2.5 kg, 5 lb, …), back to the bottom of the range.
            assert target.action == "add_load"
            assert target.weight == pytest.approx(max(top + step, floor))
            assert target.reps == (low,) * n


@given(weights, st.floats(min_value=0.5, max_value=1.0), st.sampled_from(KINDS), st.sampled_from(["kg", "lb"]))
def test_starting_load_properties(reference: float, fraction: float, kind: LoadKind, unit: str) -> None:
    start = starting_load(reference, fraction, kind=kind, unit=unit)  # type: ignore[arg-type]
    floor = floor_weight(kind, unit)  # type: ignore[arg-type]
    step = increment(kind, unit)  # type: ignore[arg-type]
    assert start >= floor
    assert start >= 0
    assert start <= max(reference, floor) + 1e-9
    if step is not None and start > floor:
        assert (start / step) == pytest.approx(round(start / step))


def test_assisted_lifts_progress_by_taking_assistance_off() -> None:
    target = next_target(
        sets((30, 10), (30, 10), (30, 10)), sets=3, reps_low=6, reps_high=10, kind="assisted", unit="kg"
    )
    assert target.weight == 25
    assert "take 5 kg off the assistance" in target.reason()
    assert starting_load(30, 0.9, kind="assisted", unit="kg") == 35, "lighter means more assistance"


def test_each_exercise_progresses_by_its_own_load_kind(catalog: Catalog) -> None:
    assert exercise_load_kind(catalog.get("assisted_pull_up")) == "assisted"
    assert exercise_load_kind(catalog.get("pull_up")) == "bodyweight"
    assert exercise_load_kind(catalog.get("back_extension")) == "bodyweight"
    assert exercise_load_kind(catalog.get("back_squat")) == "barbell"


def test_a_body_weight_target_reads_as_body_weight() -> None:
    target = next_target(sets((0, 8), (0, 8), (0, 7)), sets=3, reps_low=6, reps_high=10, kind="bodyweight", unit="kg")
    assert target.summary() == "body weight × 9, 9, 8"
