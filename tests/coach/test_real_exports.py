"""Every real Strong and Hevy export in ../shared/data/real-exports/, and the formats its README describes
but doesn't include, read by the import parser: rows, skips, kinds, the unit decided, dates, names.

The expected figures were read off the files (checked by hand: e.g. 162 `W` warm-ups in the ys-math file,
94 `warmup` rows in the Si2-Aung file). Each file is read with a pound default: a file that says (or shows)
kilograms must come out in kg whatever the member's own unit.
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from catalog import Catalog
from coach.exercise_search import ExerciseIndex
from coach.import_parsing import infer_unit, parse_date, parse_duration, parse_export

REPO = Path(__file__).resolve().parents[2]
SHARED_DIRS = [Path(os.environ["COACH_SHARED_DIR"])] if os.environ.get("COACH_SHARED_DIR") else []
EXPORTS = next((d / "data" / "real-exports" for d in [*SHARED_DIRS, REPO.parent / "shared"] if d.is_dir()), None)
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)

# file, app, rows in file, valid, skipped (no reps), rejected, kinds, unit, where the unit came from,
# first and last date, share of valid rows resolved to a catalog exercise
FILES = [
    ("FelipeRuizM+hevy-visualizer__public_workout_data.csv", "hevy", 567, 560, 1, 6,
     {"working": 492, "warmup": 47, "drop": 11, "failure": 10}, "kg", "file", "2025-07-08", "2026-04-08", 0.85),
    ("LinusJacobsson+Strong-Data-Visualization__strong.csv", "strong", 507, 507, 0, 0,
     {"working": 507}, "kg", "inferred", "2022-07-28", "2023-01-28", 0.79),
    ("MiroslavCsonka+strong-workout-analysis__data_strong.csv", "strong", 2995, 2958, 35, 2,
     {"working": 2958}, "kg", "inferred", "2017-05-12", "2019-07-12", 0.73),
    ("PabloSGomez50+api_hevy_data__data_workouts.csv", "hevy", 1155, 1145, 10, 0,
     {"working": 1145}, "kg", "file", "2023-03-27", "2023-12-28", 0.80),
    ("Si2-Aung+Hevy_project__workouts.csv", "hevy", 3430, 3401, 29, 0,
     {"working": 3299, "warmup": 94, "failure": 8}, "kg", "file", "2021-07-23", "2024-04-07", 0.86),
    ("andrewgrinko+strongcharts__strong.csv", "strong", 208, 198, 10, 0,
     {"working": 198}, "kg", "inferred", "2019-12-02", "2019-12-16", 1.00),
    ("dubbe+training_coach__strong_export.csv", "strong", 300, 284, 15, 1,
     {"working": 284}, "kg", "inferred", "2024-12-22", "2025-12-18", 0.75),
    ("ys-math+strength-training__strong_workouts.csv", "strong", 666, 666, 0, 0,
     {"working": 504, "warmup": 162}, "kg", "inferred", "2026-04-24", "2026-07-22", 0.95),
]  # fmt: skip


def shared(name: str) -> bytes:
    """One shared export's bytes (skipped outside CI when ../shared isn't beside the checkout)."""
    if EXPORTS is None:
        if os.environ.get("CI"):
            pytest.fail("../shared/data/real-exports not found beside the checkout; CI must have it")
        pytest.skip("real exports not found: put shared/ beside the checkout or set COACH_SHARED_DIR")
    return (EXPORTS / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "app", "total", "valid", "skipped", "rejected", "kinds", "unit", "how", "first", "last", "resolved"),
    FILES,
    ids=[f[0].split("+")[0] for f in FILES],
)
def test_each_real_export(
    catalog: Catalog,
    name: str,
    app: str,
    total: int,
    valid: int,
    skipped: int,
    rejected: int,
    kinds: dict[str, int],
    unit: str,
    how: str,
    first: str,
    last: str,
    resolved: float,
) -> None:
    parsed = parse_export(shared(name), ExerciseIndex(catalog), default_unit="lb", now=NOW)
    assert (parsed.source, parsed.total, len(parsed.rows), parsed.skipped) == (app, total, valid, skipped)
    assert len(parsed.rejected) == rejected, parsed.rejected
    assert dict(Counter(r.kind for r in parsed.rows)) == kinds
    assert (parsed.unit, parsed.unit_source) == (unit, how)
    assert all(r.weight_unit == "kg" for r in parsed.rows)
    dates = [r.performed_at for r in parsed.rows]
    assert (f"{min(dates):%Y-%m-%d}", f"{max(dates):%Y-%m-%d}") == (first, last)
    share = sum(1 for r in parsed.rows if r.exercise.exercise is not None) / len(parsed.rows)
    assert share == pytest.approx(resolved, abs=0.005)
    # Each set lies inside its own workout: from the start the file gives to start + the workout's duration
    # (Strong's Duration, Hevy's end time; none: all at the start) — never spread across hours.
    windows = _workout_windows(shared(name))
    for row in parsed.rows:
        begins, ends = windows[row.line]
        assert begins <= row.performed_at <= ends + timedelta(seconds=1), (row.line, row.performed_at, ends)


def _workout_windows(data: bytes) -> dict[int, tuple[datetime, datetime]]:
    """Each data line's workout as (start, end), read straight from the file."""
    text = data.decode("utf-8-sig")
    header = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if header.count(";") > header.count(",") else ",")
    windows: dict[int, tuple[datetime, datetime]] = {}
    for row in reader:
        start = parse_date(row.get("Date") or row.get("start_time") or "")
        if start is None:
            continue
        end = parse_date(row.get("end_time") or "")
        duration = parse_duration(row.get("Duration") or "") or (end - start if end is not None else timedelta(0))
        windows[reader.line_num] = (start, start + duration)
    return windows


