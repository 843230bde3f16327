"""``python -m bench``: seed each database size, measure, load, and report as Markdown and JSON."""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import json
import logging
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.app import BenchHarness, bench_bot
from bench.databases import durable_settings, is_postgres, scratch_database, server_version
from bench.floors import StorageFloor
from bench.load import chart_stall, load_test, log_during_imports, saturation
from bench.measure import Actor, RoundRunner, actors
from bench.realprocess import real_process
from bench.report import growth, machine, markdown, targets, throughput_target
from bench.startup import startup_seconds
from bench.syncs import TraceUnavailable, traced
from catalog import load_catalog
from coach.evidence import load_evidence
from runtime.client import CoachBot
from runtime.loop import tune_process

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Config:
    """How much to measure."""

    quick: bool
    sizes: tuple[int, ...]
    calls: int  # measured calls per command and size (each round calls every command once)
    warmup: int  # unrecorded rounds first, per size
    load_seconds: float
    saturation_seconds: float
    load_members: int
    charts: int  # /progress calls rendered during the event-loop stall measurement
    chart_log_members: int  # members logging meanwhile (also while the imports run)
    importers: int = 4  # members importing an export at the same moment
    import_rows: int = 20_000  # sets in each of those exports (the import limit)
    real_sequential: int = 300  # /plan and /log calls each, one after the other, through a real bot process
    real_sets_each: int = 5  # sets each of the load members logs at once through the real bot process
    sync_sets: int = 200  # sets logged under strace, for the syncs per acknowledged write


FULL = Config(False, (0, 100_000, 1_000_000), 500, 40, 15.0, 10.0, 200, 40, 20)
QUICK = Config(True, (0, 100_000), 150, 20, 6.0, 4.0, 200, 12, 20, real_sequential=100, real_sets_each=3, sync_sets=100)
# The paced load offers this share of the throughput target (see report.throughput_target): the issue's
# "p99 at a paced load of half that rate".
LOAD_OFFERED_SHARE = 0.5
# A second paced run offers this share of the saturation throughput: the latency an operator can plan with.
HEADROOM_SHARE = 0.5
# /log traffic during the import measurement offers this share of the saturation throughput: the
# capacity-planning rate of the headroom run. A share of the storage floor instead swung between well
# under and past what the process sustains (the floor varies run to run; the process's CPU doesn't),
# and past saturation any latency measures queueing, not the imports.
IMPORT_LOG_SHARE = HEADROOM_SHARE


def say(message: str) -> None:
    """Progress on stderr (stdout carries the report)."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


async def seed(url: str, rows: int, now: datetime) -> float:
    """Load ``rows`` sets in a child process (so its memory never counts as the bot's); seconds taken."""
    # The URL goes through the environment, not argv: other users can read a process's arguments.
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.seed",
        "--rows",
        str(rows),
        "--now",
        now.isoformat(),
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"seeding failed:\n{err.decode(errors='replace')[-4000:]}")
    return float(json.loads(out.decode().strip().splitlines()[-1])["seconds"])


async def concurrency(
    config: Config,
    bot: CoachBot,
    harness: BenchHarness,
    runner: RoundRunner,
    cast: list[Actor],
    size: int,
    result: dict[str, Any],
) -> dict[str, Any]:
    """Charts during /log traffic, saturation, the paced load and the headroom run, on the largest database."""
    out: dict[str, Any] = {}
    say("charts during /log traffic…")
    chart = await chart_stall(runner, harness, cast[-config.charts :], cast[: config.chart_log_members])
    out["chart_stall"] = chart
    out["max_loop_stall_ms"] = chart.get("max_loop_stall_ms")
    members = cast[: config.load_members]
    say(f"saturation: {len(members)} members back to back for {config.saturation_seconds:.0f} s…")
    out["load_saturation"] = await saturation(bot, harness, members, config.saturation_seconds)
    import_rate = IMPORT_LOG_SHARE * out["load_saturation"]["sets_per_s"]
    say(
        f"/log at {import_rate:.0f} sets/s during {config.importers} concurrent imports of {config.import_rows:,} sets…"
    )
    importers = cast[-config.importers :]
    out["log_during_import"] = await log_during_imports(
        bot, harness, importers, members, config.import_rows, import_rate
    )
    rate = LOAD_OFFERED_SHARE * throughput_target(result["sizes"][str(size)]["floors"])
    say(f"load: {len(members)} members offering {rate:.0f} sets/s for {config.load_seconds:.0f} s…")
    out["load"] = {"db_size": size, **await load_test(bot, harness, members, config.load_seconds, rate)}
    # Capacity planning: the latency at half of what the process sustains flat out.
    easy = HEADROOM_SHARE * out["load_saturation"]["sets_per_s"]
    say(f"headroom: offering {easy:.0f} sets/s for {config.saturation_seconds:.0f} s…")
    out["load_headroom"] = {"db_size": size, **await load_test(bot, harness, members, config.saturation_seconds, easy)}
    return out


async def real_processes(config: Config, server_url: str | None, workdir: Path) -> dict[str, Any]:
    """The real-process section on asyncio's loop, and on uvloop too when it is installed (the ``speed`` extra)."""
    loops = ["asyncio"] + (["uvloop"] if importlib.util.find_spec("uvloop") is not None else [])
    out: dict[str, Any] = {}
    for loop in loops:
        async with scratch_database(server_url, workdir, f"real-{loop}") as url:
            say(
                f"real process ({loop}): {config.real_sequential} × /plan and /log, then {config.load_members} "
                f"members × {config.real_sets_each} sets…"
            )
            out[loop] = await real_process(
                url,
                workdir / f"real-{loop}",
                sequential=config.real_sequential,
                members=config.load_members,
                sets_each=config.real_sets_each,
                event_loop=loop,
            )
    return out


