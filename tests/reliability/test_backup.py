"""``python bot.py --backup PATH``: a consistent SQLite copy while the bot runs under load, and a working restore."""

from __future__ import annotations

import asyncio
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp

from db.migrate import head_revision
from emulator.server import DiscordEmulator
from tests.reliability.conftest import (
    ROOT,
    Launch,
    acknowledged_sets,
    bot_env,
    control,
    sqlite_rows,
    until,
    wait_ready,
)

MEMBERS = 10


async def run_backup(env: dict[str, str], destination: Path) -> tuple[int, str, str]:
    """``python bot.py --backup destination`` with ``env``: (exit status, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bot.py"),
        "--backup",
        str(destination),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_backup_while_members_log_is_consistent_and_restores(
    tmp_path: Path, emu: DiscordEmulator, launch: Launch
) -> None:
    # No automatic checkpoints: every set stays in coach.db-wal (as busy readers can cause), so a backup
    # that merely copied coach.db would miss them all — the check below would catch it.
    env = bot_env(tmp_path, emu, COACH_TEST_NO_AUTOCHECKPOINT="1")
    bot = await launch(env, shim=True)
    await wait_ready(emu, bot)
    users = [emu.add_member(f"member{n}") for n in range(MEMBERS)]
    stop = asyncio.Event()

    async def keep_logging(http: aiohttp.ClientSession, user: dict[str, Any]) -> None:
        i = 0
        while not stop.is_set():
            options = {"exercise": "deadlift", "weight": 100 + i, "reps": 3, "unit": "kg"}
            status, body = await control(http, {"name": "log", "options": options, "user": user})
            assert status == 200, body
            i += 1

    async with aiohttp.ClientSession(emu.base_url) as http:
        members = [asyncio.create_task(keep_logging(http, u)) for u in users]
        await until(lambda: len(acknowledged_sets(emu)) >= 30, 30, "30 acknowledged sets")
        shutil.copyfile(tmp_path / "coach.db", tmp_path / "naive-copy.db")
        backups = []
        for n in range(2):  # twice, under continuous writes
            before = acknowledged_sets(emu)
            status, out, err = await run_backup(env, tmp_path / "backups" / f"coach-{n}.db")
            assert status == 0, err
            assert "integrity check ok" in out, out
            backups.append((tmp_path / "backups" / f"coach-{n}.db", before, set(acknowledged_sets(emu))))
        stop.set()
        await asyncio.gather(*members)

    for path, acknowledged_before, acknowledged_after in backups:
        assert sqlite_rows(path, "PRAGMA integrity_check") == [("ok",)]
        assert sqlite_rows(path, "PRAGMA journal_mode") == [("delete",)], "a single self-contained file"
        assert not path.with_name(path.name + "-wal").exists()
        assert sqlite_rows(path, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
        ids = {row[0] for row in sqlite_rows(path, "SELECT interaction_id FROM logged_sets")}
        # Every set confirmed before the backup started is in it (even those still only in the WAL),
        # and nothing that wasn't at least sent to the bot by the time it finished.
        assert acknowledged_before <= ids, f"{len(acknowledged_before - ids)} acknowledged sets missing"
        assert len(ids) <= len(acknowledged_after) + MEMBERS
    assert not list((tmp_path / "backups").glob(".*partial*")), "no partial file left behind"
    # The hazard --backup exists for: a plain copy of coach.db taken meanwhile holds none of those sets.
    naive = tmp_path / "naive-copy.db"
    tables = sqlite_rows(naive, "SELECT name FROM sqlite_master WHERE name = 'logged_sets'")
    assert not tables or sqlite_rows(naive, "SELECT count(*) FROM logged_sets") == [(0,)]

    # Restore: stop the bot, put the backup in place of the database, start again; the data is there.
    bot.signal(signal.SIGTERM)
    assert await bot.wait() == 0, bot.tail()
    restored_dir = tmp_path / "restored"
    restored_dir.mkdir()
    latest = backups[-1][0]
    shutil.copyfile(latest, restored_dir / "coach.db")
    identifies = emu.identify_count
    restored = await launch(bot_env(restored_dir, emu))
    await wait_ready(emu, restored, identifies_before=identifies)
    member = users[0]
    expected = sqlite_rows(latest, f"SELECT count(*) FROM logged_sets WHERE member_id = {int(member['id'])}")[0][0]
    history = await emu.slash("history", {"days": 1}, user=member)
    assert f"· {expected} sets ·" in history.embeds[0]["footer"]["text"], history.embeds


async def test_backup_refuses_postgres_without_printing_the_password(tmp_path: Path, emu: DiscordEmulator) -> None:
    password = "pw-Never-Print-9d2f"
    env = bot_env(tmp_path, emu, DATABASE_URL=f"postgresql://coach:{password}@127.0.0.1:5432/coach")
    status, out, err = await run_backup(env, tmp_path / "pg.dump")
    assert status == 2
    assert "pg_dump" in err
    assert "***" in err
    assert password not in out + err

    live = bot_env(tmp_path, emu)
    (tmp_path / "coach.db").touch()
    status, _, err = await run_backup(live, tmp_path / "coach.db")
    assert status == 2
    assert "different file" in err

    missing = bot_env(tmp_path / "nowhere", emu)
    status, _, err = await run_backup(missing, tmp_path / "x.db")
    assert status == 2
    assert "no database" in err
