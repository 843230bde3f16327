"""Structured command logging: a line per command or press — ids, name, duration, outcome; never what was typed."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import event

from emulator import payloads
from emulator.driver import Harness
from runtime.commandlog import CommandEvent
from tests.reliability.conftest import LogCapture

NOTE = "NOTE-MARKER my knee hurt"
EXERCISE = "Custom: Zercher EXERCISE-MARKER"


def events(logs: LogCapture) -> list[CommandEvent]:
    """The structured command events logged so far."""
    return [r.command_event for r in logs.records if hasattr(r, "command_event")]  # type: ignore[attr-defined]


def event_for(logs: LogCapture, interaction_id: int) -> CommandEvent:
    """The one event for an interaction (fails if there are zero or several)."""
    found = [e for e in events(logs) if e.interaction_id == interaction_id]
    assert len(found) == 1, found
    return found[0]


async def send(harness: Harness, payload: dict[str, Any]) -> tuple[int, Any]:
    """Dispatch a payload; return its interaction id and the reply."""
    return int(payload["id"]), await harness.send(payload)


async def test_each_command_and_press_logs_one_line_with_ids_duration_and_outcome(
    harness: Harness, logs: LogCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = harness.new_user("alice"), harness.new_user("bob")
    base = harness._base

    ok_id, logged = await send(
        harness,
        payloads.slash("log", {"exercise": EXERCISE, "weight": 80.0, "reps": 5, "note": NOTE}, **base({"user": alice})),
    )
    event = event_for(logs, ok_id)
    assert (event.command, event.kind, event.outcome) == ("log", "command", "ok")
    assert (event.user_id, event.guild_id, event.channel_id) == (int(alice["id"]), harness.guild_id, harness.channel_id)
    assert isinstance(event.duration_ms, int)
    assert 0 <= event.duration_ms < 10_000
    line = next(r.getMessage() for r in logs.records if getattr(r, "command_event", None) is event)
    assert line.startswith("command=log kind=command user=")
    assert "outcome=ok" in line

    raw = [{"name": "exercise", "type": 3, "value": "back squat"}, {"name": "weight", "type": 10, "value": 100},
           {"name": "reps", "type": 4, "value": 0}]  # fmt: skip
    bad_id, _ = await send(harness, payloads.slash("log", raw_options=raw, **base({"user": alice})))
    assert event_for(logs, bad_id).outcome == "refused"

    typed = [*raw[:2], {"name": "reps", "type": 4, "value": NOTE}]
    typed_id, _ = await send(harness, payloads.slash("log", raw_options=typed, **base({"user": alice})))
    assert event_for(logs, typed_id).outcome == "refused"  # a malformed payload: the parsing error path

    perm_id, _ = await send(harness, payloads.slash("config", {"evidence_replies": "on"}, **base({"user": bob})))
    assert (event_for(logs, perm_id).command, event_for(logs, perm_id).outcome) == ("config", "refused")

    dm_id, _ = await send(harness, payloads.slash("undo", **base({"user": bob, "guild_id": None})))
    assert (event_for(logs, dm_id).guild_id, event_for(logs, dm_id).outcome) == (None, "refused")

    sub_id, _ = await send(harness, payloads.slash("privacy", subcommand="export", **base({"user": alice})))
    assert event_for(logs, sub_id).command == "privacy export"

    # Buttons: a stranger's press is refused, the owner's works; history buttons carry the typed exercise.
    undo = logged.buttons()[0]["custom_id"]
    stranger = payloads.component(undo, message=logged.message, **base({"user": bob}))
    assert event_for(logs, (await send(harness, stranger))[0]) == event_for(logs, int(stranger["id"]))
    assert (event_for(logs, int(stranger["id"])).command, event_for(logs, int(stranger["id"])).outcome) == (
        "UndoButton",
        "refused",
    )
    for i in range(11):
        await harness.slash("log", {"exercise": EXERCISE, "weight": 80.0 + i, "reps": 5}, user=alice)
    history = await harness.slash("history", {"exercise": EXERCISE}, user=alice)
    older = next(b for b in history.buttons() if b["label"].startswith("Older"))
    press = payloads.component(older["custom_id"], message=history.message, **base({"user": alice}))
    await harness.send(press)
    assert (event_for(logs, int(press["id"])).kind, event_for(logs, int(press["id"])).outcome) == ("component", "ok")
    study = await harness.slash("evidence")
    select = payloads.component("evidence:study", message=study.message, component_type=3,
                                values=[study.buttons()[0]["options"][0]["value"]], **base({"user": bob}))  # fmt: skip
    await harness.send(select)
    assert event_for(logs, int(select["id"])).command == "EvidenceView.StudySelect"

    # A bug: the member gets the generic apology, the log line says error.
    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(harness.bot.logbook, "get_settings", broken)
    err_id, _ = await send(harness, payloads.slash("settings", **base({"user": bob})))
    assert event_for(logs, err_id).outcome == "error"

    # Nothing members typed reached any log record, whatever the level or logger.
    for text in logs.texts():
        assert "NOTE-MARKER" not in text, text
        assert "EXERCISE-MARKER" not in text, text


async def test_database_errors_in_logs_do_not_carry_member_text(harness: Harness, logs: LogCapture) -> None:
    """A write failing mid-statement (disk full) is logged with the SQL, but not with the values members typed."""
    group = harness.bot.storage.group_commit
    assert group is not None
    engine = group.sync_engine  # /log's transactions run on the shared writer's connection
    dbapi = engine.dialect.loaded_dbapi

    @event.listens_for(engine, "before_cursor_execute")
    def disk_full(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT INTO logged_sets"):
            raise dbapi.OperationalError("database or disk is full")

    reply = await harness.slash("log", {"exercise": "back squat", "weight": 100.0, "reps": 5, "note": NOTE})
    assert "temporarily unavailable" in reply.content
    assert any("database or disk is full" in t for t in logs.texts()), "the failure itself is logged"
    for text in logs.texts():
        assert "NOTE-MARKER" not in text, text
    assert not logs.at_least(logging.ERROR)
