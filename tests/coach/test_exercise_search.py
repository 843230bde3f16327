"""Fuzzy exercise search over the real catalog: typos, aliases, recency, the explicit custom choice."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import Catalog, load_catalog
from coach.errors import AmbiguousExerciseError, UnknownExerciseError
from coach.exercise_search import (
    MAX_CHOICES,
    ExerciseIndex,
    RecentExercise,
    custom_key,
    search,
    suggest,
)


@pytest.fixture(scope="module")
def index() -> ExerciseIndex:
    return ExerciseIndex(load_catalog())


@pytest.mark.parametrize(
    ("query", "expected_id"),
    [
        ("bench press", "bench_press"),
        ("Bench", "bench_press"),
        ("bench pres", "bench_press"),
        ("bnech press", "bench_press"),
        ("rdl", "romanian_deadlift"),
        ("skullcrusher", "lying_triceps_extension"),
        ("skulcrusher", "lying_triceps_extension"),
        ("lat pulldwn", "lat_pulldown"),
        ("leg extention", "leg_extension"),
        ("ohp", "overhead_press"),
        ("pec dec", "pec_deck_fly"),
        ("squat", "back_squat"),
    ],
)
def test_finds_names_aliases_and_typos(index: ExerciseIndex, query: str, expected_id: str) -> None:
    values = [c.value for c in index.search(query)[:5]]
    assert expected_id in values, values


def test_exact_match_comes_first(index: ExerciseIndex) -> None:
    assert index.search("Leg Press")[0].value == "leg_press"
    assert index.search("deadlift")[0].value == "deadlift"


def test_at_most_25_choices(index: ExerciseIndex) -> None:
    for query in ("", "e", "curl", "press"):
        choices = index.search(query)
        assert 0 < len(choices) <= MAX_CHOICES
        assert len({c.value for c in choices}) == len(choices)
    assert len(index.search("curl", limit=5)) == 5


def test_recent_exercises_come_first(index: ExerciseIndex) -> None:
    recent = [
        RecentExercise("incline_dumbbell_curl", "Incline Dumbbell Curl"),
        RecentExercise(custom_key("Zercher Squat"), "Zercher Squat"),
    ]
    empty = index.search("", recent)
    assert [c.value for c in empty[:2]] == ["incline_dumbbell_curl", "custom:Zercher Squat"]
    typed = index.search("curl", recent)
    assert typed[0].value == "incline_dumbbell_curl"
    squat = index.search("zerch", recent)
    assert squat[0].value == "custom:Zercher Squat"
    # A recent exercise that doesn't match what's typed isn't forced in.
    assert "incline_dumbbell_curl" not in [c.value for c in index.search("bench", recent)]


def test_recent_exercises_removed_from_the_catalog_are_dropped(index: ExerciseIndex) -> None:
    choices = index.search("", [RecentExercise("gone_exercise", "Gone")])
    assert "gone_exercise" not in [c.value for c in choices]


def test_unknown_names_get_an_explicit_custom_choice(index: ExerciseIndex) -> None:
    choices = index.search("Zercher squat")
    assert choices[-1].value == "custom:Zercher squat"
    assert choices[-1].label == "Custom: Zercher squat"
    assert choices[-1].is_custom
    assert len(index.search("Zercher squat", limit=25)) <= 25
    # An exact catalog name needs no custom option.
    assert not any(c.is_custom for c in index.search("Bench Press"))


def test_custom_names_are_trimmed_to_fit_discord(index: ExerciseIndex) -> None:
    choice = index.search("x" * 300)[-1]
    assert choice.is_custom
    assert len(choice.value) <= 100
    assert len(choice.label) <= 100


def test_suggest_did_you_mean(index: ExerciseIndex) -> None:
    assert "Bench Press" in index.suggest("benchh press")
    assert "Romanian Deadlift" in index.suggest("romanain deadlift")
    assert index.suggest("") == []
    assert index.suggest("qqqqqqqq") == []
    assert len(index.suggest("curl", n=3)) <= 3


def test_module_level_helpers(catalog_for_helpers: Catalog) -> None:
    assert search(catalog_for_helpers, "bench")[0].value.startswith("bench")
    assert "Bench Press" in suggest(catalog_for_helpers, "bnch press")


@pytest.fixture(scope="module")
def catalog_for_helpers() -> Catalog:
    return load_catalog()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_input_gives_valid_choices(query: str) -> None:
    choices = _INDEX.search(query)
    assert len(choices) <= MAX_CHOICES
    assert all(0 < len(c.value) <= 100 and 0 < len(c.label) <= 100 for c in choices)


_INDEX = ExerciseIndex(load_catalog())


# Gym shorthand members type, each with the exercise a gym means by it far more often than any other.
SHORTHAND = {
    "bench": "bench_press", "squat": "back_squat", "deadlift": "deadlift", "OHP": "overhead_press",
    "pulldown": "lat_pulldown", "skulls": "lying_triceps_extension", "skull crushers": "lying_triceps_extension",
    "flyes": "dumbbell_fly", "flys": "dumbbell_fly", "pec deck": "pec_deck_fly", "RDL": "romanian_deadlift",
    "SLDL": "romanian_deadlift", "hammers": "hammer_curl", "pushdown": "tricep_extension",
    "pull-ups": "pull_up", "chin-ups": "chin_up", "dips": "dip", "hip thrusts": "hip_thrust",
    "lunges": "bodyweight_walking_lunge", "leg ext": "leg_extension", "ham curls": "leg_curl",
    "standing leg curls": None, "Hip Thrusts": "hip_thrust", "assisted pull-ups": "assisted_pull_up",
}  # fmt: skip


@pytest.mark.parametrize(("typed", "expected"), SHORTHAND.items())
def test_gym_shorthand_resolves(catalog: Catalog, typed: str, expected: str | None) -> None:
    index = ExerciseIndex(catalog)
    if expected is None:
        with pytest.raises(UnknownExerciseError):
            index.resolve(typed)
        return
    assert index.resolve(typed).key == expected


@pytest.mark.parametrize("typed", ["cable kickback", "kickbacks", "chest fly", "tricep extension", "row"])
def test_ambiguous_words_ask_which(catalog: Catalog, typed: str) -> None:
    with pytest.raises(AmbiguousExerciseError) as raised:
        ExerciseIndex(catalog).resolve(typed)
    assert len(raised.value.choices) >= 2
    assert "which one" in raised.value.message
    # Chosen explicitly as the member's own, the same words are logged as such.
    assert ExerciseIndex(catalog).resolve(f"custom:{typed}").exercise is None
