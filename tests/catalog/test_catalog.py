"""The real catalog files load, are complete, and reproduce the seed's sample week."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from catalog import DAYS, Catalog, CatalogError, Mechanic, load_catalog
from catalog.loader import DAYS_FILE, EXERCISES_FILE

# The seed's "Tricep extension" (before the overhead one) is the cable pushdown, shown by that name.
SEED_DAYS = {
    "lower": ["Leg Extension", "Leg Curl", "Hip Thrust", "Romanian Deadlift", "Back Squat"],
    "push": [
        "Triceps Pushdown", "Overhead Tricep Extension", "Front Raise", "Lateral Raise",
        "Shoulder Press", "Dumbbell Bench Press",
    ],
    "pull": ["Hammer Curl", "Bicep Curl", "Zottman Curl", "Straight-Arm Pushdown", "Lat Pulldown", "Bent-Over Row"],
}  # fmt: skip

# Exercises the evidence summary and studies name, as members would type them.
EVIDENCE_EXERCISES = [
    "pec deck fly", "dumbbell fly", "bench press", "leg press", "seated row", "pullover",
    "chest press", "knee extension", "incline dumbbell fly", "skullcrusher", "RDL", "straight arm pushdown",
]  # fmt: skip


def test_catalog_is_large_and_covers_every_day(catalog: Catalog) -> None:
    assert len(catalog.exercises) >= 60
    for day in DAYS:
        on_day = catalog.for_day(day)
        assert sum(ex.is_isolation for ex in on_day) >= 8, day
        assert sum(ex.is_compound for ex in on_day) >= 5, day


@pytest.mark.parametrize("name", EVIDENCE_EXERCISES)
def test_evidence_and_alias_names_resolve(catalog: Catalog, name: str) -> None:
    assert catalog.find(name) is not None, f"{name!r} is not a catalog name or alias"


def test_template_days_are_the_seed_week(catalog: Catalog) -> None:
    for day, names in SEED_DAYS.items():
        assert [catalog.get(slot.exercise_id).name for slot in catalog.days[day].slots] == names
    lower = {catalog.get(s.exercise_id).name: s.prescription for s in catalog.days["lower"].slots}
    assert [str(lower[n]) for n in SEED_DAYS["lower"]] == ["4 × 15–20", "4 × 15–20", "4 × 10–12", "4 × 8–10", "4 × 6"]


def test_every_exercise_is_well_formed(catalog: Catalog) -> None:
    for ex in catalog.exercises:
        assert ex.primary, ex.id
        assert ex.days, ex.id
        assert ex.equipment, ex.id
        assert ex.joints, ex.id
        assert ex.prescription.sets >= 1
        for sub_id in ex.substitutes:
            sub = catalog.get(sub_id)
            assert (sub.mechanic, sub.target) == (ex.mechanic, ex.target), (ex.id, sub_id)


def test_hip_thrust_is_isolation_by_decision(catalog: Catalog) -> None:
    hip_thrust = catalog.get("hip_thrust")
    assert hip_thrust.mechanic is Mechanic.ISOLATION
    assert hip_thrust.mechanic_disagreement


# --- loud validation -----------------------------------------------------------------------------


def _write(tmp_path: Path, exercises: list[dict], days: dict | None = None) -> tuple[Path, Path]:
    ex_path = tmp_path / "exercises.yaml"
    days_path = tmp_path / "days.yaml"
    ex_path.write_text(yaml.safe_dump({"exercises": exercises}))
    days_path.write_text(yaml.safe_dump(days or yaml.safe_load(DAYS_FILE.read_text())))
    return ex_path, days_path


def _real_entries() -> list[dict]:
    return yaml.safe_load(EXERCISES_FILE.read_text())["exercises"]


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("mechanic", "hybrid", "expected isolation or compound"),
        ("primary", ["pecs"], "unknown value"),
        ("primary", [], "must not be empty"),
        ("equipment", ["rope", "dumbbell"], "unknown value"),
        ("days", ["legs"], "unknown value"),
        ("intensity", "high", "expected int"),
        ("intensity", 0, "expected 1 to 100"),
        ("prescription", {"sets": 0, "reps": [8, 12]}, "expected an integer from 1 to 10"),
        ("prescription", {"sets": 3, "reps": [12, 8]}, "low <= high"),
        ("substitutes", ["no_such_exercise"], "unknown exercise id"),
        ("joints", ["knee", "hip"], "isolation exercise moves one joint"),
        ("aliases", "RDL", "expected a list"),
        ("colour", "red", "unknown field"),
    ],
)
def test_bad_entry_fails_naming_file_entry_and_field(tmp_path: Path, field: str, value: object, problem: str) -> None:
    entries = _real_entries()
    target = next(i for i, e in enumerate(entries) if e["id"] == "leg_extension")
    entries[target][field] = value
    ex_path, days_path = _write(tmp_path, entries)
    with pytest.raises(CatalogError) as info:
        load_catalog(ex_path, days_path)
    message = str(info.value)
    assert str(ex_path) in message
    assert "leg_extension" in message
    assert f"'{field}" in message
    assert problem in message


def test_missing_field_and_duplicate_alias_are_named(tmp_path: Path) -> None:
    entries = _real_entries()
    del entries[0]["intensity"]
    with pytest.raises(CatalogError, match=r"field 'intensity': is missing"):
        load_catalog(*_write(tmp_path, entries))
    entries = _real_entries()
    entries[1]["aliases"] = [*entries[1]["aliases"], entries[0]["name"]]
    with pytest.raises(CatalogError, match="already a name or alias"):
        load_catalog(*_write(tmp_path, entries))


def test_day_template_with_unknown_exercise_fails(tmp_path: Path) -> None:
    days = yaml.safe_load(DAYS_FILE.read_text())
    days["days"]["push"][0]["exercise"] = "bench_pressss"
    ex_path, days_path = _write(tmp_path, _real_entries(), days)
    with pytest.raises(CatalogError, match=r"push #0, field 'exercise': unknown exercise id"):
        load_catalog(ex_path, days_path)


def test_unreadable_yaml_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "exercises.yaml"
    bad.write_text("exercises: [unclosed")
    with pytest.raises(CatalogError, match="invalid YAML") as info:
        load_catalog(bad, DAYS_FILE)
    assert str(bad) in str(info.value)


def test_per_hand_only_where_each_hand_holds_a_dumbbell(catalog: Catalog) -> None:
    assert catalog.get("dumbbell_bench_press").per_hand
    assert catalog.get("lateral_raise").per_hand
    assert not catalog.get("overhead_tricep_extension").per_hand, "one dumbbell, two hands"
    assert not catalog.get("goblet_squat").per_hand
    assert not catalog.get("dumbbell_pullover").per_hand


def test_load_kinds(catalog: Catalog) -> None:
    assert catalog.get("back_squat").load.value == "external"
    assert (catalog.get("pull_up").load.value, catalog.get("pull_up").bodyweight_share) == ("weighted_bodyweight", 1.0)
    assert catalog.get("assisted_pull_up").load.value == "assisted"
    assert catalog.get("push_up").load.value == "bodyweight"
    # Every exercise without loading equipment has the body as its load.
    for ex in catalog.exercises:
        if ex.equipment == ("bodyweight",):
            assert ex.uses_bodyweight, ex.id
