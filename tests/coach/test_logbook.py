"""The logbook service against real databases (SQLite file and PostgreSQL), with a controllable clock."""

# The database fixtures are imported by name from tests/db/fixtures.py; pytest injects them as arguments,
# which pyflakes reads as redefinitions.

from __future__ import annotations

import asyncio
import csv
import io
import json
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog import Catalog
from coach.errors import (
    NothingToUndoError,
    NotYourSetError,
    StorageUnavailableError,
    UnknownExerciseError,
    ValidationError,
)
from coach.export import CSV_NAME, JSON_NAME, ZIP_NAME, ExportTooLargeError
from coach.logbook import EXPORT_BATCH, LogbookService, LogRequest
from coach.metrics import estimate_1rm, to_kg
from coach.text import plain
from db.engine import create_engine, make_session_factory, transaction
from db.models import LOGGED_SETS, LoggedSet, MemberSettings
from db.repositories import SetRepository
from tests.clock import Clock

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
ALICE, BOB = 111_111_111_111_111_111, 222_222_222_222_222_222
GUILD, CHANNEL = 900_000_000_000_000_001, 900_000_000_000_000_002


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def service(
    session_factory: async_sessionmaker[AsyncSession], logbook_catalog: Catalog, clock: Clock
) -> LogbookService:
    return LogbookService(session_factory, logbook_catalog, clock=clock)


_interaction_ids = iter(range(10**15, 10**16))


def req(exercise: str = "bench_press", weight: Any = 100, reps: Any = 5, **kw: Any) -> LogRequest:
    """A /log request for Alice in kg with a fresh interaction id unless overridden."""
    values: dict[str, Any] = {
        "member_id": ALICE,
        "guild_id": GUILD,
        "channel_id": CHANNEL,
        "interaction_id": next(_interaction_ids),
        "unit": "kg",
    }
    values.update(kw)
    return LogRequest(exercise=exercise, weight=weight, reps=reps, **values)


async def count_rows(factory: async_sessionmaker[AsyncSession], model: type = LoggedSet) -> int:
    async with factory() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


# ------------------------------------------------------------------------------------------ logging


async def test_log_a_set(service: LogbookService, session_factory: async_sessionmaker[AsyncSession]) -> None:
    result = await service.log_set(req(weight=100, reps=5, rpe=8.5, note="felt good"))
    assert result.exercise_name == "Bench Press"
    assert result.exercise_id == "bench_press"
    assert (result.weight_kg, result.reps, result.rpe, result.kind) == (100, 5, 8.5, "working")
    assert result.set_number == 1
    assert result.last_session is None
    assert result.e1rm_kg == pytest.approx(estimate_1rm(100, 5))
    assert "Epley" in result.e1rm_formula
    assert not result.is_pr  # The first set is a baseline.
    assert result.performed_at == NOW
    assert result.created_at == NOW
    assert result.ephemeral
    assert not result.duplicate
    assert await count_rows(session_factory) == 1


async def test_pounds_are_stored_canonically(service: LogbookService) -> None:
    result = await service.log_set(req(weight=225, unit="lb", locale="en-US"))
    assert result.weight_kg == pytest.approx(to_kg(225, "lb"))
    assert (result.weight_value, result.weight_unit, result.display_unit) == (225, "lb", "lb")
    assert result.weight_display == "225 lb"


async def test_unit_defaults_to_setting_then_locale(service: LogbookService) -> None:
    us = await service.log_set(req(weight=135, unit=None, locale="en-US"))
    assert (us.weight_unit, us.display_unit) == ("lb", "lb")
    await service.update_settings(ALICE, unit="kg")
    after = await service.log_set(req(weight=60, unit=None, locale="en-US"))
    assert (after.weight_unit, after.display_unit) == ("kg", "kg")
    de = await service.log_set(req(weight=60, unit=None, locale="de", member_id=BOB))
    assert de.weight_unit == "kg"


