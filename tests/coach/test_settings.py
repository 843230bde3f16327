"""Settings: environment beats .env, defaults are sane, secrets never show."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coach.errors import ConfigError
from coach.settings import Secret, Settings, database_password

TOKEN = "MTMwMDAwMDAwMDAwMDAwMDAwMQ.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"


def test_defaults_use_sqlite_under_data(tmp_path: Path) -> None:
    s = Settings.from_env({}, env_file=None)
    assert s.database_url == "sqlite+aiosqlite:///data/coach.db"
    assert s.discord_token is None
    assert s.dev_guild_id is None
    assert s.log_level == "INFO"


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(f"DISCORD_TOKEN={TOKEN}\nDEV_GUILD_ID=123\nLOG_LEVEL=debug\n")
    s = Settings.from_env({"DEV_GUILD_ID": "456"}, env_file=env)
    assert s.require_token() == TOKEN
    assert s.dev_guild_id == 456
    assert s.log_level == "DEBUG"


def test_token_never_in_repr() -> None:
    s = Settings(discord_token=Secret(TOKEN))
    assert TOKEN not in repr(s)
    assert TOKEN not in str(s.discord_token)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "DISCORD_TOKEN is not set"),
        ({"DISCORD_TOKEN": "abc"}, "does not look like a bot token"),
        ({"DISCORD_TOKEN": "Bot " + TOKEN}, "does not look like a bot token"),
    ],
)
def test_missing_or_malformed_token(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        Settings.from_env(env, env_file=None).require_token()
    assert TOKEN not in info.value.message


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEV_GUILD_ID": "my-server"}, "DEV_GUILD_ID must be a server id"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
        ({"DISCORD_API_BASE": "ftp://x"}, "DISCORD_API_BASE must start with"),
        ({"DISCORD_GATEWAY_URL": "http://x"}, "DISCORD_GATEWAY_URL must start with"),
    ],
)
def test_malformed_settings_are_explained(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env, env_file=None)


def test_database_password_is_a_secret() -> None:
    url = "postgresql+asyncpg://coach:s3cr%3At@db.example:5432/coach"
    assert database_password(url) == "s3cr%3At"
    assert database_password("sqlite+aiosqlite:///data/coach.db") is None
    s = Settings(discord_token=Secret(TOKEN), database_url=url)
    assert s.secrets() == [TOKEN, "s3cr%3At"]


def test_shards_are_parsed() -> None:
    s = Settings.from_env({"SHARD_COUNT": "4", "SHARD_IDS": "2, 3,2"}, env_file=None)
    assert s.shard_count == 4
    assert s.shard_ids == (2, 3)
    assert Settings.from_env({}, env_file=None).shard_count is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHARD_IDS": "0"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"SHARD_COUNT": "0"}, "at least 1"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,x"}, "comma-separated"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "2"}, "below SHARD_COUNT"),
    ],
)
def test_bad_shards_are_explained(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env, env_file=None)


REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / ".env.example"
# Read by compose.yaml, not by the bot.
COMPOSE_ONLY = {"POSTGRES_PASSWORD"}


def _settings_read() -> set[str]:
    """Every variable name Settings.from_env looks up (its get("NAME") calls)."""
    source = (REPO / "coach" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r'\bget\("([A-Z][A-Z0-9_]*)"\)', source))


def test_env_example_documents_every_setting_and_nothing_else() -> None:
    read = _settings_read()
    assert {"DISCORD_TOKEN", "DATABASE_URL", "COACH_DATA_DIR", "LOG_LEVEL"} <= read  # the regex still finds them
    text = EXAMPLE.read_text(encoding="utf-8")
    # Set (NAME=) or shown commented out with its default (#NAME=).
    documented = set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))
    assert read - documented == set(), "settings missing from .env.example"
    assert documented - read - COMPOSE_ONLY == set(), ".env.example documents settings nobody reads"


def test_env_example_copied_as_is_is_a_valid_configuration() -> None:
    s = Settings.from_env({}, env_file=EXAMPLE)
    assert s.database_url == "sqlite+aiosqlite:///data/coach.db"
    assert s.discord_token is None


def test_sqlite_synchronous_is_full_unless_relaxed_explicitly() -> None:
    assert Settings.from_env({}, env_file=None).sqlite_synchronous == "full"
    assert Settings.from_env({"SQLITE_SYNCHRONOUS": "NORMAL"}, env_file=None).sqlite_synchronous == "normal"
    with pytest.raises(ConfigError, match="SQLITE_SYNCHRONOUS must be full"):
        Settings.from_env({"SQLITE_SYNCHRONOUS": "off"}, env_file=None)
