"""Builders for the ``d`` dicts of Discord gateway dispatches, shaped like discord.py 2.7.1 expects.

Pure functions returning plain dicts: no discord import, so raw-payload harnesses and the emulator
share them.  Snowflakes and ids are ints in the arguments and strings in the payloads, as Discord
sends them.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ADMIN_PERMISSIONS",
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

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions), spelled out so this
# module stays free of discord imports.
_CREATE_INSTANT_INVITE = 1 << 0
_ADMINISTRATOR = 1 << 3
_MANAGE_GUILD = 1 << 5
_ADD_REACTIONS = 1 << 6
_STREAM = 1 << 9
_VIEW_CHANNEL = 1 << 10
_SEND_MESSAGES = 1 << 11
_EMBED_LINKS = 1 << 14
_ATTACH_FILES = 1 << 15
_READ_MESSAGE_HISTORY = 1 << 16
_USE_EXTERNAL_EMOJIS = 1 << 18
_CONNECT = 1 << 20
_SPEAK = 1 << 21
_USE_VAD = 1 << 25
_CHANGE_NICKNAME = 1 << 26
_USE_APPLICATION_COMMANDS = 1 << 31
_CREATE_PUBLIC_THREADS = 1 << 35
_USE_EXTERNAL_STICKERS = 1 << 37
_SEND_MESSAGES_IN_THREADS = 1 << 38
_USE_EMBEDDED_ACTIVITIES = 1 << 39
_SEND_VOICE_MESSAGES = 1 << 46
_SEND_POLLS = 1 << 49
_USE_EXTERNAL_APPS = 1 << 50
_ALL_PERMISSIONS = (1 << 53) - 1  # discord.Permissions.all() in 2.7.1 is 53 bits wide

_MEMBER_BITS = (
    _CREATE_INSTANT_INVITE
    | _ADD_REACTIONS
    | _STREAM
    | _VIEW_CHANNEL
    | _SEND_MESSAGES
    | _EMBED_LINKS
    | _ATTACH_FILES
    | _READ_MESSAGE_HISTORY
    | _USE_EXTERNAL_EMOJIS
    | _CONNECT
    | _SPEAK
    | _USE_VAD
    | _CHANGE_NICKNAME
    | _USE_APPLICATION_COMMANDS
    | _CREATE_PUBLIC_THREADS
    | _USE_EXTERNAL_STICKERS
    | _SEND_MESSAGES_IN_THREADS
    | _USE_EMBEDDED_ACTIVITIES
    | _SEND_VOICE_MESSAGES
    | _SEND_POLLS
    | _USE_EXTERNAL_APPS
)

#: What an ordinary member of a default server may do in a text channel (no Manage Server).
MEMBER_PERMISSIONS = str(_MEMBER_BITS)
#: A member with Manage Server (the ``/config`` audience) but not Administrator.
MANAGER_PERMISSIONS = str(_MEMBER_BITS | _MANAGE_GUILD)
#: An administrator: Discord resolves every bit for them.
ADMIN_PERMISSIONS = str(_ALL_PERMISSIONS)
#: The bot's own permissions in the channel (``app_permissions``) when invited with the usual scopes.
BOT_PERMISSIONS = str(
    _VIEW_CHANNEL
    | _SEND_MESSAGES
    | _EMBED_LINKS
    | _ATTACH_FILES
    | _READ_MESSAGE_HISTORY
    | _ADD_REACTIONS
    | _USE_EXTERNAL_EMOJIS
    | _SEND_MESSAGES_IN_THREADS
    | _USE_APPLICATION_COMMANDS
)

_JOINED_AT = "2025-01-06T18:00:00.000000+00:00"

# Option types (https://discord.com/developers/docs/interactions/application-commands).
_SUB_COMMAND = 1
_SUB_COMMAND_GROUP = 2
_STRING = 3
_INTEGER = 4
_BOOLEAN = 5
_NUMBER = 10


class Ids:
    """Snowflake generator: strictly increasing ids whose timestamps are realistic.

    With no ``start`` the ids encode the current wall clock (so ``interaction.created_at`` is
    "now", which matters for code that defaults a date to today); with ``start`` they count up
    from it deterministically.
    """

    def __init__(self, start: int | None = None) -> None:
        self._clock = start is None
        self._last = (start - 1) if start is not None else 0

    @staticmethod
    def from_time(when: datetime | None = None) -> int:
        """The lowest snowflake for a moment (default: now)."""
        ms = int((when.timestamp() if when else time.time()) * 1000)
        return (ms - DISCORD_EPOCH_MS) << 22

    def next(self) -> int:
        """Return the next snowflake."""
        candidate = self.from_time() if self._clock else 0
        self._last = max(candidate, self._last + 1)
        return self._last

    def __next__(self) -> int:
        return self.next()

    def __iter__(self) -> Ids:
        return self


_default_ids = Ids()


def _sid(value: int | str) -> str:
    return str(int(value))


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def mention(user_id: int | str) -> str:
    """The message text that mentions a user, e.g. ``<@123>``."""
    return f"<@{_sid(user_id)}>"


def user(user_id: int | str, name: str = "lifter", bot: bool = False) -> dict[str, Any]:
    """A user object (``discriminator`` "0": the post-2023 unique-username shape)."""
    data: dict[str, Any] = {
        "id": _sid(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": None if bot else name.title(),
        "avatar": None,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "public_flags": 0,
        "flags": 0,
    }
    if bot:
        data["bot"] = True
    return data


def member(
    user: Mapping[str, Any] | None,
    permissions: str | int | None = "0",
    roles: Iterable[int | str] = (),
    *,
    nick: str | None = None,
) -> dict[str, Any]:
    """A guild member; ``user=None`` gives the partial member of MESSAGE_CREATE, ``permissions=None`` omits it."""
    data: dict[str, Any] = {
        "roles": [_sid(r) for r in roles],
        "joined_at": _JOINED_AT,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "nick": nick,
        "avatar": None,
        "banner": None,
        "flags": 0,
        "communication_disabled_until": None,
    }
    if user is not None:
        data["user"] = dict(user)
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def role(role_id: int | str, name: str, permissions: str | int = "0", *, position: int = 0) -> dict[str, Any]:
    """A guild role (the @everyone role's id is the guild id)."""
    return {
        "id": _sid(role_id),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }


def text_channel(
    channel_id: int | str,
    guild_id: int | str,
    name: str = "training",
    *,
    position: int = 0,
    permissions: str | int | None = None,
) -> dict[str, Any]:
    """A guild text channel (type 0); interactions add the invoker's ``permissions`` in it."""
    data: dict[str, Any] = {
        "id": _sid(channel_id),
        "type": 0,
        "guild_id": _sid(guild_id),
        "name": name,
        "position": position,
        "parent_id": None,
        "topic": None,
        "nsfw": False,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "permission_overwrites": [],
        "flags": 0,
    }
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def dm_channel(channel_id: int | str, recipient: Mapping[str, Any]) -> dict[str, Any]:
    """A DM channel (type 1) with one recipient."""
    return {
        "id": _sid(channel_id),
        "type": 1,
        "last_message_id": None,
        "flags": 0,
        "recipients": [dict(recipient)],
    }


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
    data: dict[str, Any] = {"id": _sid(command_id), "name": name, "type": 1}
    if options:
        data["options"] = options
    if guild_id is not None:
        data["guild_id"] = _sid(guild_id)
    if resolved:
        data["resolved"] = dict(resolved)
    return data


def interaction_metadata(
    interaction_id: int | str, interaction_type: int, invoker: Mapping[str, Any], *, guild_id: int | str | None
) -> dict[str, Any]:
    """The ``interaction_metadata`` Discord attaches to a message created by an interaction response."""
    owners = {"0": _sid(guild_id)} if guild_id is not None else {"0": "0"}
    return {
        "id": _sid(interaction_id),
        "type": interaction_type,
        "user": dict(invoker),
        "authorizing_integration_owners": owners,
    }


def message(
    *,
    message_id: int | str,
    channel_id: int | str,
    author: Mapping[str, Any],
    content: str = "",
    guild_id: int | str | None = None,
    embeds: Sequence[Mapping[str, Any]] = (),
    components: Sequence[Mapping[str, Any]] = (),
    attachments: Sequence[Mapping[str, Any]] = (),
    flags: int = 0,
    message_type: int = 0,
    webhook_id: int | str | None = None,
    application_id: int | str | None = None,
    mentions: Sequence[Mapping[str, Any]] = (),
    timestamp: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A complete message object, as REST returns it and as a component interaction carries it."""
    data: dict[str, Any] = {
        "id": _sid(message_id),
        "channel_id": _sid(channel_id),
        "type": message_type,
        "content": content,
        "author": dict(author),
        "timestamp": timestamp or _now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [dict(m) for m in mentions],
        "mention_roles": [],
        "attachments": [dict(a) for a in attachments],
        "embeds": [dict(e) for e in embeds],
        "components": [dict(c) for c in components],
        "pinned": False,
        "flags": flags,
    }
    if guild_id is not None:
        data["guild_id"] = _sid(guild_id)
    if webhook_id is not None:
        data["webhook_id"] = _sid(webhook_id)
    if application_id is not None:
        data["application_id"] = _sid(application_id)
    if extra:
        data.update(extra)
    return data


def _complete_message(msg: Mapping[str, Any], *, channel_id: int | str, application_id: int | str) -> dict[str, Any]:
    # A component interaction carries the whole message; fill keys discord.py's Message.__init__
    # indexes directly, in case a caller passes a trimmed dict.
    data = dict(msg)
    if "id" not in data:
        raise ValueError("the clicked message needs the id the emulator/harness returned for it")
    data.setdefault("channel_id", _sid(channel_id))
    data.setdefault("type", 0)
    data.setdefault("content", "")
    data.setdefault("author", user(application_id, "coach", bot=True))
    data.setdefault("timestamp", _now_iso())
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
    ids = ids or _default_ids
    iid = int(interaction_id) if interaction_id is not None else ids.next()
    payload: dict[str, Any] = {
        "id": _sid(iid),
        "application_id": _sid(application_id),
        "type": interaction_type,
        "data": data,
        # Distinct per interaction: discord.py's webhook adapter locks per (id, token), so a shared
        # token would serialize every reply.
        "token": token or f"emu-{iid}-{secrets.token_urlsafe(24)}",
        "version": 1,
        # Interaction._from_data indexes this key (KeyError without it); 10 MiB is Discord's default.
        "attachment_size_limit": 10 * 1024 * 1024,
        "locale": locale,
        "app_permissions": str(app_permissions),
        "entitlements": [],
        "entitlement_sku_ids": [],
    }
    if guild_id is not None:
        payload["guild_id"] = _sid(guild_id)
        payload["guild_locale"] = guild_locale
        payload["guild"] = {"id": _sid(guild_id), "locale": guild_locale, "features": []}
        payload["member"] = member(user, permissions=permissions, roles=member_roles)
        payload["channel"] = text_channel(channel_id, guild_id, channel_name, permissions=permissions)
        payload["channel_id"] = _sid(channel_id)
        payload["authorizing_integration_owners"] = {"0": _sid(guild_id)}
        payload["context"] = 0  # GUILD
    else:
        payload["user"] = dict(user)
        payload["channel"] = dm_channel(channel_id, user)
        payload["channel_id"] = _sid(channel_id)
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
    ids = ids or _default_ids
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
    ids = ids or _default_ids
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
    ids = ids or _default_ids
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


def ready(
    *,
    user: Mapping[str, Any],
    session_id: str,
    resume_gateway_url: str,
    application_id: int | str,
    guild_ids: Iterable[int | str] = (),
    shard: Sequence[int] | None = None,
    application_flags: int = 0,
) -> dict[str, Any]:
    """The READY dispatch: the bot user, guilds as unavailable stubs (GUILD_CREATE follows), session data."""
    data: dict[str, Any] = {
        "v": 10,
        "user": dict(user),
        "guilds": [{"id": _sid(g), "unavailable": True} for g in guild_ids],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_gateway_url,
        "application": {"id": _sid(application_id), "flags": application_flags},
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": ["local"],
        "user_settings": {},
        "auth_session_id_hash": secrets.token_urlsafe(16),
        "_trace": ['["discord-emulator",{"micros":0}]'],
    }
    if shard is not None:
        data["shard"] = list(shard)
    return data


def guild_create(
    guild_id: int | str,
    *,
    name: str,
    owner_id: int | str,
    channels: Sequence[Mapping[str, Any]],
    roles: Sequence[Mapping[str, Any]],
    members: Sequence[Mapping[str, Any]],
    locale: str = "en-US",
) -> dict[str, Any]:
    """A GUILD_CREATE dispatch with channels, roles and members (as sent right after READY)."""
    return {
        "id": _sid(guild_id),
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": _sid(owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": locale,
        "features": [],
        "system_channel_id": _sid(channels[0]["id"]) if channels else None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "application_id": None,
        "joined_at": _JOINED_AT,
        "large": False,
        "lazy": True,
        "unavailable": False,
        "member_count": len(members),
        "roles": [dict(r) for r in roles],
        "channels": [dict(c) for c in channels],
        "members": [dict(m) for m in members],
        "threads": [],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "emojis": [],
        "stickers": [],
        "soundboard_sounds": [],
        "embedded_activities": [],
        "activity_instances": [],
        "incidents_data": None,
        "version": int(time.time() * 1000),
    }
