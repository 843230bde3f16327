"""The one error path for slash commands and components."""

from __future__ import annotations

import logging
import math
from typing import Any

import discord
from discord import app_commands

from coach.errors import CoachError
from runtime import commandlog
from runtime.text import render, safe

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


def _raw_options(data: Any) -> list[Any]:
    """The options of a raw interaction payload, whatever shape a forged one has."""
    options = data.get("options", []) if isinstance(data, dict) else []
    return list(options) if isinstance(options, list) else []


def _bad_value_message(interaction: discord.Interaction[Any] | None, value: Any) -> str:
    shown = str(value)
    shown = shown if len(shown) <= 50 else shown[:47] + "…"
    shown = safe(shown)
    data = interaction.data if interaction is not None else None
    command = interaction.command if interaction is not None else None
    raw = _flatten_options(_raw_options(data))
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
    message = render(message)  # the member text a domain message quotes, escaped
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
    commandlog.mark(interaction, "refused" if expected else "error")
    command = commandlog.command_name(interaction)
    if expected:
        log.info("command %s by user %s refused: %s", command, interaction.user.id, type(error).__name__)
    else:
        log.error("command %s by user %s failed", command, interaction.user.id, exc_info=error)
    await send_ephemeral(interaction, message)


_NUMERIC_TYPES = {4: "a whole number", 10: "a number"}
_SNOWFLAKE_TYPES = {6, 7, 8, 9, 11}  # user, channel, role, mentionable, attachment: ids


class MalformedOptionsError(ValueError):
    """An option value Discord never sends for that option (a forged or corrupted payload)."""

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(reason)
        # What the member is told, when there is something more specific to say than "wrong type".
        self.message = message


# Payload option types discord.py may receive for a declared type without mishandling the value: an
# integer for a number (Discord's own clients send 100, not 100.0), or a number for a choice (the choice
# lookup then rejects it by name). discord.py converts by the payload's type, so anything else must go.
_COMPATIBLE_TYPES = {4: {4, 10}, 10: {4, 10}, 9: {6, 8, 9}}
_MAX_SAFE_INTEGER = 2**53
_RESOLVED_KEYS = {6: ("users",), 7: ("channels",), 8: ("roles",), 9: ("users", "roles"), 11: ("attachments",)}


def _value_fits(parameter: app_commands.Parameter, kind: object, value: object, resolved: Any) -> bool:
    """Whether discord.py's conversion of ``value`` (sent as type ``kind``) gives the parameter what it declares."""
    declared = parameter.type.value
    allowed = {3, 4, 10} if parameter.choices else _COMPATIBLE_TYPES.get(declared, {declared})
    if kind not in allowed or isinstance(value, bool) != (declared == 5):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False  # JSON has no NaN; range checks would wave it through
    if parameter.choices:
        # The choice lookup rejects any scalar that isn't a choice, with a message naming the option.
        return isinstance(value, str | int | float)
    if declared == 3:
        return isinstance(value, str)
    if declared in (4, 10):
        # A float for a whole number still reaches the range check and the service ("reps must be whole").
        # Discord's integers stay within ±2**53; larger ones can't even become a float.
        return isinstance(value, float) or (isinstance(value, int) and abs(value) <= _MAX_SAFE_INTEGER)
    if declared in _RESOLVED_KEYS:
        # discord.py substitutes a bare Object for an id missing from ``resolved``; Discord always sends it.
        sections = resolved if isinstance(resolved, dict) else {}
        return isinstance(value, str | int) and any(
            isinstance(sections.get(key), dict) and str(value) in sections[key] for key in _RESOLVED_KEYS[declared]
        )
    return True


def check_option_values(interaction: discord.Interaction[Any]) -> None:
    """Refuse option values Discord would never send (a list for text, NaN, a missing channel) up front.

    discord.py hands a declared parameter whatever the payload carries, converted by the payload's
    claimed type, so without this a text option could reach a command as a list, or ``""`` sent as a
    number as NaN. Mismatches that discord.py's choice and range checks already explain are left to them.
    """
    data: Any = interaction.data or {}
    try:
        flat = _flatten_options(list(data.get("options", [])))
    except (AttributeError, TypeError) as error:
        raise MalformedOptionsError("options are not a list of objects") from error
    command = _registered_command(interaction)
    if command is None:
        return
    for opt in flat:
        parameter = command.get_parameter(str(opt.get("name")))
        if parameter is None or opt.get("type") in (1, 2):
            continue
        value = opt.get("value")
        if not _value_fits(parameter, opt.get("type"), value, data.get("resolved")):
            raise MalformedOptionsError(f"a value doesn't fit the {parameter.type.name} option")
        limit = parameter.max_value if parameter.type.value == 3 else None
        if isinstance(value, str) and isinstance(limit, int) and len(value) > limit:
            # Discord enforces declared lengths for its clients; a longer text could overflow a reply.
            raise MalformedOptionsError(
                "text longer than declared",
                f"`{parameter.name}` can be at most {limit} characters — yours has {len(value)}. Nothing was saved.",
            )


