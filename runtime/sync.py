"""Sync application commands only when they changed, so restarts don't burn Discord's rate limit."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories import BotStateRepository

log = logging.getLogger(__name__)

_PREFIX = "command-sync:"


def fingerprint(commands: Sequence[Mapping[str, Any]]) -> str:
    """A stable hash of command payloads (order-independent)."""
    canonical = json.dumps(sorted(commands, key=lambda c: (c.get("type", 1), c["name"])), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


class SyncState:
    """Remembers the fingerprint last synced per application and scope, in the database.

    The database (not a local file) so that several bot processes sharing one PostgreSQL agree: after
    one of them syncs, the others see the hash and skip.
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = session_factory

    async def get(self, key: str) -> str | None:
        """The fingerprint stored for this scope, if any."""
        async with self._sessions() as session:
            return await BotStateRepository(session).get(_PREFIX + key)

    async def put(self, key: str, value: str) -> None:
        """Store a fingerprint."""
        async with self._sessions() as session, session.begin():
            await BotStateRepository(session).set(_PREFIX + key, value)


def scope_key(application_id: int, guild_id: int | None) -> str:
    """The state key for a sync target: one guild, or global."""
    return f"{application_id}:{'guild:' + str(guild_id) if guild_id else 'global'}"
