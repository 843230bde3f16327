"""Repositories on SQLite and PostgreSQL: constraints, scoping, ordering and index-backed look-ups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.engine import transaction
from db.log_queries import LogQueries
from db.models import LoggedSet, MemberSettings
from db.repositories import BotStateRepository, GuildRepository, MemberRepository, NewSet, SetRepository

T0 = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


async def queries(session: AsyncSession, method: str, *args: Any, **kwargs: Any) -> Any:
    """Call a /log query (``LogQueries``, synchronous) on the session's connection, as /log's transaction does
    (a walk is read to its end)."""

    def call(sync: Any) -> Any:
        result = getattr(LogQueries(sync.connection()), method)(*args, **kwargs)
        return list(result) if method == "walk" else result

    return await session.run_sync(call)


def make_set(member_id: int = 1, *, minutes: float = 0, **overrides: Any) -> LoggedSet:
    """A valid LoggedSet performed ``minutes`` after T0."""
    values: dict[str, Any] = {
        "member_id": member_id,
        "guild_id": 10,
        "channel_id": 20,
        "exercise_key": "bench_press",
        "exercise_id": "bench_press",
        "exercise_name": "Bench Press",
        "weight_kg": 100.0,
        "weight_value": 100.0,
        "weight_unit": "kg",
        "reps": 5,
        "kind": "working",
        "e1rm_kg": 100.0 * (1 + 5 / 30),
        "performed_at": T0 + timedelta(minutes=minutes),
        "created_at": T0 + timedelta(minutes=minutes),
    }
    values.update(overrides)
    return LoggedSet(**values)


def new_set(member_id: int = 1, *, minutes: float = 0, interaction_id: int | None = None) -> NewSet:
    """A set as /log inserts it."""
    row = make_set(member_id, minutes=minutes, interaction_id=interaction_id)
    values = {c.key: getattr(row, c.key) for c in LoggedSet.__table__.columns if c.key != "id"}
    values["source"] = "discord"
    values["time_known"] = True
    return NewSet(**{k: v for k, v in values.items() if k in NewSet.__dataclass_fields__})


async def add_sets(factory: async_sessionmaker[AsyncSession], *rows: LoggedSet) -> list[int]:
    """Insert rows (creating their members) in one transaction; return their ids."""
    async with transaction(factory, write=True) as session:
        members = MemberRepository(session)
        for member_id in {r.member_id for r in rows}:
            await members.ensure(member_id)
        session.add_all(rows)
        await session.flush()
        return [r.id for r in rows]


async def test_interaction_id_is_unique(session_factory: async_sessionmaker[AsyncSession]) -> None:
    await add_sets(session_factory, make_set(interaction_id=555))
    # The /log insert reports a replayed interaction as an outcome, writing nothing.
    async with transaction(session_factory, write=True) as session:
        assert not await queries(session, "insert", new_set(interaction_id=555, minutes=1))
        assert await queries(session, "insert", new_set(interaction_id=556, minutes=1))
    with pytest.raises(IntegrityError):
        await add_sets(session_factory, make_set(interaction_id=555, minutes=1))
    # Sets without an interaction (future imports) don't collide with each other.
    await add_sets(session_factory, make_set(minutes=2), make_set(minutes=3))
    async with transaction(session_factory, write=False) as session:
        assert (await queries(session, "by_interaction", 555)) is not None
        assert await SetRepository(session).count(1) == 4  # 555, 556 and the two without an interaction


@pytest.mark.parametrize(
    "bad",
    [
        {"reps": 0},
        {"reps": 101},
        {"rpe": 10.5},
        {"kind": "heavy"},
        {"weight_unit": "st"},
        {"weight_kg": -1.0},
        {"weight_kg": 1500.0},
        {"exercise_id": None, "custom_name": None},
    ],
)
async def test_check_constraints_guard_the_table(
    session_factory: async_sessionmaker[AsyncSession], bad: dict[str, Any]
) -> None:
    """Even a buggy caller can't store an impossible set."""
    with pytest.raises(IntegrityError):
        await add_sets(session_factory, make_set(**bad))