def _autocompletes(interaction: discord.Interaction[Any]) -> bool:
    """Whether the focused option of an autocomplete interaction is one we offer suggestions for."""
    command = _registered_command(interaction)
    try:
        flat = _flatten_options(_raw_options(interaction.data))
        focused = [opt for opt in flat if opt.get("focused")]
    except (AttributeError, TypeError):
        return False
    if command is None or len(focused) != 1:
        return False
    parameter = command.get_parameter(str(focused[0].get("name")))
    return parameter is not None and parameter.autocomplete


def _registered_command(interaction: discord.Interaction[Any]) -> app_commands.Command[Any, ..., Any] | None:
    """The registered slash command for an interaction, or None (unknown, or a context menu)."""
    try:
        command = interaction.command
    except Exception:  # discord.py's lookup can trip over a malformed payload
        return None
    return command if isinstance(command, app_commands.Command) else None


def malformed_message(interaction: discord.Interaction[Any]) -> str:
    """Name the option whose value doesn't fit its declared type, for payloads discord.py can't parse."""
    raw = _flatten_options(_raw_options(interaction.data))
    for opt in raw:
        kind, value = opt.get("type"), opt.get("value")
        if kind in _NUMERIC_TYPES and (
            not isinstance(value, int | float) or (isinstance(value, float) and not math.isfinite(value))
        ):
            shown = safe(str(value)[:50])
            return f"`{opt.get('name')}` must be {_NUMERIC_TYPES[kind]} — you sent “{shown}”. Nothing was saved."
    return "Some of the values you sent aren't of the right type, so nothing was saved."


class CoachTree(app_commands.CommandTree[Any]):
    """CommandTree whose on_error turns domain errors into clear, private messages."""

    async def _call(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is discord.InteractionType.autocomplete:
            # Keystrokes, not commands: too many to log one line each.
            await self._call_guarded(interaction)
            return
        async with commandlog.logged(interaction):
            await self._call_guarded(interaction)

    async def _call_guarded(self, interaction: discord.Interaction[Any]) -> None:
        # discord.py's tree catches errors from commands, checks and transformers, but not from parsing
        # the options themselves (a raw payload with "abc" as a number raises ValueError there). Without
        # this, such an interaction would get no answer at all and leave an unretrieved task exception.
        try:
            if interaction.type is discord.InteractionType.application_command:
                check_option_values(interaction)
            elif not _autocompletes(interaction):
                # discord.py would log an error and leave the member's dropdown spinning.
                await interaction.response.autocomplete([])
                return
            await super()._call(interaction)
        except Exception as error:
            if interaction.response.is_done():
                raise
            if interaction.type is discord.InteractionType.autocomplete:
                log.info("malformed autocomplete from user %s: %s", interaction.user.id, type(error).__name__)
                await interaction.response.autocomplete([])
                return
            commandlog.mark(interaction, "refused")
            # The type only: the repr of a parsing error can quote what the member typed.
            log.info("malformed interaction from user %s: %s", interaction.user.id, type(error).__name__)
            specific = error.message if isinstance(error, MalformedOptionsError) else None
            await send_ephemeral(interaction, specific or malformed_message(interaction))

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError, /) -> None:
        """Translate the error for the member; log unexpected ones in full."""
        await report_error(interaction, error)


class CoachView(discord.ui.View):
    """Base view: component errors go through the same path as command errors."""

    def is_finished(self) -> bool:
        """Also True for a view of DynamicItems only, so discord.py never keeps it per message.

        Such buttons are dispatched by custom id (``add_dynamic_items``), not through the view; yet
        discord.py stored every view it sent, and gave each one on a private reply a 15-minute timeout
        task: ~30 objects per /log and /history reply held for 15 minutes, which the benchmark
        (``python -m bench``) saw as growing full garbage-collection pauses (100 ms+) under load.
        """
        children = self.children
        return super().is_finished() or (
            bool(children) and all(isinstance(item, discord.ui.DynamicItem) for item in children)
        )

    async def _scheduled_task(self, item: discord.ui.Item[Any], interaction: discord.Interaction[Any]) -> None:
        # discord.py runs every press of this view's items here (checks, callback, on_error): the one
        # place to time it and log its outcome, like commands. The name is the classes, never the custom
        # id (which can carry what the member typed).
        async with commandlog.logged(interaction, f"{type(self).__name__}.{type(item).__name__}", kind="component"):
            await super()._scheduled_task(item, interaction)

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        """Route component failures to the shared error reporter."""
        await report_error(interaction, error)
