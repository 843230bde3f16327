"""Settings from the environment and an optional .env file.

Every setting is documented in .env.example. The token is wrapped in Secret so
that no repr, log line or traceback can print it by accident.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from coach.errors import ConfigError

# Discord bot tokens are three base64url parts: the bot's id, a timestamp and an HMAC.
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{18,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Relative to the working directory, like .env: an installed copy keeps its data where it is started, never
# inside site-packages. The Docker image sets COACH_DATA_DIR=/data.
DEFAULT_DATA_DIR = Path("data")
# 100 000 sets is 30 sets a day for nine years: far beyond a real log, a bound on what one member can store.
DEFAULT_MAX_SETS_PER_MEMBER = 100_000
_BOOLEANS = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}


class Secret:
    """A string that never shows itself in repr() or str()."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        """Return the real value; call only where it is actually needed."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def token_looks_valid(token: str) -> bool:
    """True when the token has the shape of a Discord bot token."""
    return bool(_TOKEN_RE.fullmatch(token))


# EVENT_LOOP values: auto picks uvloop when it is installed (pip install '.[speed]'), else asyncio's own.
EVENT_LOOPS = ("auto", "uvloop", "asyncio")


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its environment."""

    discord_token: Secret | None = None
    database_url: str = ""
    dev_guild_id: int | None = None
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    log_level: str = "INFO"
    data_dir: Path = field(default=DEFAULT_DATA_DIR)
    message_content_intent: bool = False
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    # Where attachments may be downloaded from when DISCORD_API_BASE points elsewhere (proxy, emulator).
    discord_cdn_base: str | None = None
    # The most sets one member may store (a documented, configurable cap; see docs/privacy.md).
    max_sets_per_member: int = DEFAULT_MAX_SETS_PER_MEMBER
    # Offline mode only: the heartbeat interval the local emulator advertises.
    emulator_heartbeat_interval_ms: int | None = None
    # SQLite's synchronous pragma: full (durable acknowledgements, the default), extra, or normal.
    sqlite_synchronous: str = "full"
    # Which asyncio event loop runs the bot: auto (uvloop when installed, the `speed` extra), uvloop, asyncio.
    event_loop: str = "auto"
    # Seconds between checks for scheduled posts (plan of the day, recap, reminders): how late one can be.
    schedule_tick_seconds: int = 30

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", default_database_url(self.data_dir))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
        """Build settings from the process environment, falling back to a .env file."""
        values: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        # Real environment variables win over the file, as operators expect.
        values.update(os.environ if environ is None else environ)

        def get(name: str) -> str | None:
            raw = values.get(name)
            return raw.strip() if raw is not None and raw.strip() else None

        token = get("DISCORD_TOKEN")
        data_dir = Path(get("COACH_DATA_DIR") or DEFAULT_DATA_DIR)
        level = (get("LOG_LEVEL") or "INFO").upper()
        if level not in _LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)} (got {level!r}).")
        guild_raw = get("DEV_GUILD_ID")
        dev_guild_id = None
        if guild_raw is not None:
            if not guild_raw.isdigit():
                raise ConfigError("DEV_GUILD_ID must be a server id (digits only); leave it empty to sync globally.")
            dev_guild_id = int(guild_raw)
        intent_raw = (get("MESSAGE_CONTENT_INTENT") or "false").lower()
        if intent_raw not in _BOOLEANS:
            raise ConfigError(f"MESSAGE_CONTENT_INTENT must be true or false (got {intent_raw!r}).")
        shard_count, shard_ids = _shards(get("SHARD_COUNT"), get("SHARD_IDS"))
        max_sets = _whole(get("MAX_SETS_PER_MEMBER"), "MAX_SETS_PER_MEMBER", low=1, high=10_000_000)
        synchronous = (get("SQLITE_SYNCHRONOUS") or "full").lower()
        if synchronous not in ("full", "extra", "normal"):
            raise ConfigError(
                f"SQLITE_SYNCHRONOUS must be full (default), extra or normal (got {synchronous!r}); normal can lose "
                "acknowledged sets on a power cut."
            )
        event_loop = (get("EVENT_LOOP") or "auto").lower()
        if event_loop not in EVENT_LOOPS:
            raise ConfigError(f"EVENT_LOOP must be one of {', '.join(EVENT_LOOPS)} (got {event_loop!r}).")
        heartbeat = _whole(
            get("EMULATOR_HEARTBEAT_INTERVAL_MS"), "EMULATOR_HEARTBEAT_INTERVAL_MS", low=100, high=600_000
        )
        tick = _whole(get("SCHEDULE_TICK_SECONDS"), "SCHEDULE_TICK_SECONDS", low=1, high=600)
        return cls(
            schedule_tick_seconds=tick if tick is not None else 30,
            discord_cdn_base=_url(get("DISCORD_CDN_BASE"), "DISCORD_CDN_BASE", ("http://", "https://")),
            max_sets_per_member=max_sets if max_sets is not None else DEFAULT_MAX_SETS_PER_MEMBER,
            emulator_heartbeat_interval_ms=heartbeat,
            sqlite_synchronous=synchronous,
            event_loop=event_loop,
            shard_count=shard_count,
            shard_ids=shard_ids,
            message_content_intent=_BOOLEANS[intent_raw],
            discord_token=Secret(token) if token else None,
            database_url=get("DATABASE_URL") or default_database_url(data_dir),
            dev_guild_id=dev_guild_id,
            discord_api_base=_url(get("DISCORD_API_BASE"), "DISCORD_API_BASE", ("http://", "https://")),
            discord_gateway_url=_url(get("DISCORD_GATEWAY_URL"), "DISCORD_GATEWAY_URL", ("ws://", "wss://")),
            log_level=level,
            data_dir=data_dir,
        )

    def require_token(self) -> str:
        """Return the token, or raise ConfigError saying how to set a valid one."""
        if self.discord_token is None:
            raise ConfigError(
                "DISCORD_TOKEN is not set. Put your bot token in .env (see .env.example), or start with "
                "--offline (`pre-exhaust-coach --offline`, `python bot.py --offline`) to try the bot without Discord."
            )
        token = self.discord_token.get_secret_value()
        if not token_looks_valid(token):
            raise ConfigError(
                "DISCORD_TOKEN does not look like a bot token. Copy it again from the Discord Developer "
                "Portal (Application > Bot > Reset Token) into .env."
            )
        return token

    def secrets(self) -> list[str]:
        """Values that must never appear in output: the token and any database password."""
        found = []
        if self.discord_token is not None:
            found.append(self.discord_token.get_secret_value())
        password = database_password(self.database_url)
        if password:
            found.append(password)
        return found


def default_database_url(data_dir: Path) -> str:
    """SQLite file under the data directory: the zero-configuration default."""
    return f"sqlite+aiosqlite:///{(data_dir / 'coach.db').as_posix()}"


def database_password(url: str) -> str | None:
    """The password embedded in a database URL, if any."""
    match = re.match(r"^[^:/]+(?:\+[^:/]+)?://[^:/@]*:([^@]*)@", url)
    return match.group(1) if match and match.group(1) else None


def _whole(raw: str | None, name: str, *, low: int, high: int) -> int | None:
    """An optional whole-number setting within [low, high]; ConfigError naming it otherwise."""
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high} (got {raw!r}).")
    return int(raw)


def _shards(count_raw: str | None, ids_raw: str | None) -> tuple[int | None, tuple[int, ...] | None]:
    if count_raw is None:
        if ids_raw is not None:
            raise ConfigError("SHARD_IDS needs SHARD_COUNT: the total number of shards across all processes.")
        return None, None
    if not count_raw.isdigit() or int(count_raw) < 1:
        raise ConfigError(f"SHARD_COUNT must be a whole number of at least 1 (got {count_raw!r}).")
    count = int(count_raw)
    if ids_raw is None:
        return count, None
    parts = [p.strip() for p in ids_raw.split(",") if p.strip()]
    if not parts or not all(p.isdigit() for p in parts):
        raise ConfigError(f"SHARD_IDS must be comma-separated shard numbers like 0,1 (got {ids_raw!r}).")
    ids = tuple(sorted({int(p) for p in parts}))
    if ids[-1] >= count:
        raise ConfigError(f"SHARD_IDS must be below SHARD_COUNT ({count}); got {ids[-1]}.")
    return count, ids


def _url(value: str | None, name: str, schemes: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if not value.startswith(schemes):
        raise ConfigError(f"{name} must start with {' or '.join(schemes)} (got {value!r}).")
    return value.rstrip("/")