async def durability(config: Config, server_url: str | None, workdir: Path) -> dict[str, Any]:
    """SQLite: syncs per acknowledged write, counted with strace (one member, then 50 at once). PostgreSQL:
    the server settings its durable commit depends on."""
    if server_url:
        async with scratch_database(server_url, workdir, "settings") as url:
            return {"postgresql": await durable_settings(url)}
    out: dict[str, Any] = {"sqlite_synchronous": "full"}
    for members in (1, 50):
        say(f"syncs per acknowledged write, {members} member(s) logging at once…")
        try:
            seen = await asyncio.to_thread(traced, workdir / "syncs", "full", config.sync_sets, members)
        except TraceUnavailable as missing:
            return {"available": False, "reason": str(missing)}
        out[f"members_{members}"] = seen.as_dict()
    return out


async def run(config: Config, server_url: str | None, workdir: Path) -> dict[str, Any]:
    """The whole benchmark; returns the result document (see README, "Benchmark")."""
    catalog, evidence = load_catalog(), load_evidence()
    cast = actors(catalog)
    now = datetime.now(UTC)
    database = await server_version(server_url) if server_url else "SQLite file on local disk (WAL)"
    result: dict[str, Any] = {
        "generated_at": now.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "config": {
            "quick": config.quick,
            "sizes": list(config.sizes),
            "calls": config.calls,
            "warmup_rounds": config.warmup,
            "load_members": config.load_members,
            "load_seconds": config.load_seconds,
            "load_offered_share_of_throughput_target": LOAD_OFFERED_SHARE,
            "saturation_seconds": config.saturation_seconds,
            "database": database,
        },
        "sizes": {},
    }
    largest = max(config.sizes)
    for size in config.sizes:
        async with scratch_database(server_url, workdir, f"s{size}") as url:
            say(f"{size:,} sets: seeding…")
            seeded_s = await seed(url, size, now)
            say(f"{size:,} sets: seeded in {seeded_s:.1f} s; measuring {config.calls} rounds…")
            started = time.monotonic()
            async with bench_bot(url, workdir / f"data-{size}", catalog=catalog, evidence=evidence) as (bot, harness):
                floor = StorageFloor(bot, url)
                runner = RoundRunner(bot, harness, floor, cast)
                await floor.open()
                try:
                    await runner.run(config.warmup, record=False)
                    gc.collect()
                    await runner.run(config.calls)
                finally:
                    await floor.close()
                result["sizes"][str(size)] = {"rows": size, "seed_s": seeded_s, **runner.results()}
                say(f"{size:,} sets: measured in {time.monotonic() - started:.0f} s")
                if size == largest:
                    result |= await concurrency(config, bot, harness, runner, cast, size, result)
            if size == largest:
                say("start-up time…")
                result["startup_s"] = round(await startup_seconds(url, workdir / "startup"), 2)
    result["real_process"] = await real_processes(config, server_url, workdir)
    result["durability"] = await durability(config, server_url, workdir)
    # ru_maxrss is in kilobytes on Linux: the peak of this process, which ran the bot through every workload.
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["growth"] = growth(result)
    result["targets"] = targets(result)
    return result


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()}))


def main(argv: Sequence[str] | None = None) -> int:
    """Parse options, run, print the Markdown report and write the files asked for."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure every command against its floors, at growing database sizes and under load.",
    )
    parser.add_argument("--quick", action="store_true", help="sizes 0 and 100 000, fewer calls (under 3 minutes)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the result document here")
    parser.add_argument("--markdown", type=Path, metavar="PATH", help="write the Markdown report here")
    parser.add_argument("--sizes", type=_sizes, help="comma-separated database sizes in sets, e.g. 0,100000")
    parser.add_argument("--calls", type=int, help="measured calls per command and size (at least 500 in full mode)")
    parser.add_argument("--load-seconds", type=float, help="how long the concurrent load runs")
    parser.add_argument("--workdir", type=Path, help="where SQLite files go (default: a temporary directory)")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to run on instead of SQLite (default: DATABASE_URL when it is PostgreSQL); "
        "the benchmark creates and drops its own databases there",
    )
    args = parser.parse_args(argv)
    # Resolved here, not as the option's default, so --help never prints a URL with its password.
    env_url = os.environ.get("DATABASE_URL")
    server_url = args.database_url or (env_url if is_postgres(env_url) else None)
    config = QUICK if args.quick else FULL
    config = replace(
        config,
        sizes=args.sizes or config.sizes,
        calls=args.calls or config.calls,
        load_seconds=args.load_seconds or config.load_seconds,
    )
    tune_process()  # the bot's process settings: it runs in this process
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("discord.client").setLevel(logging.ERROR)  # "voice will NOT be supported", every start
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="coach-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        result = asyncio.run(run(config, server_url, workdir))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    result["duration_s"] = round(time.monotonic() - started, 1)
    report = markdown(result)
    print(report)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    if args.markdown:
        args.markdown.write_text(report)
    say(f"done in {result['duration_s']:.0f} s")
    return 0
