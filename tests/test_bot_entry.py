"""bot.py / pre-exhaust-coach: configuration errors end with one clear line and status 2; secrets never reach logs."""

from __future__ import annotations

import logging
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import bot as entry
from coach.settings import Secret, Settings
from runtime import cli

REPO = Path(__file__).resolve().parents[1]
TOKEN = "MTMwMDAwMDAwMDAwMDAwMDAwMQ.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"


def run_bot(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "COACH_DATA_DIR": str(tmp_path), "HOME": str(tmp_path)}
    return subprocess.run(
        [sys.executable, str(REPO / "bot.py"), *args],
        cwd=tmp_path,  # no .env there
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "DISCORD_TOKEN is not set"),
        ({"DISCORD_TOKEN": "definitely-not-a-token"}, "does not look like a bot token"),
        ({"DISCORD_TOKEN": TOKEN, "DEV_GUILD_ID": "abc"}, "DEV_GUILD_ID must be a server id"),
        ({"DISCORD_TOKEN": TOKEN, "DATABASE_URL": "nonsense"}, "DATABASE_URL is not a database URL"),
        (
            {"DISCORD_TOKEN": TOKEN, "DATABASE_URL": "postgresql+asyncpg://coach:hunter22@127.0.0.1:1/coach"},
            "Could not open the postgresql database",
        ),
    ],
)
def test_configuration_errors_exit_2_with_one_line(tmp_path: Path, env: dict[str, str], expected: str) -> None:
    result = run_bot(tmp_path, env)
    assert result.returncode == 2
    lines = [ln for ln in (result.stdout + result.stderr).splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    assert expected in lines[0]
    assert "Traceback" not in result.stderr
    assert "definitely-not-a-token" not in result.stderr
    assert TOKEN not in result.stderr + result.stdout
    assert "hunter22" not in result.stderr + result.stdout


def test_redaction_filter_hides_token_and_password(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(discord_token=Secret(TOKEN), database_url="postgresql+asyncpg://coach:hunter22@127.0.0.1/coach")
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "token %s and url %s", (TOKEN, settings.database_url), None
    )
    entry.RedactSecrets(settings.secrets()).filter(record)
    message = record.getMessage()
    assert TOKEN not in message
    assert "hunter22" not in message
    assert "**********" in message
    try:
        raise RuntimeError(f"failed with {TOKEN}")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    entry.RedactSecrets([TOKEN]).filter(record)
    assert TOKEN not in (record.exc_text or "")


def test_bot_py_and_the_console_script_are_one_program() -> None:
    """`python bot.py` is a thin wrapper: the installed `pre-exhaust-coach` runs the same main()."""
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"pre-exhaust-coach": "runtime.cli:main"}
    assert entry.main is cli.main
    assert entry.configure_logging is cli.configure_logging
    assert entry.RedactSecrets is cli.RedactSecrets


def test_help_names_every_option(tmp_path: Path) -> None:
    result = run_bot(tmp_path, {}, "--help")
    assert result.returncode == 0
    for option in ("--offline", "--sync", "--backup"):
        assert option in result.stdout


def test_an_unusable_data_directory_is_named_in_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    result = run_bot(tmp_path, {"DISCORD_TOKEN": TOKEN, "COACH_DATA_DIR": str(blocker / "data")})
    assert result.returncode == 2
    lines = [ln for ln in (result.stdout + result.stderr).splitlines() if ln.strip()]
    assert lines == [f"error: Not a directory: {blocker / 'data'}"]
