"""Bulk loader: a year of realistic training history for many members, a million sets in seconds.

Rows are generated day by day across the year (so they land in the table interleaved by time, as
real traffic would leave them), satisfy every constraint of ``logged_sets`` and go in through
SQLAlchemy Core ``insert()`` executemany batches in one transaction (SQLite, with
``synchronous=OFF`` for the load only) or ``COPY`` (PostgreSQL, asyncpg ``copy_records_to_table``).

Run on its own: ``python -m bench.seed --url sqlite+aiosqlite:///data/bench.db --rows 100000`` (or with the
URL in ``DATABASE_URL``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog import Catalog, Exercise, load_catalog
from coach.exercise_search import allows_zero_weight, custom_key
from coach.metrics import KG_PER_LB, estimate_1rm
from db.engine import create_engine
from db.migrate import upgrade_to_head
from db.models import LOGGED_SETS, MEMBER_SETTINGS, LoggedSet

# A member's year: about 50 sessions of about 10 sets ("a few hundred sets each").
SETS_PER_MEMBER = 500
SETS_PER_SESSION = 10
MIN_MEMBERS = 200
HISTORY_DAYS = 365
GUILDS = 20
BATCH_ROWS = 20_000

# Snowflake-sized ids in a range no real interaction uses, so the benchmark's own ids never collide.
MEMBER_ID_BASE = 1_100_000_000_000_000_000
BENCH_GUILD_ID = 1_100_000_000_000_100_000
GUILD_ID_BASE = BENCH_GUILD_ID + 1
CHANNEL_ID_BASE = 1_100_000_000_000_200_000
INTERACTION_ID_BASE = 1_000_000_000_000_000_000

COLUMNS: tuple[str, ...] = (
    "member_id", "guild_id", "channel_id", "interaction_id", "exercise_key", "exercise_id", "custom_name",
    "exercise_name", "weight_kg", "weight_value", "weight_unit", "reps", "rpe", "kind", "note", "e1rm_kg",
    "performed_at", "created_at", "source", "import_key",
)  # fmt: skip
_Row = tuple[Any, ...]
_Times = Callable[[int], Any]
_RPES = (6.0, 6.5, 7.0, 7.5, 8.0, 8.5, 9.0, 9.5, 10.0)
_CUSTOM_NAMES = ("Cable Y Raise", "Landmine Press", "Belt Squat", "Meadows Row", "Spider Curl")
_NOTES = ("felt strong", "left shoulder niggle", "new shoes", "paused reps", "slow eccentric")


def member_id(index: int) -> int:
    """The id of the ``index``-th seeded member (0-based); the benchmark acts as members 0, 1, 2…"""
    return MEMBER_ID_BASE + index


def members_for(rows: int) -> int:
    """How many members hold ``rows`` sets (at least MIN_MEMBERS, so the load test has 200 with history)."""
    return max(MIN_MEMBERS, rows // SETS_PER_MEMBER) if rows else 0


@dataclass(frozen=True, slots=True)
class _Lift:
    key: str
    exercise_id: str | None
    custom_name: str | None
    name: str
    compound: bool
    reps: tuple[int, int]
    base_kg: float
    loadless: bool


@dataclass(slots=True)
class _Member:
    index: int
    rng: random.Random
    unit: str
    guild_id: int
    channel_id: int
    hour: int
    program: list[list[_Lift]]
    sessions: dict[int, int]  # day -> sets in that session
    next_day: int = 0


def _lift(exercise: Exercise, rng: random.Random) -> _Lift:
    loadless = allows_zero_weight(exercise)
    if exercise.is_compound:
        base = 0.0 if loadless and rng.random() < 0.6 else rng.uniform(40, 120)
    else:
        base = 0.0 if loadless and rng.random() < 0.6 else rng.uniform(8, 40)
    return _Lift(
        key=exercise.id,
        exercise_id=exercise.id,
        custom_name=None,
        name=exercise.name,
        compound=exercise.is_compound,
        reps=(exercise.prescription.reps_low, exercise.prescription.reps_high),
        base_kg=base,
        loadless=loadless,
    )


def _program(catalog: Catalog, rng: random.Random) -> list[list[_Lift]]:
    """Three pre-exhaust days (isolations first, then compounds, least to most intense)."""
    days = []
    for day in ("lower", "push", "pull"):
        pool = catalog.for_day(day)
        isolations = rng.sample([e for e in pool if e.is_isolation], 2)
        compounds = rng.sample([e for e in pool if e.is_compound], 2)
        ordered = sorted(isolations, key=lambda e: e.intensity) + sorted(compounds, key=lambda e: e.intensity)
        days.append([_lift(e, rng) for e in ordered])
    if rng.random() < 0.05:
        # Some members log a move the catalog doesn't have, as a custom exercise.
        name = rng.choice(_CUSTOM_NAMES)
        custom = _Lift(custom_key(name), None, name, name, False, (8, 12), rng.uniform(10, 50), True)
        days[rng.randrange(3)].insert(0, custom)
    return days


def _member_rng(index: int, seed: int) -> random.Random:
    return random.Random(seed * 1_000_003 + index)  # noqa: S311 - reproducible synthetic data, not secrets


def program_keys(index: int, catalog: Catalog, seed: int = 1) -> list[str]:
    """The catalog exercises the ``index``-th member trains (whatever the database size), pre-exhaust order."""
    return [lift.key for day in _program(catalog, _member_rng(index, seed)) for lift in day if lift.exercise_id]


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _members(rows: int, catalog: Catalog, seed: int) -> list[_Member]:
    count = members_for(rows)
    members = []
    for index, quota in enumerate(_split(rows, count)):
        rng = _member_rng(index, seed)
        program = _program(catalog, rng)  # drawn first: it depends on the member alone (see program_keys)
        n_sessions = max(1, min(HISTORY_DAYS, round(quota / SETS_PER_SESSION)))
        days = sorted(rng.sample(range(HISTORY_DAYS), n_sessions))
        # Members 0..MIN_MEMBERS-1 (the benchmark's acting and load-test members) train in its guild.
        guild = 0 if index < MIN_MEMBERS else rng.randrange(GUILDS)
        members.append(
            _Member(
                index=index,
                rng=rng,
                unit="lb" if rng.random() < 0.2 else "kg",
                guild_id=BENCH_GUILD_ID if guild == 0 else GUILD_ID_BASE + guild,
                channel_id=CHANNEL_ID_BASE + guild,
                hour=rng.randrange(6, 21),
                program=program,
                sessions=dict(zip(days, _split(quota, n_sessions), strict=True)),
            )
        )
    return members


def _weight(kg: float, unit: str) -> tuple[float, float]:
    """(weight_kg, weight_value) as a member would type it: 2.5 kg or 5 lb steps."""
    if kg <= 0:
        return 0.0, 0.0
    if unit == "lb":
        value = max(5.0, round(kg / KG_PER_LB / 5) * 5)
        return min(round(value * KG_PER_LB, 9), 1000.0), value
    value = max(2.5, round(kg / 2.5) * 2.5)
    return min(value, 1000.0), value


def _session(member: _Member, size: int, start: int, progress: float, ids: Iterator[int], times: _Times) -> list[_Row]:
    """One session's sets; ``start`` and the times inside are seconds since the history began."""
    rng = member.rng
    chance = rng.random
    lifts = member.program[member.next_day % len(member.program)]
    member.next_day += 1
    mid = member_id(member.index)
    rows: list[_Row] = []
    at = start
    for lift, sets in zip(lifts, _split(size, min(len(lifts), size)), strict=False):
        planned = lift.base_kg * (1 + 0.15 * progress)  # a year of steady progress
        low, span = lift.reps[0], lift.reps[1] - lift.reps[0] + 1
        for n in range(sets):
            kind, load = "working", planned
            if lift.compound and n == 0 and sets > 2 and chance() < 0.3:
                kind, load = "warmup", planned * 0.6
            elif n == sets - 1 and chance() < 0.06:
                kind = "failure" if chance() < 0.5 else "drop"
                load = planned * 0.8 if kind == "drop" else planned
            weight_kg, weight_value = _weight(load, member.unit)
            reps = low + int(chance() * span)
            at += 90 + int(chance() * 150)  # rest between sets
            roll = chance()
            rpe = _RPES[int(roll / 0.4 * len(_RPES))] if roll < 0.4 else None
            note = _NOTES[int(roll * 1000) % len(_NOTES)] if roll > 0.98 else None
            rows.append(
                (
                    mid, member.guild_id, member.channel_id, next(ids), lift.key, lift.exercise_id, lift.custom_name,
                    lift.name, weight_kg, weight_value, member.unit, reps, rpe, kind, note,
                    estimate_1rm(weight_kg, reps), times(at), times(at + 5 + int(chance() * 55)), "discord", None,
                )
            )  # fmt: skip
    return rows


