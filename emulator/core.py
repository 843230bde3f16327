"""The emulator's state: the bot's identity, the guild and its members, and what the bot has sent.

:class:`EmulatorCore` is the bottom of a stack of layers, each in its own module, that together make
:class:`emulator.server.DiscordEmulator`: gateway (:mod:`emulator.gateway`), REST (:mod:`emulator.rest`),
bot-side interaction answers (:mod:`emulator.interactions`) and the scripted member (:mod:`emulator.member`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web

from emulator import payloads as p
from emulator.models import (
    API_PREFIX,
    DEFAULT_HEARTBEAT_INTERVAL_MS,
    PRIVILEGED_INTENTS,
    Call,
    EmulatorError,
    Fault,
    InteractionTimeout,
    Pending,
    Session,
    make_token,
)

__all__ = ["EmulatorCore"]


class EmulatorCore:
    """State shared by every layer of the emulator; constructed through :class:`~emulator.server.DiscordEmulator`."""

    def __init__(
        self,
        *,
        token: str | None = None,
        application_id: int | None = None,
        bot_user_id: int | None = None,
        bot_name: str = "Coach",
        guild_id: int | None = None,
        guild_name: str = "Iron Temple",
        channel_id: int | None = None,
        channel_name: str = "training",
        user_id: int | None = None,
        user_name: str = "lifter",
        user_permissions: str = p.MEMBER_PERMISSIONS,
        host: str = "127.0.0.1",
        port: int = 0,
        heartbeat_interval_ms: int = DEFAULT_HEARTBEAT_INTERVAL_MS,
        heartbeat_ack_delay_s: float = 0.04,
        interaction_deadline_s: float | None = 3.0,
        allowed_privileged_intents: int = PRIVILEGED_INTENTS,
        recommended_shards: int = 1,
        validate: bool = True,
        ids: p.Ids | None = None,
    ) -> None:
        """Ids not given are fresh snowflakes; ``heartbeat_ack_delay_s`` is how long a HEARTBEAT_ACK takes."""
        self.ids = ids or p.Ids()
        self.bot_user_id = bot_user_id or self.ids.next()
        # The application id of a bot equals its user id on Discord.
        self.application_id = application_id or self.bot_user_id
        self._token = token or make_token(self.bot_user_id)
        self.guild_id = guild_id or self.ids.next()
        self.channel_id = channel_id or self.ids.next()
        self.user_id = user_id or self.ids.next()
        self.owner_id = self.ids.next()
        self.host = host
        self._port = port
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.heartbeat_ack_delay_s = heartbeat_ack_delay_s
        self.interaction_deadline_s = interaction_deadline_s
        self.allowed_privileged_intents = allowed_privileged_intents
        self.recommended_shards = recommended_shards
        self.validate = validate
        self.user_permissions = user_permissions

        self.bot_user = p.user(self.bot_user_id, bot_name, bot=True)
        # GET /users/@me and READY carry the private fields; messages carry the public user.
        self._me = self.bot_user | {"verified": True, "mfa_enabled": False, "locale": "en-US", "email": None}
        self.user = p.user(self.user_id, user_name)
        self.owner = p.user(self.owner_id, "owner")
        self.channel_name = channel_name
        self.guild_name = guild_name
        self.bot_role_id = self.ids.next()
        self.manager_role_id = self.ids.next()
        self.roles: list[dict[str, Any]] = [
            p.role(self.guild_id, "@everyone", p.MEMBER_PERMISSIONS),
            p.role(self.manager_role_id, "Coaches", p.MANAGER_PERMISSIONS, position=1),
            p.role(self.bot_role_id, bot_name, p.BOT_PERMISSIONS, position=2) | {"managed": True},
        ]
        self.channels: list[dict[str, Any]] = [p.text_channel(self.channel_id, self.guild_id, channel_name)]
        self.members: dict[int, dict[str, Any]] = {}
        for u, roles in ((self.owner, ()), (self.user, ()), (self.bot_user, (self.bot_role_id,))):
            self.members[int(u["id"])] = p.member(u, permissions=None, roles=roles)
        self.dm_channels: dict[int, dict[str, Any]] = {}
        # Guilds beyond the first (add_guild): {guild id: {"name", "channels", "roles"}}, for sharding tests.
        self.extra_guilds: dict[int, dict[str, Any]] = {}

        self.calls: list[Call] = []
        self.unknown_routes: list[Call] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.channel_messages: list[dict[str, Any]] = []  # bot-authored, via POST /channels/{id}/messages
        self.attachments: dict[int, bytes] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.identify_count = 0
        self.resume_count = 0
        self.heartbeat_count = 0
        self.ack_heartbeats = True  # False simulates a zombie connection (discord.py reconnects)
        self.last_identify: dict[str, Any] | None = None
        self.last_gateway_query: dict[str, str] = {}
        self._faults: list[Fault] = []

        self._pending_by_token: dict[str, Pending] = {}
        self._sessions: dict[str, Session] = {}
        self._connections: set[web.WebSocketResponse] = set()
        self._acks_in_flight: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Condition()
        self._command_syncs = 0
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None

    # ------------------------------------------------------------------ addresses

    @property
    def token(self) -> str:
        """The only bot token this emulator accepts."""
        return self._token

    @property
    def port(self) -> int:
        """The bound TCP port (after :meth:`start`)."""
        if self._bound_port is None:
            raise EmulatorError("the emulator is not started")
        return self._bound_port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """The value for ``discord.http.Route.BASE`` / ``DISCORD_API_BASE``."""
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """The value for ``DiscordWebSocket.DEFAULT_GATEWAY`` / ``DISCORD_GATEWAY_URL``."""
        return f"ws://{self.host}:{self.port}/gateway"

    @property
    def guild_ids(self) -> list[int]:
        """Every guild the bot is in: the first one, then those added with :meth:`add_guild`."""
        return [self.guild_id, *self.extra_guilds]

    def env(self) -> dict[str, str]:
        """Environment variables that point a separately started bot at this emulator."""
        return {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
            "DEV_GUILD_ID": str(self.guild_id),
            # Attachments are served by the emulator itself (see RestLayer's /attachments route).
            "DISCORD_CDN_BASE": self.base_url,
        }

    async def _notify(self) -> None:
        """Wake every :meth:`_wait` so it re-checks its predicate."""
        async with self._changed:
            self._changed.notify_all()

    async def _wait(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until predicate() holds (re-checked on every emulator event); False on timeout."""
        try:
            async with self._changed:
                await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
        except TimeoutError:
            return False
        return True

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until predicate() holds, re-checked on every emulator event (a message the bot posts, a call it
        makes); False on timeout. For out-of-band bot activity such as scheduled posts."""
        return await self._wait(predicate, timeout)

    # ------------------------------------------------------------------ commands

    @property
    def commands(self) -> list[dict[str, Any]]:
        """Registered commands as the bot synced them (guild commands shadow global ones of the same name)."""
        merged: dict[tuple[int, str], dict[str, Any]] = {}
        for cmd in self.global_commands:
            merged[(cmd.get("type", 1), cmd["name"])] = cmd
        for cmd in self.guild_commands.get(self.guild_id, []):
            merged[(cmd.get("type", 1), cmd["name"])] = cmd
        return list(merged.values())

    async def wait_for_commands(self, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Wait for the bot's first command sync (global or guild); return the registered commands."""
        if not await self._wait(lambda: self._command_syncs > 0, timeout):
            raise InteractionTimeout(
                f"no command sync within {timeout:.0f} s; REST calls so far: {self._call_summary()}"
            )
        return self.commands

    def _command_id(self, name: str) -> int | None:
        for cmd in self.commands:
            if cmd["name"] == name and cmd.get("type", 1) == 1:
                return int(cmd["id"])
        return None

    # ------------------------------------------------------------------ guilds

    def add_guild(
        self, name: str = "Second Gym", *, guild_id: int | None = None, channel_name: str = "training"
    ) -> int:
        """Add another guild with one text channel (before the bot connects); returns its id.

        Choose ``guild_id`` to place it on a shard: it belongs to shard ``(guild_id >> 22) % shard_count``.
        """
        gid = guild_id or self.ids.next()
        if gid in self.guild_ids:
            raise EmulatorError(f"guild {gid} already exists")
        self.extra_guilds[gid] = {
            "id": gid,
            "name": name,
            "channels": [p.text_channel(self.ids.next(), gid, channel_name)],
            "roles": [
                p.role(gid, "@everyone", p.MEMBER_PERMISSIONS),
                p.role(self.ids.next(), self.bot_user["username"], p.BOT_PERMISSIONS, position=1) | {"managed": True},
            ],
        }
        return gid

    def channel_for(self, guild_id: int) -> int:
        """The first text channel of a guild (where interactions in it are sent by default)."""
        if guild_id == self.guild_id:
            return self.channel_id
        if guild_id not in self.extra_guilds:
            raise EmulatorError(f"unknown guild {guild_id}")
        return int(self.extra_guilds[guild_id]["channels"][0]["id"])

    def _guild_of_channel(self, channel_id: int) -> int | None:
        if any(int(c["id"]) == channel_id for c in self.channels):
            return self.guild_id
        for gid, guild in self.extra_guilds.items():
            if any(int(c["id"]) == channel_id for c in guild["channels"]):
                return gid
        return None

    def _channel(self, channel_id: int) -> dict[str, Any] | None:
        for channel in [*self.channels, *(c for g in self.extra_guilds.values() for c in g["channels"])]:
            if int(channel["id"]) == channel_id:
                return channel
        for channel in self.dm_channels.values():
            if int(channel["id"]) == channel_id:
                return channel
        return None

    def _call_summary(self, last: int = 8) -> str:
        return ", ".join(f"{c.method} {c.path} -> {c.status}" for c in self.calls[-last:]) or "none"