async def test_sets_need_a_member_row(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """Foreign keys are enforced (on SQLite too, thanks to PRAGMA foreign_keys)."""
    async with transaction(session_factory, write=False) as session:
        session.add(make_set(member_id=999))
        with pytest.raises(IntegrityError):
            await session.flush()


async def test_deleting_a_member_cascades_to_their_sets(session_factory: async_sessionmaker[AsyncSession]) -> None:
    await add_sets(session_factory, make_set(1), make_set(1, minutes=1), make_set(2))
    async with transaction(session_factory, write=True) as session:
        assert await MemberRepository(session).delete(1) == 1
    async with transaction(session_factory, write=False) as session:
        assert await SetRepository(session).count(1) == 0
        assert await SetRepository(session).count(2) == 1


async def test_member_settings_ensure_and_update(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with transaction(session_factory, write=True) as session:
        repo = MemberRepository(session)
        await repo.ensure(7)
        await repo.ensure(7)  # Idempotent: a second first-use never fails.
        row = await repo.update(7, unit="lb")
        assert (row.unit, row.share) == ("lb", "private")
        row = await repo.update(7, share="public")
        assert (row.unit, row.share) == ("lb", "public")
    async with transaction(session_factory, write=False) as session:
        assert await session.scalar(select(func.count()).select_from(MemberSettings)) == 1


async def test_guild_settings_and_bot_state(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with transaction(session_factory, write=True) as session:
        guilds = GuildRepository(session)
        row = await guilds.update(42)
        assert (row.evidence_replies, row.evidence_channel_id) == (False, None)
        row = await guilds.update(42, evidence_replies=True, evidence_channel_id=9_000_000_000_000_000_001)
        assert (row.evidence_replies, row.evidence_channel_id) == (True, 9_000_000_000_000_000_001)
        state = BotStateRepository(session)
        assert await state.get("sync:global") is None
        await state.set("sync:global", "abc")
        await state.set("sync:global", "def")
    async with transaction(session_factory, write=False) as session:
        assert await BotStateRepository(session).get("sync:global") == "def"
        guild = await GuildRepository(session).get(42)
        assert guild is not None
        assert guild.evidence_replies is True


async def test_snowflake_ids_survive(session_factory: async_sessionmaker[AsyncSession]) -> None:
    big = 1_234_567_890_123_456_789  # Discord ids need 64 bits.
    [set_id] = await add_sets(session_factory, make_set(big, guild_id=big, channel_id=big, interaction_id=big))
    async with transaction(session_factory, write=False) as session:
        row = await SetRepository(session).get(set_id)
        assert row is not None
        assert (row.member_id, row.guild_id, row.channel_id, row.interaction_id) == (big,) * 4


async def test_queries_are_scoped_to_the_member(session_factory: async_sessionmaker[AsyncSession]) -> None:
    await add_sets(
        session_factory,
        make_set(1, minutes=0, weight_kg=100.0, e1rm_kg=110.0),
        make_set(2, minutes=1, weight_kg=200.0, e1rm_kg=230.0),
        make_set(1, minutes=2, exercise_key="squat", exercise_id="back_squat", exercise_name="Back Squat"),
    )
    async with transaction(session_factory, write=False) as session:
        repo = SetRepository(session)
        at = T0 + timedelta(hours=1)
        known = await queries(session, "log_context", 1, "bench_press", 5, at)
        assert (known.best_e1rm, known.best_at_reps) == (110.0, 100.0)
        assert [r.member_id for r in await repo.history(1)] == [1, 1]
        assert await repo.count(2) == 1
        walked = await queries(session, "walk", 1, at, T0 - timedelta(hours=1), limit=10)
        assert [r.performed_at for r in walked] == [T0 + timedelta(minutes=2), T0]
        # Older than a given set (the previous session's walk), and the floor and limit respected.
        older = await queries(session, "walk", 1, T0 + timedelta(minutes=2), T0, limit=10, after_id=walked[0].id)
        assert [r.performed_at for r in older] == [T0]
        assert await queries(session, "walk", 1, at, T0 + timedelta(minutes=1), limit=10) == walked[:1]
        assert len(await queries(session, "walk", 1, at, T0, limit=1)) == 1
        anchor = await queries(session, "latest_before", 1, "bench_press", T0 + timedelta(minutes=2))
        assert anchor is not None
        assert anchor.performed_at == T0
        assert await queries(session, "latest_before", 1, "bench_press", T0) is None
        latest = await repo.latest_logged(1)
        assert latest is not None
        assert latest.exercise_key == "squat"
        assert await repo.recent_exercises(1, limit=5) == [("squat", "Back Squat"), ("bench_press", "Bench Press")]
        assert [r.member_id for r in await repo.export_batch(2, None, 10)] == [2]


async def test_records_ignore_warmups_and_respect_before_id(session_factory: async_sessionmaker[AsyncSession]) -> None:
    ids = await add_sets(
        session_factory,
        make_set(minutes=0, weight_kg=80.0, e1rm_kg=93.3),
        make_set(minutes=1, weight_kg=140.0, reps=5, kind="warmup", e1rm_kg=163.3),
        make_set(minutes=2, weight_kg=100.0, e1rm_kg=116.7),
    )
    async with transaction(session_factory, write=False) as session:

        async def bests(reps: int, before_id: int | None = None) -> tuple[float | None, float | None]:
            at = T0 + timedelta(hours=1)
            known = await queries(session, "log_context", 1, "bench_press", reps, at, before_id=before_id)
            return known.best_e1rm, known.best_at_reps

        assert await bests(5) == (116.7, 100.0)
        assert (await bests(5, before_id=ids[2]))[0] == 93.3
        assert (await bests(6))[1] is None
        assert await bests(5, before_id=ids[0]) == (None, None)


async def test_history_pages_newest_first(session_factory: async_sessionmaker[AsyncSession]) -> None:
    await add_sets(session_factory, *(make_set(minutes=i, reps=i + 1) for i in range(7)))
    async with transaction(session_factory, write=False) as session:
        repo = SetRepository(session)
        first = await repo.history(1, offset=0, limit=3)
        second = await repo.history(1, offset=3, limit=3)
        assert [r.reps for r in first] == [7, 6, 5]
        assert [r.reps for r in second] == [4, 3, 2]
        assert [r.reps for r in await repo.history(1, since=T0 + timedelta(minutes=5))] == [7, 6]


async def test_delete_for_member_counts_rows(session_factory: async_sessionmaker[AsyncSession]) -> None:
    await add_sets(session_factory, make_set(1), make_set(1, minutes=1), make_set(2))
    async with transaction(session_factory, write=True) as session:
        assert await SetRepository(session).delete_for_member(1) == 2
    async with transaction(session_factory, write=False) as session:
        assert await SetRepository(session).count(2) == 1


async def _explain(engine: AsyncEngine, statement: str, params: Any) -> str:
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
            return "\n".join(str(r[-1]) for r in rows)
        # A table this small would be seq-scanned anyway; forbid that to learn whether an index *can* serve it.
        await conn.exec_driver_sql("SET enable_seqscan = off")
        rows = await conn.exec_driver_sql("EXPLAIN " + statement, params)
        return "\n".join(str(r[0]) for r in rows)


async def test_member_look_ups_are_index_backed(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """Every per-member read the service makes can be answered from an index (no full-table scan)."""
    await add_sets(session_factory, *(make_set(m, minutes=i) for m in (1, 2) for i in range(5)))
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "logged_sets" in statement:
            captured.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with transaction(session_factory, write=False) as session:
            repo = SetRepository(session)
            at = T0 + timedelta(hours=1)
            await queries(session, "walk", 1, at, T0, limit=101)
            await queries(session, "walk", 1, at, T0, limit=101, after_id=3)
            await queries(session, "latest_before", 1, "bench_press", at)
            await repo.export_batch(1, (T0, 1), 100)
            await repo.count_up_to(1, 1000)
            await repo.history(1, since=T0, exercise_key="bench_press")
            await repo.history(1, since=T0)
            await repo.count(1, since=T0)
            await repo.recent_exercises(1, limit=10)
            await repo.latest_logged(1)
            await queries(session, "by_interaction", 123)
            # /log's single read: every part of it must be index-backed too.
            await queries(session, "log_context", 1, "bench_press", 5, at, cap=1000, interaction_id=123)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)

    assert len(captured) == 12
    for statement, params in captured:
        plan = await _explain(engine, statement, params)
        if engine.dialect.name == "sqlite":
            assert "SCAN logged_sets" not in plan, f"{statement}\n{plan}"
            assert "USING" in plan, f"{statement}\n{plan}"
        else:
            assert "Seq Scan" not in plan, f"{statement}\n{plan}"
