"""The benchmark itself: the bulk loader's rows are valid and realistic, and a tiny run produces every number."""

# The database fixtures are imported by name from tests/db/fixtures.py; pytest injects them as arguments,
# which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.cli import Config, run
from bench.measure import COMMANDS
from bench.report import markdown
from bench.seed import HISTORY_DAYS, member_id, members_for, seed_database
from coach.metrics import estimate_1rm
from db.engine import create_engine
from db.models import LoggedSet, MemberSettings
from tests.db.fixtures import (  # noqa: F401 - fixtures are found by name
    backend,
    empty_db_url,
    fresh_pg_url,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def test_seeded_rows_are_valid_and_spread_over_a_year(empty_db_url: str) -> None:
    result = await seed_database(empty_db_url, 5_000, now=NOW)
    assert result.rows == 5_000
    assert result.members == members_for(5_000)
    engine = create_engine(empty_db_url)
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(LoggedSet)) == 5_000
            assert await conn.scalar(select(func.count()).select_from(MemberSettings)) == result.members
            first, last = (
                await conn.execute(select(func.min(LoggedSet.performed_at), func.max(LoggedSet.performed_at)))
            ).one()
            rows = (await conn.execute(select(LoggedSet).where(LoggedSet.member_id == member_id(0)))).all()
            # Inserted in time order, as real traffic leaves a table.
            times = (await conn.execute(select(LoggedSet.performed_at).order_by(LoggedSet.id))).scalars().all()
    finally:
        await engine.dispose()
    assert NOW - timedelta(days=HISTORY_DAYS + 1) <= first.replace(tzinfo=UTC)
    assert last.replace(tzinfo=UTC) < NOW
    assert 10 <= len(rows) <= 100  # a member's own history, sessions of several exercises
    assert len({r.exercise_key for r in rows}) >= 4
    assert all(abs(r.e1rm_kg - estimate_1rm(r.weight_kg, r.reps)) < 1e-9 for r in rows)
    assert list(times) == sorted(times)


async def test_a_tiny_run_reports_every_number(tmp_path: Path) -> None:
    config = Config(quick=True, sizes=(0, 2_000), calls=3, warmup=1, load_seconds=1.0, saturation_seconds=1.0,
                    load_members=20, charts=2, chart_log_members=2, importers=2, import_rows=1_200,
                    real_sequential=5, real_sets_each=2, sync_sets=10)  # fmt: skip
    result = await run(config, None, tmp_path)
    json.dumps(result)  # the --json document
    for size in ("0", "2000"):
        commands = result["sizes"][size]["commands"]
        assert set(commands) == {key for key, _ in COMMANDS}
        for key in ("plan", "log", "undo", "history", "evidence", "log_autocomplete"):
            assert commands[key]["available"], (size, key, commands[key])
            assert commands[key]["errors"] == 0, (size, key, commands[key])
            assert {"p50_ms", "p95_ms", "p99_ms"} <= set(commands[key])
        assert {"dispatch", "storage", "storage_raw"} <= set(result["sizes"][size]["floors"])
    load = result["load"]
    assert load["errors"] == 0
    assert load["acknowledged"] == load["stored"] > 0
    assert {"sets_per_s", "p99_ms"} <= set(load)
    assert result["startup_s"] > 0
    assert result["peak_rss_mb"] > 0
    assert "max_loop_stall_ms" in result
    assert any(t["name"].startswith("log_p50_vs_floors") for t in result["targets"])
    assert "| /log |" in markdown(result)
    during = result["log_during_import"]
    assert during["imported"] == 2 * 1_200, "both imports land whole"
    assert during["log_calls"] > 0
    assert during["log_errors"] == 0
    assert any(t["name"] == "import_log_p99_ms" for t in result["targets"])
    assert "/log during imports" in markdown(result)
    # CPU per call, next to latency.
    assert result["sizes"]["0"]["commands"]["log"]["cpu_ms"] > 0
    assert any(t["name"] == "log_cpu_ms@0" for t in result["targets"])
    assert "CPU per call" in markdown(result)
    # The real process: sequential /plan and /log, then the load members at once, all answered.
    real = result["real_process"]["asyncio"]
    assert real["sequential"]["log"]["calls"] == 5
    assert real["sequential"]["plan"]["calls"] == 5
    assert real["concurrent_log"]["calls"] == 20 * 2
    assert real["concurrent_log"]["errors"] == 0
    assert real["sequential"]["bot_cpu_ms_per_call"] > 0
    assert "Real process" in markdown(result)
    # Syncs counted from outside, when strace can run here (CI has it).
    durable = result["durability"]
    if durable.get("available", True):
        assert durable["members_1"]["acks"] == 10
        assert durable["members_1"]["unsynced_acks"] == 0
        assert "Durability" in markdown(result)
    assert load["sets_per_commit"] >= 1
    assert result["load_saturation"]["sets_per_commit"] >= 1
