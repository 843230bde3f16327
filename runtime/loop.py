"""Which event loop runs the bot: uvloop when it is installed and allowed (``EVENT_LOOP``), else asyncio's.

uvloop (the optional ``speed`` extra) runs the same code with less CPU per interaction; the benchmark's
real-process section measures the difference on each machine (docs/benchmark.md).
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from coach.errors import ConfigError

T = TypeVar("T")

# How long a thread may hold the GIL while another waits for it (Python's default: 5 ms). The database
# writer thread releases the GIL inside every SQLite call and must win it back from a busy event loop each
# time; at 5 ms a batch of a few dozen /logs waited hundreds of milliseconds for the GIL alone. 0.5 ms
# cut /log p99 at half the saturation rate from 243 to 60 ms in the benchmark (docs/benchmark.md).
SWITCH_INTERVAL_S = 0.0005


def tune_process() -> None:
    """Process-wide settings the bot runs with (the GIL switch interval); called once at start-up."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)


def choose(setting: str) -> str:
    """The loop to use for an ``EVENT_LOOP`` value: "uvloop" or "asyncio"."""
    installed = importlib.util.find_spec("uvloop") is not None
    if setting == "uvloop" and not installed:
        raise ConfigError("EVENT_LOOP=uvloop, but uvloop isn't installed: pip install 'pre-exhaust-coach[speed]'.")
    return "uvloop" if setting in ("uvloop", "auto") and installed else "asyncio"


def factory(name: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """A loop factory for ``asyncio.Runner`` (None: asyncio's default loop)."""
    if name != "uvloop":
        return None
    import uvloop

    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T], setting: str) -> T:
    """``asyncio.run`` on the chosen loop, in a tuned process (``tune_process``)."""
    tune_process()
    with asyncio.Runner(loop_factory=factory(choose(setting))) as runner:
        return runner.run(main)
