"""Exercise names lifters really write: every name in the real Strong and Hevy exports, resolved by the one
resolver (``ExerciseIndex.match`` through ``from_app``), against hand labels fixed before any tuning.

Prints, per export file, the share of rows resolved to a catalog exercise, kept as the member's own, and
ambiguous; and, per half of the labels (tuning / held out, split by hash), how many names came out right,
missed (left the member's own though the catalog has them) and wrong (a catalog exercise that isn't the
one labelled). A wrong mapping mixes two lifts' histories and PRs, so none is allowed in either half.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from catalog import Catalog
from coach.exercise_search import ExerciseIndex, ResolvedExercise

REPO = Path(__file__).resolve().parents[2]
LABELS = Path(__file__).with_name("data") / "app_exercise_names.yaml"
SHARED_DIRS = [Path(os.environ["COACH_SHARED_DIR"])] if os.environ.get("COACH_SHARED_DIR") else []
EXPORT_DIRS = [d / "data" / "real-exports" for d in [*SHARED_DIRS, REPO.parent / "shared"]]
# Before any tuning: tuning half 90/117 right (25 missed, 2 wrong), held-out 82/109 (25 missed, 2 wrong).
# After tuning on the tuning half only, the first look at the held-out half: 99/109 right, 8 missed, 2 "wrong"
# (one an ambiguous name with more candidates than labelled, since counted right when the labelled ones are
# among them; one "Triceps Extension (Cable)", now asked about rather than guessed). docs/vocabulary.md has it.
MIN_RIGHT_SHARE = {"tuning": 0.98, "held-out": 0.9}


def half(name: str) -> str:
    """The label's half, by a rule fixed before tuning: odd first byte of sha256 → held out."""
    return "held-out" if hashlib.sha256(name.encode()).digest()[0] % 2 else "tuning"


def outcome(resolved: ResolvedExercise, label: Any) -> str:
    """right / missed / wrong for one resolution against its label."""
    got = resolved.exercise.id if resolved.exercise is not None else None
    if isinstance(label, str):
        if got == label:
            return "right"
        return "missed" if got is None else "wrong"
    if "ambiguous" in label:
        if got is not None:
            return "wrong"
        return "right" if set(label["ambiguous"]) <= {ex.id for ex in resolved.candidates} else "missed"
    return "right" if got is None and not resolved.candidates else ("wrong" if got is not None else "right")


@pytest.fixture(scope="module")
def labels() -> dict[str, Any]:
    return dict(yaml.safe_load(LABELS.read_text(encoding="utf-8"))["names"])


@pytest.fixture(scope="module")
def index(catalog: Catalog) -> ExerciseIndex:
    return ExerciseIndex(catalog)


def export_names(path: Path) -> Counter[str]:
    """Rows per exercise name in one export (Strong or Hevy, comma- or semicolon-separated)."""
    text = path.read_text(encoding="utf-8-sig")
    header = text.split("\n", 1)[0]
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";" if header.count(";") > header.count(",") else ","))
    column = "Exercise Name" if "Exercise Name" in rows[0] else "exercise_title"
    return Counter(row[column] for row in rows if row[column].strip())


def test_every_label_half_is_right_and_none_is_wrong(
    labels: dict[str, Any], index: ExerciseIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    tally: dict[str, Counter[str]] = {"tuning": Counter(), "held-out": Counter()}
    wrong: list[str] = []
    for name, label in labels.items():
        result = outcome(index.from_app(name), label)
        tally[half(name)][result] += 1
        if result == "wrong":
            wrong.append(f"{name!r} → {index.from_app(name).key} (labelled {label})")
    with capsys.disabled():
        print("\nreal-export exercise names, by label half:")
        for name, counts in tally.items():
            total = sum(counts.values())
            print(
                f"  {name:8} {total:3} names: right {counts['right']} ({counts['right'] / total:.0%}), "
                f"missed {counts['missed']}, wrong {counts['wrong']}"
            )
    assert not wrong, "names resolved to the wrong exercise: " + "; ".join(wrong)
    for name, counts in tally.items():
        assert counts["right"] / sum(counts.values()) >= MIN_RIGHT_SHARE[name], (name, counts)


def test_each_real_export_reports_its_shares(
    labels: dict[str, Any], index: ExerciseIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = next((d for d in EXPORT_DIRS if d.is_dir()), None)
    if folder is None:
        if os.environ.get("CI"):
            pytest.fail("../shared/data/real-exports not found beside the checkout; CI must have it")
        pytest.skip("real exports not found: put shared/ beside the checkout or set COACH_SHARED_DIR")
    files = sorted(folder.glob("*.csv"))
    assert len(files) >= 8
    lines = []
    for path in files:
        names = export_names(path)
        shares: Counter[str] = Counter()
        for name, rows in names.items():
            assert name in labels, f"{name!r} in {path.name} has no label: add one to {LABELS.name}"
            resolved = index.from_app(name)
            kind = "catalog" if resolved.exercise else ("ambiguous" if resolved.candidates else "own")
            shares[kind] += rows
        total = sum(shares.values())
        lines.append(
            f"  {path.name[:58]:58} {total:5} rows: catalog {shares['catalog'] / total:4.0%}, "
            f"own {shares['own'] / total:4.0%}, ambiguous {shares['ambiguous'] / total:4.0%}"
        )
    with capsys.disabled():
        print("\nreal exports, share of rows by how their exercise resolved:")
        print("\n".join(lines))


# The cases the issues name: each must resolve to exactly this (None: the member's own).
NAMED = {
    "Seated Row (Machine)": "machine_row",
    "Seated Row (Cable)": "seated_row",
    "Triceps Extension (Dumbbell)": "overhead_tricep_extension",
    "Chest Fly (Machine)": "pec_deck_fly",
    "Chest Fly (Dumbbell)": "dumbbell_fly",
    "Chest Fly (Band)": None,
    "Chest Fly (Cable)": "cable_crossover",
    "Squat (Dumbbell)": None,
    "Triceps Rope Pushdown": "tricep_extension",
    "Incline Bench Press (Dumbbell)": "incline_dumbbell_press",
    "Bicep Curl (Barbell)": "barbell_curl",
    "Seated Cable Row - V Grip (Cable)": "seated_row",
    "EZ Bar Biceps Curl": "ez_bar_curl",
    "Pull Up (Weighted)": "pull_up",
    "Pull Up (Assisted)": "assisted_pull_up",
    "Butterfly (Pec Deck)": "pec_deck_fly",
    "Iso-Lateral Row (Machine)": "machine_row",
    "Seated Shoulder Press (Machine)": "shoulder_press",
    "Rear Delt Reverse Fly (Machine)": "reverse_pec_deck",
    "Bench Press - Close Grip (Barbell)": "close_grip_bench_press",
    "Chin Ups (Cable)": None,
}


@pytest.mark.parametrize(("name", "expected"), NAMED.items())
def test_named_app_names(index: ExerciseIndex, name: str, expected: str | None) -> None:
    resolved = index.from_app(name)
    assert (resolved.exercise.id if resolved.exercise else None) == expected


@pytest.mark.parametrize("name", ["Cable Kickback", "Chest Fly", "Triceps Extension", "Triceps Extension (Cable)"])
def test_ambiguous_app_names_stay_the_members_own_with_candidates(index: ExerciseIndex, name: str) -> None:
    resolved = index.from_app(name)
    assert resolved.exercise is None
    assert len(resolved.candidates) >= 2
