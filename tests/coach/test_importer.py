"""Strong and Hevy CSV imports: parsing rules, all-or-nothing refusals, idempotent storage (SQLite and PostgreSQL)."""

# The database fixtures are imported by name from tests/db/fixtures.py; pytest injects them as arguments,
# which pyflakes reads as redefinitions.

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.load import strong_export
from catalog import Catalog
from coach import importer as importer_module
from coach.errors import ImportFileError, StorageUnavailableError, ValidationError
from coach.exercise_search import ExerciseIndex
from coach.importer import (
    IMPORT_BATCH,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    ImportService,
    check_upload,
    parse_date,
    parse_duration,
    parse_export,
)
from coach.logbook import LogbookService
from coach.logbook_results import LogRequest
from coach.text import plain
from db.models import LoggedSet

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
ALICE, BOB = 111_111_111_111_111_111, 222_222_222_222_222_222

STRONG_HEADER = (
    "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE"
)
STRONG = "\n".join(
    [
        STRONG_HEADER,
        '2026-11-10 17:30:00,"Legs",40m,"Leg Extension (Machine)",1,50,15,0,0,,,',
        '2026-11-10 17:30:00,"Legs",40m,"Leg Extension (Machine)",2,50,14,0,0,,,',
        '2026-11-10 17:30:00,"Legs",40m,"Squat (Barbell)",2,100,6,0,0,,,8.5',
        '2026-11-10 17:30:00,"Legs",40m,"Squat (Barbell)",1,100,6,0,0,"felt good",,',
        '2026-11-10 17:30:00,"Legs",40m,"Squat (Barbell)",W,60,5,0,0,,,',
        '2026-11-10 17:30:00,"Legs",40m,"Squat (Dumbbell)",1,20,10,0,0,,,',
        '2026-11-10 17:30:00,"Legs",40m,"Running",1,0,0,5,1800,,,',
        '2026-11-10 17:30:00,"Legs",40m,"Leg Press",1,0,10,0,0,,,',
        '2026-11-10 17:30:00,"Legs",40m,"=HYPERLINK(""http://x"")",1,10,10,0,0,,,',
        '2026-11-12 7:05:00\u202fAM,"Push",1h 5m,"Bench Press (Barbell)",1,80,8,0,0,,,',
        '2026-11-12 7:05:00\u202fAM,"Push",1h 5m,"Bench Press (Barbell)",2,80,101,0,0,,,',
    ]
).encode("utf-8-sig")

STRONG_OLD = (
    b"Date;Workout Name;Exercise Name;Set Order;Weight;Weight Unit;Reps;RPE;Distance;Distance Unit;Seconds;Notes;"
    b"Workout Notes;Workout Duration\n"
    b'2026-10-01 12:31:54;"Leg";"Deadlift (Barbell)";1;225,5;lbs;5;;;;0;"";"";45m\n'
    b'2026-10-01 12:31:54;"Leg";"Deadlift (Barbell)";2;225,5;lbs;5;;;;0;;;45m\n'
)

HEVY = (
    b'"title","start_time","end_time","description","exercise_title","superset_id","exercise_notes","set_index",'
    b'"set_type","weight_lbs","reps","distance_miles","duration_seconds","rpe"\n'
    b'"Push","26 Oct 2026, 07:06","26 Oct 2026, 08:11","","Bench Press (Barbell)",,"",0,"warmup",95,10,,,\n'
    b'"Push","26 Oct 2026, 07:06","26 Oct 2026, 08:11","","Bench Press (Barbell)",,"",1,"normal",225,5,,,8\n'
    b'"Push","26 Oct 2026, 07:06","26 Oct 2026, 08:11","","Lat Pulldown (Cable)",,"slow",0,"normal",120,10,,,\n'
    b'"Push","26 Oct 2026, 07:06","26 Oct 2026, 08:11","","Lat Pulldown (Cable)",,"slow",1,"dropset",100,10,,,\n'
    b'"Push","26 Oct 2026, 07:06","26 Oct 2026, 08:11","","Lat Pulldown (Cable)",,"slow",2,"normal",120,0,,60,\n'
)


def parse(data: bytes, catalog: Catalog, unit: str = "kg"):  # type: ignore[no-untyped-def]
    return parse_export(data, catalog, default_unit=unit, now=NOW)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ parsing


