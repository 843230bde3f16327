"""Builders for the ``d`` dicts of Discord gateway dispatches, shaped like discord.py 2.7.1 expects.

Pure functions returning plain dicts: no discord import, so raw-payload harnesses and the emulator
share them.  Interactions and MESSAGE_CREATE are built here; the objects they carry (users, members,
channels, messages, guilds, READY) in :mod:`emulator.objects`, re-exported here.  Snowflakes and
ids are ints in the arguments and strings in the payloads, as Discord sends them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from emulator.objects import (
    ADMIN_PERMISSIONS,
    BOT_PERMISSIONS,
    DISCORD_EPOCH_MS,
    MANAGER_PERMISSIONS,
    MEMBER_PERMISSIONS,
    Ids,
    default_ids,
    dm_channel,
    guild_create,
    member,
    mention,
    message,
    now_iso,
    ready,
    role,
    sid,
    text_channel,
    user,
)

__all__ = [
    "ADMIN_PERMISSIONS",
    "ATTACHMENT_SIZE_LIMIT",
    "BOT_PERMISSIONS",
    "DISCORD_EPOCH_MS",
    "MANAGER_PERMISSIONS",
    "MEMBER_PERMISSIONS",
    "Ids",
    "application_command",
    "autocomplete",
    "component",
    "dm_channel",
    "guild_create",
    "infer_option_type",
    "interaction_metadata",
    "member",
    "mention",
    "message",
    "message_create",
    "options_list",
    "ready",
    "role",
    "slash",
    "text_channel",
    "user",
    "wrap_subcommand",
]


#: The largest file a member may attach (a server without boosts), as interactions report it.
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

# Option types (https://discord.com/developers/docs/interactions/application-commands).
_SUB_COMMAND = 1
_SUB_COMMAND_GROUP = 2
_STRING = 3
_INTEGER = 4
_BOOLEAN = 5
_NUMBER = 10


def infer_option_type(value: Any) -> int:
    """The option type Discord would send for a Python value (bool 5, int 4, float 10, str 3)."""
    # bool first: it is a subclass of int
    if isinstance(value, bool):
        return _BOOLEAN
    if isinstance(value, int):
        return _INTEGER
    if isinstance(value, float):
        return _NUMBER
    if isinstance(value, str):
        return _STRING
    raise TypeError(f"cannot infer an option type for {value!r}; pass raw_options instead")


def options_list(options: Mapping[str, Any] | None, *, focused: str | None = None) -> list[dict[str, Any]]:
    """``{name: value}`` as Discord's option list, types inferred; ``focused`` marks the autocomplete field."""
    result: list[dict[str, Any]] = []
    for name, value in (options or {}).items():
        option: dict[str, Any] = {"name": name, "type": infer_option_type(value), "value": value}
        if name == focused:
            option["focused"] = True
        result.append(option)
    return result


