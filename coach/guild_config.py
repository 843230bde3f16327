"""Per-server settings (/config), with a small in-process cache for the on-message hot path."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coach.errors import StorageUnavailableError
from db.repositories import GuildRepository


@dataclass(frozen=True, slots=True)
class GuildConfig:
    """What a server's admins chose."""

    guild_id: int
    evidence_replies: bool = False
    evidence_channel_id: int | None = None

    def answers_in(self, channel_id: int) -> bool:
        """True when unprompted evidence replies are on for this channel."""
        return self.evidence_replies and self.evidence_channel_id in (None, channel_id)


class GuildConfigService:
    """Reads and changes server settings; each call is one unit of work."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = session_factory
        # Every message in every server consults this, so reads are cached; a guild's messages and its
        # /config are handled by the same process (same shard), so invalidating here is enough.
        self._cache: dict[int, GuildConfig] = {}

    async def get(self, guild_id: int) -> GuildConfig:
        """The server's settings (defaults when it never ran /config)."""
        cached = self._cache.get(guild_id)
        if cached is not None:
            return cached
        try:
            async with self._sessions() as session:
                row = await GuildRepository(session).get(guild_id)
        except (OperationalError, DBAPIError, OSError) as exc:
            raise StorageUnavailableError() from exc
        config = GuildConfig(guild_id, row.evidence_replies, row.evidence_channel_id) if row else GuildConfig(guild_id)
        self._cache[guild_id] = config
        return config

    async def set_evidence_replies(self, guild_id: int, enabled: bool, channel_id: int | None) -> GuildConfig:
        """Turn unprompted evidence replies on or off, optionally limited to one channel."""
        try:
            async with self._sessions() as session, session.begin():
                row = await GuildRepository(session).update(
                    guild_id, evidence_replies=enabled, evidence_channel_id=channel_id if enabled else None
                )
                config = GuildConfig(guild_id, row.evidence_replies, row.evidence_channel_id)
        except (OperationalError, DBAPIError, OSError) as exc:
            raise StorageUnavailableError() from exc
        self._cache[guild_id] = config
        return config
