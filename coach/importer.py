"""Import sets from a Strong or Hevy CSV export into a member's log (`/privacy import`).

What a file may look like, and how each row is read (formats, dates, kinds, units, names, keys), is
``coach.import_parsing``'s job; docs/commands.md lists the formats. This module stores the result:

- parsed in a helper process the bot owns (one import at a time), so parsing never competes with the
  event loop for the interpreter lock;
- written in committed batches of ``IMPORT_BATCH`` rows that let members' own writes go first (for at
  most ``coach.storage.BACKGROUND_MAX_WAIT_S``), tagged with an import id: if a batch fails, the batches
  already written are taken back, so from the member's view an import is all or nothing (not one
  database transaction: a crash mid-import leaves the written batches, which a re-import completes);
- skipping rows whose stable key the member already has, so importing the same file again adds nothing
  (the key doesn't depend on the unit decided for a file that names none);
- ``reinterpret`` re-reads a file's sets in the other unit in place (the summary's one-click fix when
  the unit was guessed), and body-weight lifts are re-priced from the member's body weights.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from catalog import Catalog
from coach import bodyweight as bodyweight_rules
from coach.errors import StorageUnavailableError
from coach.exercise_search import ExerciseIndex
from coach.import_parsing import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    ImportRow,
    ParsedImport,
    Source,
    UnitSource,
    check_size,
    check_upload,
    import_key,
    parse_date,
    parse_duration,
    parse_export,
)
from coach.metrics import Unit, preferred_unit, set_e1rm
from coach.set_rules import parse_unit
from coach.storage import Service
from db.exercise_map_repository import ExerciseMapRepository
from db.import_repository import ImportRepository, insert_new
from db.log_queries import LogQueries
from db.repositories import MemberRepository, SetRepository

__all__ = [
    "IMPORT_BATCH",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "MAX_REASONS",
    "ImportRow",
    "ImportService",
    "ImportSummary",
    "ParsedImport",
    "PreparedImport",
    "check_size",
    "check_upload",
    "import_key",
    "parse_date",
    "parse_duration",
    "parse_export",
    "parser_process",
    "prepare_export",
]

log = logging.getLogger(__name__)

# Sets written per committed batch: short enough that a /log waiting for the write lock barely notices.
IMPORT_BATCH = 100
# How many rejection reasons a summary carries (the reply shows these; the count covers the rest).
MAX_REASONS = 5


# The columns an imported row fills, in the order PreparedImport.rows carries them.
ROW_FIELDS = (
    "exercise_key", "exercise_id", "custom_name", "exercise_name", "weight_kg", "weight_value", "weight_unit",
    "reps", "rpe", "kind", "note", "e1rm_kg", "bodyweight_kg", "performed_at", "import_key",
)  # fmt: skip


# Told after each committed batch: (sets written so far, sets to write), so a long import can show progress.
Progress = Callable[[int, int], Awaitable[None]]
_EXERCISE_ID = ROW_FIELDS.index("exercise_id")
_PERFORMED_AT = ROW_FIELDS.index("performed_at")


@dataclass(frozen=True, slots=True)
class PreparedImport:
    """A parsed export reduced to what storing and the summary need, as plain tuples: cheap to pass from
    the parser process (rich row objects cost the event loop's process a quarter second to unpickle)."""

    source: Source
    total: int
    skipped: int
    rejected: tuple[str, ...]
    custom_names: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]  # values in ROW_FIELDS order; the import key last
    unit: Unit = "kg"
    unit_source: UnitSource = "file"
    # The names kept as the member's own, most rows first, with how many rows each (and ambiguous ones).
    custom_counts: tuple[tuple[str, int], ...] = ()
    bodyweight_as_weight: int = 0
    # Per row (same order as ``rows``): the keys it had under earlier key versions.
    legacy_keys: tuple[tuple[str, ...], ...] = ()


