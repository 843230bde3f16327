"""How services reach the database: one transaction per unit of work, outages as a domain error.

``Service`` is the base of the logbook, insight and import services.

Every service (logbook, insight, importer) opens its transactions here, so they share one rule for
database outages (``storage_errors``) and, on SQLite, one queue of writers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from typing import TypeVar

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog import Catalog
from coach.errors import (
    AmbiguousExerciseError,
    CoachError,
    LimitReachedError,
    StorageUnavailableError,
    UnknownExerciseError,
)
from coach.exercise_search import CUSTOM_PREFIX, ExerciseIndex, ResolvedExercise, clean_custom_name, custom_key
from coach.settings import DEFAULT_MAX_SETS_PER_MEMBER
from coach.text import member_text
from coach.timeparse import utc_now
from db.engine import transaction
from db.exercise_map_repository import ExerciseMapRepository
from db.group_commit import BACKGROUND_MAX_WAIT_S, GroupCommit, Job
from db.repositories import SetRepository

log = logging.getLogger(__name__)

T = TypeVar("T")


@contextlib.contextmanager
def storage_errors() -> Iterator[None]:
    """Turn database outages (unreachable, locked, read-only, pool exhausted) into StorageUnavailableError."""
    try:
        yield
    except CoachError:
        raise
    except (sa_exc.DBAPIError, sa_exc.TimeoutError, OSError) as error:
        if isinstance(error, sa_exc.IntegrityError):
            log.info("integrity conflict: %s", error.orig)
        else:
            log.warning("storage unavailable: %s", error, exc_info=True)
        raise StorageUnavailableError() from error


class Storage:
    """Read and write transactions over one session factory, shared by every service of a bot."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory
        bind = session_factory.kw.get("bind")
        # SQLite has one writer at a time: queue this process's writers fairly on an asyncio lock
        # instead of letting them spin on the busy timeout (which still covers other processes).
        self._write_lock: asyncio.Lock | None = (
            asyncio.Lock() if bind is not None and bind.dialect.name == "sqlite" else None
        )
        # Members' own writes (a /log, an undo) go before background ones (an import's batches): a batch
        # waits while any of them waits for, or holds, the write lock.
        self._interactive = 0
        self._quiet = asyncio.Event()
        self._quiet.set()
        lock = self._write_lock
        self._group = GroupCommit(bind, lock=(lambda: lock) if lock is not None else None) if bind is not None else None

    async def run(self, job: Job[T], *, background: bool = False) -> T:
        """Run a whole write transaction as one call on the database side (``job`` gets a plain connection),
        sharing its commit with whatever else is queued (``db.group_commit``).

        ``background`` jobs (import batches) let members' jobs go first, for at most half a second."""
        if self._group is None:  # pragma: no cover - every bot's session factory is bound to its engine
            raise RuntimeError("storage has no engine")
        if background:
            with storage_errors():
                return await self._group.run(job, background=True)
        self._interactive += 1
        self._quiet.clear()
        try:
            with storage_errors():
                return await self._group.run(job)
        finally:
            self._interactive -= 1
            if not self._interactive:
                self._quiet.set()

    async def close(self) -> None:
        """Finish queued writes and release the writer (at shutdown)."""
        if self._group is not None:
            await self._group.close()

    @property
    def group_commit(self) -> GroupCommit | None:
        """The shared writer (its counters are read by the benchmark)."""
        return self._group

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction."""
        with storage_errors():
            async with transaction(self.session_factory, write=False) as session:
                yield session

    @contextlib.asynccontextmanager
    async def write(self, *, background: bool = False) -> AsyncIterator[AsyncSession]:
        """A write transaction, committed when the block ends without an error.

        ``background`` writes (import batches) let members' own writes go first on SQLite.
        """
        if self._write_lock is None:
            with storage_errors():
                async with transaction(self.session_factory, write=True) as session:
                    yield session
            return
        if background:
            # Members first, but not forever: on a server logging flat out the queue is never empty,
            # and an import would otherwise wait for minutes. After this long a batch takes its turn.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wait_quiet(), BACKGROUND_MAX_WAIT_S)
        else:
            self._interactive += 1
            self._quiet.clear()
        try:
            with storage_errors():
                async with self._write_lock, transaction(self.session_factory, write=True) as session:
                    yield session
        finally:
            if not background:
                self._interactive -= 1
                if not self._interactive:
                    self._quiet.set()

    async def _wait_quiet(self) -> None:
        while self._interactive:
            await self._quiet.wait()


class Service:
    """What every member-data service holds: storage, the catalog with its search index, and a clock."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        catalog: Catalog,
        *,
        clock: Callable[[], datetime] = utc_now,
        storage: Storage | None = None,
        index: ExerciseIndex | None = None,
        max_sets: int = DEFAULT_MAX_SETS_PER_MEMBER,
    ) -> None:
        # One Storage and one index per bot are passed in, so SQLite writers share one queue.
        self._storage = storage or Storage(session_factory)
        self.catalog = catalog
        self.index = index or ExerciseIndex(catalog)
        self._clock = clock
        self.max_sets = max_sets

    async def exercise_to_log(self, member_id: int, raw: str | None, *, custom: bool = False) -> ResolvedExercise:
        """How a name a member logs resolves: a catalog exercise, their own exercise of that name if they have
        logged one ("sled push" after "Custom: Sled Push"), or a new own exercise when chosen explicitly.
        Ambiguous names raise AmbiguousExerciseError, unknown ones UnknownExerciseError."""
        try:
            resolved = self.index.resolve(raw, custom=custom)
        except UnknownExerciseError as unknown:
            known = await self._member_name(member_id, unknown.name)
            if known is None:
                raise
            return known
        except AmbiguousExerciseError as ambiguous:
            # An import may have kept this very name as the member's own ("Chest Fly"): offer it too.
            own = await self._member_name(member_id, ambiguous.name, mapped=False)
            if own is None:
                raise
            mine = (CUSTOM_PREFIX + own.name, f"{own.name} (your own)")
            raise AmbiguousExerciseError(ambiguous.name, [*ambiguous.choices, mine]) from None
        if resolved.exercise is None:
            # A name the member mapped with /map is that catalog exercise, even chosen as "Custom: …".
            return await self._member_name(member_id, resolved.name, own=False) or resolved
        return resolved

    async def exercise_to_read(self, member_id: int, raw: str | None) -> ResolvedExercise:
        """How a name a member asks about resolves (/history, /progress, /compare): a catalog exercise or their
        own logged one; a name that is neither gets "did you mean …" instead of an empty answer."""
        try:
            ref = self.index.reference(raw)
        except AmbiguousExerciseError as ambiguous:
            own = await self._member_name(member_id, ambiguous.name, mapped=False)
            if own is None:
                raise
            return own
        if ref.exercise is not None:
            return ref
        known = await self._member_name(member_id, ref.name)
        if known is not None:
            return known
        suggestions = self.index.suggest(ref.name)
        hint = (" Did you mean " + " or ".join(f"**{s}**" for s in suggestions) + "?") if suggestions else ""
        raise UnknownExerciseError(
            ref.name,
            suggestions,
            message=(
                f"You haven't logged an exercise called “{member_text(ref.name)}”, and it isn't in the catalog.{hint}"
            ),
        )

    async def _member_name(
        self, member_id: int, name: str, *, mapped: bool = True, own: bool = True
    ) -> ResolvedExercise | None:
        """What a name means for this member alone, read in one transaction: the catalog exercise they mapped it
        to with /map (when ``mapped``), else their own exercise of that name as they last wrote it (when
        ``own``); None when neither."""
        cleaned = clean_custom_name(name)
        if not cleaned:
            return None
        key = custom_key(cleaned)
        async with self._storage.read() as session:
            exercise_id = await ExerciseMapRepository(session).get(member_id, key) if mapped else None
            if exercise_id is not None and exercise_id in self.catalog:
                return ResolvedExercise.of(self.catalog.get(exercise_id))
            logged = await SetRepository(session).latest_name(member_id, key) if own else None
        return ResolvedExercise.custom(logged) if logged is not None else None

    def full_log(self, stored: int, adding: int = 1) -> LimitReachedError:
        """The error for a member whose log would pass the cap with ``adding`` more sets."""
        return LimitReachedError(
            f"Your log holds {stored:,} sets and can hold at most {self.max_sets:,}, so "
            + ("this set wasn't saved" if adding == 1 else f"these {adding:,} sets weren't saved")
            + ". `/privacy export` keeps a copy of everything; `/privacy forget` then makes room."
        )

    def now(self) -> datetime:
        """The service clock (aware UTC)."""
        return self._clock()
