"""The storage floor: one insert with commit into ``logged_sets``, via the bot's engine and via the raw driver."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.engine import make_url

from bench.seed import COLUMNS, MEMBER_ID_BASE, sqlite_time
from coach.metrics import estimate_1rm
from db.engine import SQLITE_BUSY_TIMEOUT_MS, transaction
from db.models import LOGGED_SETS, LoggedSet, MemberSettings

# The floors write as a member of their own, deleted again afterwards.
FLOOR_MEMBER_ID = MEMBER_ID_BASE - 1
_INSERT = insert(LOGGED_SETS)


def _row(interaction_id: int) -> dict[str, Any]:
    """A realistic set (every column the bot fills), performed now."""
    now = datetime.now(UTC)
    return {
        "member_id": FLOOR_MEMBER_ID, "guild_id": None, "channel_id": None, "interaction_id": interaction_id,
        "exercise_key": "bench_press", "exercise_id": "bench_press", "custom_name": None,
        "exercise_name": "Bench Press", "weight_kg": 100.0, "weight_value": 100.0, "weight_unit": "kg", "reps": 8,
        "rpe": 8.0, "kind": "working", "note": None, "e1rm_kg": estimate_1rm(100.0, 8), "performed_at": now,
        "created_at": now, "source": "discord", "import_key": None,
    }  # fmt: skip


class StorageFloor:
    """Times one insert + commit: through the bot's engine and session machinery, and through the bare driver."""

    def __init__(self, bot: Any, url: str) -> None:
        self._bot = bot
        self._url = url
        # Far from the seeded ids and Discord's snowflakes of today.
        self._ids = itertools.count(1_900_000_000_000_000_000)
        self._raw: Any = None
        self.driver = "asyncpg" if make_url(url).get_backend_name() == "postgresql" else "aiosqlite"

    async def open(self) -> None:
        """Create the floor member and open the raw connection (outside any timing)."""
        async with transaction(self._bot.session_factory, write=True) as session:
            now = datetime.now(UTC)
            session.add(MemberSettings(member_id=FLOOR_MEMBER_ID, share="private", created_at=now, updated_at=now))
        url = make_url(self._url)
        if self.driver == "asyncpg":
            import asyncpg

            dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
            self._raw = await asyncpg.connect(dsn)
            placeholders = ", ".join(f"${i + 1}" for i in range(len(COLUMNS)))
        else:
            import aiosqlite

            # The bot's own connection settings (db.engine), so only the layers above the driver differ.
            self._raw = await aiosqlite.connect(url.database or "", isolation_level=None)
            # The durability setting in force (FULL unless SQLITE_SYNCHRONOUS relaxes it), as the bot's engine.
            synchronous = self._bot.settings.sqlite_synchronous.upper()
            for pragma in ("journal_mode=WAL", f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}", f"synchronous={synchronous}"):
                await self._raw.execute(f"PRAGMA {pragma}")
            await self._raw.execute("PRAGMA foreign_keys=ON")
            placeholders = ", ".join("?" for _ in COLUMNS)
        # Column names are the module's own constants; the values are bound as parameters.
        self._raw_sql = f"INSERT INTO logged_sets ({', '.join(COLUMNS)}) VALUES ({placeholders})"  # noqa: S608

    async def engine_insert(self) -> float:
        """One insert and commit the way the bot writes (session, BEGIN IMMEDIATE on SQLite); seconds taken."""
        row = _row(next(self._ids))
        started = time.perf_counter()
        async with transaction(self._bot.session_factory, write=True) as session:
            await session.execute(_INSERT, row)
        return time.perf_counter() - started

    async def raw_insert(self) -> float:
        """The same insert and commit on the bare driver connection; seconds taken."""
        row = _row(next(self._ids))
        if self.driver == "asyncpg":
            values = [row[c] for c in COLUMNS]
            started = time.perf_counter()
            async with self._raw.transaction():
                await self._raw.execute(self._raw_sql, *values)
        else:
            row["performed_at"] = row["created_at"] = sqlite_time(row["performed_at"])
            values = [row[c] for c in COLUMNS]
            started = time.perf_counter()
            await self._raw.execute("BEGIN IMMEDIATE")
            await self._raw.execute(self._raw_sql, values)
            await self._raw.execute("COMMIT")
        return time.perf_counter() - started

    async def close(self) -> None:
        """Close the raw connection and delete everything the floors wrote."""
        if self._raw is not None:
            await self._raw.close()
            self._raw = None
        async with transaction(self._bot.session_factory, write=True) as session:
            await session.execute(delete(LoggedSet).where(LoggedSet.member_id == FLOOR_MEMBER_ID))
            await session.execute(delete(MemberSettings).where(MemberSettings.member_id == FLOOR_MEMBER_ID))
