"""The one error path for slash commands and components."""

from __future__ import annotations

import logging
import math
from typing import Any

import discord
from discord import app_commands

from coach.errors import CoachError

log = logging.getLogger(__name__)

GENERIC_APOLOGY = (
    "Sorry — something went wrong on my side and nothing was changed. It has been logged; please try again."
)
NO_MENTIONS = discord.AllowedMentions.none()
# discord.py's permission names, as Discord's own UI spells them.
PERMISSION_LABELS = {"manage_guild": "Manage Server", "manage_channels": "Manage Channels"}


def _flatten_options(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flat = []
    for opt in options:
        flat.append(opt)
        flat.extend(_flatten_options(opt.get("options", [])))
    return flat


def _bad_value_message(interaction: discord.Interaction[Any] | None, value: Any) -> str:
    shown = str(value)
    shown = shown if len(shown) <= 50 else shown[:47] + "…"
    shown = discord.utils.escape_markdown(shown)
    data = interaction.data if interaction is not None else None
    command = interaction.command if interaction is not None else None
    raw = _flatten_options(list((data or {}).get("options", [])))  # type: ignore[arg-type]
    name = next((opt["name"] for opt in raw if "value" in opt and opt["value"] == value), None)
    if name and isinstance(command, app_commands.Command):
        param = command.get_parameter(name)
        if param is not None and param.choices:
            allowed = ", ".join(str(c.value) for c in param.choices)
            return f"`{shown}` isn't a valid `{name}`. Choose one of: {allowed}."
        return f"`{shown}` isn't a valid value for `{name}`."
    return f"`{shown}` isn't a valid value for that option."


def describe_error(error: BaseException, interaction: discord.Interaction[Any] | None = None) -> tuple[str, bool]:
    """Map an error to (member-facing message, expected?); unexpected ones get the generic apology."""
    if isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError) and isinstance(
        error.__cause__, CoachError
    ):
        error = error.__cause__
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, CoachError):
        return error.message, True
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Easy there — you can use this again in {math.ceil(error.retry_after)} s.", True
    if isinstance(error, app_commands.MissingPermissions):
        needed = ", ".join(PERMISSION_LABELS.get(p, p.replace("_", " ").title()) for p in error.missing_permissions)
        return f"You need the {needed} permission to do that.", True
    if isinstance(error, app_commands.NoPrivateMessage):
        return "That only works in a server, not in DMs.", True
    if isinstance(error, app_commands.TransformerError):
        return _bad_value_message(interaction, error.value), True
    if isinstance(error, app_commands.CommandSignatureMismatch | app_commands.CommandNotFound):
        return (
            "That command doesn't match what I know — Discord may still be updating my commands. "
            "Please try again in a minute.",
            True,
        )
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use that here.", True
    return GENERIC_APOLOGY, False


async def send_ephemeral(interaction: discord.Interaction[Any], message: str) -> None:
    """Reply privately, whether or not the interaction was already answered or deferred."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException:
        # The interaction may have expired; the error itself is already logged by the caller.
        log.warning("could not deliver an error message for interaction %s", interaction.id)


async def report_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Tell the member what went wrong and log what they must not see."""
    message, expected = describe_error(error, interaction)
    command = interaction.command.qualified_name if interaction.command else None
    if expected:
        log.info("command %s by user %s refused: %s", command, interaction.user.id, type(error).__name__)
    else:
        log.error("command %s by user %s failed", command, interaction.user.id, exc_info=error)
    await send_ephemeral(interaction, message)


_NUMERIC_TYPES = {4: "a whole number", 10: "a number"}


def malformed_message(interaction: discord.Interaction[Any]) -> str:
    """Name the option whose value doesn't fit its declared type, for payloads discord.py can't parse."""
    raw = _flatten_options(list((interaction.data or {}).get("options", [])))  # type: ignore[arg-type]
    for opt in raw:
        kind, value = opt.get("type"), opt.get("value")
        if kind in _NUMERIC_TYPES and not isinstance(value, int | float):
            shown = discord.utils.escape_markdown(str(value)[:50])
            return f"`{opt.get('name')}` must be {_NUMERIC_TYPES[kind]} — you sent “{shown}”. Nothing was saved."
    return "Some of the values you sent aren't of the right type, so nothing was saved."


class CoachTree(app_commands.CommandTree[Any]):
    """CommandTree whose on_error turns domain errors into clear, private messages."""

    async def _call(self, interaction: discord.Interaction[Any]) -> None:
        # discord.py's tree catches errors from commands, checks and transformers, but not from parsing
        # the options themselves (a raw payload with "abc" as a number raises ValueError there). Without
        # this, such an interaction would get no answer at all and leave an unretrieved task exception.
        try:
            await super()._call(interaction)
        except Exception as error:
            if interaction.response.is_done():
                raise
            if interaction.type is discord.InteractionType.autocomplete:
                log.info("malformed autocomplete from user %s: %s", interaction.user.id, type(error).__name__)
                await interaction.response.autocomplete([])
                return
            log.info("malformed interaction from user %s: %r", interaction.user.id, error)
            await send_ephemeral(interaction, malformed_message(interaction))

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError, /) -> None:
        """Translate the error for the member; log unexpected ones in full."""
        await report_error(interaction, error)


class CoachView(discord.ui.View):
    """Base view: component errors go through the same path as command errors."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        """Route component failures to the shared error reporter."""
        await report_error(interaction, error)
