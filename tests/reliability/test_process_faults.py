"""Kill or stop the bot process while 20 members are logging: no acknowledged set is lost or doubled.

"Acknowledged" is judged by the emulator, i.e. by Discord: the member saw the /log confirmation
(the reply embed was accepted). Such a set must survive SIGKILL (SQLite commits before the reply is
sent; WAL with synchronous=NORMAL keeps commits across a process crash), must not be stored twice
when Discord delivers the interaction again, and the file must pass SQLite's integrity check. On
SIGTERM the bot finishes the interactions in flight before it closes its HTTP session.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import aiohttp

from emulator.server import DiscordEmulator, InteractionResult
from tests.reliability.conftest import (
    Launch,
    acknowledged_sets,
    bot_env,
    control,
    result_of,
    sqlite_rows,
    until,
    wait_ready,
)

MEMBERS = 20
SETS_PER_MEMBER = 10
KILL_AFTER_ACKNOWLEDGED = 60


def log_options(i: int) -> dict[str, Any]:
    """A valid /log for the i-th set of a member."""
    return {"exercise": "bench press", "weight": 60 + i, "reps": 8, "unit": "kg"}


async def member_keeps_logging(http: aiohttp.ClientSession, user: dict[str, Any]) -> list[tuple[int, Any]]:
    """One scripted member logging sets one after another until the bot stops answering."""
    seen = []
    for i in range(SETS_PER_MEMBER):
        status, body = await control(http, {"name": "log", "options": log_options(i), "user": user, "timeout": 8})
        seen.append((status, body))
        if status != 200:
            break
    return seen


def log_interactions(emu: DiscordEmulator) -> dict[int, dict[str, Any]]:
    """Interaction id -> payload for every /log the emulator dispatched."""
    return {
        p.id: p.payload
        for p in emu._pending_by_token.values()
        if p.type == 2 and (p.payload.get("data") or {}).get("name") == "log"
    }


def check_database(db: Path, *, acknowledged: set[int], dispatched: set[int]) -> list[int]:
    """Integrity, no duplicates, every acknowledged set present; returns the stored interaction ids."""
    assert sqlite_rows(db, "PRAGMA integrity_check") == [("ok",)]
    stored = [row[0] for row in sqlite_rows(db, "SELECT interaction_id FROM logged_sets")]
    assert None not in stored
    assert len(stored) == len(set(stored)), "a set was stored twice"
    missing = acknowledged - set(stored)
    assert not missing, f"{len(missing)} acknowledged set(s) lost: {sorted(missing)[:5]}"
    phantom = set(stored) - dispatched
    assert not phantom, f"rows for interactions nobody sent: {sorted(phantom)[:5]}"
    return stored


async def test_sigkill_mid_traffic_loses_no_acknowledged_set(
    tmp_path: Path, emu: DiscordEmulator, launch: Launch
) -> None:
    env = bot_env(tmp_path, emu)
    bot = await launch(env)
    await wait_ready(emu, bot)
    users = [emu.add_member(f"member{n}") for n in range(MEMBERS)]

    async with aiohttp.ClientSession(emu.base_url) as http:
        members = [asyncio.create_task(member_keeps_logging(http, user)) for user in users]
        await until(lambda: len(acknowledged_sets(emu)) >= KILL_AFTER_ACKNOWLEDGED, 60, "acknowledged sets")
        bot.signal(signal.SIGKILL)
        assert await bot.wait() == -signal.SIGKILL
        await asyncio.gather(*members)

    acknowledged = acknowledged_sets(emu)
    dispatched = log_interactions(emu)
    assert len(dispatched) > len(acknowledged), "the kill should have caught some sets in flight"
    stored = check_database(tmp_path / "coach.db", acknowledged=acknowledged, dispatched=set(dispatched))

    # Restart on the same file: it opens cleanly and keeps answering.
    identifies = emu.identify_count
    restarted = await launch(env)
    await wait_ready(emu, restarted, identifies_before=identifies)
    # Discord may deliver an acknowledged interaction again: the same set, not a second row.
    replayed_id = min(acknowledged)
    replay = dict(dispatched[replayed_id], token=f"replay-{replayed_id}")
    again = await emu.send_interaction(replay)
    assert again.embeds, again
    assert "Already logged" in (again.embeds[0].get("description") or ""), again
    fresh = await emu.slash("log", log_options(0), user=users[0])
    assert fresh.embeds, fresh
    assert not fresh.errors, fresh

    restarted.signal(signal.SIGTERM)
    assert await restarted.wait() == 0, restarted.tail()
    after = check_database(tmp_path / "coach.db", acknowledged=acknowledged, dispatched=set(log_interactions(emu)))
    assert len(after) == len(stored) + 1  # only the fresh set was added


async def test_sigterm_finishes_in_flight_work_before_exit(
    tmp_path: Path, emu: DiscordEmulator, launch: Launch
) -> None:
    # Every transaction starts 3 s late: past the 2 s point where every member is shown "thinking…", and
    # the sets queued behind the first share the next commit (3 s more, within the 8 s SIGTERM grants).
    # When SIGTERM arrives, most members have only seen "thinking…".
    bot = await launch(bot_env(tmp_path, emu, COACH_TEST_DB_BEGIN_DELAY_S="3"), shim=True)
    await wait_ready(emu, bot)
    users = [emu.add_member(f"member{n}") for n in range(MEMBERS)]

    async with aiohttp.ClientSession(emu.base_url) as http:
        requests = [
            asyncio.create_task(control(http, {"name": "log", "options": log_options(0), "user": u, "timeout": 30}))
            for u in users
        ]
        pending = lambda: [p for p in emu._pending_by_token.values() if p.type == 2]  # noqa: E731
        await until(lambda: len(pending()) == MEMBERS and all(p.callback_type for p in pending()), 10, "20 acks")
        unfinished = [p for p in pending() if not p.complete.is_set()]
        assert len(unfinished) >= 5, "SIGTERM should arrive while work is still in flight"
        bot.signal(signal.SIGTERM)
        answers: list[InteractionResult] = [result_of(*r) for r in await asyncio.gather(*requests)]

    assert await bot.wait() == 0, bot.tail()
    for result in answers:
        assert result.embeds, result
        assert not result.errors, result
    assert any(r.deferred for r in answers)
    stored = sqlite_rows(tmp_path / "coach.db", "SELECT count(*), count(DISTINCT interaction_id) FROM logged_sets")
    assert stored == [(MEMBERS, MEMBERS)]
    assert "Traceback" not in bot.stderr, bot.tail()
    assert "finishing" in bot.stderr or "in flight" in bot.stderr, bot.tail()
