"""Gateway and REST faults, the bot as its own process: it reconnects by itself and every reply still arrives."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from emulator.server import DiscordEmulator, InteractionResult
from tests.reliability.conftest import Launch, bot_env, until, wait_ready

CALLBACK = r"^/interactions/\d+/[^/]+/callback$"
CHANNEL_MESSAGES = r"^/channels/\d+/messages$"


async def plan_answers(emu: DiscordEmulator, **kw: object) -> InteractionResult:
    """/plan push, which must come back as one public embed."""
    result = await emu.slash("plan", {"day": "push"}, timeout=15, **kw)
    assert result.callback_type == 4, result
    assert len(result.embeds) == 1, result
    assert not result.errors, result
    return result


async def log_answers(emu: DiscordEmulator, weight: float) -> InteractionResult:
    """/log, which must come back with its confirmation embed."""
    result = await emu.slash("log", {"exercise": "back squat", "weight": weight, "reps": 5, "unit": "kg"}, timeout=15)
    assert result.embeds, result
    assert "Back Squat" in result.embeds[0]["title"], result
    assert not result.errors, result
    return result


async def test_gateway_drops_reconnects_and_invalid_sessions(
    tmp_path: Path, emu: DiscordEmulator, launch: Launch
) -> None:
    bot = await launch(bot_env(tmp_path, emu))
    await wait_ready(emu, bot)
    await plan_answers(emu)

    # 1. The websocket drops (resumable close code): the bot RESUMEs; an interaction sent while it was
    #    away is replayed from the session buffer and still answered.
    await emu.drop_connection(code=4000)
    await plan_answers(emu)
    await until(lambda: emu.resume_count >= 1, 15, "a RESUME after the dropped connection")
    await log_answers(emu, 100)

    # 2. Discord asks for a reconnect (op 7): reconnect and resume, keep answering.
    resumes = emu.resume_count
    await emu.request_reconnect()
    await until(lambda: emu.resume_count > resumes, 15, "a RESUME after op 7 RECONNECT")
    await plan_answers(emu)

    # 3. The session is invalidated (op 9, not resumable): a fresh IDENTIFY, then business as usual.
    identifies = emu.identify_count
    await emu.invalidate_session(resumable=False)
    await until(lambda: emu.identify_count > identifies and emu.connected, 15, "a new IDENTIFY after op 9")
    await plan_answers(emu)
    await log_answers(emu, 102.5)

    # 4. Twice more in quick succession, a dropped socket nobody announced (abnormal close).
    for _ in range(2):
        await emu.drop_connection(code=1006)
        await plan_answers(emu)

    assert bot.alive
    assert "Traceback" not in bot.stderr, bot.tail()


async def test_rest_rate_limits_and_server_errors_are_retried(
    tmp_path: Path, emu: DiscordEmulator, launch: Launch
) -> None:
    bot = await launch(bot_env(tmp_path, emu))
    await wait_ready(emu, bot)

    # A 429 with Retry-After on the interaction callback: discord.py waits it out, within the 3 s window.
    limited = emu.inject(CALLBACK, 429, retry_after=0.6)
    result = await plan_answers(emu)
    assert limited.hits == 1
    assert result.latency_s is not None
    assert result.latency_s >= 0.6

    # 500, 502, 503 on the next callbacks: each retried after a second, still inside the window.
    for status in (500, 502, 503):
        failing = emu.inject(CALLBACK, status)
        await log_answers(emu, 100 + status / 100)
        assert failing.hits == 1

    # Channel messages (the chat answer to "does pre-exhaust work?"): a 502 and a 429 before it lands.
    emu.inject(CHANNEL_MESSAGES, 502)
    emu.inject(CHANNEL_MESSAGES, 429, retry_after=0.3)
    replies = await emu.send_message("does pre-exhaust work?", mention_bot=True, timeout=10)
    assert len(replies) == 1, replies
    assert replies[0]["embeds"], replies
    statuses = [c.status for c in emu.calls if re.match(CHANNEL_MESSAGES, c.path)]
    assert statuses == [502, 429, 200], statuses

    # Both kinds on one command (a server error first: discord.py's second retry waits 3 s, past the
    # window), and the bot's state — every set logged exactly once — is intact.
    emu.inject(CALLBACK, 500)
    emu.inject(CALLBACK, 429, retry_after=0.3)
    await log_answers(emu, 110)
    history = await emu.slash("history", timeout=15)
    assert history.embeds, history.embeds
    assert "· 4 sets ·" in history.embeds[0]["footer"]["text"], history.embeds

    await asyncio.sleep(0.2)
    assert bot.alive
    errors = [line for line in bot.stderr.splitlines() if " ERROR " in line or "Traceback" in line]
    assert not errors, bot.tail()
