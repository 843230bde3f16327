"""Structured command logging: one line per command or component press — ids, name, duration, outcome.

Operators need to see who used what, how long it took and whether it worked; members are owed that
nothing they typed (notes, exercise names, history filters) lands in a log file. So a line carries
only ids and the command's registered name, never option values or custom ids (a history button's
custom id contains the exercise filter the member typed)::

    command=log kind=command user=123 guild=456 channel=789 interaction=1011 ms=42 outcome=ok

The same fields ride on the record as ``record.command_event`` (a :class:`CommandEvent`) for log
shippers and tests. Outcomes: ``ok``; ``refused`` (invalid input, missing permission, cooldown,
storage unavailable — the member was told why); ``error`` (a bug: the member got the generic apology).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

import discord

log = logging.getLogger("coach.commands")

Outcome = Literal["ok", "refused", "error"]
Kind = Literal["command", "component"]
_OUTCOME_KEY = "coach_outcome"


@dataclass(frozen=True, slots=True)
class CommandEvent:
    """One handled command or component interaction."""

    command: str
    kind: Kind
    interaction_id: int
    user_id: int
    guild_id: int | None
    channel_id: int | None
    duration_ms: int
    outcome: Outcome
    # True when the work outlasted the fast path and the member got a deferred ("thinking…") answer.
    deferred: bool = False

    def line(self) -> str:
        """The logfmt line written to the log."""
        return (
            f"command={self.command.replace(' ', '/')} kind={self.kind} user={self.user_id} "
            f"guild={self.guild_id if self.guild_id is not None else '-'} "
            f"channel={self.channel_id if self.channel_id is not None else '-'} "
            f"interaction={self.interaction_id} ms={self.duration_ms} outcome={self.outcome}"
            + (" deferred=1" if self.deferred else "")
        )


def mark(interaction: discord.Interaction[Any], outcome: Outcome) -> None:
    """Record the outcome the error path decided; the surrounding :func:`logged` block writes the line."""
    interaction.extras[_OUTCOME_KEY] = outcome


def command_name(interaction: discord.Interaction[Any]) -> str:
    """The registered command's qualified name; never the raw name from the payload (it could be anything)."""
    if interaction.type is discord.InteractionType.component:
        return "component"
    try:
        command = interaction.command
    except Exception:  # a malformed payload can break discord.py's own lookup
        command = None
    return command.qualified_name if command is not None else "unknown"


def _was_deferred(interaction: discord.Interaction[Any]) -> bool:
    kind = interaction.response.type
    return kind in (
        discord.InteractionResponseType.deferred_channel_message,
        discord.InteractionResponseType.deferred_message_update,
    )


@contextlib.asynccontextmanager
async def logged(
    interaction: discord.Interaction[Any], name: str | None = None, *, kind: Kind = "command"
) -> AsyncIterator[None]:
    """Time the enclosed handling of ``interaction`` and log one structured line when it ends."""
    started = time.perf_counter()
    try:
        yield
    except BaseException:
        interaction.extras.setdefault(_OUTCOME_KEY, "error")
        raise
    finally:
        outcome: Outcome = interaction.extras.get(_OUTCOME_KEY) or ("refused" if interaction.command_failed else "ok")
        event = CommandEvent(
            command=name or command_name(interaction),
            kind=kind,
            interaction_id=interaction.id,
            user_id=interaction.user.id,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            duration_ms=round((time.perf_counter() - started) * 1000),
            outcome=outcome,
            deferred=_was_deferred(interaction),
        )
        log.log(
            logging.WARNING if outcome == "error" else logging.INFO,
            "%s",
            event.line(),
            extra={"command_event": event},
        )
