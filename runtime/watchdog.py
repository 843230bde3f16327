"""Make the next event-loop stall visible in operation: a warning naming the code that blocked the loop.

One slow synchronous call on the event loop delays every member's interaction (Discord gives up after
three seconds). A small task on the loop stamps the time every 50 ms; a watchdog thread checks the
stamp and, when it is older than the threshold, logs the loop thread's current stack once per stall —
the code that is blocking, named while it blocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
import time
import traceback
from collections.abc import Iterator

log = logging.getLogger(__name__)

STALL_THRESHOLD_S = 0.1
_BEAT_S = 0.05


class LoopWatchdog:
    """Warns when the event loop it runs on is blocked for more than ``threshold`` seconds."""

    def __init__(self, threshold: float = STALL_THRESHOLD_S) -> None:
        self.threshold = threshold
        self.stalls = 0
        self._beat = time.monotonic()
        self._stop = threading.Event()
        self._task: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None
        self._loop_thread_id = 0
        self._expected = False

    def start(self) -> None:
        """Start watching the running loop."""
        self._loop_thread_id = threading.get_ident()
        self._beat = time.monotonic()
        self._task = asyncio.get_running_loop().create_task(self._stamp(), name="loop-watchdog")
        self._thread = threading.Thread(target=self._watch, name="loop-watchdog", daemon=True)
        self._thread.start()

    @contextlib.contextmanager
    def expected(self) -> Iterator[None]:
        """A deliberate blocking step (start-up housekeeping): not reported as a stall."""
        self._expected = True
        try:
            yield
        finally:
            self._beat = time.monotonic()
            self._expected = False

    async def stop(self) -> None:
        """Stop watching."""
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 1.0)

    async def _stamp(self) -> None:
        while True:
            self._beat = time.monotonic()
            await asyncio.sleep(_BEAT_S)

    def _watch(self) -> None:
        reported = 0.0
        while not self._stop.wait(_BEAT_S / 2):
            beat = self._beat
            blocked = time.monotonic() - beat - _BEAT_S
            if blocked <= self.threshold or beat == reported or self._expected:
                continue
            reported = beat
            self.stalls += 1
            frame = sys._current_frames().get(self._loop_thread_id)
            where = "".join(traceback.format_stack(frame, limit=6)) if frame is not None else "(no stack)\n"
            log.warning("event loop blocked for over %.0f ms; it is running:\n%s", blocked * 1000, where.rstrip())