def test_unit_inference_on_every_shared_file(catalog: Catalog) -> None:
    """Each file read without its unit says kg (they are all kilogram lifters'); a pound lifter's version of
    the same training (the weights in lb, rounded to 5 lb as plates make them) never says kg."""
    for name, *_ in FILES:
        parsed = parse_export(shared(name), ExerciseIndex(catalog), default_unit="lb", now=NOW)
        weights = [r.weight_value for r in parsed.rows]
        assert infer_unit(weights) == "kg", name
        pounds = [round(w * 2.20462 / 5) * 5 for w in weights]
        assert infer_unit(pounds) in ("lb", None), name


# ----------------------------------------------------------------- the formats the shared README describes

NEWEST_STRONG = (
    '"Workout #";"Date";"Workout Name";"Duration (sec)";"Exercise Name";"Set Order";"Weight (kg)";"Reps";"RPE";'
    '"Distance (meters)";"Seconds";"Notes";"Workout Notes"\n'
    '"1";"2020-01-20 11:43:41";"Hypertrophy 1";"3324";"Push Up";"1";"65.181223569";"8";"";"";"";"";"8 rep"\n'
    '"1";"2020-01-20 11:43:41";"Hypertrophy 1";"3324";"Bench Press (Barbell)";"WARM_UP";"40";"10";"";"";"";"";""\n'
    '"1";"2020-01-20 11:43:41";"Hypertrophy 1";"3324";"Bench Press (Barbell)";"1";"80";"8";"8";"";"";"";""\n'
    '"1";"2020-01-20 11:43:41";"Hypertrophy 1";"3324";"Bench Press (Barbell)";"DROP_SET";"60";"10";"";"";"";"";""\n'
    '"1";"2020-01-20 11:43:41";"Hypertrophy 1";"3324";"Bench Press (Barbell)";"FAILURE";"80";"5";"";"";"";"";""\n'
)


def test_the_newest_strong_export(catalog: Catalog) -> None:
    parsed = parse_export(NEWEST_STRONG.encode(), ExerciseIndex(catalog), default_unit="lb", now=NOW)
    assert (parsed.source, parsed.unit, parsed.unit_source) == ("strong", "kg", "file")
    rows = parsed.rows
    assert [r.kind for r in rows] == ["working", "warmup", "working", "drop", "failure"]
    # "Duration (sec)" is seconds: 3324 s over 5 sets, all inside 11:43–12:39, not until 21:13.
    assert rows[-1].performed_at - rows[0].performed_at < timedelta(seconds=3324)
    # Push-ups "at 65.2 kg" are the member's body weight, not 65 kg added.
    push = rows[0]
    assert (push.exercise.key, push.weight_kg, push.bodyweight_kg) == ("push_up", 0.0, pytest.approx(65.181223569))