def test_strong_export(logbook_catalog: Catalog) -> None:
    parsed = parse(STRONG, logbook_catalog)
    assert parsed.source == "strong"
    assert parsed.total == 11
    assert parsed.skipped == 1
    by_line = {r.line: r for r in parsed.rows}
    assert by_line[2].exercise.key == "leg_extension"
    assert by_line[4].exercise.key == "back_squat"
    assert by_line[7].exercise.key == "custom:squat dumbbell", "the bracket must fit the catalog's equipment"
    assert by_line[6].kind == "warmup"
    assert by_line[4].rpe == 8.5
    assert by_line[5].note == "felt good"
    # A workout's sets are spread over its duration: exercise blocks as listed, sets by set order.
    order = [r.line for r in sorted(parsed.rows, key=lambda r: r.performed_at) if r.performed_at.day == 10]
    assert order == [2, 3, 6, 5, 4, 7]
    times = sorted(r.performed_at for r in parsed.rows if r.performed_at.day == 10)
    assert times[0] == datetime(2026, 11, 10, 17, 30, tzinfo=UTC)
    assert times[1] - times[0] == timedelta(minutes=40) / 9, "nine rows in that workout"
    assert by_line[11].performed_at == datetime(2026, 11, 12, 7, 5, tzinfo=UTC), "12-hour Strong dates"
    assert len(parsed.rejected) == 3
    assert parsed.rejected[0].startswith("line 9: Weight must be more than 0 for Leg Press")
    assert parsed.rejected[1] == "line 10: the exercise name starts like a spreadsheet formula"
    assert parsed.rejected[2].startswith("line 12: Reps must be a whole number from 1 to 100")


def test_older_strong_export_with_units(logbook_catalog: Catalog) -> None:
    parsed = parse(STRONG_OLD, logbook_catalog, unit="kg")
    assert [(r.exercise.key, r.weight_value, r.weight_unit) for r in parsed.rows] == [("deadlift", 225.5, "lb")] * 2
    assert parsed.rows[0].weight_kg == pytest.approx(225.5 * 0.45359237)
    assert parsed.rows[0].import_key != parsed.rows[1].import_key


def test_strong_without_a_unit_uses_the_chosen_one(logbook_catalog: Catalog) -> None:
    parsed = parse(STRONG, logbook_catalog, unit="lb")
    assert {r.weight_unit for r in parsed.rows} == {"lb"}


def test_hevy_export(logbook_catalog: Catalog) -> None:
    parsed = parse(HEVY, logbook_catalog, unit="kg")
    assert parsed.source == "hevy"
    assert parsed.skipped == 1
    kinds = [(r.exercise.key, r.kind, r.weight_value, r.weight_unit) for r in parsed.rows]
    assert kinds == [
        ("bench_press", "warmup", 95, "lb"),
        ("bench_press", "working", 225, "lb"),
        ("lat_pulldown", "working", 120, "lb"),
        ("lat_pulldown", "drop", 100, "lb"),
    ]
    assert [r.note for r in parsed.rows] == [None, None, "slow", None], "an exercise note once, not per set"
    assert parsed.rows[1].rpe == 8
    assert parsed.rows[-1].performed_at - parsed.rows[0].performed_at < timedelta(minutes=65)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "empty"),
        (b"\xff\xfe\x00\x00garbage", "binary"),
        ("Date,Exercise Name,Weight,Reps\n2026-01-01,Bench,100,5\n".encode("utf-16"), "binary"),
        (b"Date,Exercise Name,Weight,Reps\n2026-01-01,\xe9\xe9,100,5\n", "UTF-8"),
        (b"name,score\nbob,3\n", "doesn't look like a Strong or Hevy"),
        (b"Date,Exercise Name,Weight,Reps\n", "no sets"),
        (b"Date,Exercise Name,Weight,Reps\n2026-11-01,Bench Press,100,5,extra\n", "Line 2 has 5 fields"),
        (b'Date,Exercise Name,Weight,Reps\n2026-11-01,"Bench" Press,100,5\n', "isn't valid CSV"),
        (b"Date,Exercise Name,Weight,Reps\n2026-11-01,Bench," + b"9" * 200_000 + b",5\n", "isn't valid CSV"),
    ],
)
def test_malformed_files_are_refused_whole(logbook_catalog: Catalog, data: bytes, fragment: str) -> None:
    with pytest.raises(ImportFileError, match=fragment):
        parse(data, logbook_catalog)


