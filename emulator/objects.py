"""Discord objects as plain dicts: users, members, roles, channels, messages, guilds, READY; permissions and ids.

Pure functions, no discord import (see :mod:`emulator.payloads`, which re-exports all of these).
Snowflakes are ints in the arguments and strings in the objects, as Discord sends them.
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
    "dm_channel",
    "guild_create",
    "member",
    "mention",
    "message",
    "ready",
    "role",
    "text_channel",
    "user",
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


# For builders called without ``ids``: one generator, so their ids keep increasing across calls.
default_ids = Ids()


def sid(value: int | str) -> str:
    """A snowflake as Discord sends it: a decimal string."""
    return str(int(value))


def now_iso() -> str:
    """The current time as an ISO 8601 timestamp (message timestamps)."""
    return datetime.now(UTC).isoformat()


def mention(user_id: int | str) -> str:
    """The message text that mentions a user, e.g. ``<@123>``."""
    return f"<@{sid(user_id)}>"


def user(user_id: int | str, name: str = "lifter", bot: bool = False) -> dict[str, Any]:
    """A user object (``discriminator`` "0": the post-2023 unique-username shape)."""
    data: dict[str, Any] = {
        "id": sid(user_id),
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
        "roles": [sid(r) for r in roles],
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
        "id": sid(role_id),
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
        "id": sid(channel_id),
        "type": 0,
        "guild_id": sid(guild_id),
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
        "id": sid(channel_id),
        "type": 1,
        "last_message_id": None,
        "flags": 0,
        "recipients": [dict(recipient)],
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
        "id": sid(message_id),
        "channel_id": sid(channel_id),
        "type": message_type,
        "content": content,
        "author": dict(author),
        "timestamp": timestamp or now_iso(),
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
        data["guild_id"] = sid(guild_id)
    if webhook_id is not None:
        data["webhook_id"] = sid(webhook_id)
    if application_id is not None:
        data["application_id"] = sid(application_id)
    if extra:
        data.update(extra)
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
        "guilds": [{"id": sid(g), "unavailable": True} for g in guild_ids],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_gateway_url,
        "application": {"id": sid(application_id), "flags": application_flags},
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
        "id": sid(guild_id),
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": sid(owner_id),
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
        "system_channel_id": sid(channels[0]["id"]) if channels else None,
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
