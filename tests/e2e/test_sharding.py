"""Two ``python bot.py`` processes with disjoint shards, one PostgreSQL, two guilds: a scaled-out deployment."""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from db.engine import create_engine
from db.models import LoggedSet
from emulator.server import DiscordEmulator, InteractionResult
from tests.db.fixtures import PG_SKIP_REASON, create_pg_database, drop_pg_database, pg_admin_url
from tests.e2e.test_emulator_e2e import BOT, EXIT_TIMEOUT_S, LEAK_MARKERS, STARTUP_TIMEOUT_S, BotProcess, bot_env
from tests.emulator.test_shards import SHARD_COUNT, guild_on_shard

pytestmark = pytest.mark.skipif(not BOT.is_file(), reason="bot.py (the entry point) is not in the tree yet")

# discord.py logs this at INFO for every shard it connects: it ties a gateway session to a process.
CONNECTED_RE = re.compile(r"Shard ID (\d+) has connected to Gateway \(Session ID: (\w+)\)")
# en-GB: the member sees kg (en-US would show lb).
LOCALE = "en-GB"

Launch = Callable[[dict[str, str]], Awaitable[BotProcess]]


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for this test (both processes migrate it at once)."""
    admin = pg_admin_url()
    if admin is None:
        pytest.skip(PG_SKIP_REASON)
    url = await create_pg_database(admin, prefix="coach_shards")
    try:
        yield url
    finally:
        await drop_pg_database(admin, url)


async def wait_for_shards_or_exit(emu: DiscordEmulator, bots: list[BotProcess]) -> None:
    """Every shard connected, unless a process dies first (then fail with its stderr, not a timeout)."""
    connected = asyncio.ensure_future(emu.wait_for_shards(range(SHARD_COUNT), STARTUP_TIMEOUT_S))
    exits = {asyncio.ensure_future(bot.proc.wait()): bot for bot in bots}
    done, _ = await asyncio.wait({connected, *exits}, return_when=asyncio.FIRST_COMPLETED)
    for future in exits:
        future.cancel()
    if connected not in done:
        connected.cancel()
        dead = next(exits[f] for f in done)
        await dead.wait()
        pytest.fail(f"bot.py exited with {dead.proc.returncode} before connecting:\n{dead.stderr[-4000:]}")
    connected.result()


async def interact(http: aiohttp.ClientSession, body: dict[str, Any]) -> InteractionResult:
    """One interaction through the emulator's control API, as an out-of-process driver sends it."""
    async with http.post("/_test/interaction", json=body) as resp:
        data = await resp.json()
        assert resp.status == 200, data
    return InteractionResult.from_json(data)


async def test_two_processes_with_disjoint_shards_share_one_postgres(
    tmp_path: Path, pg_url: str, launch: Launch
) -> None:
    async with DiscordEmulator(guild_id=guild_on_shard(0), recommended_shards=SHARD_COUNT) as emu:
        guilds = [emu.guild_id, emu.add_guild("Second Gym", guild_id=guild_on_shard(1))]
        # Global commands (no DEV_GUILD_ID): members of both guilds must be able to use them.
        endpoints = {k: v for k, v in emu.env().items() if k != "DEV_GUILD_ID"}
        bots = []
        for shard in range(SHARD_COUNT):
            data_dir = tmp_path / f"shard{shard}"
            data_dir.mkdir()
            env = bot_env(
                data_dir, **endpoints, DATABASE_URL=pg_url, SHARD_COUNT=str(SHARD_COUNT), SHARD_IDS=str(shard)
            )
            # Started together on an empty database: both run the migrations at once (an advisory lock serialises them).
            bots.append(await launch(env))
        await wait_for_shards_or_exit(emu, bots)
        await emu.wait_for_commands(STARTUP_TIMEOUT_S)

        async with aiohttp.ClientSession(emu.base_url) as http:
            logged = []
            for guild_id, weight in zip(guilds, (100.0, 102.5), strict=True):
                options = {"exercise": "Bench Press", "weight": weight, "reps": 8}
                body = {"name": "log", "options": options, "guild_id": str(guild_id), "locale": LOCALE}
                logged.append(await interact(http, body))
            history = await interact(http, {"name": "history", "guild_id": str(guilds[0]), "locale": LOCALE})

        for shard, result in enumerate(logged):
            assert result.callback_type == 4, result
            assert not result.errors, result
            assert result.callback_attempts == 1, "answered exactly once"
            assert result.shard_id == shard, "delivered on the shard that owns the guild"
            assert result.embeds[0]["title"].startswith("Bench Press")
        assert "2 sets" in history.embeds[0]["footer"]["text"], history.embeds
        assert "100 kg × 8" in history.embeds[0]["description"]
        assert "102.5 kg × 8" in history.embeds[0]["description"]

        for bot in bots:
            bot.proc.send_signal(signal.SIGTERM)
        statuses = [await bot.wait(EXIT_TIMEOUT_S) for bot in bots]

    for shard, (bot, status) in enumerate(zip(bots, statuses, strict=True)):
        assert status == 0, bot.stderr[-4000:]
        for marker in LEAK_MARKERS:
            assert marker not in bot.stderr, bot.stderr[-4000:]
        # Each process ran exactly its own shard, and the interaction for its guild reached that session.
        sessions = {int(s): sid for s, sid in CONNECTED_RE.findall(bot.stderr)}
        assert set(sessions) == {shard}, bot.stderr[-4000:]
        assert logged[shard].session_id == sessions[shard]

    # Both processes' sets are in the one database, each tagged with the guild it came from.
    engine = create_engine(pg_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(LoggedSet.guild_id, LoggedSet.weight_kg).order_by(LoggedSet.id))).all()
    finally:
        await engine.dispose()
    assert [(g, w) for g, w in rows] == [(guilds[0], 100.0), (guilds[1], 102.5)]
