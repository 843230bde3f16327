"""Group commit on SQLite and PostgreSQL: shared commits, and failures answered only to their own job."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.engine import transaction
from db.group_commit import GroupCommit
from db.log_queries import LogQueries
from db.models import LOGGED_SETS, BotState, utc_now
from db.repositories import BotStateRepository, MemberRepository
from tests.db.test_repositories import new_set


def _lock_for(engine: AsyncEngine) -> Any:
    lock = asyncio.Lock()
    return (lambda: lock) if engine.dialect.name == "sqlite" else None


async def _member(session_factory: async_sessionmaker[AsyncSession], member_id: int = 1) -> None:
    async with transaction(session_factory, write=True) as session:
        await MemberRepository(session).ensure(member_id)


def _log(interaction_id: int, *, fail: str | None = None) -> Any:
    """A job inserting one set; ``fail`` raises before ("before") or after ("after") writing."""

    def job(conn: Connection) -> int:
        queries = LogQueries(conn)
        if fail == "before":
            raise ValueError(f"refused {interaction_id}")
        row = new_set(interaction_id=interaction_id, minutes=interaction_id % 50)
        queries.insert(row)
        if fail == "after":
            raise ValueError(f"broke after writing {interaction_id}")
        return row.id

    return job


async def _stored(session_factory: async_sessionmaker[AsyncSession]) -> set[int]:
    async with transaction(session_factory, write=False) as session:
        return set((await session.execute(select(LOGGED_SETS.c.interaction_id))).scalars())


async def test_concurrent_jobs_share_commits(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _member(session_factory)
    group = GroupCommit(engine, lock=_lock_for(engine))
    ids = await asyncio.gather(*(group.run(_log(n)) for n in range(1, 41)))
    assert len(set(ids)) == 40
    assert await _stored(session_factory) == set(range(1, 41))
    # 40 jobs queued at once: the first runs alone, the rest share a commit or two.
    assert group.stats.jobs == 40
    assert group.stats.commits <= 3, group.stats


async def test_a_job_refused_before_writing_fails_alone(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _member(session_factory)
    group = GroupCommit(engine, lock=_lock_for(engine))
    jobs = [_log(n, fail="before" if n == 5 else None) for n in range(1, 11)]
    results = await asyncio.gather(*(group.run(job) for job in jobs), return_exceptions=True)
    assert [type(r) for r in results].count(ValueError) == 1
    assert isinstance(results[4], ValueError)
    assert "refused 5" in str(results[4])
    assert await _stored(session_factory) == set(range(1, 11)) - {5}
    assert group.stats.retried_alone == 0  # nothing of it was written: the others kept their shared commit


async def test_a_job_failing_after_writing_is_taken_back_alone(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _member(session_factory)
    group = GroupCommit(engine, lock=_lock_for(engine))
    jobs = [_log(n, fail="after" if n == 7 else None) for n in range(1, 11)]
    results = await asyncio.gather(*(group.run(job) for job in jobs), return_exceptions=True)
    assert isinstance(results[6], ValueError)
    assert all(isinstance(r, int) for i, r in enumerate(results) if i != 6)
    # Its half-done write is gone; everyone else's set is stored.
    assert await _stored(session_factory) == set(range(1, 11)) - {7}
    assert group.stats.retried_alone > 0


async def test_a_database_error_reaches_only_its_job(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _member(session_factory)
    async with transaction(session_factory, write=True) as session:
        await BotStateRepository(session).set("taken", "x")
    group = GroupCommit(engine, lock=_lock_for(engine))

    def clash(conn: Connection) -> None:  # a plain INSERT of an existing key: the database refuses it
        conn.execute(insert(BotState), {"key": "taken", "value": "y", "updated_at": utc_now()})

    jobs: list[Any] = [_log(n) for n in range(1, 6)]
    jobs.insert(2, clash)
    results = await asyncio.gather(*(group.run(job) for job in jobs), return_exceptions=True)
    assert isinstance(results[2], IntegrityError)
    assert sum(isinstance(r, int) for r in results) == 5
    assert await _stored(session_factory) == set(range(1, 6))


async def test_nobody_hears_before_the_commit(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """Each answer comes after its set is visible to a fresh connection (committed)."""
    await _member(session_factory)
    group = GroupCommit(engine, lock=_lock_for(engine))

    async def log_and_check(n: int) -> bool:
        await group.run(_log(n))
        return n in await _stored(session_factory)

    assert all(await asyncio.gather(*(log_and_check(n) for n in range(1, 21))))


@pytest.mark.parametrize("size", [1, 64])
async def test_batches_never_pass_the_limit(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], size: int
) -> None:
    await _member(session_factory)
    group = GroupCommit(engine, lock=_lock_for(engine), max_batch=size)
    await asyncio.gather(*(group.run(_log(n)) for n in range(1, 101)))
    assert max(group.stats.sizes) <= size
    assert await _stored(session_factory) == set(range(1, 101))


async def test_members_jobs_go_before_a_background_job(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _member(session_factory)
    group = GroupCommit(engine, lock=_lock_for(engine))
    order: list[str] = []

    def job(name: str, n: int) -> Any:
        inner = _log(n)

        def run(conn: Connection) -> int:
            order.append(name)
            return int(inner(conn))

        return run

    jobs = [group.run(job("member", n)) for n in range(1, 4)]
    jobs.append(group.run(job("import", 4), background=True))
    jobs += [group.run(job("member", n)) for n in range(5, 8)]
    await asyncio.gather(*jobs)
    assert order == ["member"] * 6 + ["import"], "queued together: the members' sets commit first"
    assert await _stored(session_factory) == set(range(1, 8))


async def test_a_background_job_waits_at_most_half_a_second(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Members logging without a pause can't starve an import: after the wait it shares their commit."""
    await _member(session_factory)
    monkeypatch.setattr("db.group_commit.BACKGROUND_MAX_WAIT_S", 0.05)
    group = GroupCommit(engine, lock=_lock_for(engine))
    stop = asyncio.Event()
    numbers = iter(range(100, 10_000))

    async def member() -> None:
        while not stop.is_set():
            await group.run(_log(next(numbers)))

    members = [asyncio.ensure_future(member()) for _ in range(4)]
    await asyncio.sleep(0.02)
    await asyncio.wait_for(group.run(_log(1), background=True), 5)
    stop.set()
    await asyncio.gather(*members)
    assert 1 in await _stored(session_factory)