HEVY_US = (
    "title,start_time,end_time,description,exercise_title,superset_id,exercise_notes,set_index,set_type,"
    "weight_lbs,reps,distance_miles,duration_seconds,rpe\n"
    '"Push","Jun 11, 2026, 1:01 PM","Jun 11, 2026, 2:05 PM","","Bench Press (Barbell)",,"",0,"warmup",95,10,,,\n'
    '"Push","Jun 11, 2026, 1:01 PM","Jun 11, 2026, 2:05 PM","","Bench Press (Barbell)",,"",1,"normal",185,8,,,8\n'
    '"Push","Jun 11, 2026, 1:01 PM","Jun 11, 2026, 2:05 PM","","Bench Press (Barbell)",,"",2,"dropset",135,12,,,\n'
    '"Push","Jun 11, 2026, 1:01 PM","Jun 11, 2026, 2:05 PM","","Triceps Rope Pushdown",,"",0,"failure",50,15,,,\n'
)


def test_hevy_with_us_dates_and_pounds(catalog: Catalog) -> None:
    assert parse_date("Jun 11, 2026, 1:01 PM") == datetime(2026, 6, 11, 13, 1, tzinfo=UTC)
    parsed = parse_export(HEVY_US.encode(), ExerciseIndex(catalog), default_unit="kg", now=NOW)
    assert not parsed.rejected
    assert (parsed.unit, parsed.unit_source) == ("lb", "file")
    assert [(r.exercise.key, r.weight_value, r.kind) for r in parsed.rows] == [
        ("bench_press", 95, "warmup"), ("bench_press", 185, "working"), ("bench_press", 135, "drop"),
        ("tricep_extension", 50, "failure"),
    ]  # fmt: skip


OLD_STRONG_LB = (
    "Date,Workout Name,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes\n"
    + "".join(
        f"2026-10-{day:02d} 18:00:00,Legs,Squat (Barbell),{n},{w},5,0,0,,\n"
        for day in range(1, 8)
        for n, w in enumerate((135, 185, 225, 275), start=1)
    )
)


def test_an_old_strong_file_from_a_pound_lifter_is_read_in_pounds(catalog: Catalog) -> None:
    # No unit anywhere in the file; a member whose own unit is kg would otherwise get 270 "kg" squats.
    parsed = parse_export(OLD_STRONG_LB.encode(), ExerciseIndex(catalog), default_unit="kg", now=NOW)
    assert (parsed.unit, parsed.unit_source) == ("lb", "inferred")
    assert {r.weight_unit for r in parsed.rows} == {"lb"}
    chosen = parse_export(
        OLD_STRONG_LB.encode(), ExerciseIndex(catalog), default_unit="kg", now=NOW, explicit_unit="kg"
    )
    assert (chosen.unit, chosen.unit_source) == ("kg", "option"), "the member's explicit choice wins"


def test_a_semicolon_hevy_file_without_superset_id(catalog: Catalog) -> None:
    data = (
        "title;start_time;end_time;description;exercise_title;exercise_notes;set_index;set_type;weight_kg;reps;"
        "distance_km;duration_seconds;rpe\n"
        "Pecho;7 Apr 2024, 16:34;7 Apr 2024, 17:35;;Bench Press (Barbell);;0;warmup;40;10;;;\n"
        "Pecho;7 Apr 2024, 16:34;7 Apr 2024, 17:35;;Bench Press (Barbell);;1;normal;60;8;;;\n"
    )
    parsed = parse_export(data.encode(), ExerciseIndex(catalog), default_unit="lb", now=NOW)
    assert [(r.kind, r.weight_kg) for r in parsed.rows] == [("warmup", 40), ("working", 60)]


def test_a_drop_set_stays_right_after_the_set_it_follows(catalog: Catalog) -> None:
    data = (
        '"Date";"Workout Name";"Duration (sec)";"Exercise Name";"Set Order";"Weight (kg)";"Reps"\n'
        '"2026-11-01 10:00:00";"Push";"1800";"Bench Press (Barbell)";"1";"80";"8"\n'
        '"2026-11-01 10:00:00";"Push";"1800";"Bench Press (Barbell)";"DROP_SET";"60";"10"\n'
        '"2026-11-01 10:00:00";"Push";"1800";"Bench Press (Barbell)";"2";"80";"7"\n'
        '"2026-11-01 10:00:00";"Push";"1800";"Bench Press (Barbell)";"3";"80";"6"\n'
    )
    parsed = parse_export(data.encode(), ExerciseIndex(catalog), default_unit="kg", now=NOW)
    in_time = sorted(parsed.rows, key=lambda r: r.performed_at)
    assert [(r.kind, r.reps) for r in in_time] == [("working", 8), ("drop", 10), ("working", 7), ("working", 6)]
