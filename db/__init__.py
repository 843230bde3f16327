"""Data layer: models, engine/session factory, repositories and migrations. Knows nothing of Discord."""

from db.engine import (
    DEFAULT_DATABASE_URL,
    create_engine,
    database_url_from_env,
    is_sqlite,
    make_session_factory,
    normalise_url,
    transaction,
)
from db.migrate import current_revision, downgrade, head_revision, upgrade, upgrade_to_head
from db.models import Base, BotState, GuildSettings, LoggedSet, MemberSettings, UtcDateTime
from db.repositories import (
    BotStateRepository,
    GuildRepository,
    MemberRepository,
    SetRepository,
)

__all__ = [
    "DEFAULT_DATABASE_URL",
    "Base",
    "BotState",
    "BotStateRepository",
    "GuildRepository",
    "GuildSettings",
    "LoggedSet",
    "MemberRepository",
    "MemberSettings",
    "SetRepository",
    "UtcDateTime",
    "create_engine",
    "current_revision",
    "database_url_from_env",
    "downgrade",
    "head_revision",
    "is_sqlite",
    "make_session_factory",
    "normalise_url",
    "transaction",
    "upgrade",
    "upgrade_to_head",
]