def test_limits(logbook_catalog: Catalog) -> None:
    with pytest.raises(ImportFileError, match="up to 2 MB"):
        parse(b"Date,Exercise Name,Weight,Reps\n" + b"x" * MAX_IMPORT_BYTES, logbook_catalog)
    rows = "".join(f"2026-11-01 10:00:00,Bench Press,100,{1 + i % 9}\n" for i in range(MAX_IMPORT_ROWS + 1))
    with pytest.raises(ImportFileError, match="more than 20,000 sets"):
        parse(("Date,Exercise Name,Weight,Reps\n" + rows).encode(), logbook_catalog)
    with pytest.raises(ImportFileError, match=r"ending in \.csv"):
        check_upload("workout.xlsx", 100)
    with pytest.raises(ImportFileError, match="MB"):
        check_upload("workout.csv", MAX_IMPORT_BYTES + 1)
    check_upload("Strong.CSV", 100)


def test_row_dates_must_be_plausible(logbook_catalog: Catalog) -> None:
    data = (
        b"Date,Exercise Name,Weight,Reps\n"
        b"1999-12-31 10:00:00,Bench Press,100,5\n"
        b"2027-01-01 10:00:00,Bench Press,100,5\n"
        b"yesterday,Bench Press,100,5\n"
        b"2026-11-01T10:00:00Z,Bench Press,100,5\n"
    )
    parsed = parse(data, logbook_catalog)
    assert len(parsed.rows) == 1
    assert len(parsed.rejected) == 3
    assert "“yesterday” isn't a date" in plain(parsed.rejected[2])


def test_helpers(logbook_catalog: Catalog) -> None:
    assert parse_date("26 Jul 2025, 07:06") == datetime(2025, 7, 26, 7, 6, tzinfo=UTC)
    assert parse_date("2025-07-26 5:06:00 PM") == datetime(2025, 7, 26, 17, 6, tzinfo=UTC)
    assert parse_date("2025-07-26T07:06:00+02:00") == datetime(2025, 7, 26, 5, 6, tzinfo=UTC)
    assert parse_date("soon") is None
    assert parse_duration("1h 5m") == timedelta(minutes=65)
    assert parse_duration("45m") == timedelta(minutes=45)
    assert parse_duration("50") == timedelta(minutes=50)
    assert parse_duration("") is None
    assert parse_duration("a while") is None
    assert ExerciseIndex(logbook_catalog).from_app("Bench Press (Dumbbell)").key == "dumbbell_bench_press"
    assert ExerciseIndex(logbook_catalog).from_app("Seated Row (Cable)").key == "seated_row"
    assert ExerciseIndex(logbook_catalog).from_app("RDL").key == "romanian_deadlift"
    assert ExerciseIndex(logbook_catalog).from_app("Sled Push").key == "custom:sled push"


# ------------------------------------------------------------------------------------------ storage


@pytest.fixture
def importer(session_factory: async_sessionmaker[AsyncSession], logbook_catalog: Catalog) -> ImportService:
    return ImportService(session_factory, logbook_catalog, clock=lambda: NOW)


async def rows(factory: async_sessionmaker[AsyncSession], member_id: int | None = None) -> int:
    query = select(func.count()).select_from(LoggedSet)
    if member_id is not None:
        query = query.where(LoggedSet.member_id == member_id)
    async with factory() as session:
        return int(await session.scalar(query) or 0)