async def test_raw_string_values_are_accepted_when_valid(service: LogbookService) -> None:
    result = await service.log_set(req(weight="102,5", reps="8", rpe="7.5", kind="Warm-up"))
    assert (result.weight_kg, result.reps, result.rpe, result.kind) == (102.5, 8, 7.5, "warmup")


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"rpe": 10.3}, "rpe", "RPE must be between 1 and 10 in steps of 0.5 — you sent 10.3"),
        ({"rpe": 0}, "rpe", "you sent 0"),
        ({"rpe": "hard"}, "rpe", "RPE must be a number"),
        ({"reps": 0}, "reps", "Reps must be a whole number from 1 to 100 — you sent 0"),
        ({"reps": 101}, "reps", "you sent 101"),
        ({"reps": 8.5}, "reps", "you sent 8.5"),
        ({"reps": None}, "reps", "you didn't send any"),
        ({"reps": True}, "reps", "must be a number"),
        ({"weight": -5}, "weight", "Weight must be between 0 and 1000 kg — you sent -5 kg"),
        ({"weight": 1000.5}, "weight", "you sent 1000.5 kg"),
        ({"weight": 2300, "unit": "lb"}, "weight", "between 0 and 2204.6 lb — you sent 2300 lb"),
        ({"weight": float("nan")}, "weight", "finite"),
        ({"weight": float("inf")}, "weight", "finite"),
        ({"weight": 0}, "weight", "0 is only for bodyweight exercises"),
        ({"weight": None}, "weight", "Weight is required for Bench Press"),
        ({"note": "x" * 201}, "note", "Note must be at most 200 characters — yours has 201"),
        ({"kind": "heavy"}, "kind", "Kind must be one of working, warmup, drop, failure"),
        ({"unit": "stone"}, "unit", "Unit must be kg or lb"),
        ({"when": "tomorrow"}, "when", "couldn't read"),
        ({"when": "2026-11-21"}, "when", "future"),
        ({"when": "2025-01-01"}, "when", "more than a year"),
        ({"exercise": ""}, "exercise", "Pick an exercise"),
        ({"exercise": "custom:" + "x" * 61}, "exercise", "at most 60 characters"),
        ({"exercise": "custom:!!!"}, "exercise", "at least one letter or digit"),
    ],
)
async def test_invalid_input_is_refused_and_nothing_is_written(
    service: LogbookService,
    session_factory: async_sessionmaker[AsyncSession],
    overrides: dict[str, Any],
    field: str,
    fragment: str,
) -> None:
    with pytest.raises(ValidationError) as err:
        await service.log_set(replace(req(), **overrides))
    assert fragment in err.value.message
    assert err.value.field == field
    assert await count_rows(session_factory) == 0
    assert await count_rows(session_factory, MemberSettings) == 0


async def test_bodyweight_exercises_accept_zero(service: LogbookService) -> None:
    for exercise in ("push_up", "pull_up", "bench_dip", "custom:Muscle-up", "dip", "assisted_pull_up"):
        result = await service.log_set(req(exercise, weight=0, reps=10))
        assert result.weight_kg == 0
        assert result.e1rm_kg is None, "no body weight known: no e1RM, never e1RM 0"
    omitted = await service.log_set(req("push_up", weight=None, reps=12))
    assert omitted.weight_kg == 0


