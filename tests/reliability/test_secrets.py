"""The token and the database password never reach the output, even through careless code or a crash.

The end-to-end scan of a whole run (DEBUG logs, REST bodies, the database) is in test_database_faults.py.
These tests aim at the safety nets themselves: the log handler's redaction, and start-up crashes going
through it instead of being printed raw by the interpreter.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import bot
from coach.settings import Secret, Settings
from emulator.server import DiscordEmulator, make_token
from tests.reliability.conftest import Launch, bot_env

PASSWORD = "pg-Hunter2-e91b"


async def test_a_careless_log_line_or_traceback_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    token = make_token(1_300_000_000_000_000_001)
    url = f"postgresql+asyncpg://coach:{PASSWORD}@db.internal:5432/coach"
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    quieted = {name: logging.getLogger(name).level for name in ("discord.gateway", "aiosqlite", "alembic")}
    try:
        bot.configure_logging(Settings(discord_token=Secret(token), database_url=url, log_level="DEBUG"))
        careless = logging.getLogger("coach.somewhere")
        careless.info("connecting to %s with token %s", url, token)
        try:
            raise RuntimeError(f"could not log in with {token} to {url}")
        except RuntimeError:
            careless.exception("start-up failed")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in quieted.items():
            logging.getLogger(name).setLevel(level)
    written = capsys.readouterr().err
    assert "connecting to" in written
    assert "start-up failed" in written
    assert "RuntimeError" in written
    assert token not in written
    assert PASSWORD not in written
    assert written.count("**********") >= 4


async def test_a_crash_at_start_up_does_not_print_the_database_password(
    tmp_path: Path, emu: DiscordEmulator, launch: Launch
) -> None:
    url = f"postgresql+asyncpg://coach:{PASSWORD}@127.0.0.1:5432/coach"
    process = await launch(bot_env(tmp_path, emu, DATABASE_URL=url, COACH_TEST_URL_ERROR="1"), shim=True)
    assert await process.wait() == 1
    output = process.stdout + process.stderr
    assert "Could not parse SQLAlchemy URL" in output, output[-2000:]
    assert "**********" in output, output[-2000:]
    assert PASSWORD not in output
    assert emu.token not in output
