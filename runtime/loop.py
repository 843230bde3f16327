"""Which event loop runs the bot: uvloop when it is installed and allowed (``EVENT_LOOP``), else asyncio's.

uvloop (the optional ``speed`` extra) runs the same code with less CPU per interaction; the benchmark's
real-process section measures the difference on each machine (docs/benchmark.md).
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from coach.errors import ConfigError

T = TypeVar("T")


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
    """``asyncio.run`` on the chosen loop."""
    with asyncio.Runner(loop_factory=factory(choose(setting))) as runner:
        return runner.run(main)
