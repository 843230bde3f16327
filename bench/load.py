"""Concurrent traffic: many members logging at once, and charts rendering in the middle of /log traffic."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bench.app import BenchHarness
from bench.measure import SEND_TIMEOUT_S, Actor, RoundRunner, answered, log_options
from bench.stats import LoopLagProbe, Samples
from db.engine import transaction
from db.models import LoggedSet
from runtime.client import CoachBot


async def _log_one(harness: BenchHarness, actor: Actor, n: int, samples: Samples, acked: list[int]) -> None:
    payload = harness.slash_payload("log", log_options(actor, n), user=actor.user)
    started = time.perf_counter()
    try:
        reply = await harness.send(payload, timeout=SEND_TIMEOUT_S)
    except TimeoutError:
        samples.errors += 1
        return
    seconds = time.perf_counter() - started
    harness.forget(payload["token"])
    if answered(reply) and " × " in reply.text():  # directly, or deferred and followed up when slow
        samples.add(seconds)
        acked.append(int(payload["id"]))
    else:
        samples.errors += 1


async def _log_until(
    harness: BenchHarness, actor: Actor, deadline: float, samples: Samples, acked: list[int], stop: asyncio.Event
) -> None:
    """One member logging set after set, each as soon as the previous one was answered (a closed loop)."""
    n = 0
    while time.monotonic() < deadline and not stop.is_set():
        await _log_one(harness, actor, n, samples, acked)
        n += 1


async def _log_paced(
    harness: BenchHarness,
    actor: Actor,
    start: float,
    period: float,
    samples: Samples,
    acked: list[int],
    *,
    deadline: float = float("inf"),
    stop: asyncio.Event | None = None,
) -> None:
    """One member logging a set every ``period`` seconds on a fixed timetable, never two at once, until
    ``deadline`` or until ``stop`` is set: if an answer comes late, the next set goes right after it (so
    the offered rate only drops when the bot lags)."""
    n = 0
    due = start
    while due < deadline and not (stop is not None and stop.is_set()):
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        if stop is not None and stop.is_set():
            return
        await _log_one(harness, actor, n, samples, acked)
        n += 1
        due += period


async def _stored(bot: CoachBot, members: Sequence[Actor], since: datetime) -> int:
    async with transaction(bot.session_factory, write=False) as session:
        stmt = select(func.count()).where(
            LoggedSet.member_id.in_([int(a.user["id"]) for a in members]), LoggedSet.created_at >= since
        )
        return int((await session.execute(stmt)).scalar_one())


async def saturation(bot: CoachBot, harness: BenchHarness, members: Sequence[Actor], seconds: float) -> dict[str, Any]:
    """Every member logging back to back for ``seconds``: the most sets/s one process sustains.

    Latency here is queueing by construction (members ÷ throughput), so it is reported, not judged.
    """
    samples = Samples()
    acked: list[int] = []
    started = time.monotonic()
    commits = _commits(bot)
    # No loop-lag probe here: waking every millisecond would take its share of a saturated loop.
    await asyncio.gather(*(_log_until(harness, m, started + seconds, samples, acked, asyncio.Event()) for m in members))
    elapsed = time.monotonic() - started
    return {
        "members": len(members),
        "seconds": round(elapsed, 2),
        "sets_per_s": round(len(acked) / elapsed, 1),
        "sets_per_commit": _per_commit(bot, commits),
        **{k: v for k, v in samples.summary().items() if k != "calls"},
    }


def _commits(bot: CoachBot) -> tuple[int, int]:
    """(transactions committed, writes in them) by the group commit so far."""
    group = bot.storage.group_commit
    return (group.stats.commits, group.stats.jobs) if group is not None else (0, 0)


def _per_commit(bot: CoachBot, before: tuple[int, int]) -> float | None:
    commits, jobs = (now - then for now, then in zip(_commits(bot), before, strict=True))
    return round(jobs / commits, 2) if commits else None


async def load_test(
    bot: CoachBot, harness: BenchHarness, members: Sequence[Actor], seconds: float, rate: float
) -> dict[str, Any]:
    """``len(members)`` members logging concurrently for ``seconds``, together offering ``rate`` sets/s on a
    fixed timetable (each member one set every ``len(members) / rate`` s, phases spread evenly): the
    throughput achieved, latency, errors, and whether every acknowledged set is in the database."""
    samples = Samples()
    acked: list[int] = []
    since = datetime.now(UTC)
    period = len(members) / rate
    started = time.monotonic() + 0.05
    deadline = started + seconds
    commits = _commits(bot)
    async with LoopLagProbe() as probe:
        await asyncio.gather(
            *(
                _log_paced(harness, m, started + period * i / len(members), period, samples, acked, deadline=deadline)
                for i, m in enumerate(members)
            )
        )
    # Until the last answer: sets still queued when the window closed count against the rate.
    elapsed = max(seconds, time.monotonic() - started)
    stored = await _stored(bot, members, since)
    return {
        "members": len(members),
        "seconds": round(elapsed, 2),
        "offered_sets_per_s": round(rate, 1),
        "sets_per_s": round(len(acked) / elapsed, 1),
        **{k: v for k, v in samples.summary().items() if k != "calls"},
        "acknowledged": len(acked),
        "stored": stored,
        "sets_per_commit": _per_commit(bot, commits),
        "max_loop_stall_ms": round(probe.max_lag_s * 1000, 2),
        "max_gc_pause_ms": round(probe.max_gc_s * 1000, 2),
    }


async def chart_stall(
    runner: RoundRunner, harness: BenchHarness, chart_members: Sequence[Actor], log_members: Sequence[Actor]
) -> dict[str, Any]:
    """The longest event-loop stall while /progress charts render, interleaved with /log traffic."""
    step = runner.steps["progress"]
    if not step.available:
        return {"available": False, "reason": step.reason}
    progress = Samples()
    log = Samples()
    stop = asyncio.Event()
    runner.steps["progress"].samples, saved = progress, step.samples
    try:
        async with LoopLagProbe() as probe:
            traffic = [asyncio.create_task(_log_until(harness, m, float("inf"), log, [], stop)) for m in log_members]
            try:
                for n, actor in enumerate(chart_members):
                    await runner.do_step(step, actor, n, True)
            finally:
                stop.set()
                await asyncio.gather(*traffic)
    finally:
        runner.steps["progress"].samples = saved
    return {
        "available": True,
        "charts": len(progress.latencies),
        "chart_errors": progress.errors,
        "progress_p99_ms": round(progress.ms(99), 3),
        "log_members": len(log_members),
        "log_p99_ms": round(log.ms(99), 3),
        "log_errors": log.errors,
        "max_loop_stall_ms": round(probe.max_lag_s * 1000, 2),
        "max_gc_pause_ms": round(probe.max_gc_s * 1000, 2),
    }


def strong_export(rows: int, *, now: datetime, sets_per_workout: int = 20) -> bytes:
    """A synthetic Strong CSV export of ``rows`` sets: a workout every day going back, one lift per workout."""
    lines = ["Date,Workout Name,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE"]
    for n in range(rows):
        day = now - timedelta(days=1 + n // sets_per_workout)
        lines.append(f"{day:%Y-%m-%d} 07:00:00,Push,Bench Press (Barbell),{n % sets_per_workout + 1},60,8,0,0,,,")
    return ("\n".join(lines) + "\n").encode("utf-8")


async def log_during_imports(
    bot: CoachBot,
    harness: BenchHarness,
    importers: Sequence[Actor],
    log_members: Sequence[Actor],
    rows: int,
    rate: float,
) -> dict[str, Any]:
    """/log latency at a steady ``rate`` (sets/s, paced as in the load test) while several members import a
    ``rows``-set export at the same moment, and the same traffic without imports as the baseline.

    The imports go through the import service (the attachment download is Discord's side); they run one
    at a time and write in short batches, so /log interleaves instead of waiting for whole files.
    """
    data = strong_export(rows, now=datetime.now(UTC))
    period = len(log_members) / rate

    async def paced(samples: Samples, stop: asyncio.Event) -> None:
        start = time.monotonic()
        await asyncio.gather(
            *(
                _log_paced(harness, m, start + period * i / len(log_members), period, samples, [], stop=stop)
                for i, m in enumerate(log_members)
            )
        )

    during, stop = Samples(), asyncio.Event()
    started = time.monotonic()
    async with LoopLagProbe() as probe:
        traffic = asyncio.create_task(paced(during, stop))
        try:
            summaries = await asyncio.gather(
                *(bot.importer.import_csv(int(a.user["id"]), data, unit="kg") for a in importers)
            )
        finally:
            stop.set()
            await traffic
    imports_s = time.monotonic() - started
    # The same traffic without imports, in the same run: the baseline the number above compares with.
    baseline, stop = Samples(), asyncio.Event()
    asyncio.get_running_loop().call_later(min(imports_s, 10.0), stop.set)
    await paced(baseline, stop)
    return {
        "importers": len(importers),
        "rows_per_import": rows,
        "imported": sum(s.imported for s in summaries),
        "imports_s": round(imports_s, 2),
        "log_members": len(log_members),
        "offered_sets_per_s": round(rate, 1),
        "log_calls": len(during.latencies),
        "log_p50_ms": round(during.ms(50), 3),
        "log_p99_ms": round(during.ms(99), 3),
        "log_errors": during.errors,
        "baseline_p50_ms": round(baseline.ms(50), 3),
        "baseline_p99_ms": round(baseline.ms(99), 3),
        "max_loop_stall_ms": round(probe.max_lag_s * 1000, 2),
    }
