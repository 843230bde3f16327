"""Answer interactions inside Discord's 3-second window, and never leave one unanswered.

Discord drops an interaction ("This interaction failed") unless the bot acknowledges it within three
seconds of creating it. A database-backed command is usually done in milliseconds, so it answers
directly (one round trip, and a `/log` reply can be public when the member chose that); but a slow
database, a lock queue or a busy event loop must never cost the member their answer. :func:`answer`
runs the work as a task and, if it isn't finished within a budget, defers (private "thinking…") and
delivers the result as a follow-up. Errors raised after deferring propagate as usual: the tree's one
error path (``runtime.tree.report_error``) sees ``response.is_done()`` and answers with a follow-up.

Also here: :class:`UnhandledComponents` answers button presses nothing is listening for (a message from
an older version, a forged custom id), and :func:`drain_interactions` lets a clean shutdown finish the
interactions in flight before the HTTP session closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import discord

from runtime.tree import NO_MENTIONS

log = logging.getLogger(__name__)

T = TypeVar("T")

# Discord's acknowledgement deadline, counted from the interaction's creation.
INTERACTION_DEADLINE_S = 3.0
# How long work may run before we defer: leaves a second for the gateway hop and the defer call itself.
DEFER_BUDGET_S = 2.0
UNHANDLED_COMPONENT_MESSAGE = "That button or menu isn't active any more — run the command again for a fresh one."
# Names discord.py gives the tasks that run interaction handlers (commands, views, dynamic items, modals).
_INTERACTION_TASK_PREFIXES = (
    "CommandTree-invoker",
    "discord-ui-view-dispatch",
    "discord-ui-dynamic-item",
    "discord-ui-modal-dispatch",
)


@dataclass
class Answer:
    """What to send back: a message for commands, the new state of the message for ``update``."""

    content: str | None = None
    embed: discord.Embed | None = None
    view: discord.ui.View | None = None
    files: Sequence[discord.File] = field(default_factory=tuple)
    # Honoured on the fast path; a deferred reply is private unless answer() was told public=True.
    ephemeral: bool = True

    def message_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for send_message / followup.send."""
        kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
        if self.content is not None:
            kwargs["content"] = self.content
        if self.embed is not None:
            kwargs["embed"] = self.embed
        if self.view is not None:
            kwargs["view"] = self.view
        if self.files:
            kwargs["files"] = list(self.files)
        return kwargs

    def edit_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for edit_message / edit_original_response: the whole new message (unset parts go)."""
        return {
            "content": self.content,
            "embed": self.embed,
            "view": self.view,
            "allowed_mentions": NO_MENTIONS,
        }


def remaining_budget(interaction: discord.Interaction[Any], budget: float = DEFER_BUDGET_S) -> float:
    """Seconds the work may still take before we must defer, counting time already spent in transit.

    The interaction id carries Discord's creation time. A plausible age (0–3 s) is subtracted; anything
    else means the clocks disagree, so the age tells us nothing and the full budget applies.
    """
    age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
    if 0.0 <= age <= INTERACTION_DEADLINE_S:
        return max(0.0, budget - age)
    return budget


async def answer(
    interaction: discord.Interaction[Any],
    work: Awaitable[T],
    render: Callable[[T], Answer],
    *,
    update: bool = False,
    public: bool = False,
    budget: float = DEFER_BUDGET_S,
) -> None:
    """Run ``work``; answer with ``render(result)`` directly when fast, else defer and follow up.

    The one way every command and button replies. ``update=True`` is for components: the answer
    replaces the message the component sits on (``edit_message``, or a deferred update and
    ``edit_original_response`` when slow). ``public=True`` is for replies the member chose to share
    (known before the work starts): a slow one defers publicly; if the work then fails, the public
    "thinking…" placeholder is deleted so the error reaches the member privately, not the channel.
    """
    task: asyncio.Future[T] = asyncio.ensure_future(work)
    allowed = remaining_budget(interaction, budget)
    deferred_publicly = False
    try:
        done, _ = await asyncio.wait({task}, timeout=allowed)
        if not done:
            started = time.perf_counter()
            if update:
                await interaction.response.defer()
            else:
                await interaction.response.defer(ephemeral=not public, thinking=True)
                deferred_publicly = public
            log.info(
                "interaction %s deferred: work still running after %.1f s (defer took %.0f ms)",
                interaction.id,
                allowed,
                (time.perf_counter() - started) * 1000,
            )
        result = await task
        reply = render(result)
    except asyncio.CancelledError:
        task.cancel()
        raise
    except BaseException:
        if not task.done():
            # The defer failed (the interaction expired): the work still finishes, nobody can be told.
            await asyncio.wait({task})
        if not task.cancelled():
            task.exception()  # mark it retrieved: the error being raised is the one to report
        if deferred_publicly:
            # Discord makes the first follow-up after a public deferral public whatever its flags say.
            with contextlib.suppress(discord.HTTPException):
                await interaction.delete_original_response()
        raise
    if not interaction.response.is_done():
        if update:
            await interaction.response.edit_message(**reply.edit_kwargs())
        else:
            await interaction.response.send_message(**reply.message_kwargs(), ephemeral=reply.ephemeral)
    elif update:
        await interaction.edit_original_response(**reply.edit_kwargs())
    else:
        await interaction.followup.send(**reply.message_kwargs(), ephemeral=not deferred_publicly)


def _on_message(message: discord.Message | None, component_type: int, custom_id: str) -> bool:
    """Whether the message carries a component of that type and custom id (at any nesting depth)."""
    stack: list[Any] = list(message.components) if message is not None else []
    while stack:
        component = stack.pop()
        if getattr(component, "custom_id", None) == custom_id and int(component.type.value) == component_type:
            return True
        stack.extend(getattr(component, "children", None) or getattr(component, "components", None) or [])
    return False


def _handler_exists(interaction: discord.Interaction[Any]) -> bool:
    """Whether discord.py will route this component interaction to a view item or a dynamic item."""
    data: Any = interaction.data or {}
    custom_id = str(data.get("custom_id", ""))
    component_type = int(data.get("component_type", 0))
    try:
        # discord.py offers no public "is anyone listening?"; this mirrors ViewStore.dispatch_view, which
        # runs a dynamic item only when the pressed component is on the message, and a view item by key.
        store = interaction.client._connection._view_store
        if any(pattern.fullmatch(custom_id) for pattern in store._dynamic_items) and _on_message(
            interaction.message, component_type, custom_id
        ):
            return True
        message_id = interaction.message.id if interaction.message is not None else None
        key = (component_type, custom_id)
        return key in store._views.get(message_id, {}) or key in store._views.get(None, {})
    except (AttributeError, TypeError, ValueError):
        # Internals moved in a discord.py upgrade: answering twice would be worse than not at all.
        return True


class UnhandledComponents:
    """Answers component interactions that no view or dynamic item handles, instead of leaving them to fail."""

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Listener: reply privately when a pressed button or menu has no handler."""
        if interaction.type is not discord.InteractionType.component or _handler_exists(interaction):
            return
        if interaction.response.is_done():
            return
        log.info("component interaction from user %s has no handler", interaction.user.id)
        try:
            await interaction.response.send_message(
                UNHANDLED_COMPONENT_MESSAGE, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
        except discord.HTTPException:
            log.warning("could not answer an unhandled component interaction %s", interaction.id)


def in_flight_interactions() -> list[asyncio.Task[Any]]:
    """Tasks currently running interaction handlers (commands, buttons, menus, modals)."""
    current = asyncio.current_task()
    return [
        task
        for task in asyncio.all_tasks()
        if task is not current and not task.done() and task.get_name().startswith(_INTERACTION_TASK_PREFIXES)
    ]


async def drain_interactions(timeout: float) -> int:
    """Wait up to ``timeout`` s for in-flight interactions (and any arriving meanwhile); return how many remain."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        pending = in_flight_interactions()
        remaining = deadline - loop.time()
        if not pending or remaining <= 0:
            if pending:
                log.warning("shutting down with %d interaction(s) still running", len(pending))
            return len(pending)
        log.info("waiting for %d interaction(s) in flight before shutting down", len(pending))
        await asyncio.wait(pending, timeout=remaining)
