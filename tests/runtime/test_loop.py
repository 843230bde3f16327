"""Which event loop runs the bot (EVENT_LOOP, the optional uvloop) and the process settings it runs with."""

from __future__ import annotations

import asyncio
import importlib.util
import sys

import pytest

from coach.errors import ConfigError
from coach.settings import Settings
from runtime import loop

HAS_UVLOOP = importlib.util.find_spec("uvloop") is not None


def test_asyncio_is_always_available() -> None:
    assert loop.choose("asyncio") == "asyncio"
    assert loop.factory("asyncio") is None


def test_auto_uses_uvloop_only_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    assert loop.choose("auto") == ("uvloop" if HAS_UVLOOP else "asyncio")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert loop.choose("auto") == "asyncio"
    with pytest.raises(ConfigError, match=r"pip install 'pre-exhaust-coach\[speed\]'"):
        loop.choose("uvloop")


def test_the_setting_is_checked() -> None:
    assert Settings.from_env({}, env_file=None).event_loop == "auto"
    assert Settings.from_env({"EVENT_LOOP": "AsyncIO"}, env_file=None).event_loop == "asyncio"
    with pytest.raises(ConfigError, match="EVENT_LOOP must be one of auto, uvloop, asyncio"):
        Settings.from_env({"EVENT_LOOP": "trio"}, env_file=None)


def test_run_uses_the_chosen_loop_and_tunes_the_process() -> None:
    before = sys.getswitchinterval()

    async def which() -> str:
        return type(asyncio.get_running_loop()).__module__

    try:
        assert loop.run(which(), "asyncio").startswith("asyncio")
        assert sys.getswitchinterval() == pytest.approx(loop.SWITCH_INTERVAL_S)
        if HAS_UVLOOP:
            assert loop.run(which(), "uvloop").startswith("uvloop")
    finally:
        sys.setswitchinterval(before)
