"""The latency members see: ``python bot.py`` as its own process against the loopback emulator.

The in-process harness feeds payloads straight into discord.py; here every interaction crosses the
emulator's websocket gateway to a separate bot process and its answer comes back over REST, so each
thread wake-up and round trip the bot makes is in the figure. The bot process's own CPU (user + system,
from ``/proc``) is divided by the calls it answered.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

from bench.startup import bot_environment, start_bot
from bench.stats import Samples
from emulator.server import DiscordEmulator, InteractionResult

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 120.0
CALL_TIMEOUT_S = 30.0
_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _log_options(n: int) -> dict[str, Any]:
    exercise = ("bench press", "leg extension", "lat pulldown", "squat", "cable fly")[n % 5]
    return {"exercise": exercise, "weight": 40 + 2.5 * (n % 9), "reps": 8 + n % 5, "unit": "kg"}


async def _call(emu: DiscordEmulator, samples: Samples, name: str, options: dict[str, Any] | None, **kw: Any) -> None:
    try:
        result: InteractionResult = await emu.slash(name, options, timeout=CALL_TIMEOUT_S, **kw)
    except Exception:  # a failed call is counted, not fatal
        samples.errors += 1
        return
    if result.latency_s is None or result.errors or not result.messages:
        samples.errors += 1
    else:
        samples.add(result.latency_s)


async def _phase(pid: int, work: Any, *counted: Samples) -> dict[str, Any]:
    """Run ``work``; the bot's CPU per call and the call rate over it (calls as the ``counted`` samples hold)."""
    cpu = _cpu_seconds(pid)
    started = time.perf_counter()
    await work
    elapsed = time.perf_counter() - started
    used = _cpu_seconds(pid) - cpu
    calls = sum(len(s.latencies) + s.errors for s in counted)
    return {
        "bot_cpu_ms_per_call": round(used / calls * 1000, 3) if calls else None,
        "calls_per_s": round(calls / elapsed, 1) if elapsed else None,
    }


async def real_process(
    database_url: str, data_dir: Path, *, sequential: int, members: int, sets_each: int, event_loop: str = "asyncio"
) -> dict[str, Any]:
    """Sequential /log and /plan (alternating), then ``members`` members logging ``sets_each`` sets at once,
    with the bot on ``event_loop`` (``EVENT_LOOP``)."""
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    async with DiscordEmulator() as emu:
        emu.interaction_deadline_s = None  # measure slow answers too, rather than failing them at 3 s
        env = bot_environment(emu, database_url, data_dir, LOG_LEVEL="WARNING", EVENT_LOOP=event_loop)
        proc = await start_bot(env)
        try:
            await emu.wait_for_commands(START_TIMEOUT_S)
            await emu.wait_until_connected(START_TIMEOUT_S)
            users = [emu.add_member(f"lifter{i}") for i in range(members)]
            # Warm-up, unrecorded: first use creates each member's row and fills the bot's caches.
            warm = Samples()
            for n in range(20):
                await _call(emu, warm, "plan", {"day": ("push", "pull", "lower")[n % 3]})
                await _call(emu, warm, "log", _log_options(n), user=users[n % members])
            out: dict[str, Any] = {"event_loop": event_loop}
            plan, log = Samples(), Samples()

            async def alternate() -> None:
                for n in range(sequential):
                    await _call(emu, plan, "plan", {"day": ("push", "pull", "lower")[n % 3]})
                    await _call(emu, log, "log", _log_options(n), user=users[0])

            both = await _phase(proc.pid, alternate(), plan, log)
            out["sequential"] = {
                "plan": plan.summary(),
                "log": log.summary(),
                "bot_cpu_ms_per_call": both["bot_cpu_ms_per_call"],
            }
            crowd = Samples()

            async def member(user: dict[str, Any]) -> None:
                for n in range(sets_each):
                    await _call(emu, crowd, "log", _log_options(n), user=user)

            out["concurrent_log"] = {
                "members": members,
                **await _phase(proc.pid, asyncio.gather(*(member(u) for u in users)), crowd),
                **crowd.summary(),
            }
            return out
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.wait(), 30)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
