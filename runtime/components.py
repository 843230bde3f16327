"""Discord helpers the cogs share: the member's locale, owned buttons bound to a cog's services.

Buttons that must keep working after a restart are discord.py *dynamic items*: discord.py rebuilds
them from their custom id, so they can't take services in ``__init__``. :func:`bind` gives each cog
its own subclass carrying the cog's services as class attributes, registered by the cog itself;
no button ever looks a service up on the client.
"""

from __future__ import annotations

import types
from typing import Any, TypeVar, cast

import discord

from runtime import commandlog
from runtime.tree import report_error, send_ephemeral

NOT_YOURS = "That button isn't yours — it belongs to the member who ran the command."
ItemT = TypeVar("ItemT", bound=type[discord.ui.DynamicItem[Any]])


def member_locale(interaction: discord.Interaction[Any]) -> str:
    """The member's Discord locale (e.g. 'en-US'), which picks kg or lb until they choose."""
    return str(interaction.locale.value if hasattr(interaction.locale, "value") else interaction.locale)


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
