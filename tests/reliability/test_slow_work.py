"""A database slower than Discord's 3-second window: every command defers in time and the answer still arrives.

The bot runs as its own process with every transaction made to start 3.2 s late (through
``tests.reliability.botshim``), and the emulator enforces Discord's acknowledgement deadline: a
command that waited for the database before answering would fail with "This interaction failed".
Writes queue behind each other (SQLite has one writer), so the members here act concurrently.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from emulator import payloads
from emulator.server import DiscordEmulator, InteractionResult
from tests.reliability.conftest import Launch, bot_env, delivered_messages, message_problems, wait_ready

SLOW_S = 3.2
DEADLINE_S = 3.0


def deferred_in_time(result: InteractionResult, *, update: bool = False) -> None:
    """Acknowledged with a deferral inside the window, then completed (private when it is a new message)."""
    assert not result.errors, result.errors
    assert result.callback_type == (6 if update else 5), result
    assert result.latency_s is not None, result.latency_s
    assert result.latency_s < DEADLINE_S, result.latency_s
    if not update:
        assert result.ephemeral, "a deferred answer is private"


async def test_slow_database_every_command_defers_and_answers(
    tmp_path: Path, emu: DiscordEmulator, launch: Launch
) -> None:
    delay_file = tmp_path / "db-delay"
    bot = await launch(bot_env(tmp_path, emu, COACH_TEST_DB_DELAY_FILE=str(delay_file)), shim=True)
    await wait_ready(emu, bot)
    lifter, reader, owner, leaver, newbie = (emu.add_member(n) for n in ("lifter", "reader", "owner", "leaver", "new"))

    def log_options(i: int) -> dict[str, Any]:
        return {"exercise": "back squat", "weight": 100 + i, "reps": 5, "unit": "kg"}

    for i in range(11):  # two pages of history for `reader`, made while the database is still fast
        assert (await emu.slash("log", log_options(i), user=reader)).callback_type == 4
    assert (await emu.slash("log", log_options(0), user=leaver)).callback_type == 4
    delay_file.write_text(str(SLOW_S))

    async def log_then_undo_button() -> None:
        logged = await emu.slash("log", log_options(20), user=lifter, timeout=30)
        deferred_in_time(logged)
        assert "Back Squat" in logged.embeds[0]["title"]
        pressed = await emu.click(logged.message or {}, label="Undo", user=lifter, timeout=30)
        deferred_in_time(pressed, update=True)
        assert "Undone" in emu.messages[int((logged.message or {})["id"])]["embeds"][0]["title"]

    async def history_and_next_page() -> None:
        first = await emu.slash("history", user=reader, timeout=30)
        deferred_in_time(first)
        assert "Page 1 of 2" in first.embeds[0]["footer"]["text"]
        older = await emu.click(first.message or {}, label="Older", user=reader, timeout=30)
        deferred_in_time(older, update=True)
        assert "Page 2 of 2" in emu.messages[int((first.message or {})["id"])]["embeds"][0]["footer"]["text"]

    async def settings_and_export() -> None:
        shown = await emu.slash("settings", user=owner, timeout=30)
        deferred_in_time(shown)
        assert "Unit:" in (shown.message or {})["content"]
        exported = await emu.slash("privacy", subcommand="export", user=owner, timeout=30)
        deferred_in_time(exported)
        assert set(exported.files) == {"pre-exhaust-coach-sets.csv", "pre-exhaust-coach-data.json"}

    async def config_as_manager() -> None:
        result = await emu.slash("config", user=owner, permissions=payloads.MANAGER_PERMISSIONS, timeout=30)
        deferred_in_time(result)
        assert "Evidence replies" in (result.message or {})["content"]

    async def forget_confirmed() -> None:
        asked = await emu.slash("privacy", subcommand="forget", user=leaver, timeout=30)
        assert asked.callback_type == 4, "asking for confirmation needs no database: answered directly"
        done = await emu.click(asked.message or {}, label="Delete everything", user=leaver, timeout=30)
        deferred_in_time(done, update=True)
        assert "deleted all your data" in emu.messages[int((asked.message or {})["id"])]["content"]

    async def error_after_deferring() -> None:
        result = await emu.slash("undo", user=newbie, timeout=30)
        deferred_in_time(result)
        assert "nothing to undo" in (result.message or {})["content"].lower(), result

    await asyncio.gather(
        log_then_undo_button(),
        history_and_next_page(),
        settings_and_export(),
        config_as_manager(),
        forget_confirmed(),
        error_after_deferring(),
    )
    assert bot.alive
    assert " ERROR " not in bot.stderr, bot.tail()
    assert not message_problems(body for _, body in delivered_messages(emu))
