"""discord.py internals the runtime relies on, checked by name so an upgrade fails here, loudly.

discord.py has no public hook for these (see docs/architecture.md), so ``pyproject.toml`` pins the
minor version the bot is tested with; when a new minor release changes one of them, the test below
names the hook and the code that uses it.

- ``CommandTree._call`` (runtime/tree.py): wraps every command to log it and to answer payloads whose
  option values discord.py fails to parse (no public hook runs before that parsing).
- ``View._scheduled_task`` (runtime/tree.py): times and logs every press of a view's items.
- ``ConnectionState._view_store`` with ``ViewStore._dynamic_items`` / ``_views`` (runtime/respond.py):
  tells whether any handler will answer a pressed component, so nothing is left unanswered.
- task names of interaction handlers (runtime/respond.py): a clean shutdown waits for those tasks.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import discord
import pytest
from discord import app_commands

import cogs.evidence
from emulator.driver import Harness
from runtime.respond import _INTERACTION_TASK_PREFIXES


def _params(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


@pytest.mark.parametrize(
    ("owner", "name", "params", "used_by"),
    [
        (app_commands.CommandTree, "_call", ["self", "interaction"], "runtime/tree.py CoachTree._call"),
        (discord.ui.View, "_scheduled_task", ["self", "item", "interaction"], "runtime/tree.py CoachView"),
    ],
)
def test_overridden_private_methods_still_exist(owner: type, name: str, params: list[str], used_by: str) -> None:
    method = getattr(owner, name, None)
    missing = f"discord.py {discord.__version__} has no coroutine {owner.__name__}.{name}, which {used_by} overrides"
    assert method is not None, missing
    assert inspect.iscoroutinefunction(method), missing
    assert _params(method) == params, f"{owner.__name__}.{name} changed its signature; {used_by} must follow"


async def test_the_view_store_still_has_the_shape_respond_reads(harness: Harness) -> None:
    store = getattr(harness.bot._connection, "_view_store", None)
    assert store is not None, "ConnectionState._view_store is gone (runtime/respond.py _handler_exists)"
    assert isinstance(getattr(store, "_dynamic_items", None), dict), "ViewStore._dynamic_items changed"
    assert isinstance(getattr(store, "_views", None), dict), "ViewStore._views changed"
    # The bot's own buttons are registered there, keyed by their compiled custom-id pattern.
    assert any(p.fullmatch("log:undo:1:2") for p in store._dynamic_items), "dynamic items aren't keyed by pattern"


async def test_interaction_handlers_run_in_tasks_with_the_names_respond_waits_for(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    names: list[str] = []
    planner = harness.bot.planner
    real_plan, real_plan_day = planner.plan, planner.plan_day

    def plan(*args: Any, **kwargs: Any) -> Any:
        names.append(asyncio.current_task().get_name())  # type: ignore[union-attr]
        return real_plan(*args, **kwargs)

    def plan_day(*args: Any, **kwargs: Any) -> Any:
        names.append(asyncio.current_task().get_name())  # type: ignore[union-attr]
        return real_plan_day(*args, **kwargs)

    monkeypatch.setattr(planner, "plan", plan)
    monkeypatch.setattr(planner, "plan_day", plan_day)
    reply = await harness.slash("plan", {"day": "push"})  # a command
    await harness.click(reply.message, label="My numbers")  # a dynamic item
    summary = await harness.slash("evidence")
    real_embed = cogs.evidence.to_embed

    def to_embed(*args: Any, **kwargs: Any) -> Any:
        names.append(asyncio.current_task().get_name())  # type: ignore[union-attr]
        return real_embed(*args, **kwargs)

    monkeypatch.setattr(cogs.evidence, "to_embed", to_embed)
    await harness.click(summary.message, "evidence:study", values=["fisher2014"])  # a view item
    kinds = {prefix for prefix in _INTERACTION_TASK_PREFIXES for name in names if name.startswith(prefix)}
    assert len(kinds) == 3, f"a command, a dynamic item and a view item each ran in a known task: {names}"
    unknown = [name for name in names if not name.startswith(_INTERACTION_TASK_PREFIXES)]
    assert not unknown, f"discord.py names interaction tasks {unknown}: update runtime/respond.py's prefixes"
