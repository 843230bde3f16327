"""Latency samples, percentiles and the event-loop lag probe."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import time
from dataclasses import dataclass, field
from typing import Any


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of unsorted ``values``; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Samples:
    """Latencies (seconds) of one measured operation, and how many calls failed."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    # CPU seconds per call: the whole process (every thread: the event loop, the database driver's) and
    # the event-loop thread alone. Only measured where calls run one at a time, so a call owns the CPU.
    cpu: list[float] = field(default_factory=list)
    loop_cpu: list[float] = field(default_factory=list)

    def add(self, seconds: float, cpu: float | None = None, loop_cpu: float | None = None) -> None:
        """Record one successful call (and the CPU it took, when measured)."""
        self.latencies.append(seconds)
        if cpu is not None:
            self.cpu.append(cpu)
        if loop_cpu is not None:
            self.loop_cpu.append(loop_cpu)

    def ms(self, q: float) -> float:
        """The ``q``-th percentile in milliseconds."""
        return percentile(self.latencies, q) * 1000

    def summary(self) -> dict[str, Any]:
        """p50/p95/p99 in ms (rounded to microseconds), the call count and errors."""
        return {
            "p50_ms": round(self.ms(50), 3),
            "p95_ms": round(self.ms(95), 3),
            "p99_ms": round(self.ms(99), 3),
            "calls": len(self.latencies),
            "errors": self.errors,
            **(
                {
                    # Means, not medians: the clocks tick in microseconds and a call's CPU is all of its cost.
                    "cpu_ms": round(sum(self.cpu) / len(self.cpu) * 1000, 3),
                    "loop_cpu_ms": round(sum(self.loop_cpu) / len(self.loop_cpu) * 1000, 3),
                }
                if self.cpu and self.loop_cpu
                else {}
            ),
        }

    def rate_per_s(self) -> float:
        """Operations per second when run back to back (calls / total time)."""
        total = sum(self.latencies)
        return len(self.latencies) / total if total else math.nan


class LoopLagProbe:
    """A task that sleeps 1 ms over and over and records how late it wakes: the event loop's stalls.

    It also times the garbage collector's runs meanwhile, the usual suspect for a stall in pure Python.
    """

    INTERVAL_S = 0.001

    def __init__(self) -> None:
        self.max_lag_s = 0.0
        self.lags: list[float] = []
        self.max_gc_s = 0.0
        self._gc_started = 0.0
        self._task: asyncio.Task[None] | None = None

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.max_gc_s = max(self.max_gc_s, time.perf_counter() - self._gc_started)

    async def _run(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(self.INTERVAL_S)
            lag = time.perf_counter() - started - self.INTERVAL_S
            self.lags.append(lag)
            self.max_lag_s = max(self.max_lag_s, lag)

    def start(self) -> None:
        """Begin probing."""
        gc.callbacks.append(self._on_gc)
        self._task = asyncio.create_task(self._run(), name="loop-lag-probe")

    async def stop(self) -> None:
        """Stop probing."""
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def __aenter__(self) -> LoopLagProbe:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