def _time_converter(first: datetime, sqlite: bool) -> _Times:
    """Seconds since ``first`` -> aware datetimes (PostgreSQL COPY) or SQLite's stored text, fast.

    SQLite text is what ``UtcDateTime`` would store (``_check_sqlite_format`` proves it); building it from
    cached day and time-of-day strings is ten times cheaper than formatting a datetime per value.
    """
    if not sqlite:
        return lambda seconds: first + timedelta(seconds=seconds)
    days = [sqlite_time(first + timedelta(days=d))[:11] for d in range(HISTORY_DAYS + 2)]
    clock = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000000" for s in range(86_400)]
    return lambda seconds: days[seconds // 86_400] + clock[seconds % 86_400]


def generate(
    rows: int, catalog: Catalog, *, now: datetime, seed: int = 1, sqlite: bool = False
) -> Iterator[list[_Row]]:
    """Batches of ``logged_sets`` rows (``COLUMNS`` order), oldest first, ``rows`` in all; the last day is yesterday.

    Timestamps are aware datetimes, or with ``sqlite`` the text SQLite stores.
    """
    members = _members(rows, catalog, seed)
    by_day: dict[int, list[_Member]] = {}
    for member in members:
        for day in member.sessions:
            by_day.setdefault(day, []).append(member)
    first = (now - timedelta(days=HISTORY_DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
    times = _time_converter(first, sqlite)
    ids = iter(range(INTERACTION_ID_BASE, INTERACTION_ID_BASE + rows))
    batch: list[_Row] = []
    for day in range(HISTORY_DAYS):
        today: list[_Row] = []
        for member in by_day.get(day, ()):
            start = day * 86_400 + member.hour * 3600 + member.rng.randrange(3600)
            today += _session(member, member.sessions[day], start, day / HISTORY_DAYS, ids, times)
        today.sort(key=lambda row: row[16])  # performed_at: the order real traffic would insert them
        batch += today
        if len(batch) >= BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def member_rows(rows: int, *, now: datetime, seed: int = 1) -> list[dict[str, Any]]:
    """``member_settings`` rows for the seeded members (some chose a unit, a few share publicly)."""
    out = []
    for index in range(members_for(rows)):
        rng = random.Random(seed * 7_919 + index)  # noqa: S311 - reproducible synthetic data
        out.append(
            {
                "member_id": member_id(index),
                "unit": rng.choice((None, None, "kg", "lb")),
                "share": "public" if rng.random() < 0.1 else "private",
                "created_at": now - timedelta(days=HISTORY_DAYS + 1),
                "updated_at": now - timedelta(days=HISTORY_DAYS + 1),
            }
        )
    return out


@dataclass(frozen=True)
class SeedResult:
    """What a load did and how long it took."""

    rows: int
    members: int
    seconds: float


def sqlite_time(value: datetime) -> str:
    """An aware UTC timestamp as ``UtcDateTime`` stores it on SQLite (see ``_check_sqlite_format``)."""
    return value.isoformat(" ", "microseconds")[:26]  # without the "+00:00"


def _check_sqlite_format(conn: AsyncConnection) -> None:
    """Fail loudly if SQLAlchemy would store timestamps differently from ours: ordering and equality depend on it."""
    process = LoggedSet.__table__.c.performed_at.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    first = datetime(2026, 1, 2, tzinfo=UTC)
    times = _time_converter(first, sqlite=True)
    for seconds in (0, 3_723, 86_399, 86_400 * 300 + 45_296):
        expected = process(first + timedelta(seconds=seconds)) if process else None
        if expected != times(seconds):
            raise RuntimeError(f"SQLite timestamp format changed: {expected!r} != {times(seconds)!r}")


async def _secondary_indexes(conn: AsyncConnection) -> list[tuple[str, str]]:
    """(name, CREATE statement) of logged_sets' plain indexes, as the database itself defines them."""
    if conn.dialect.name == "sqlite":
        query = (
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'logged_sets' AND sql IS NOT NULL"
        )
    else:
        query = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'logged_sets' AND indexname LIKE 'ix_%'"
    rows: list[Any] = list((await conn.exec_driver_sql(query)).all())
    return [(str(name), str(sql)) for name, sql in rows]


async def _load_sqlite(conn: AsyncConnection, batches: Iterator[list[tuple[Any, ...]]]) -> int:
    _check_sqlite_format(conn)
    # The statement SQLAlchemy Core compiles for this table, executemany'd with rows already in the stored
    # form: per-row bind processing would cost more than the insert itself.
    compiled = insert(LOGGED_SETS).compile(dialect=conn.dialect, column_keys=list(COLUMNS))
    # Rows are passed positionally, timestamps (at 16 and 17) already in their stored text form.
    if tuple(compiled.positiontup or ()) != COLUMNS or COLUMNS[16:18] != ("performed_at", "created_at"):
        raise RuntimeError("the bulk loader's column order no longer matches the logged_sets insert")
    done = 0
    for batch in batches:
        await conn.exec_driver_sql(str(compiled), batch)
        done += len(batch)
    return done


async def _load_postgres(conn: AsyncConnection, batches: Iterator[list[tuple[Any, ...]]]) -> int:
    driver: Any = (await conn.get_raw_connection()).driver_connection
    done = 0
    for batch in batches:
        await driver.copy_records_to_table("logged_sets", records=batch, columns=list(COLUMNS))
        done += len(batch)
    return done


async def seed_database(url: str, rows: int, *, now: datetime | None = None, seed: int = 1) -> SeedResult:
    """Migrate ``url`` to head and load ``rows`` sets (plus their members) in one transaction."""
    now = now or datetime.now(UTC)
    started = time.perf_counter()
    catalog = load_catalog()
    engine = create_engine(url)
    try:
        await upgrade_to_head(engine)
        if rows:
            async with engine.connect() as conn:
                sqlite = conn.dialect.name == "sqlite"
                if sqlite:
                    # Seeding only: no fsync and a big page cache; the bot's own connections keep their PRAGMAs.
                    # On the driver connection: PRAGMA synchronous can't run inside the transaction SQLAlchemy begins.
                    raw: Any = (await conn.get_raw_connection()).driver_connection
                    await raw.execute("PRAGMA synchronous=OFF")
                    await raw.execute("PRAGMA cache_size=-1000000")
                    # No WAL for the load (it would write everything twice); helper threads sort the indexes.
                    await raw.execute("PRAGMA journal_mode=MEMORY")
                    await raw.execute("PRAGMA threads=2")
                    # Every set's member is inserted just before; checking that a million times is wasted work.
                    await raw.execute("PRAGMA foreign_keys=OFF")
                async with conn.begin():
                    indexes = await _secondary_indexes(conn)
                    # Building each index once, sorted, after the load is several times faster than
                    # maintaining five of them row by row. Same transaction: nobody sees the table without them.
                    for name, _ in indexes:
                        await conn.exec_driver_sql(f"DROP INDEX {name}")
                    await conn.execute(insert(MEMBER_SETTINGS), member_rows(rows, now=now, seed=seed))
                    batches = generate(rows, catalog, now=now, seed=seed, sqlite=sqlite)
                    loaded = await (_load_sqlite if sqlite else _load_postgres)(conn, batches)
                    for _, create in indexes:
                        await conn.exec_driver_sql(create)
                if sqlite:
                    await raw.execute("PRAGMA journal_mode=WAL")
                    await raw.execute("PRAGMA foreign_keys=ON")
                else:
                    # Autovacuum would analyse a table this size within a minute in production; do it now.
                    await conn.execute(text("ANALYZE logged_sets"))
                    await conn.execute(text("ANALYZE member_settings"))
                    await conn.commit()
                if loaded != rows:
                    raise RuntimeError(f"loaded {loaded} rows, expected {rows}")
    finally:
        await engine.dispose()
    return SeedResult(rows=rows, members=members_for(rows), seconds=time.perf_counter() - started)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: seed one database and print what was done as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.seed", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        default=os.environ.get("DATABASE_URL"),
        help="SQLAlchemy URL of the database to load, migrated first (default: DATABASE_URL)",
    )
    parser.add_argument("--rows", type=int, required=True, help="how many sets to store")
    parser.add_argument("--now", help="ISO time the history ends at (default: now)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (the same seed gives the same rows)")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("give --url or set DATABASE_URL")
    now = datetime.fromisoformat(args.now) if args.now else None
    result = asyncio.run(seed_database(args.url, args.rows, now=now, seed=args.seed))
    print(json.dumps({"rows": result.rows, "members": result.members, "seconds": round(result.seconds, 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