def wrap_subcommand(subcommand: str | None, options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nest options under a subcommand ("export") or group and subcommand ("group sub")."""
    if not subcommand:
        return options
    parts = subcommand.split()
    if len(parts) > 2:
        raise ValueError(f"subcommand nests at most two levels (group sub): {subcommand!r}")
    inner: dict[str, Any] = {"name": parts[-1], "type": _SUB_COMMAND}
    if options:
        inner["options"] = options
    if len(parts) == 2:
        return [{"name": parts[0], "type": _SUB_COMMAND_GROUP, "options": [inner]}]
    return [inner]


def application_command(
    name: str,
    options: list[dict[str, Any]],
    *,
    command_id: int | str,
    guild_id: int | str | None = None,
    resolved: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``data`` of a chat-input (type 1) application command interaction."""
    data: dict[str, Any] = {"id": sid(command_id), "name": name, "type": 1}
    if options:
        data["options"] = options
    if guild_id is not None:
        data["guild_id"] = sid(guild_id)
    if resolved:
        data["resolved"] = dict(resolved)
    return data


def interaction_metadata(
    interaction_id: int | str, interaction_type: int, invoker: Mapping[str, Any], *, guild_id: int | str | None
) -> dict[str, Any]:
    """The ``interaction_metadata`` Discord attaches to a message created by an interaction response."""
    owners = {"0": sid(guild_id)} if guild_id is not None else {"0": "0"}
    return {
        "id": sid(interaction_id),
        "type": interaction_type,
        "user": dict(invoker),
        "authorizing_integration_owners": owners,
    }


def _complete_message(msg: Mapping[str, Any], *, channel_id: int | str, application_id: int | str) -> dict[str, Any]:
    # A component interaction carries the whole message; fill keys discord.py's Message.__init__
    # indexes directly, in case a caller passes a trimmed dict.
    data = dict(msg)
    if "id" not in data:
        raise ValueError("the clicked message needs the id the emulator/harness returned for it")
    data.setdefault("channel_id", sid(channel_id))
    data.setdefault("type", 0)
    data.setdefault("content", "")
    data.setdefault("author", user(application_id, "coach", bot=True))
    data.setdefault("timestamp", now_iso())
    data.setdefault("edited_timestamp", None)
    for key in ("embeds", "attachments", "components", "mentions", "mention_roles"):
        data.setdefault(key, [])
    data.setdefault("flags", 0)
    return data


def _interaction(
    interaction_type: int,
    data: dict[str, Any],
    *,
    user: Mapping[str, Any],
    guild_id: int | str | None,
    channel_id: int | str,
    application_id: int | str,
    interaction_id: int | str | None,
    token: str | None,
    locale: str,
    guild_locale: str,
    permissions: str | int,
    app_permissions: str | int,
    member_roles: Iterable[int | str],
    channel_name: str,
    ids: Ids | None,
    message: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    ids = ids or default_ids
    iid = int(interaction_id) if interaction_id is not None else ids.next()
    payload: dict[str, Any] = {
        "id": sid(iid),
        "application_id": sid(application_id),
        "type": interaction_type,
        "data": data,
        # Distinct per interaction: discord.py's webhook adapter locks per (id, token), so a shared
        # token would serialize every reply.
        "token": token or f"emu-{iid}-{secrets.token_urlsafe(24)}",
        "version": 1,
        # Interaction._from_data indexes this key (KeyError without it); 10 MiB is Discord's default.
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        "locale": locale,
        "app_permissions": str(app_permissions),
        "entitlements": [],
        "entitlement_sku_ids": [],
    }
    if guild_id is not None:
        payload["guild_id"] = sid(guild_id)
        payload["guild_locale"] = guild_locale
        payload["guild"] = {"id": sid(guild_id), "locale": guild_locale, "features": []}
        payload["member"] = member(user, permissions=permissions, roles=member_roles)
        payload["channel"] = text_channel(channel_id, guild_id, channel_name, permissions=permissions)
        payload["channel_id"] = sid(channel_id)
        payload["authorizing_integration_owners"] = {"0": sid(guild_id)}
        payload["context"] = 0  # GUILD
    else:
        payload["user"] = dict(user)
        payload["channel"] = dm_channel(channel_id, user)
        payload["channel_id"] = sid(channel_id)
        payload["authorizing_integration_owners"] = {"0": "0"}
        payload["context"] = 1  # BOT_DM
    if message is not None:
        payload["message"] = _complete_message(message, channel_id=channel_id, application_id=application_id)
    return payload


def slash(
    name: str,
    options: Mapping[str, Any] | None = None,
    *,
    user: Mapping[str, Any],
    channel_id: int | str,
    application_id: int | str,
    guild_id: int | str | None = None,
    interaction_id: int | str | None = None,
    token: str | None = None,
    locale: str = "en-US",
    guild_locale: str = "en-US",
    permissions: str | int = MEMBER_PERMISSIONS,
    app_permissions: str | int = BOT_PERMISSIONS,
    subcommand: str | None = None,
    raw_options: list[dict[str, Any]] | None = None,
    member_roles: Iterable[int | str] = (),
    command_id: int | str | None = None,
    channel_name: str = "training",
    resolved: Mapping[str, Any] | None = None,
    ids: Ids | None = None,
) -> dict[str, Any]:
    """An APPLICATION_COMMAND interaction (type 2) for a chat-input command.

    ``options`` maps option names to values (types inferred); ``raw_options`` is sent as-is instead
    (for invalid or wrong-typed values); ``subcommand`` ("export" or "group sub") wraps the options.
    A guild interaction carries ``member`` with ``permissions``; without ``guild_id`` it is a DM.
    """
    ids = ids or default_ids
    opts = list(raw_options) if raw_options is not None else options_list(options)
    if raw_options is None:
        opts = wrap_subcommand(subcommand, opts)
    data = application_command(
        name,
        opts,
        command_id=command_id if command_id is not None else ids.next(),
        guild_id=guild_id,
        resolved=resolved,
    )
    return _interaction(
        2,
        data,
        user=user,
        guild_id=guild_id,
        channel_id=channel_id,
        application_id=application_id,
        interaction_id=interaction_id,
        token=token,
        locale=locale,
        guild_locale=guild_locale,
        permissions=permissions,
        app_permissions=app_permissions,
        member_roles=member_roles,
        channel_name=channel_name,
        ids=ids,
    )


def autocomplete(
    name: str,
    options: Mapping[str, Any] | None,
    focused: str,
    *,
    user: Mapping[str, Any],
    channel_id: int | str,
    application_id: int | str,
    guild_id: int | str | None = None,
    interaction_id: int | str | None = None,
    token: str | None = None,
    locale: str = "en-US",
    guild_locale: str = "en-US",
    permissions: str | int = MEMBER_PERMISSIONS,
    app_permissions: str | int = BOT_PERMISSIONS,
    subcommand: str | None = None,
    raw_options: list[dict[str, Any]] | None = None,
    member_roles: Iterable[int | str] = (),
    command_id: int | str | None = None,
    channel_name: str = "training",
    ids: Ids | None = None,
) -> dict[str, Any]:
    """An APPLICATION_COMMAND_AUTOCOMPLETE interaction (type 4); ``focused`` names the field being typed.

    A focused option missing from ``options`` is sent as an empty string (the user has typed nothing).
    """
    ids = ids or default_ids
    if raw_options is not None:
        opts = list(raw_options)
    else:
        values = dict(options or {})
        values.setdefault(focused, "")
        opts = wrap_subcommand(subcommand, options_list(values, focused=focused))
    data = application_command(
        name, opts, command_id=command_id if command_id is not None else ids.next(), guild_id=guild_id
    )
    return _interaction(
        4,
        data,
        user=user,
        guild_id=guild_id,
        channel_id=channel_id,
        application_id=application_id,
        interaction_id=interaction_id,
        token=token,
        locale=locale,
        guild_locale=guild_locale,
        permissions=permissions,
        app_permissions=app_permissions,
        member_roles=member_roles,
        channel_name=channel_name,
        ids=ids,
    )


def component(
    custom_id: str,
    *,
    message: Mapping[str, Any],
    user: Mapping[str, Any],
    channel_id: int | str,
    application_id: int | str,
    component_type: int = 2,
    values: Sequence[str] | None = None,
    guild_id: int | str | None = None,
    interaction_id: int | str | None = None,
    token: str | None = None,
    locale: str = "en-US",
    guild_locale: str = "en-US",
    permissions: str | int = MEMBER_PERMISSIONS,
    app_permissions: str | int = BOT_PERMISSIONS,
    member_roles: Iterable[int | str] = (),
    channel_name: str = "training",
    ids: Ids | None = None,
) -> dict[str, Any]:
    """A MESSAGE_COMPONENT interaction (type 3): a button press (2) or a select (3, with ``values``).

    ``message`` is the message the bot created; its ``id`` must be the id returned for it, because
    discord.py stores views under that message id.
    """
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
    if values is not None or component_type != 2:
        data["values"] = list(values or [])
    return _interaction(
        3,
        data,
        user=user,
        guild_id=guild_id,
        channel_id=channel_id,
        application_id=application_id,
        interaction_id=interaction_id,
        token=token,
        locale=locale,
        guild_locale=guild_locale,
        permissions=permissions,
        app_permissions=app_permissions,
        member_roles=member_roles,
        channel_name=channel_name,
        ids=ids,
        message=message,
    )


def modal_submit(
    modal: Mapping[str, Any],
    values: Mapping[str, str],
    *,
    message: Mapping[str, Any] | None,
    user: Mapping[str, Any],
    channel_id: int | str,
    application_id: int | str,
    guild_id: int | str | None = None,
    interaction_id: int | str | None = None,
    token: str | None = None,
    locale: str = "en-US",
    guild_locale: str = "en-US",
    permissions: str | int = MEMBER_PERMISSIONS,
    app_permissions: str | int = BOT_PERMISSIONS,
    member_roles: Iterable[int | str] = (),
    channel_name: str = "training",
    ids: Ids | None = None,
) -> dict[str, Any]:
    """A MODAL_SUBMIT interaction (type 5) for a form the bot opened: ``modal`` is the callback's ``data``
    (custom id, title, components). Each text input gets its ``values`` entry, else its pre-filled value,
    as a Discord client sends it: action rows (or labels) of ``{type: 4, custom_id, value}``.
    ``message`` is the message whose button opened the form (None for a form opened by a command)."""
    rows = []
    for row in modal.get("components") or []:
        inner = row.get("components") or ([row["component"]] if "component" in row else [])
        fields = [
            {"type": 4, "custom_id": c["custom_id"], "value": str(values.get(c["custom_id"], c.get("value") or ""))}
            for c in inner
            if c.get("type") == 4
        ]
        if row.get("type") == 18 and fields:  # a label holds one component
            rows.append({"type": 18, "component": fields[0]})
        elif fields:
            rows.append({"type": 1, "components": fields})
    data = {"custom_id": modal["custom_id"], "components": rows}
    return _interaction(
        5,
        data,
        user=user,
        guild_id=guild_id,
        channel_id=channel_id,
        application_id=application_id,
        interaction_id=interaction_id,
        token=token,
        locale=locale,
        guild_locale=guild_locale,
        permissions=permissions,
        app_permissions=app_permissions,
        member_roles=member_roles,
        channel_name=channel_name,
        ids=ids,
        message=message,
    )


def message_create(
    content: str,
    *,
    author: Mapping[str, Any],
    channel_id: int | str,
    guild_id: int | str | None = None,
    mentions: Sequence[Mapping[str, Any]] = (),
    webhook_id: int | str | None = None,
    message_id: int | str | None = None,
    member_roles: Iterable[int | str] = (),
    ids: Ids | None = None,
) -> dict[str, Any]:
    """A MESSAGE_CREATE dispatch; in a guild it carries the author's partial ``member`` and ``guild_id``.

    To mention the bot put ``mention(bot_id)`` in ``content`` and the bot's user dict in ``mentions``.
    """
    ids = ids or default_ids
    data = message(
        message_id=message_id if message_id is not None else ids.next(),
        channel_id=channel_id,
        author=author,
        content=content,
        guild_id=guild_id,
        webhook_id=webhook_id,
        mentions=mentions,
        extra={"nonce": str(ids.next())},
    )
    if guild_id is not None and webhook_id is None:
        data["member"] = member(None, permissions=None, roles=member_roles)
    return data