async def test_unknown_exercise_needs_an_explicit_custom_choice(
    service: LogbookService, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    with pytest.raises(UnknownExerciseError) as err:
        await service.log_set(req("benchh press"))
    assert "Bench Press" in err.value.suggestions
    assert "Did you mean" in err.value.message
    assert "Custom: benchh press" in plain(err.value.message)
    assert await count_rows(session_factory) == 0

    custom = await service.log_set(req("custom:Zercher  Squat", weight=80))
    assert custom.is_custom
    assert custom.exercise_name == "Zercher Squat"
    assert custom.exercise_key == "custom:zercher squat"
    flagged = await service.log_set(req("benchh press", custom=True))
    assert flagged.is_custom
    assert "Bench Press" in flagged.suggestions
    # Spelling variants of a custom exercise share one history.
    again = await service.log_set(req("custom:zercher squat", weight=85))
    assert again.set_number == 2


async def test_names_and_aliases_resolve_to_the_catalog(service: LogbookService) -> None:
    assert (await service.log_set(req("Barbell Bench Press"))).exercise_id == "bench_press"
    assert (await service.log_set(req("rdl"))).exercise_id == "romanian_deadlift"
    # "Custom: <catalog name>" is still the catalog exercise: one history, one PR line.
    assert (await service.log_set(req("custom:bench press"))).exercise_id == "bench_press"


async def test_control_characters_are_stripped_from_notes(service: LogbookService) -> None:
    result = await service.log_set(req(note="  good\x00 set\nnext time +2.5 \x07 "))
    assert result.note == "good set\nnext time +2.5"


# ------------------------------------------------------------------------------------------ duplicates


async def test_same_interaction_twice_logs_one_set(
    service: LogbookService, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    request = req(weight=100, reps=5)
    first = await service.log_set(request)
    second = await service.log_set(request)
    assert second.duplicate
    assert not first.duplicate
    assert second.set_id == first.set_id
    assert (second.set_number, second.e1rm_kg) == (first.set_number, first.e1rm_kg)
    assert await count_rows(session_factory) == 1


async def test_a_replayed_interaction_from_someone_else_reveals_nothing(
    service: LogbookService, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    alice = await service.log_set(req(interaction_id=77))
    with pytest.raises(NotYourSetError) as err:
        await service.log_set(req(interaction_id=77, member_id=BOB, weight=50))
    assert "100" not in err.value.message
    assert str(alice.set_id) not in err.value.message
    assert await count_rows(session_factory) == 1


async def test_same_interaction_delivered_concurrently_logs_one_set(
    service: LogbookService, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    request = req()
    results = await asyncio.gather(*(service.log_set(request) for _ in range(8)))
    assert len({r.set_id for r in results}) == 1
    assert sum(not r.duplicate for r in results) == 1
    assert await count_rows(session_factory) == 1


async def test_two_services_racing_on_one_interaction(
    db_url: str, logbook_catalog: Catalog, clock: Clock, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """Two bot processes (separate engines, no shared lock) receiving the same interaction."""
    engines = [create_engine(db_url) for _ in range(2)]
    try:
        services = [LogbookService(make_session_factory(e), logbook_catalog, clock=clock) for e in engines]
        request = req()
        results = await asyncio.gather(*(services[i % 2].log_set(request) for i in range(6)))
        assert len({r.set_id for r in results}) == 1
        assert await count_rows(session_factory) == 1
    finally:
        for e in engines:
            await e.dispose()


async def test_fifty_members_twenty_sets_each_at_once(
    service: LogbookService, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    async def member_session(member_id: int) -> None:
        for i in range(20):
            await service.log_set(req("back_squat", weight=60 + i, reps=5, member_id=member_id))

    await asyncio.gather(*(member_session(1000 + m) for m in range(50)))
    assert await count_rows(session_factory) == 1000
    assert await count_rows(session_factory, MemberSettings) == 50
    page = await service.history(1000 + 7, page_size=25)
    assert page.total == 20


# ------------------------------------------------------------------------------------------ records


async def test_pr_badges(service: LogbookService, clock: Clock) -> None:
    await service.log_set(req(weight=100, reps=5))
    clock.advance(minutes=3)
    heavier = await service.log_set(req(weight=105, reps=5))
    assert heavier.records.e1rm
    assert heavier.records.rep_max
    assert heavier.is_pr
    assert heavier.records.previous_e1rm_kg == pytest.approx(estimate_1rm(100, 5))
    clock.advance(minutes=3)
    same = await service.log_set(req(weight=105, reps=5))
    assert not same.is_pr
    clock.advance(minutes=3)
    more_reps = await service.log_set(req(weight=105, reps=6))
    assert more_reps.records.e1rm
    assert not more_reps.records.rep_max
    clock.advance(minutes=3)
    rep_only = await service.log_set(req(weight=80, reps=5, member_id=ALICE))
    assert not rep_only.is_pr


async def test_warmups_never_count(service: LogbookService, clock: Clock) -> None:
    await service.log_set(req(weight=100, reps=5))
    clock.advance(minutes=2)
    warmup = await service.log_set(req(weight=140, reps=5, kind="warmup"))
    assert not warmup.is_pr
    clock.advance(minutes=2)
    # The heavy warm-up isn't a best to beat: 110 × 5 is still a PR.
    working = await service.log_set(req(weight=110, reps=5))
    assert working.records.e1rm
    assert working.records.rep_max
    assert working.records.previous_e1rm_kg == pytest.approx(estimate_1rm(100, 5))


async def test_pounds_and_kilos_compare_fairly(service: LogbookService, clock: Clock) -> None:
    await service.log_set(req(weight=100, reps=5))
    clock.advance(minutes=2)
    same_in_lb = await service.log_set(req(weight=220.4622622, reps=5, unit="lb"))
    assert not same_in_lb.is_pr
    clock.advance(minutes=2)
    more_in_lb = await service.log_set(req(weight=225, reps=5, unit="lb"))
    assert more_in_lb.records.rep_max


# ------------------------------------------------------------------------------------------ sessions


async def test_sessions_set_numbers_and_last_session(service: LogbookService, clock: Clock) -> None:
    day1 = [await service.log_set(req(weight=100, reps=r)) for r in (8, 7)]
    assert [r.set_number for r in day1] == [1, 2]
    clock.advance(minutes=80)  # Under 90 minutes: same session.
    third = await service.log_set(req(weight=95, reps=8))
    assert third.set_number == 3
    assert third.session_started_at == NOW
    clock.advance(minutes=80)  # Chains on from the last set, not the first.
    other = await service.log_set(req("back_squat", weight=120, reps=5))
    assert other.set_number == 1
    assert other.session_started_at == NOW

    clock.advance(days=2)
    next_time = await service.log_set(req(weight=102.5, reps=8))
    assert next_time.set_number == 1
    assert next_time.session_started_at == clock.now
    assert next_time.last_session is not None
    assert next_time.last_session.started_at == NOW
    assert [(s.weight_kg, s.reps) for s in next_time.last_session.sets] == [(100, 8), (100, 7), (95, 8)]
    assert next_time.last_session.describe("kg") == "2026-11-20: 100 kg × 8, 100 kg × 7, 95 kg × 8"


async def test_a_very_long_session_still_counts_every_set(service: LogbookService, clock: Clock) -> None:
    """More sets than one look-up batch: the session walk continues past it."""
    for _ in range(70):
        await service.log_set(req("lateral_raise", weight=8, reps=15))
        clock.advance(minutes=1)
    result = await service.log_set(req("lateral_raise", weight=8, reps=15))
    assert result.set_number == 71
    assert result.session_started_at == NOW
    clock.advance(hours=5)
    later = await service.log_set(req("lateral_raise", weight=10, reps=12))
    assert later.last_session is not None
    assert len(later.last_session.sets) == 71


async def test_exactly_ninety_minutes_starts_a_new_session(service: LogbookService, clock: Clock) -> None:
    await service.log_set(req())
    clock.advance(minutes=90)
    result = await service.log_set(req())
    assert result.set_number == 1
    assert result.last_session is not None
    assert len(result.last_session.sets) == 1


async def test_backfilled_sets_use_their_own_time(service: LogbookService) -> None:
    first = await service.log_set(req(when="yesterday"))
    second = await service.log_set(req(when="yesterday"))
    assert first.performed_at == NOW - timedelta(days=1)
    assert second.set_number == 2
    today = await service.log_set(req())
    assert today.set_number == 1
    assert today.last_session is not None
    assert len(today.last_session.sets) == 2


async def test_sessions_are_per_member(service: LogbookService) -> None:
    await service.log_set(req(member_id=BOB))
    mine = await service.log_set(req())
    assert mine.set_number == 1
    assert mine.last_session is None


async def test_pre_exhausted_tag(service: LogbookService, clock: Clock) -> None:
    await service.log_set(req("leg_extension", weight=50, reps=12))
    clock.advance(minutes=5)
    squat = await service.log_set(req("back_squat", weight=100, reps=8))
    assert squat.pre_exhausted
    assert squat.pre_exhausted_by == ("Leg Extension",)
    # The isolation set itself, and compounds for another muscle, aren't tagged.
    clock.advance(minutes=5)
    assert not (await service.log_set(req("bench_press"))).pre_exhausted
    # Next session: the old leg extension doesn't count any more.
    clock.advance(hours=3)
    assert not (await service.log_set(req("back_squat", weight=100, reps=8))).pre_exhausted


async def test_warmup_isolation_does_not_pre_exhaust(service: LogbookService, clock: Clock) -> None:
    await service.log_set(req("pec_deck_fly", weight=30, reps=15, kind="warmup"))
    clock.advance(minutes=3)
    assert not (await service.log_set(req("bench_press", kind="warmup"))).pre_exhausted
    clock.advance(minutes=3)
    await service.log_set(req("pec_deck_fly", weight=40, reps=12))
    clock.advance(minutes=3)
    # The bench press's first hard set comes after the working fly: pre-exhausted (warm-ups count for neither).
    assert (await service.log_set(req("bench_press"))).pre_exhausted_by == ("Pec Deck Fly",)


async def test_isolation_after_the_compound_started_does_not_pre_exhaust_it(
    service: LogbookService, clock: Clock
) -> None:
    """One rule per session: the compound's first hard set decides, as /compare and the charts decide."""
    assert not (await service.log_set(req("bench_press"))).pre_exhausted
    clock.advance(minutes=3)
    await service.log_set(req("pec_deck_fly", weight=40, reps=12))
    clock.advance(minutes=3)
    assert not (await service.log_set(req("bench_press"))).pre_exhausted


async def test_compound_first_is_not_pre_exhausted(service: LogbookService, clock: Clock) -> None:
    squat = await service.log_set(req("back_squat", weight=100, reps=8))
    clock.advance(minutes=10)
    await service.log_set(req("leg_extension", weight=50, reps=12))
    assert not squat.pre_exhausted


# ------------------------------------------------------------------------------------------ undo


async def test_undo_last_removes_the_most_recently_logged(
    service: LogbookService, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await service.log_set(req(weight=100))
    backfilled = await service.log_set(req(weight=90, when="yesterday"))
    undone = await service.undo_last(ALICE)
    assert undone.set_id == backfilled.set_id  # The one just logged, even though it was performed earlier.
    assert "Bench Press 90 kg × 5" in undone.describe("kg")
    await service.undo_last(ALICE)
    with pytest.raises(NothingToUndoError):
        await service.undo_last(ALICE)
    assert await count_rows(session_factory) == 0


async def test_undo_last_never_touches_someone_else(service: LogbookService) -> None:
    await service.log_set(req(member_id=BOB))
    with pytest.raises(NothingToUndoError):
        await service.undo_last(ALICE)


async def test_undo_button_is_owner_only(
    service: LogbookService, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    result = await service.log_set(req())
    # The same answer as for a set that doesn't exist: another member's set id reveals nothing.
    with pytest.raises(NothingToUndoError, match="already gone"):
        await service.undo_set(result.set_id, BOB)
    assert await count_rows(session_factory) == 1
    undone = await service.undo_set(result.set_id, ALICE)
    assert undone.set_id == result.set_id
    with pytest.raises(NothingToUndoError):
        await service.undo_set(result.set_id, ALICE)


async def test_undo_last_in_a_guild(service: LogbookService) -> None:
    here = await service.log_set(req(guild_id=1))
    await service.log_set(req(guild_id=2))
    assert (await service.undo_last(ALICE, guild_id=1)).set_id == here.set_id


# ------------------------------------------------------------------------------------------ history


async def test_history_pages_filters_and_privacy(service: LogbookService, clock: Clock) -> None:
    for i in range(12):
        await service.log_set(req(weight=100 + i, reps=5))
        clock.advance(minutes=2)
    await service.log_set(req("back_squat", weight=140))
    await service.log_set(req(member_id=BOB, weight=300))
    await service.log_set(req(weight=50, when="40 days ago"))

    page0 = await service.history(ALICE, page_size=5)
    assert page0.total == 13
    assert page0.pages == 3
    assert page0.has_next
    assert not page0.has_prev
    assert page0.entries[0].exercise_name == "Back Squat"  # Newest first.
    assert all(e.weight_kg != 300 for e in page0.entries)
    bench = await service.history(ALICE, exercise="Bench Press", page=1, page_size=5)
    assert bench.total == 12
    assert bench.exercise_name == "Bench Press"
    assert [e.weight_kg for e in bench.entries] == [106, 105, 104, 103, 102]
    assert (await service.history(ALICE, days=60)).total == 14
    # A page past the end lands on the last page.
    last = await service.history(ALICE, page=99, page_size=5)
    assert last.page == 2
    assert not last.has_next
    assert len(last.entries) == 3
    assert (await service.history(BOB)).total == 1
    assert "Bench Press" in bench.entries[0].describe("kg")


@pytest.mark.parametrize("days", [0, 366, 2.5, "many"])
async def test_history_days_are_validated(service: LogbookService, days: Any) -> None:
    with pytest.raises(ValidationError) as err:
        await service.history(ALICE, days=days)
    assert err.value.field == "days"


async def test_history_of_a_custom_exercise(service: LogbookService) -> None:
    await service.log_set(req("custom:Zercher Squat", weight=80))
    assert (await service.history(ALICE, exercise="zercher squat")).total == 1
    assert (await service.history(ALICE, exercise="custom:Zercher Squat")).total == 1


# ------------------------------------------------------------------------------------------ settings


async def test_settings(service: LogbookService, session_factory: async_sessionmaker[AsyncSession]) -> None:
    fresh = await service.get_settings(ALICE, locale="en-US")
    assert (fresh.unit, fresh.share, fresh.unit_is_default, fresh.ephemeral) == ("lb", "private", True, True)
    assert await count_rows(session_factory, MemberSettings) == 0  # Looking creates nothing.
    updated = await service.update_settings(ALICE, unit="kg", share="public", locale="en-US")
    assert (updated.unit, updated.share, updated.unit_is_default) == ("kg", "public", False)
    share_only = await service.update_settings(ALICE, share="private")
    assert (share_only.unit, share_only.share) == ("kg", "private")
    with pytest.raises(ValidationError, match="Share must be private or public"):
        await service.update_settings(ALICE, share="everyone")
    with pytest.raises(ValidationError, match="Unit must be kg or lb"):
        await service.update_settings(ALICE, unit="stone")


async def test_share_setting_controls_the_reply(service: LogbookService) -> None:
    assert (await service.log_set(req())).ephemeral
    await service.update_settings(ALICE, share="public")
    assert not (await service.log_set(req())).ephemeral


# ------------------------------------------------------------------------------------------ privacy


UPLOAD_LIMIT = 10 * 1024 * 1024


async def export_bytes(service: LogbookService, member_id: int, limit: int = UPLOAD_LIMIT) -> tuple[bytes, bytes]:
    """(CSV, JSON) as the member would download them."""
    files = {f.filename: f.data.read() for f in await service.export(member_id, limit)}
    return files[CSV_NAME], files[JSON_NAME]


async def test_a_long_log_exports_in_batches_and_zips_when_only_that_fits(
    service: LogbookService, session_factory: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    await service.log_set(req())
    async with transaction(session_factory, write=True) as session:
        # More sets than one export batch, straight into the table (logging 5 000 one by one is slow).
        first = await SetRepository(session).get(1)
        template = {c.key: getattr(first, c.key) for c in LOGGED_SETS.columns}
        extra = [
            {**template, "interaction_id": None, "performed_at": NOW - timedelta(minutes=i), "note": "x" * 150}
            for i in range(1, EXPORT_BATCH * 2 + 500)
        ]
        await session.execute(insert(LOGGED_SETS), [{k: v for k, v in e.items() if k != "id"} for e in extra])
    csv_bytes, json_bytes = await export_bytes(service, ALICE)
    assert len(csv_bytes.decode("utf-8-sig").splitlines()) == EXPORT_BATCH * 2 + 500 + 1
    sets = json.loads(json_bytes)["sets"]
    assert len(sets) == EXPORT_BATCH * 2 + 500
    assert [s["performed_at"] for s in sets] == sorted(s["performed_at"] for s in sets), "oldest first"
    # Over the limit as two files, under it zipped: one zip holding both.
    total = len(csv_bytes) + len(json_bytes)
    (zipped,) = await service.export(ALICE, total // 2)
    assert zipped.filename == ZIP_NAME
    assert zipped.size < total // 2
    with zipfile.ZipFile(zipped.data) as archive:
        assert sorted(archive.namelist()) == sorted([CSV_NAME, JSON_NAME])
        assert archive.read(CSV_NAME) == csv_bytes
    with pytest.raises(ExportTooLargeError, match="even zipped"):
        await service.export(ALICE, 64 * 1024)


async def test_export_contains_only_own_data(service: LogbookService) -> None:
    await service.update_settings(ALICE, unit="lb")
    await service.log_set(req(weight=225, unit="lb", note="=HYPERLINK(evil)"))
    await service.log_set(req("custom:Zercher Squat", weight=80, unit="kg"))
    await service.log_set(req(member_id=BOB, weight=300, note="bob's"))
    csv_bytes, json_bytes = await export_bytes(service, ALICE)

    rows = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[0]["exercise_name"] == "Bench Press"
    assert rows[0]["weight_unit"] == "lb"
    assert rows[0]["note"] == "'=HYPERLINK(evil)"  # Never a live formula in a spreadsheet.
    assert rows[1]["custom"] == "True"
    doc = json.loads(json_bytes)
    assert doc["member_id"] == str(ALICE)
    assert doc["settings"]["unit"] == "lb"
    assert len(doc["sets"]) == 2
    assert doc["sets"][0]["note"] == "=HYPERLINK(evil)"
    assert doc["sets"][0]["guild_id"] == str(GUILD)  # 64-bit ids as strings.
    assert b"bob's" not in csv_bytes + json_bytes


async def test_export_with_no_data(service: LogbookService) -> None:
    csv_bytes, json_bytes = await export_bytes(service, ALICE)
    assert csv_bytes.decode("utf-8-sig").startswith("set_id,performed_at")
    assert json.loads(json_bytes)["sets"] == []


async def test_forget_deletes_everything_of_the_member_only(
    service: LogbookService, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    for _ in range(3):
        await service.log_set(req())
    await service.update_settings(ALICE, unit="kg")
    await service.log_set(req(member_id=BOB))
    assert await service.forget(ALICE) == 4  # Three sets and the settings row.
    assert await count_rows(session_factory) == 1
    assert json.loads((await export_bytes(service, ALICE))[1])["sets"] == []
    assert await service.forget(ALICE) == 0
    assert (await service.history(BOB)).total == 1


# ------------------------------------------------------------------------------------------ autocomplete


async def test_autocomplete_puts_recent_first(service: LogbookService, clock: Clock) -> None:
    await service.log_set(req("incline_dumbbell_curl", weight=12, reps=10))
    clock.advance(minutes=1)
    await service.log_set(req("custom:Zercher Squat", weight=80))
    choices = await service.autocomplete(ALICE, "")
    assert [c.value for c in choices[:2]] == ["custom:Zercher Squat", "incline_dumbbell_curl"]
    assert (await service.autocomplete(ALICE, "curl"))[0].value == "incline_dumbbell_curl"
    assert (await service.autocomplete(BOB, ""))[0].value != "custom:Zercher Squat"
    recent = await service.recent_exercises(ALICE)
    assert [r.name for r in recent] == ["Zercher Squat", "Incline Dumbbell Curl"]


# ------------------------------------------------------------------------------------------ storage failures


async def test_unreachable_database_is_reported_cleanly(logbook_catalog: Catalog, clock: Clock) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # Closed again below: nothing listens there.
    engine = create_engine(f"postgresql+asyncpg://coach@127.0.0.1:{port}/nowhere", connect_args={"timeout": 2})
    try:
        service = LogbookService(make_session_factory(engine), logbook_catalog, clock=clock)
        with pytest.raises(StorageUnavailableError) as err:
            await service.log_set(req())
        assert "nothing was saved" in err.value.message
        assert await service.autocomplete(ALICE, "bench")  # Still answers, without recents.
    finally:
        await engine.dispose()


async def test_read_only_database_is_reported_cleanly(
    sqlite_template: Path, tmp_path: Path, logbook_catalog: Catalog, clock: Clock
) -> None:
    import shutil

    path = tmp_path / "ro.db"
    shutil.copyfile(sqlite_template, path)
    engine = create_engine(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")
    try:
        service = LogbookService(make_session_factory(engine), logbook_catalog, clock=clock)
        with pytest.raises(StorageUnavailableError):
            await service.log_set(req())
        assert (await service.history(ALICE)).total == 0  # Reads still work.
    finally:
        await engine.dispose()