def prepare_export(
    data: bytes,
    index: ExerciseIndex,
    *,
    default_unit: Unit,
    now: datetime,
    explicit_unit: Unit | None = None,
    mapped: Mapping[str, str] | None = None,
) -> PreparedImport:
    """Parse an export (see ``parse_export``) into insert-ready rows."""
    parsed = parse_export(data, index, default_unit=default_unit, now=now, explicit_unit=explicit_unit, mapped=mapped)
    rows = tuple(
        (
            r.exercise.key,
            r.exercise.exercise.id if r.exercise.exercise is not None else None,
            r.exercise.custom_name,
            r.exercise.name,
            r.weight_kg,
            r.weight_value,
            r.weight_unit,
            r.reps,
            r.rpe,
            r.kind,
            r.note,
            set_e1rm(r.exercise.exercise, r.weight_kg, r.reps, r.bodyweight_kg),
            r.bodyweight_kg,
            r.performed_at,
            r.import_key,
        )
        for r in parsed.rows
    )
    customs = _unique(r.exercise.name for r in parsed.rows if r.exercise.exercise is None)
    counts = Counter(r.exercise.name for r in parsed.rows if r.exercise.exercise is None)
    return PreparedImport(
        parsed.source,
        parsed.total,
        parsed.skipped,
        parsed.rejected,
        tuple(customs),
        rows,
        parsed.unit,
        parsed.unit_source,
        tuple(counts.most_common()),
        sum(1 for r in parsed.rows if r.bodyweight_kg is not None),
        tuple(r.legacy_keys for r in parsed.rows),
    )


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did: imported, already there (duplicates), rejected, skipped (no reps)."""

    source: Source
    total: int
    imported: int
    duplicates: int
    rejected: int
    skipped: int
    reasons: tuple[str, ...] = ()
    custom_names: tuple[str, ...] = field(default=())
    # The unit weights without one in the file were read in, and why: the file, the member's option, the
    # weights themselves (plate maths) or the member's unit when nothing told.
    unit: Unit = "kg"
    unit_source: UnitSource = "file"
    custom_counts: tuple[tuple[str, int], ...] = ()
    # Sets of body-weight moves whose weight was read as the member's body weight (nothing added).
    bodyweight_as_weight: int = 0
    # This import's id.
    import_id: str | None = None
    # "Re-read as lb/kg": how many sets of the file in the member's log got the new weights.
    reinterpreted: int = 0

    @property
    def unit_assumed(self) -> bool:
        """True when the file didn't say its unit and the member didn't either: worth a one-click fix."""
        return self.unit_source in ("inferred", "default")

    @property
    def app(self) -> str:
        """The app's display name."""
        return "Strong" if self.source == "strong" else "Hevy"


# --------------------------------------------------------------------------- the service


