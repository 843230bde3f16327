"""Shared pieces for the reliability suite: the bot as a real process against the loopback emulator.

The bot runs as ``python bot.py`` (or ``python -m tests.reliability.botshim`` when a test needs a
database fault switch), its stdout/stderr go to files (a pipe nobody reads would eventually block
it), and the emulator stays in this process so tests can read every REST call the bot made.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from coach.settings import Settings
from emulator.driver import RestCall
from emulator.server import DiscordEmulator, InteractionResult, validate_message_payload

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 60.0
EXIT_TIMEOUT_S = 30.0
_CALLBACK_RE = re.compile(r"^/interactions/(\d+)/([^/]+)/callback$")
_WEBHOOK_RE = re.compile(r"^/webhooks/\d+/([^/]+)(?:/messages/[^/]+)?$")


@dataclass
class BotProcess:
    """A running bot process; its output accumulates in files under the test's tmp_path."""

    proc: asyncio.subprocess.Process
    stdout_path: Path
    stderr_path: Path
    _files: list[Any] = field(default_factory=list)

    @property
    def stdout(self) -> str:
        """Everything printed to stdout so far."""
        return self.stdout_path.read_text(errors="replace")

    @property
    def stderr(self) -> str:
        """Everything logged to stderr so far."""
        return self.stderr_path.read_text(errors="replace")

    @property
    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.proc.returncode is None

    def tail(self, chars: int = 4000) -> str:
        """The end of stderr, for assertion messages."""
        return self.stderr[-chars:]

    async def wait(self, timeout: float = EXIT_TIMEOUT_S) -> int:
        """Wait for exit; kill it (and fail) if it hangs."""
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            pytest.fail(f"the bot did not exit within {timeout:.0f} s; stderr:\n{self.tail()}")
        self.close_files()
        assert self.proc.returncode is not None
        return self.proc.returncode

    def signal(self, sig: int) -> None:
        """Send a signal (SIGTERM, SIGKILL…) to the bot."""
        self.proc.send_signal(sig)

    def close_files(self) -> None:
        """Close our ends of the output files."""
        for handle in self._files:
            handle.close()
        self._files.clear()


def bot_env(tmp_path: Path, emu: DiscordEmulator, **overrides: str) -> dict[str, str]:
    """The parent's environment minus bot settings, pointed at ``emu`` and a SQLite file in tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DEV_GUILD", "DATABASE_", "COACH_"))}
    env.update(emu.env())
    env.update(
        {
            "DATABASE_URL": f"sqlite+aiosqlite:///{(tmp_path / 'coach.db').as_posix()}",
            "COACH_DATA_DIR": str(tmp_path),
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(overrides)
    return env


Launch = Callable[..., Awaitable[BotProcess]]


@pytest.fixture
async def emu() -> AsyncIterator[DiscordEmulator]:
    """A fresh loopback Discord on a free port."""
    async with DiscordEmulator() as emulator:
        yield emulator


@pytest.fixture
async def launch(tmp_path: Path) -> AsyncIterator[Launch]:
    """Start the bot (``shim=True``: via tests.reliability.botshim); whatever still runs at teardown is killed."""
    started: list[BotProcess] = []

    async def start(env: Mapping[str, str], *args: str, shim: bool = False) -> BotProcess:
        n = len(started)
        out_path, err_path = tmp_path / f"bot{n}.stdout", tmp_path / f"bot{n}.stderr"
        out, err = out_path.open("wb"), err_path.open("wb")
        entry = ["-m", "tests.reliability.botshim"] if shim else [str(ROOT / "bot.py")]
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            *entry,
            *args,
            cwd=ROOT,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        bot = BotProcess(proc, out_path, err_path, [out, err])
        started.append(bot)
        return bot

    yield start
    for bot in started:
        if bot.alive:
            bot.signal(signal.SIGKILL)
            await bot.proc.wait()
        bot.close_files()


async def wait_ready(emu: DiscordEmulator, bot: BotProcess, *, identifies_before: int = 0) -> None:
    """Wait until this process has synced (first start) and identified on the gateway; fail if it dies first."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_TIMEOUT_S
    while loop.time() < deadline:
        if not bot.alive:
            await bot.wait()
            pytest.fail(f"the bot exited with {bot.proc.returncode} during start-up:\n{bot.tail()}")
        if emu.commands and emu.identify_count > identifies_before and emu.connected:
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"the bot was not ready within {STARTUP_TIMEOUT_S:.0f} s:\n{bot.tail()}")


async def control(http: aiohttp.ClientSession, body: Mapping[str, Any]) -> tuple[int, Any]:
    """One request to the emulator's /_test/interaction control API: (HTTP status, JSON body)."""
    async with http.post("/_test/interaction", json=dict(body)) as resp:
        return resp.status, await resp.json()


