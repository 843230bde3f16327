"""The database goes away while the bot runs: members are told plainly, nothing half-saved, back without a restart.

SQLite: the bot runs through ``tests.reliability.botshim``, whose switch makes SQLite itself refuse
writes with SQLITE_READONLY — the error of a read-only database file (``chmod`` can't produce it here:
CI runs as root, and open descriptors keep write access anyway). PostgreSQL: a server this test starts
itself is stopped with ``pg_ctl stop`` and started again; the bot's pool (``pool_pre_ping``) recovers.
The PostgreSQL run also carries a password in DATABASE_URL and logs at DEBUG, and every byte the bot
printed, sent to Discord or stored is scanned for it and for the token.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from db.engine import create_engine
from emulator import payloads
from emulator.server import DiscordEmulator, InteractionResult
from tests.reliability.conftest import Launch, bot_env, delivered_messages, message_problems, sqlite_rows, wait_ready
from tests.reliability.pgserver import PgServer

UNAVAILABLE = ("temporarily unavailable", "nothing was saved")
PASSWORD = "pg-Secret-7f3a9c2e"


def unavailable(result: InteractionResult) -> bool:
    """True when the member got the private "storage unavailable, nothing saved" answer in time."""
    text_ = " ".join(str(m.get("content") or "") for m in result.messages).lower()
    return result.callback_type == 4 and result.ephemeral and all(p in text_ for p in UNAVAILABLE)


async def log(emu: DiscordEmulator, weight: float, **kw: object) -> InteractionResult:
    """/log a back squat."""
    return await emu.slash("log", {"exercise": "back squat", "weight": weight, "reps": 5, "unit": "kg"}, **kw)


def logged(result: InteractionResult) -> bool:
    """True when /log confirmed the set."""
    return bool(result.embeds) and "Back Squat" in result.embeds[0]["title"] and not result.errors


async def storage_dependent_commands(emu: DiscordEmulator) -> list[tuple[str, InteractionResult]]:
    """Every command that writes, each of which must say storage is unavailable."""
    return [
        ("/log", await log(emu, 120)),
        ("/settings unit:kg", await emu.slash("settings", {"unit": "kg"})),
        ("/undo", await emu.slash("undo")),
        ("/config", await emu.slash("config", {"evidence_replies": "on"}, permissions=payloads.MANAGER_PERMISSIONS)),
    ]


async def test_sqlite_read_only_then_writable_again(tmp_path: Path, emu: DiscordEmulator, launch: Launch) -> None:
    flag = tmp_path / "readonly.flag"
    bot = await launch(bot_env(tmp_path, emu, COACH_TEST_READONLY_FLAG=str(flag)), shim=True)
    await wait_ready(emu, bot)
    first = await log(emu, 100)
    assert logged(first), first

    flag.touch()
    for what, result in await storage_dependent_commands(emu):
        assert unavailable(result), (what, result)
    undo_press = await emu.click(first.message or {}, label="Undo")
    assert undo_press.callback_type == 4
    assert any(p in (undo_press.message or {}).get("content", "") for p in UNAVAILABLE)
    assert emu.messages[int((first.message or {})["id"])]["embeds"][0]["title"].startswith("Back Squat")
    # Reading still works from a read-only database, and so does everything that needs no storage.
    history = await emu.slash("history")
    assert "· 1 set ·" in history.embeds[0]["footer"]["text"], history.embeds
    assert (await emu.slash("plan", {"day": "pull"})).embeds

    flag.unlink()
    second = await log(emu, 105)
    assert logged(second), second
    assert (await emu.slash("undo")).message is not None
    assert bot.alive
    rows = sqlite_rows(tmp_path / "coach.db", "SELECT weight_kg FROM logged_sets ORDER BY id")
    assert rows == [(100.0,)], "exactly the set logged before the outage remains (the second was undone)"
    assert sqlite_rows(tmp_path / "coach.db", "SELECT count(*) FROM member_settings WHERE unit = 'kg'") == [(0,)]
    assert sqlite_rows(tmp_path / "coach.db", "SELECT count(*) FROM guild_settings") == [(0,)]
    assert "attempt to write a readonly database" in bot.stderr, "SQLite itself must have refused the writes"
    assert " ERROR " not in bot.stderr, bot.tail()
    assert not message_problems(body for _, body in delivered_messages(emu))


@pytest.fixture(scope="module")
def pg() -> Iterator[PgServer]:
    """A PostgreSQL server of our own, so stopping it disturbs no other test."""
    server = PgServer()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


async def all_rows(url: str) -> str:
    """Every row of every table, as text."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            tables = (await conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))).all()
            dump = []
            for (table,) in tables:
                dump += [repr(tuple(r)) for r in (await conn.execute(text(f'SELECT * FROM "{table}"'))).all()]
        return "\n".join(dump)
    finally:
        await engine.dispose()


async def test_postgres_stopped_then_started_without_restart_and_no_secret_leaks(
    tmp_path: Path, emu: DiscordEmulator, launch: Launch, pg: PgServer
) -> None:
    url = pg.url(password=PASSWORD)
    bot = await launch(bot_env(tmp_path, emu, DATABASE_URL=url, LOG_LEVEL="DEBUG"))
    await wait_ready(emu, bot)
    first = await log(emu, 100, locale="en-GB")
    assert logged(first), first
    assert (await emu.slash("privacy", subcommand="export")).files

    pg.stop()
    try:
        for what, result in await storage_dependent_commands(emu):
            assert unavailable(result), (what, result)
        history = await emu.slash("history")
        assert unavailable(history), history
        assert (await emu.slash("plan", {"day": "lower"})).embeds
        assert bot.alive
    finally:
        pg.start()

    second = await log(emu, 110)
    assert logged(second), second
    history = await emu.slash("history")
    assert "· 2 sets ·" in history.embeds[0]["footer"]["text"], history.embeds
    assert bot.alive, bot.tail()
    assert " ERROR " not in bot.stderr, bot.tail()

    # Nothing the bot printed, sent to Discord or stored contains the token or the database password.
    sent = json.dumps([c.to_dict() for c in emu.calls]) + "".join(
        data.decode("utf-8", "replace") for c in emu.calls for data in c.files.values()
    )
    stored = await all_rows(url)
    output = bot.stdout + bot.stderr
    assert "storage unavailable" in output, "the scan must cover the error path at DEBUG"
    assert "DEBUG" in output, "the scan must cover the error path at DEBUG"
    for secret in (emu.token, PASSWORD):
        for where, haystack in (("logs", output), ("REST bodies", sent), ("database", stored)):
            assert secret not in haystack, f"a secret leaked into the {where}"
    assert not message_problems(body for _, body in delivered_messages(emu))
