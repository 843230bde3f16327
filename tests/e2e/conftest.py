"""The `launch` fixture: start `python bot.py` processes and kill any left running at teardown."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import pytest

from tests.e2e.test_emulator_e2e import BOT, ROOT, BotProcess, Launch


@pytest.fixture
async def launch() -> AsyncIterator[Launch]:
    """Start bot.py with an environment; any process still running at teardown is killed."""
    started: list[BotProcess] = []

    async def start(env: dict[str, str]) -> BotProcess:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(BOT),
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        started.append(BotProcess(proc))
        return started[-1]

    yield start
    for bot in started:
        if bot.proc.returncode is None:
            bot.proc.kill()
            await bot.proc.communicate()
