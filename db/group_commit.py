"""Group commit: members' write transactions queued, run back to back in one database call, one commit.

Each job is a synchronous function of a ``Connection`` (its reads and writes together). One writer task
drains what is queued: it opens one transaction, runs up to ``max_batch`` jobs in it in a single call to
the database side, commits once, then answers each waiter. That call is, on a SQLite file, one hand-over
to a writer thread of our own with a synchronous driver connection (``db.engine.sqlite_writer``: no
aiosqlite hop per statement); elsewhere (PostgreSQL, in-memory SQLite) one ``AsyncConnection.run_sync``.
On SQLite in FULL mode the commit is the fsync, so the jobs share it; on PostgreSQL they share the
COMMIT round trip and its WAL flush. Nobody is answered before the commit that holds their write returns.

Failures stay with the member they belong to:

- a job that raises *before writing* (a validation error after its reads) gets its exception, and the
  batch goes on — nothing of it is in the transaction;
- a job that raises after writing, or any database error, rolls the batch back, and each of its jobs is
  run again alone, in a transaction of its own, so only the affected ones fail.

Jobs mark a write by setting ``Connection.info[WROTE]`` (``db.log_queries`` does).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import SQLITE_BEGIN_OPTION, sqlite_writer
from db.log_queries import WROTE

T = TypeVar("T")
Job = Callable[[Connection], T]

# Most jobs one transaction holds: enough that a burst shares few commits, few enough that the write lock
# is never held for long (a job costs well under a millisecond of database time).
MAX_BATCH = 64
# Longest a background job (an import batch) lets members' jobs go first.
BACKGROUND_MAX_WAIT_S = 0.5


@dataclass(slots=True)
class _Waiting:
    job: Job[Any]
    future: asyncio.Future[Any]
    queued_at: float = 0.0
    outcome: Any = None
    error: BaseException | None = None


@dataclass(slots=True)
class GroupCommitStats:
    """Counts for the benchmark and tests: transactions committed and jobs answered."""

    commits: int = 0
    jobs: int = 0
    retried_alone: int = 0
    sizes: collections.Counter[int] = field(default_factory=collections.Counter)


class GroupCommit:
    """One writer that drains queued write jobs into shared transactions (see the module docstring)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        lock: Callable[[], contextlib.AbstractAsyncContextManager[Any]] | None = None,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        # The caller's writer lock (SQLite: one writer per process), taken around each batch.
        self._lock = lock or contextlib.nullcontext
        self._max_batch = max_batch
        self._queue: collections.deque[_Waiting] = collections.deque()
        # Background jobs (import batches) wait here while members' jobs are queued, at most BACKGROUND_MAX_WAIT_S.
        self._background: collections.deque[_Waiting] = collections.deque()
        self._writer: asyncio.Task[None] | None = None
        self.stats = GroupCommitStats()
        self._thread_engine = sqlite_writer(engine)
        self._thread = (
            ThreadPoolExecutor(1, thread_name_prefix="coach-writer") if self._thread_engine is not None else None
        )

    @property
    def sync_engine(self) -> Engine:
        """The engine whose connections run the batches (the writer thread's, or the async engine's own)."""
        return self._thread_engine if self._thread_engine is not None else self._engine.sync_engine

    async def run(self, job: Job[T], *, background: bool = False) -> T:
        """Run ``job`` in a shared write transaction; its result once that transaction has committed.

        ``background`` jobs (import batches) go in only when no member's job is waiting, or once they have
        waited ``BACKGROUND_MAX_WAIT_S``; one per transaction, so a member's set never waits behind several."""
        loop = asyncio.get_running_loop()
        waiting = _Waiting(job, loop.create_future(), queued_at=loop.time())
        (self._background if background else self._queue).append(waiting)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name="coach-group-commit")
        # Shielded: a waiter that gives up (a cancelled command) must not cancel the batch others share.
        return await asyncio.shield(waiting.future)

    def _next_batch(self) -> list[_Waiting]:
        batch = [self._queue.popleft() for _ in range(min(self._max_batch, len(self._queue)))]
        if self._background and (
            not batch or asyncio.get_running_loop().time() - self._background[0].queued_at >= BACKGROUND_MAX_WAIT_S
        ):
            batch.append(self._background.popleft())
        return batch

    async def _drain(self) -> None:
        while self._queue or self._background:
            batch = self._next_batch()
            try:
                await self._commit(batch)
            except asyncio.CancelledError:
                for waiting in (*batch, *self._queue, *self._background):  # shutting down: nobody is told "logged"
                    waiting.future.cancel()
                raise
            except Exception as error:
                if len(batch) > 1:
                    await self._alone(batch)
                else:
                    batch[0].error = error
            for waiting in batch:
                self._answer(waiting)

    async def _alone(self, batch: list[_Waiting]) -> None:
        """After a failed batch: each job in a transaction of its own, so only the affected ones fail."""
        self.stats.retried_alone += len(batch)
        for waiting in batch:
            waiting.outcome, waiting.error = None, None
            try:
                await self._commit([waiting])
            except Exception as error:
                waiting.error = error

    async def _commit(self, batch: list[_Waiting]) -> None:
        async with self._lock():
            if self._thread is not None:
                await asyncio.get_running_loop().run_in_executor(self._thread, self._run_on_thread, batch)
            else:
                async with self._connection() as conn:
                    await conn.run_sync(self._run_batch, batch)
        self.stats.commits += 1
        self.stats.jobs += len(batch)
        self.stats.sizes[len(batch)] += 1

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        options = {SQLITE_BEGIN_OPTION: "IMMEDIATE"} if self._sqlite else {}
        async with self._engine.connect() as conn:
            yield await conn.execution_options(**options)

    def _run_on_thread(self, batch: list[_Waiting]) -> None:
        if self._thread_engine is None:  # pragma: no cover - only called when there is one
            raise RuntimeError("no writer engine")
        with self._thread_engine.connect() as conn:
            self._run_batch(conn.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"}), batch)

    @staticmethod
    def _run_batch(conn: Connection, batch: list[_Waiting]) -> None:
        """On the database side, in one call: BEGIN, every job, COMMIT."""
        with conn.begin():
            for waiting in batch:
                conn.info[WROTE] = False
                try:
                    waiting.outcome = waiting.job(conn)
                except sa_exc.DBAPIError:
                    raise  # the transaction may be aborted (PostgreSQL): the whole batch is retried alone
                except Exception as error:
                    if conn.info[WROTE] or len(batch) == 1:
                        raise  # part of it may be written: only a transaction of its own can take it back
                    waiting.error = error
        conn.info.pop(WROTE, None)

    @staticmethod
    def _answer(waiting: _Waiting) -> None:
        if waiting.future.done():  # pragma: no cover - futures are only resolved here
            return
        if waiting.error is not None:
            waiting.future.set_exception(waiting.error)
        else:
            waiting.future.set_result(waiting.outcome)

    async def close(self) -> None:
        """Wait for queued jobs to finish, then stop the writer thread and close its connection (at shutdown)."""
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await self._writer
        if self._thread is not None:
            self._thread.shutdown(wait=True)
        if self._thread_engine is not None:
            self._thread_engine.dispose()