async def test_import_then_reimport_adds_nothing(
    importer: ImportService, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    first = await importer.import_csv(ALICE, STRONG, locale="en-GB")
    assert (first.app, first.imported, first.duplicates, first.rejected, first.skipped) == ("Strong", 7, 0, 3, 1)
    assert first.custom_names == ("Squat (Dumbbell)",)
    assert first.reasons[0].startswith("line 9:")
    assert await rows(session_factory, ALICE) == 7
    again = await importer.import_csv(ALICE, STRONG, locale="en-GB")
    assert (again.imported, again.duplicates, again.rejected) == (0, 7, 3)
    assert await rows(session_factory, ALICE) == 7
    # Another member importing the same file gets their own copy.
    other = await importer.import_csv(BOB, STRONG)
    assert other.imported == 7
    assert await rows(session_factory) == 14
    async with session_factory() as session:
        stored = (await session.execute(select(LoggedSet).where(LoggedSet.member_id == ALICE))).scalars().all()
    assert {s.source for s in stored} == {"strong"}
    assert all(s.import_key for s in stored)
    assert all(s.interaction_id is None for s in stored)


async def test_a_longer_export_adds_only_the_new_sets(
    importer: ImportService, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await importer.import_csv(ALICE, STRONG_OLD)
    longer = STRONG_OLD + b'2026-10-03 12:00:00;"Leg";"Deadlift (Barbell)";1;235;lbs;5;;;;0;"";"";30m\n'
    summary = await importer.import_csv(ALICE, longer)
    assert (summary.imported, summary.duplicates) == (1, 2)
    assert await rows(session_factory, ALICE) == 3


async def test_malformed_file_writes_nothing(
    importer: ImportService, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    with pytest.raises(ImportFileError):
        await importer.import_csv(ALICE, STRONG + b"\n2026-11-10 17:30:00,too,few\n")
    assert await rows(session_factory) == 0
    with pytest.raises(ValidationError, match="stone"):
        await importer.import_csv(ALICE, STRONG, unit="stone")
    assert await rows(session_factory) == 0


async def test_unit_follows_the_member_setting(
    importer: ImportService, session_factory: async_sessionmaker[AsyncSession], logbook_catalog: Catalog
) -> None:
    await LogbookService(session_factory, logbook_catalog, clock=lambda: NOW).update_settings(ALICE, unit="lb")
    await importer.import_csv(ALICE, STRONG, locale="en-GB")
    async with session_factory() as session:
        units = set((await session.execute(select(LoggedSet.weight_unit))).scalars())
    assert units == {"lb"}
    summary = await importer.import_csv(BOB, STRONG, unit="kg", locale="en-US")
    assert summary.imported == 7


async def test_hevy_import_counts(importer: ImportService) -> None:
    summary = await importer.import_csv(ALICE, HEVY)
    assert (summary.app, summary.imported, summary.skipped, summary.rejected, summary.total) == ("Hevy", 4, 1, 0, 5)


async def test_a_failed_batch_takes_back_the_whole_import(
    importer: ImportService, session_factory: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches commit one by one (so /log interleaves); a failure later takes the earlier ones back."""
    data = strong_export(IMPORT_BATCH * 2 + 100, now=NOW)
    real = importer_module.insert_new
    calls = 0

    def fail_on_the_third_batch(conn: Any, values: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OperationalError("INSERT", {}, Exception("disk I/O error"))
        return real(conn, values)

    monkeypatch.setattr(importer_module, "insert_new", fail_on_the_third_batch)
    with pytest.raises(StorageUnavailableError):
        await importer.import_csv(ALICE, data, unit="kg")
    assert calls == 3, "two batches were committed before the failure"
    assert await rows(session_factory, ALICE) == 0, "and taken back: nothing of the file stays"
    monkeypatch.setattr(importer_module, "insert_new", real)
    done = await importer.import_csv(ALICE, data, unit="kg")
    assert done.imported == IMPORT_BATCH * 2 + 100
    assert await rows(session_factory, ALICE) == IMPORT_BATCH * 2 + 100


async def test_a_log_waits_for_one_batch_not_the_whole_import(
    importer: ImportService,
    session_factory: async_sessionmaker[AsyncSession],
    logbook_catalog: Catalog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A /log arriving mid-import is written between two batches, long before the import ends."""
    logbook = LogbookService(session_factory, logbook_catalog, storage=importer._storage, clock=lambda: NOW)
    data = strong_export(IMPORT_BATCH * 8, now=NOW)
    first_batch = asyncio.Event()
    real = importer_module.insert_new
    loop = asyncio.get_running_loop()

    def insert_new(conn: Any, values: Any) -> int:  # on the database side: possibly the writer thread
        inserted = real(conn, values)
        loop.call_soon_threadsafe(first_batch.set)
        return inserted

    monkeypatch.setattr(importer_module, "insert_new", insert_new)
    importing = asyncio.ensure_future(importer.import_csv(ALICE, data, unit="kg"))
    await first_batch.wait()
    await logbook.log_set(LogRequest(member_id=BOB, exercise="bench press", weight=60, reps=5, unit="kg"))
    assert not importing.done(), "the set was written while the import was still going"
    assert (await importing).imported == IMPORT_BATCH * 8


async def test_a_long_import_reports_its_progress_batch_by_batch(importer: ImportService) -> None:
    rows = "".join(f"2026-10-{1 + i // 20:02d} 10:00:00,Bench Press (Barbell),{i % 20 + 1},60,8\n" for i in range(250))
    seen: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        seen.append((done, total))

    data = ("Date,Exercise Name,Set Order,Weight,Reps\n" + rows).encode()
    summary = await importer.import_csv(ALICE, data, unit="kg", progress=progress)
    assert summary.imported == 250
    assert seen == [(100, 250), (200, 250), (250, 250)]
