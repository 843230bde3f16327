"""Discord helpers the cogs share: the member's locale, owned buttons bound to a cog's services.

Buttons that must keep working after a restart are discord.py *dynamic items*: discord.py rebuilds
them from their custom id, so they can't take services in ``__init__``. :func:`bind` gives each cog
its own subclass carrying the cog's services as class attributes, registered by the cog itself;
no button ever looks a service up on the client.
"""

from __future__ import annotations

import functools
import secrets
import types
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, cast

import discord

from runtime import commandlog
from runtime.tree import CoachView, report_error, send_ephemeral

NOT_YOURS = "That button isn't yours — it belongs to the member who ran the command."
ItemT = TypeVar("ItemT", bound=type[discord.ui.DynamicItem[Any]])
ALREADY_PICKED = "You've already answered that one."
# A question the member doesn't answer within this long goes quiet (they can run the command again).
PICK_TIMEOUT_S = 600.0
# Buttons in one row: an ambiguous name names a handful of exercises at most.
MAX_PICK_OPTIONS = 5


def member_locale(interaction: discord.Interaction[Any]) -> str:
    """The member's Discord locale (e.g. 'en-US'), which picks kg or lb until they choose."""
    return str(interaction.locale.value if hasattr(interaction.locale, "value") else interaction.locale)


def on_off() -> list[discord.app_commands.Choice[str]]:
    """A switch option's choices, on and off (read back as ``choice.value == "on"``)."""
    return [discord.app_commands.Choice(name="on", value="on"), discord.app_commands.Choice(name="off", value="off")]


def bind(item: ItemT, template: str, **services: Any) -> ItemT:
    """A subclass of a dynamic item with ``services`` as class attributes, for one cog to register."""
    return cast(ItemT, types.new_class(item.__name__, (item,), {"template": template}, lambda ns: ns.update(services)))


class OwnedButton:
    """A button that only its owner may press; failures take the same error path as commands.

    Dynamic items are dispatched outside any view of ours, so without this a domain error (say, the
    set was already undone) would be swallowed and the member would see "interaction failed".
    """

    owner_id: int

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Check ownership server-side, then act; report any error to the presser."""
        async with commandlog.logged(interaction, type(self).__name__, kind="component"):
            if interaction.user.id != self.owner_id:
                commandlog.mark(interaction, "refused")
                await send_ephemeral(interaction, NOT_YOURS)
                return
            try:
                await self.act(interaction)
            except Exception as error:
                await report_error(interaction, error)

    async def act(self, interaction: discord.Interaction[Any]) -> None:
        """What the button does for its owner."""
        raise NotImplementedError


class PickView(CoachView):
    """Buttons for one member to pick one of a few options (which exercise they meant); others are refused.

    Not persistent: it holds what the member sent (the rest of their /log) in memory, so after a restart
    its buttons get the "isn't active any more" answer and the member runs the command again.
    """

    def __init__(
        self,
        owner_id: int,
        options: Sequence[tuple[str, str]],
        on_pick: Callable[[discord.Interaction[Any], str], Awaitable[None]],
        *,
        timeout: float = PICK_TIMEOUT_S,
    ) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self._on_pick = on_pick
        self._picked = False
        for value, label in options[:MAX_PICK_OPTIONS]:
            button: discord.ui.Button[PickView] = discord.ui.Button(
                label=label[:80], style=discord.ButtonStyle.primary, custom_id=f"pick:{secrets.token_hex(6)}"
            )
            button.callback = functools.partial(self._pick, value)  # type: ignore[method-assign]
            self.add_item(button)

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Only the member who was asked may answer."""
        if interaction.user.id != self.owner_id:
            await send_ephemeral(interaction, NOT_YOURS)
            return False
        return True

    async def _pick(self, value: str, interaction: discord.Interaction[Any]) -> None:
        # One answer per question. The view leaves the store only after answering: stopping first would
        # let the unhandled-component listener, running beside this press, answer it as a dead button.
        if self._picked:
            await send_ephemeral(interaction, ALREADY_PICKED)
            return
        self._picked = True
        try:
            await self._on_pick(interaction, value)
        finally:
            self.stop()