def result_of(status: int, body: Any) -> InteractionResult:
    """The InteractionResult of a successful control API call (fails the test otherwise)."""
    assert status == 200, body
    return InteractionResult.from_json(body)


# --------------------------------------------------------------------------- what the bot sent


def token_to_interaction(emu: DiscordEmulator) -> dict[str, int]:
    """Interaction token -> interaction id, for every interaction the emulator dispatched."""
    return {token: pending.id for token, pending in emu._pending_by_token.items()}


def delivered_messages(emu: DiscordEmulator) -> list[tuple[int | None, dict[str, Any]]]:
    """(interaction id or None, message body) for every message the bot successfully created or edited."""
    tokens = token_to_interaction(emu)
    out: list[tuple[int | None, dict[str, Any]]] = []
    for call in emu.calls:
        if not 200 <= call.status < 300 or not isinstance(call.json, dict):
            continue
        if match := _CALLBACK_RE.match(call.path):
            if call.json.get("type") in (4, 7):
                out.append((int(match[1]), dict(call.json.get("data") or {})))
        elif (match := _WEBHOOK_RE.match(call.path)) and call.method in ("POST", "PATCH"):
            out.append((tokens.get(match[1]), dict(call.json)))
        elif call.path.startswith("/channels/") and call.path.endswith("/messages") and call.method == "POST":
            out.append((None, dict(call.json)))
    return out


def acknowledged_sets(emu: DiscordEmulator) -> set[int]:
    """Interactions whose /log confirmation (an embed) the emulator accepted: the member was told "logged"."""
    return {iid for iid, body in delivered_messages(emu) if iid is not None and body.get("embeds")}


def message_problems(bodies: Iterable[Mapping[str, Any]]) -> list[str]:
    """Discord-limit and allowed-mentions violations in message payloads the bot sent."""
    problems = []
    for body in bodies:
        for where, what in validate_message_payload(dict(body), require_body=False).items():
            problems.append(f"{where}: {what} in {str(body)[:200]}")
        mentions = body.get("allowed_mentions")
        if mentions is None or mentions.get("parse") != [] or mentions.get("users") or mentions.get("roles"):
            problems.append(f"allowed_mentions {mentions!r} can ping: {str(body)[:200]}")
        if mentions and mentions.get("replied_user"):
            problems.append(f"a reply pings its author: {str(body)[:200]}")
    return problems


async def until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``predicate`` every 20 ms; fail the test with ``what`` if it doesn't hold within ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.02)


def sqlite_rows(path: Path, query: str) -> list[tuple[Any, ...]]:
    """Run one read query on a SQLite file with the standard library (independent of the bot's stack)."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as conn:
        return list(conn.execute(query).fetchall())


class LogCapture(logging.Handler):
    """Every log record, as production would see it at LOG_LEVEL=DEBUG (discord.gateway capped at INFO)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def texts(self) -> list[str]:
        """Each record fully rendered: message plus any traceback."""
        formatter = logging.Formatter()
        out = []
        for record in self.records:
            text = record.getMessage()
            if record.exc_info:
                text += "\n" + formatter.formatException(record.exc_info)
            out.append(text)
        return out

    def at_least(self, level: int) -> list[logging.LogRecord]:
        """Records at ``level`` or above."""
        return [r for r in self.records if r.levelno >= level]


_QUIETED = ("discord.gateway", "aiosqlite", "alembic")


@pytest.fixture
def logs() -> Iterator[LogCapture]:
    """Capture all logging exactly as ``python bot.py`` configures it at LOG_LEVEL=DEBUG (the most verbose)."""
    import bot

    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    saved_levels = {name: logging.getLogger(name).level for name in _QUIETED}
    bot.configure_logging(Settings(log_level="DEBUG"))
    capture = LogCapture()
    # Behind the production handler's filters (secrets redacted), like a log file would be.
    for log_filter in root.handlers[0].filters:
        capture.addFilter(log_filter)
    root.addHandler(capture)
    try:
        yield capture
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)


def harness_bodies(calls: Iterable[RestCall]) -> list[dict[str, Any]]:
    """The message payloads among REST calls: new messages, edits, followups, channel posts."""
    out = []
    for call in calls:
        if call.path.endswith("/callback"):
            if (call.json or {}).get("type") in (4, 7):
                out.append(dict(call.json.get("data") or {}))
        elif (call.path.startswith("/webhooks/") and call.method in ("POST", "PATCH")) or (
            call.path.endswith("/messages") and call.method == "POST"
        ):
            out.append(dict(call.json or {}))
    return out


async def max_loop_stall(during: asyncio.Future[Any]) -> float:
    """The longest gap between ticks of a 10 ms probe task while ``during`` runs."""
    worst = 0.0
    last = time.perf_counter()
    while not during.done():
        await asyncio.sleep(0.01)
        now = time.perf_counter()
        worst = max(worst, now - last - 0.01)
        last = now
    return worst
