"""End to end: ``python bot.py`` as its own process, unmodified, against the loopback Discord emulator."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from emulator import payloads
from emulator.server import DiscordEmulator, InteractionResult, make_token

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot.py"

# Skip only while the entry point doesn't exist yet; once bot.py is in the tree these must run.
pytestmark = pytest.mark.skipif(not BOT.is_file(), reason="bot.py (the entry point) is not in the tree yet")

SEED_PUSH_DAY = [
    "Triceps Pushdown",
    "Overhead Tricep Extension",
    "Front Raise",
    "Lateral Raise",
    "Shoulder Press",
    "Dumbbell Bench Press",
]
STARTUP_TIMEOUT_S = 60.0
EXIT_TIMEOUT_S = 30.0
LEAK_MARKERS = ("Unclosed client session", "Unclosed connector", "Traceback")


@dataclass
class BotProcess:
    """A running ``python bot.py`` and what it printed once it exited."""

    proc: asyncio.subprocess.Process
    stdout: str = ""
    stderr: str = ""

    async def wait(self, timeout: float = EXIT_TIMEOUT_S) -> int:
        """Wait for exit, collecting output; kill it (and fail) if it hangs."""
        try:
            out, err = await asyncio.wait_for(self.proc.communicate(), timeout)
        except TimeoutError:
            self.proc.kill()
            out, err = await self.proc.communicate()
            self.stdout, self.stderr = out.decode(errors="replace"), err.decode(errors="replace")
            pytest.fail(f"bot.py did not exit within {timeout:.0f} s; stderr:\n{self.stderr[-4000:]}")
        self.stdout, self.stderr = out.decode(errors="replace"), err.decode(errors="replace")
        assert self.proc.returncode is not None
        return self.proc.returncode


def bot_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The parent's environment minus anything that configures the bot, plus a temporary database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DEV_GUILD", "DATABASE_", "COACH_"))}
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


Launch = Callable[[dict[str, str]], Awaitable[BotProcess]]


async def wait_for_commands_or_exit(emu: DiscordEmulator, bot: BotProcess) -> None:
    """The command sync, unless the process dies first (then fail with its stderr, not a timeout)."""
    synced = asyncio.ensure_future(emu.wait_for_commands(STARTUP_TIMEOUT_S))
    exited = asyncio.ensure_future(bot.proc.wait())
    done, _ = await asyncio.wait({synced, exited}, return_when=asyncio.FIRST_COMPLETED)
    if synced not in done:
        synced.cancel()
        await bot.wait()
        pytest.fail(f"bot.py exited with {bot.proc.returncode} before syncing commands:\n{bot.stderr[-4000:]}")
    exited.cancel()
    synced.result()


def numbered_items(description: str) -> list[str]:
    """Exercise names from "1. **Name** — 3 × 12" style lines, markdown stripped."""
    plain = description.replace("**", "").replace("__", "")
    items = []
    for line in plain.splitlines():
        match = re.match(r"^\s*\d+\.\s+(.+?)\s*(?:[—·(|]|$)", line)
        if match:
            items.append(match.group(1).strip())
    return items


async def test_plan_push_through_a_separate_bot_process(tmp_path: Path, launch: Launch) -> None:
    async with DiscordEmulator() as emu:
        bot = await launch(bot_env(tmp_path, **emu.env()))
        await wait_for_commands_or_exit(emu, bot)
        assert "plan" in {c["name"] for c in emu.commands}
        await emu.wait_until_connected(STARTUP_TIMEOUT_S)

        # Through the HTTP control API, as an out-of-process driver would.
        async with (
            aiohttp.ClientSession(emu.base_url) as http,
            http.post("/_test/interaction", json={"name": "plan", "options": {"day": "push"}}) as resp,
        ):
            body = await resp.json()
            assert resp.status == 200, body
        result = InteractionResult.from_json(body)

        assert result.callback_type == 4, result
        assert not result.errors, result.errors
        assert len(result.embeds) == 1
        assert numbered_items(result.embeds[0]["description"]) == SEED_PUSH_DAY
        assert emu.unknown_routes == [], [f"{c.method} {c.path}" for c in emu.unknown_routes]

        bot.proc.send_signal(signal.SIGTERM)
        status = await bot.wait()

    assert status == 0, bot.stderr[-4000:]
    for marker in LEAK_MARKERS:
        assert marker not in bot.stderr, bot.stderr[-4000:]


async def test_rejected_token_exits_2_without_printing_it(tmp_path: Path, launch: Launch) -> None:
    async with DiscordEmulator() as emu:
        wrong = make_token(emu.bot_user_id)  # well-formed, but not the one the emulator accepts
        assert wrong != emu.token
        bot = await launch(bot_env(tmp_path, **(emu.env() | {"DISCORD_TOKEN": wrong})))
        status = await bot.wait()
        login_calls = [(c.path, c.status) for c in emu.calls]

    assert status == 2, bot.stderr[-4000:]
    assert ("/users/@me", 401) in login_calls
    error_lines = [line for line in bot.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1, bot.stderr[-4000:]
    assert "token" in error_lines[0].lower()
    assert "Traceback" not in bot.stderr
    assert wrong not in bot.stdout
    assert wrong not in bot.stderr


async def test_malformed_token_exits_2_before_contacting_discord(tmp_path: Path, launch: Launch) -> None:
    async with DiscordEmulator() as emu:
        bot = await launch(bot_env(tmp_path, **(emu.env() | {"DISCORD_TOKEN": "abc"})))
        status = await bot.wait()
        calls = list(emu.calls)

    assert status == 2, bot.stderr[-4000:]
    assert calls == [], [f"{c.method} {c.path}" for c in calls]
    error_lines = [line for line in bot.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1, bot.stderr[-4000:]
    assert "DISCORD_TOKEN" in error_lines[0], bot.stderr[-4000:]
    assert "Traceback" not in bot.stderr


async def test_a_workout_card_through_a_separate_bot_process(tmp_path: Path, launch: Launch) -> None:
    """Start workout, the Edit form and ✓ Done, over the HTTP control API, against the unmodified bot.py."""
    async with DiscordEmulator() as emu:
        bot = await launch(bot_env(tmp_path, **emu.env()))
        await wait_for_commands_or_exit(emu, bot)
        await emu.wait_until_connected(STARTUP_TIMEOUT_S)

        async with aiohttp.ClientSession(emu.base_url) as http:

            async def act(body: dict[str, object]) -> InteractionResult:
                async with http.post("/_test/interaction", json=body) as resp:
                    data = await resp.json()
                    assert resp.status == 200, data
                result = InteractionResult.from_json(data)
                assert not result.errors, result.errors
                return result

            plan = await act({"name": "plan", "options": {"day": "push"}})
            plan_id = plan.messages[0]["id"]
            card = await act({"kind": "click", "message_id": plan_id, "label": "Start workout"})
            card_id = card.messages[0]["id"]
            assert "1/6 · Triceps Pushdown" in card.embeds[0]["description"]
            form = await act({"kind": "click", "message_id": card_id, "label": "Edit"})
            assert form.modal is not None
            logged = await act(
                {"kind": "submit", "modal": form.modal, "values": {"weight": "50", "reps": "12"}, "message_id": card_id}
            )
            assert logged.callback_type == 7
            assert "✅ Logged **Triceps Pushdown** 50 lb × 12" in logged.messages[0]["embeds"][0]["description"]
            done = await act({"kind": "click", "message_id": card_id, "label": "Done"})
            assert "Set **3 of 3**" in done.messages[0]["embeds"][0]["description"]

        bot.proc.send_signal(signal.SIGTERM)
        status = await bot.wait()

    assert status == 0, bot.stderr[-4000:]
    for marker in LEAK_MARKERS:
        assert marker not in bot.stderr, bot.stderr[-4000:]


async def test_the_plan_of_the_day_arrives_on_time_from_a_running_bot(tmp_path: Path, launch: Launch) -> None:
    """Real time, no injected clock: configure the plan one minute ahead on a running bot.py, and see it posted."""
    async with DiscordEmulator() as emu:
        bot = await launch(bot_env(tmp_path, SCHEDULE_TICK_SECONDS="2", **emu.env()))
        await wait_for_commands_or_exit(emu, bot)
        await emu.wait_until_connected(STARTUP_TIMEOUT_S)
        now = datetime.now(UTC)
        at = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
        if (at - now).total_seconds() < 20:  # too close to the minute for the /config to land first
            at += timedelta(minutes=1)
        weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[at.weekday()]
        options = {
            "plan_channel": emu.channel_name, "plan_time": f"{at:%H:%M}", "timezone": "UTC",
            "week": f"{weekday}:push",
        }  # fmt: skip
        configured = await emu.slash("config", options, permissions=str(payloads.MANAGER_PERMISSIONS))
        assert "Plan of the day: **on**" in configured.messages[0]["content"], configured.messages
        before = len(emu.channel_messages)

        def plans() -> list[dict[str, object]]:
            return [m for m in emu.channel_messages[before:] if "Plan of the day" in str(m.get("content"))]

        deadline = at + timedelta(seconds=30)
        arrived_in_time = await emu.wait_until(lambda: bool(plans()), (deadline - datetime.now(UTC)).total_seconds())
        assert arrived_in_time, f"no plan of the day by {deadline:%H:%M:%S} (scheduled {at:%H:%M})"
        await asyncio.sleep(3)  # a later tick must not post it again
        posted = plans()
        assert len(posted) == 1, posted
        arrived = datetime.fromisoformat(posted[0]["timestamp"])
        assert at <= arrived < at + timedelta(seconds=10), (at, arrived)
        assert "Start workout" in str(posted[0]["components"])

        bot.proc.send_signal(signal.SIGTERM)
        status = await bot.wait()
    assert status == 0, bot.stderr[-4000:]