class ImportService(Service):
    """Adds a member's Strong or Hevy export to their own log, once."""

    def __init__(self, *args: Any, parser: Executor | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._import_lock = asyncio.Lock()
        # Where files are parsed: a worker process when the bot gives one (see parser_process), else a
        # thread. A process keeps 20 000 rows of CPU off the interpreter lock the event loop and the
        # database thread need for every other member's /log.
        self._parser = parser

    async def _parse(
        self, data: bytes, default_unit: Unit, now: datetime, explicit: Unit | None, mapped: dict[str, str]
    ) -> PreparedImport:
        if self._parser is None:
            return await asyncio.to_thread(
                prepare_export,
                data,
                self.index,
                default_unit=default_unit,
                now=now,
                explicit_unit=explicit,
                mapped=mapped,
            )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._parser, _prepare_in_worker, data, default_unit, now, explicit, mapped)

    async def _store(
        self, member_id: int, prepared: PreparedImport, now: datetime, progress: Progress | None = None
    ) -> tuple[int, str]:
        """Write the new sets in short committed batches; if any batch fails, take back those already written.

        All or nothing from the member's view: the reply says either how many were imported or that
        nothing was. Meanwhile other members' /log goes first: each batch is a background write that
        waits while any member's own write is queued (a single 20 000-row transaction held SQLite's one
        write lock for seconds).
        """
        async with self._storage.read() as session:
            keys = [r[-1] for r in prepared.rows] + [k for old in prepared.legacy_keys for k in old]
            existing = await ImportRepository(session).existing_keys(member_id, keys)
            stored = await SetRepository(session).count_up_to(member_id, self.max_sets)
        legacy = prepared.legacy_keys or ((),) * len(prepared.rows)
        fresh = [
            r
            for r, old in zip(prepared.rows, legacy, strict=True)
            if r[-1] not in existing and existing.isdisjoint(old)
        ]
        if fresh and stored + len(fresh) > self.max_sets:
            raise self.full_log(stored, len(fresh))
        import_id = uuid.uuid4().hex
        fixed = {
            "member_id": member_id, "import_id": import_id, "created_at": now, "source": prepared.source,
            "time_known": True,
        }  # fmt: skip
        inserted = 0
        try:
            for start in range(0, len(fresh), IMPORT_BATCH):
                batch = [
                    {**dict(zip(ROW_FIELDS, row, strict=True)), **fixed} for row in fresh[start : start + IMPORT_BATCH]
                ]
                # A job in the shared write queue, in turn with members' /logs (not after them all).
                job = functools.partial(_write_batch, member_id, batch, first=start == 0)
                inserted += await self._storage.run(job, background=True)
                if progress is not None:
                    await progress(min(start + IMPORT_BATCH, len(fresh)), len(fresh))
            body_lifts = {ex.id for ex in self.catalog.exercises if ex.uses_bodyweight}
            body_times = [row[_PERFORMED_AT] for row in fresh if row[_EXERCISE_ID] in body_lifts]
            if body_times:
                # Imported body-weight lifts take their body weight (and e1RM) from the member's entries.
                async with self._storage.write(background=True) as session:
                    await bodyweight_rules.reprice(session, self.catalog, member_id, since=min(body_times))
        except BaseException:
            await self._take_back(member_id, import_id)
            raise
        return inserted, import_id

    async def _read(
        self, member_id: int, data: bytes, unit: str | None, locale: str | None, now: datetime
    ) -> PreparedImport:
        """Parse a file for a member: their chosen unit, else their own as the fallback, and their /map names."""
        chosen = parse_unit(unit)
        async with self._storage.read() as session:
            settings = await MemberRepository(session).get(member_id)
            mapped = await ExerciseMapRepository(session).all(member_id)
        default: Unit = chosen or preferred_unit(settings.unit if settings is not None else None, locale)
        return await self._parse(data, default, now, chosen, mapped)

    async def reinterpret(self, member_id: int, data: bytes, *, unit: str, locale: str | None = None) -> ImportSummary:
        """Read a file the member imported again in ``unit``: its sets in their log (this import's and any
        earlier one's: the keys don't depend on the unit) get the new weights, in place — nothing is added or
        removed, so a wrong unit guess is undone with one press."""
        now = self._clock()
        async with self._import_lock:
            parsed = await self._read(member_id, data, unit, locale, now)
            fields = {name: i for i, name in enumerate(ROW_FIELDS)}
            legacy = parsed.legacy_keys or ((),) * len(parsed.rows)
            updates = [
                {
                    "key": key,
                    "weight_kg": row[fields["weight_kg"]],
                    "weight_value": row[fields["weight_value"]],
                    "weight_unit": row[fields["weight_unit"]],
                    "e1rm_kg": row[fields["e1rm_kg"]],
                }
                for row, old in zip(parsed.rows, legacy, strict=True)
                for key in (row[-1], *old)
            ]
            changed = 0
            for start in range(0, len(updates), IMPORT_BATCH):
                async with self._storage.write(background=True) as session:
                    changed += await ImportRepository(session).reunit(member_id, updates[start : start + IMPORT_BATCH])
            async with self._storage.write(background=True) as session:
                await bodyweight_rules.reprice(session, self.catalog, member_id)
        return ImportSummary(
            source=parsed.source,
            total=parsed.total,
            imported=0,
            duplicates=0,
            rejected=len(parsed.rejected),
            skipped=parsed.skipped,
            reasons=parsed.rejected[:MAX_REASONS],
            unit=parsed.unit,
            unit_source=parsed.unit_source,
            reinterpreted=changed,
        )

    async def _take_back(self, member_id: int, import_id: str) -> None:
        """Delete what a failed import already wrote, batch by batch (best effort when storage is down)."""
        try:
            while True:
                async with self._storage.write() as session:
                    if not await ImportRepository(session).delete_import(member_id, import_id, limit=IMPORT_BATCH):
                        return
        except StorageUnavailableError:
            log.error("a failed import's rows could not be taken back yet (import %s)", import_id)

    async def import_csv(
        self,
        member_id: int,
        data: bytes,
        *,
        unit: str | None = None,
        locale: str | None = None,
        progress: Progress | None = None,
    ) -> ImportSummary:
        """Parse the export and store its new sets (all or nothing, in short batches); report on every row."""
        check_size(len(data))
        now = self._clock()
        # One import at a time per process: several members importing at once queue here. Parsing 20,000
        # rows is a moment of CPU, in a worker thread so the event loop runs meanwhile (one at a time, so
        # parsers don't crowd the loop out of the interpreter lock); each batch written below holds the
        # write lock only briefly, so /log never waits behind a whole file.
        async with self._import_lock:
            parsed = await self._read(member_id, data, unit, locale, now)
            imported, import_id = await self._store(member_id, parsed, now, progress) if parsed.rows else (0, None)
        return ImportSummary(
            source=parsed.source,
            total=parsed.total,
            imported=imported,
            duplicates=len(parsed.rows) - imported,
            rejected=len(parsed.rejected),
            skipped=parsed.skipped,
            reasons=parsed.rejected[:MAX_REASONS],
            custom_names=parsed.custom_names[:MAX_REASONS],
            unit=parsed.unit,
            unit_source=parsed.unit_source,
            custom_counts=parsed.custom_counts[:MAX_REASONS],
            bodyweight_as_weight=parsed.bodyweight_as_weight,
            import_id=import_id,
        )


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


# --------------------------------------------------------------------------- the parser process

# The worker process's own index, built once from the catalog the bot passed it (one per process).
_worker_index: ExerciseIndex | None = None


def parser_process(catalog: Catalog) -> ProcessPoolExecutor:
    """A one-worker process pool for parsing exports with this catalog; the caller shuts it down."""
    return ProcessPoolExecutor(
        max_workers=1,
        # Spawned, not forked: the bot's threads (database, watchdog) must not be copied mid-flight.
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(catalog,),
    )


def _start_worker(catalog: Catalog) -> None:
    global _worker_index
    _worker_index = ExerciseIndex(catalog)


def _prepare_in_worker(
    data: bytes, default_unit: Unit, now: datetime, explicit: Unit | None, mapped: dict[str, str]
) -> PreparedImport:
    if _worker_index is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("parser process started without a catalog")
    return prepare_export(
        data, _worker_index, default_unit=default_unit, now=now, explicit_unit=explicit, mapped=mapped
    )


def _write_batch(member_id: int, batch: list[dict[str, Any]], conn: Connection, *, first: bool) -> int:
    """One import batch on the database side (``Storage.run``): the member's row first, then the sets."""
    if first:
        LogQueries(conn).ensure_member(member_id)
    return insert_new(conn, batch)
