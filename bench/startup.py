"""Start-up time: ``python bot.py`` as its own process, from exec to "ready", against the loopback emulator."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from emulator.server import DiscordEmulator

ROOT = Path(__file__).resolve().parents[1]
READY_MARKER = "ready as"
TIMEOUT_S = 120.0


def bot_environment(emu: DiscordEmulator, database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment minus anything that configures the bot, pointed at ``emu`` and a database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DEV_GUILD", "DATABASE_", "COACH_"))}
    return env | emu.env() | {"DATABASE_URL": database_url, "COACH_DATA_DIR": str(data_dir)} | extra


async def start_bot(env: dict[str, str], *, stderr: int = asyncio.subprocess.DEVNULL) -> asyncio.subprocess.Process:
    """``python bot.py`` from the checkout, with ``env``."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bot.py"),
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=stderr,
    )


async def startup_seconds(database_url: str, data_dir: Path) -> float:
    """Seconds from starting ``python bot.py`` until it logs that it is ready (imports, migrations check,
    cogs, command sync and gateway handshake included); the process is then stopped with SIGTERM."""
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    async with DiscordEmulator() as emu:
        env = bot_environment(emu, database_url, data_dir, LOG_LEVEL="INFO")
        started = time.perf_counter()
        proc = await start_bot(env, stderr=asyncio.subprocess.PIPE)
        if proc.stderr is None:  # pragma: no cover - stderr=PIPE always gives a stream
            raise RuntimeError("no stderr pipe")
        seen: list[str] = []
        try:
            async with asyncio.timeout(TIMEOUT_S):
                while True:
                    line = (await proc.stderr.readline()).decode(errors="replace")
                    if not line:
                        raise RuntimeError("bot.py exited before it was ready:\n" + "".join(seen[-20:]))
                    seen.append(line)
                    if READY_MARKER in line:
                        return time.perf_counter() - started
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.communicate(), 30)
                except TimeoutError:
                    proc.kill()
                    await proc.communicate()
