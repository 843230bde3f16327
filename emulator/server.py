"""A loopback Discord: REST under ``/api/v10`` and a gateway websocket, enough to run the real bot unmodified.

The emulator plays Discord and one scripted server member.  The bot is pointed at it through
``discord.http.Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` (see ``runtime.runner.apply_endpoints``);
tests then drive it with :meth:`DiscordEmulator.slash`, :meth:`~DiscordEmulator.click`,
:meth:`~DiscordEmulator.send_message` in-process, or over HTTP through the ``/_test/*`` control API
when the bot runs as a separate process.

It enforces the Discord rules that catch real bugs: the 3-second interaction deadline, one callback
per interaction, message/embed/component limits (50035 Invalid Form Body), 25 autocomplete choices,
command-registration validation, and the exact ``Content-Type: application/json`` discord.py needs.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
import re
import secrets
import struct
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import BodyPartReader, WSMsgType, web

from . import payloads as p

__all__ = ["Call", "DiscordEmulator", "EmulatorError", "InteractionResult", "InteractionTimeout", "make_token"]

log = logging.getLogger("emulator")

API_PREFIX = "/api/v10"
EPHEMERAL = 1 << 6
LOADING = 1 << 7
_MESSAGE_CONTENT_INTENT = 1 << 15
_GUILD_MEMBERS_INTENT = 1 << 1
_GUILD_PRESENCES_INTENT = 1 << 8
PRIVILEGED_INTENTS = _MESSAGE_CONTENT_INTENT | _GUILD_MEMBERS_INTENT | _GUILD_PRESENCES_INTENT

# Callback types (https://discord.com/developers/docs/interactions/receiving-and-responding).
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9
_FINAL_CALLBACKS = {CHANNEL_MESSAGE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL}
_DEFERRED_CALLBACKS = {DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE}


def make_token(bot_user_id: int) -> str:
    """A bot token shaped like Discord's: base64(bot id) . 6 chars . 38 chars."""
    head = base64.urlsafe_b64encode(str(bot_user_id).encode()).decode().rstrip("=")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    tail = "".join(secrets.choice(alphabet) for _ in range(38))
    return f"{head}.{''.join(secrets.choice(alphabet) for _ in range(6))}.{tail}"


class EmulatorError(RuntimeError):
    """The scripted user could not do what a test asked (no such button, bot not connected, ...)."""


class InteractionTimeout(TimeoutError):
    """The bot did not answer an interaction in time; the message says what it did do."""


@dataclass
class Call:
    """One REST request the bot made to the emulator."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: dict[str, bytes]
    status: int = 0
    at: float = field(default_factory=time.monotonic)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (file contents reduced to their sizes)."""
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "json": self.json,
            "files": {name: len(data) for name, data in self.files.items()},
            "status": self.status,
        }


@dataclass
class InteractionResult:
    """What the bot did in answer to one interaction."""

    interaction_id: int
    token: str
    interaction_type: int
    callback_type: int | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    choices: list[dict[str, Any]] | None = None
    modal: dict[str, Any] | None = None
    latency_s: float | None = None
    deleted_message_ids: list[int] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    # Which gateway session (and its shard) the interaction was delivered on, and how many
    # callbacks arrived for it (accepted or rejected): sharding tests check "exactly once, right shard".
    shard_id: int | None = None
    session_id: str | None = None
    callback_attempts: int = 0

    @property
    def message(self) -> dict[str, Any] | None:
        """The first message (the original response when there is one)."""
        return self.messages[0] if self.messages else None

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """All embeds of all messages, in order."""
        return [e for m in self.messages for e in m.get("embeds", [])]

    @property
    def ephemeral(self) -> bool:
        """Whether the first message is ephemeral."""
        return bool(self.message and self.message.get("flags", 0) & EPHEMERAL)

    @property
    def deferred(self) -> bool:
        """Whether the bot acknowledged first and answered later."""
        return self.callback_type in _DEFERRED_CALLBACKS

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form: files base64-encoded."""
        return {
            "interaction_id": str(self.interaction_id),
            "token": self.token,
            "interaction_type": self.interaction_type,
            "callback_type": self.callback_type,
            "messages": self.messages,
            "files": {name: base64.b64encode(data).decode() for name, data in self.files.items()},
            "choices": self.choices,
            "modal": self.modal,
            "latency_s": self.latency_s,
            "deleted_message_ids": [str(i) for i in self.deleted_message_ids],
            "errors": self.errors,
            "shard_id": self.shard_id,
            "session_id": self.session_id,
            "callback_attempts": self.callback_attempts,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InteractionResult:
        """Inverse of :meth:`to_json` (for clients of the ``/_test`` API)."""
        return cls(
            interaction_id=int(data["interaction_id"]),
            token=data["token"],
            interaction_type=data["interaction_type"],
            callback_type=data.get("callback_type"),
            messages=list(data.get("messages") or []),
            files={k: base64.b64decode(v) for k, v in (data.get("files") or {}).items()},
            choices=data.get("choices"),
            modal=data.get("modal"),
            latency_s=data.get("latency_s"),
            deleted_message_ids=[int(i) for i in data.get("deleted_message_ids") or []],
            errors=list(data.get("errors") or []),
            shard_id=data.get("shard_id"),
            session_id=data.get("session_id"),
            callback_attempts=int(data.get("callback_attempts") or 0),
        )


@dataclass
class _Fault:
    """An injected REST failure: the next ``remaining`` requests matching ``pattern`` get ``status``."""

    pattern: re.Pattern[str]
    status: int
    remaining: int
    retry_after: float
    method: str | None = None
    hits: int = 0

    def response(self) -> web.Response:
        """What Discord answers: a rate limit (with the headers discord.py requires) or a server error."""
        if self.status == 429:
            body = {"message": "You are being rate limited.", "retry_after": self.retry_after, "global": False}
            headers = {
                "Content-Type": "application/json",
                "Retry-After": str(max(1, round(self.retry_after))),
                "X-RateLimit-Scope": "user",
                # discord.py treats a 429 without Via as a Cloudflare ban; Discord's own 429s carry it.
                "Via": "1.1 google",
            }
            return web.Response(status=429, body=json.dumps(body).encode(), headers=headers)
        return _error(self.status, f"{self.status}: injected server error", 0)


class _Pending:
    """Book-keeping for one interaction in flight."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.guild_id: int | None = int(payload["guild_id"]) if payload.get("guild_id") else None
        self.channel_id = int(payload["channel_id"])
        self.sent_at = 0.0
        self.callback_at: float | None = None
        self.callback_type: int | None = None
        # For a component interaction "@original" is the message the component sits on.
        self.original_id: int | None = int(payload["message"]["id"]) if "message" in payload else None
        self.message_ids: list[int] = []
        self.deleted: list[int] = []
        self.files: dict[str, bytes] = {}
        self.choices: list[dict[str, Any]] | None = None
        self.modal: dict[str, Any] | None = None
        self.errors: list[dict[str, Any]] = []
        self.complete = asyncio.Event()
        self.activity = asyncio.Event()
        self.session_id: str | None = None
        self.shard_id: int | None = None
        self.callback_attempts = 0

    def touch(self) -> None:
        self.activity.set()

    def add_message(self, message_id: int) -> None:
        if message_id not in self.message_ids:
            self.message_ids.append(message_id)
        self.touch()


class _Connection:
    """One websocket; owns the zlib-stream context (per connection, as on Discord)."""

    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self._zlib = zlib.compressobj() if compress else None

    async def send(self, frame: Mapping[str, Any]) -> None:
        raw = json.dumps(frame, separators=(",", ":"))
        if self._zlib is None:
            await self.ws.send_str(raw)
        else:
            # discord.py buffers binary frames until the Z_SYNC_FLUSH suffix, then inflates.
            data = self._zlib.compress(raw.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
            await self.ws.send_bytes(data)


class _Session:
    """A gateway session: survives its websocket so a RESUME can replay what was missed."""

    def __init__(self, session_id: str, shard: tuple[int, int], intents: int) -> None:
        self.id = session_id
        self.shard = shard
        self.intents = intents
        self.seq = 0
        self.buffer: list[dict[str, Any]] = []
        self.conn: _Connection | None = None

    def handles_guild(self, guild_id: int | None) -> bool:
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0  # Discord delivers DMs on shard 0 only
        return (guild_id >> 22) % count == shard_id


def _json_response(data: Any, status: int = 200) -> web.Response:
    # discord.py's json_or_text compares the header to "application/json" exactly; aiohttp's
    # content_type= would append "; charset=utf-8" and login would fail.
    return web.Response(status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"})


def _error(status: int, message: str, code: int = 0, errors: Mapping[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return _json_response(body, status)


def _form_errors(problems: Mapping[str, str]) -> dict[str, Any]:
    """``{"embeds.0.title": "Must be 256 or fewer in length."}`` -> Discord's nested ``errors`` shape."""
    tree: dict[str, Any] = {}
    for path, message in problems.items():
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": "BASE_TYPE_INVALID", "message": message})
    return tree


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    return None


def _content_type(filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return {
        "png": "image/png",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "gif": "image/gif",
        "csv": "text/csv; charset=utf-8",
        "json": "application/json; charset=utf-8",
        "txt": "text/plain; charset=utf-8",
    }.get(ext, "application/octet-stream")


def _walk_components(components: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    """Every component, depth-first, through action rows and v2 containers/sections."""
    for comp in components:
        yield comp
        for key in ("components",):
            yield from _walk_components(comp.get(key) or [])
        accessory = comp.get("accessory")
        if accessory:
            yield from _walk_components([accessory])


_NAME_RE = re.compile(r"^[-_'\w]{1,32}$")  # Discord's \p{L}\p{N} plus -_' ; \w is close enough here


def validate_message_payload(data: Mapping[str, Any], *, require_body: bool = True) -> dict[str, str]:
    """Discord's limits on a message payload; returns ``{path: problem}`` (empty when valid)."""
    problems: dict[str, str] = {}
    content = data.get("content")
    if content is not None and len(str(content)) > 2000:
        problems["content"] = "Must be 2000 or fewer in length."
    embeds = data.get("embeds") or []
    if len(embeds) > 10:
        problems["embeds"] = "Must be 10 or fewer in length."
    total = 0
    for i, embed in enumerate(embeds):
        limits = {"title": 256, "description": 4096}
        for key, limit in limits.items():
            value = embed.get(key)
            if value is not None:
                total += len(value)
                if len(value) > limit:
                    problems[f"embeds.{i}.{key}"] = f"Must be {limit} or fewer in length."
        fields = embed.get("fields") or []
        if len(fields) > 25:
            problems[f"embeds.{i}.fields"] = "Must be 25 or fewer in length."
        for j, fld in enumerate(fields):
            name, value = str(fld.get("name", "")), str(fld.get("value", ""))
            total += len(name) + len(value)
            if not name or len(name) > 256:
                problems[f"embeds.{i}.fields.{j}.name"] = "Must be between 1 and 256 in length."
            if not value or len(value) > 1024:
                problems[f"embeds.{i}.fields.{j}.value"] = "Must be between 1 and 1024 in length."
        footer = (embed.get("footer") or {}).get("text")
        if footer:
            total += len(footer)
            if len(footer) > 2048:
                problems[f"embeds.{i}.footer.text"] = "Must be 2048 or fewer in length."
        author = (embed.get("author") or {}).get("name")
        if author:
            total += len(author)
            if len(author) > 256:
                problems[f"embeds.{i}.author.name"] = "Must be 256 or fewer in length."
    if total > 6000:
        problems["embeds"] = "Embed size exceeds maximum size of 6000"
    rows = data.get("components") or []
    is_v2 = bool(int(data.get("flags") or 0) & (1 << 15))
    if not is_v2 and len(rows) > 5:
        problems["components"] = "Must be 5 or fewer in length."
    custom_ids: set[str] = set()
    for i, row in enumerate(rows):
        if not is_v2 and row.get("type") == 1 and len(row.get("components") or []) > 5:
            problems[f"components.{i}.components"] = "Must be 5 or fewer in length."
        for comp in _walk_components([row]):
            cid = comp.get("custom_id")
            if cid is not None:
                if len(cid) > 100:
                    problems[f"components.{i}.custom_id"] = "Must be 100 or fewer in length."
                if cid in custom_ids:
                    problems[f"components.{i}.custom_id"] = "Component custom id cannot be duplicated"
                custom_ids.add(cid)
            label = comp.get("label")
            if label is not None and len(label) > 80:
                problems[f"components.{i}.label"] = "Must be 80 or fewer in length."
            if comp.get("type") == 3 and len(comp.get("options") or []) > 25:
                problems[f"components.{i}.options"] = "Must be 25 or fewer in length."
    if require_body and not problems:
        has_body = bool(content) or bool(embeds) or bool(rows) or bool(data.get("attachments"))
        has_body = has_body or bool(data.get("poll")) or bool(data.get("sticker_ids"))
        if not has_body:
            problems["_empty"] = "Cannot send an empty message"
    return problems


def validate_commands(commands: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Discord's registration rules for a bulk overwrite; returns ``{path: problem}``."""
    problems: dict[str, str] = {}
    if len(commands) > 100:
        problems["_root"] = "Must be 100 or fewer in length."
    seen: set[tuple[int, str]] = set()
    for i, cmd in enumerate(commands):
        ctype = int(cmd.get("type", 1))
        name = str(cmd.get("name", ""))
        if (ctype, name) in seen:
            problems[f"{i}.name"] = "Application command names must be unique"
        seen.add((ctype, name))
        if ctype == 1:
            if not _NAME_RE.match(name) or name != name.lower():
                problems[f"{i}.name"] = "Command name is invalid"
            desc = str(cmd.get("description", ""))
            if not 1 <= len(desc) <= 100:
                problems[f"{i}.description"] = "Must be between 1 and 100 in length."
            _validate_options(cmd.get("options") or [], f"{i}.options", problems)
    return problems


def _validate_options(options: Sequence[Mapping[str, Any]], path: str, problems: dict[str, str]) -> None:
    if len(options) > 25:
        problems[path] = "Must be 25 or fewer in length."
    seen_optional = False
    names: set[str] = set()
    for j, opt in enumerate(options):
        here = f"{path}.{j}"
        name = str(opt.get("name", ""))
        if not _NAME_RE.match(name) or name != name.lower():
            problems[f"{here}.name"] = "Command name is invalid"
        if name in names:
            problems[f"{here}.name"] = "Option names must be unique"
        names.add(name)
        if not 1 <= len(str(opt.get("description", ""))) <= 100:
            problems[f"{here}.description"] = "Must be between 1 and 100 in length."
        otype = int(opt.get("type", 3))
        if otype in (1, 2):
            _validate_options(opt.get("options") or [], f"{here}.options", problems)
            continue
        if opt.get("required"):
            if seen_optional:
                problems[f"{here}.required"] = "Required options must be placed before non-required options"
        else:
            seen_optional = True
        choices = opt.get("choices") or []
        if len(choices) > 25:
            problems[f"{here}.choices"] = "Must be 25 or fewer in length."
        if choices and opt.get("autocomplete"):
            problems[f"{here}.autocomplete"] = "Autocomplete cannot be set with choices"
        for k, choice in enumerate(choices):
            if not 1 <= len(str(choice.get("name", ""))) <= 100:
                problems[f"{here}.choices.{k}.name"] = "Must be between 1 and 100 in length."


def _validate_choices(choices: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    problems: dict[str, str] = {}
    if len(choices) > 25:
        problems["data.choices"] = "Must be 25 or fewer in length."
    for i, choice in enumerate(choices):
        if not 1 <= len(str(choice.get("name", ""))) <= 100:
            problems[f"data.choices.{i}.name"] = "Must be between 1 and 100 in length."
        value = choice.get("value")
        if isinstance(value, str) and len(value) > 100:
            problems[f"data.choices.{i}.value"] = "Must be 100 or fewer in length."
    return problems


class DiscordEmulator:
    """Loopback Discord for one bot, one guild (more with :meth:`add_guild`), one text channel and a scripted member.

    Use as ``async with DiscordEmulator() as emu:``; point the bot at ``emu.api_base`` and
    ``emu.gateway_url`` with ``emu.token``; then ``await emu.wait_for_commands()`` and drive it.
    """

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
        heartbeat_interval_ms: int = 41_250,
        interaction_deadline_s: float | None = 3.0,
        allowed_privileged_intents: int = PRIVILEGED_INTENTS,
        recommended_shards: int = 1,
        validate: bool = True,
        ids: p.Ids | None = None,
    ) -> None:
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
        self._faults: list[_Fault] = []

        self._pending_by_token: dict[str, _Pending] = {}
        self._sessions: dict[str, _Session] = {}
        self._connections: set[web.WebSocketResponse] = set()
        self._changed = asyncio.Condition()
        self._command_syncs = 0
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None

    # ------------------------------------------------------------------ lifecycle

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
    def connected(self) -> bool:
        """Whether a gateway session currently has an open websocket."""
        return any(s.conn is not None and not s.conn.ws.closed for s in self._sessions.values())

    @property
    def connected_shards(self) -> set[int]:
        """Shard ids that currently have a gateway session with an open websocket."""
        return {s.shard[0] for s in self._sessions.values() if s.conn is not None and not s.conn.ws.closed}

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
        }

    async def start(self) -> Self:
        """Bind the port and start serving."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_get("/attachments/{channel}/{attachment}/{filename}", self._serve_attachment)
        app.router.add_route("*", "/_test/{tail:.*}", self._control)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._api)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._port)
        await site.start()
        self._bound_port = int(self._runner.addresses[0][1])
        log.info("Discord emulator listening on %s (gateway %s)", self.api_base, self.gateway_url)
        return self

    async def close(self) -> None:
        """Close every websocket (going away) and stop serving."""
        for ws in list(self._connections):
            with contextlib.suppress(Exception):
                await ws.close(code=1001, message=b"emulator shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _notify(self) -> None:
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

    async def wait_until_connected(self, timeout: float = 30.0) -> None:
        """Wait until the bot has identified (or resumed) on the gateway."""
        if not await self._wait(lambda: self.connected, timeout):
            raise EmulatorError(f"the bot did not connect to the gateway within {timeout:.0f} s")

    async def wait_for_shards(self, shard_ids: Iterable[int], timeout: float = 30.0) -> None:
        """Wait until every shard in ``shard_ids`` has a live gateway session (bots in several processes)."""
        wanted = set(shard_ids)
        if not await self._wait(lambda: wanted <= self.connected_shards, timeout):
            missing = sorted(wanted - self.connected_shards)
            raise EmulatorError(f"shard(s) {missing} did not connect to the gateway within {timeout:.0f} s")

    def _command_id(self, name: str) -> int | None:
        for cmd in self.commands:
            if cmd["name"] == name and cmd.get("type", 1) == 1:
                return int(cmd["id"])
        return None

    def _store_commands(
        self, body: Any, guild_id: int | None
    ) -> tuple[list[dict[str, Any]] | None, web.Response | None]:
        if not isinstance(body, list):
            return None, _error(400, "Invalid Form Body", 50035, _form_errors({"_root": "Expected an array"}))
        if self.validate:
            problems = validate_commands(body)
            if problems:
                return None, _error(400, "Invalid Form Body", 50035, _form_errors(problems))
        existing = {c["name"]: c for c in (self.guild_commands.get(guild_id, []) if guild_id else self.global_commands)}
        stored = []
        for cmd in body:
            previous = existing.get(cmd["name"])
            out = {
                "type": 1,
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "dm_permission": True,
                "nsfw": False,
                "integration_types": [0],
                "contexts": None,
                **cmd,
                "id": previous["id"] if previous else str(self.ids.next()),
                "application_id": str(self.application_id),
                "version": str(self.ids.next()),
            }
            if guild_id is not None:
                out["guild_id"] = str(guild_id)
            stored.append(out)
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        self._command_syncs += 1
        return stored, None

    # ------------------------------------------------------------------ gateway

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._connections.add(ws)
        self.last_gateway_query = dict(request.query)
        conn = _Connection(ws, compress=request.query.get("compress") == "zlib-stream")
        session: _Session | None = None
        try:
            await conn.send({"op": 10, "s": None, "t": None, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                raw = msg.data if msg.type is WSMsgType.TEXT else msg.data.decode()
                frame = json.loads(raw)
                op, data = frame.get("op"), frame.get("d")
                if op == 1:
                    self.heartbeat_count += 1
                    if self.ack_heartbeats:
                        await conn.send({"op": 11, "s": None, "t": None, "d": None})
                elif op == 2:
                    session = await self._identify(conn, data)
                elif op == 6:
                    session = await self._resume(conn, data)
                elif op == 8 and session is not None:
                    await self._members_chunk(session, data)
                elif op in (3, 4):
                    pass  # presence / voice state updates: nothing to emulate
                else:
                    log.warning("emulator gateway: unknown opcode %r", op)
                    await ws.close(code=4001, message=b"Unknown opcode.")
        finally:
            self._connections.discard(ws)
            if session is not None and session.conn is conn:
                session.conn = None
            await self._notify()
        return ws

    async def _identify(self, conn: _Connection, data: dict[str, Any]) -> _Session | None:
        if data.get("token") not in (self.token, f"Bot {self.token}"):
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return None
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged_intents:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        shard_data = data.get("shard") or [0, 1]
        shard = (int(shard_data[0]), int(shard_data[1]))
        session = _Session(secrets.token_hex(16), shard, intents)
        session.conn = conn
        self._sessions[session.id] = session
        self.identify_count += 1
        self.last_identify = {k: v for k, v in data.items() if k != "token"}
        # Each shard's session hears only about its own guilds: (guild_id >> 22) % shard_count == shard_id.
        guild_ids = [g for g in self.guild_ids if session.handles_guild(g)]
        ready = p.ready(
            user=self._me,
            session_id=session.id,
            resume_gateway_url=self.gateway_url,
            application_id=self.application_id,
            guild_ids=guild_ids,
            shard=list(shard) if data.get("shard") else None,
        )
        await self._dispatch_to(session, "READY", ready)
        for guild_id in guild_ids:
            await self._dispatch_to(session, "GUILD_CREATE", self._guild_payload(intents, guild_id))
        await self._notify()
        return session

    async def _resume(self, conn: _Connection, data: dict[str, Any]) -> _Session | None:
        session = self._sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") not in (self.token, f"Bot {self.token}"):
            await conn.send({"op": 9, "s": None, "t": None, "d": False})
            return None
        session.conn = conn
        self.resume_count += 1
        last = int(data.get("seq") or 0)
        for frame in session.buffer:
            if frame["s"] > last:
                await conn.send(frame)
        await self._dispatch_to(session, "RESUMED", {"_trace": ['["discord-emulator",{"micros":0}]']})
        await self._notify()
        return session

    async def _members_chunk(self, session: _Session, data: dict[str, Any]) -> None:
        query = str(data.get("query") or "").lower()
        wanted = {int(u) for u in (data.get("user_ids") or [])}
        members = [
            m
            for uid, m in self.members.items()
            if (not wanted or uid in wanted) and m["user"]["username"].lower().startswith(query)
        ]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(self.guild_id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self._dispatch_to(session, "GUILD_MEMBERS_CHUNK", chunk)

    def _guild_payload(self, intents: int, guild_id: int | None = None) -> dict[str, Any]:
        members = list(self.members.values())
        if not intents & _GUILD_MEMBERS_INTENT:
            # Without the members intent Discord only sends the bot itself (and voice members).
            members = [self.members[self.bot_user_id]]
        extra = self.extra_guilds.get(guild_id) if guild_id is not None else None
        guild = p.guild_create(
            extra["id"] if extra else self.guild_id,
            name=extra["name"] if extra else self.guild_name,
            owner_id=self.owner_id,
            channels=extra["channels"] if extra else self.channels,
            roles=extra["roles"] if extra else self.roles,
            members=members,
        )
        guild["member_count"] = len(self.members)
        return guild

    async def _dispatch_to(self, session: _Session, event: str, data: Mapping[str, Any]) -> None:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.buffer.append(frame)
        del session.buffer[:-500]  # what a RESUME can replay; Discord keeps a bounded backlog too
        if session.conn is not None and not session.conn.ws.closed:
            try:
                await session.conn.send(frame)
            except ConnectionError:
                session.conn = None  # stays buffered for the RESUME

    def _session_for(self, guild_id: int | None) -> _Session | None:
        candidates = [s for s in self._sessions.values() if s.handles_guild(guild_id)]
        live = [s for s in candidates if s.conn is not None and not s.conn.ws.closed]
        chosen = live or candidates
        return chosen[-1] if chosen else None

    async def dispatch(self, event: str, data: Mapping[str, Any], *, guild_id: int | None = None) -> _Session:
        """Send a gateway dispatch to the session for ``guild_id``'s shard; buffered for RESUME while disconnected.

        Returns the session it went to (tests of sharding check which shard got an interaction).
        """
        session = self._session_for(guild_id)
        if session is None:
            await self.wait_until_connected(10.0)
            session = self._session_for(guild_id)
            if session is None:
                raise EmulatorError("no gateway session handles this guild")
        await self._dispatch_to(session, event, data)
        return session

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

    async def drop_connection(self, code: int = 4000) -> None:
        """Close the bot's websocket(s) with a resumable close code (tests of RESUME)."""
        for session in self._sessions.values():
            if session.conn is not None:
                await session.conn.ws.close(code=code, message=b"emulator dropped the connection")

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT on every live connection."""
        for session in self._sessions.values():
            if session.conn is not None:
                await session.conn.send({"op": 7, "s": None, "t": None, "d": None})

    # ------------------------------------------------------------------ fault injection

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION on every live connection; unless ``resumable``, the sessions are gone."""
        for session in list(self._sessions.values()):
            if session.conn is not None:
                await session.conn.send({"op": 9, "s": None, "t": None, "d": resumable})
                if not resumable:
                    del self._sessions[session.id]  # a RESUME of it now fails, as on Discord

    def inject(
        self, path_regex: str, status: int, count: int = 1, *, retry_after: float = 0.5, method: str | None = None
    ) -> _Fault:
        """Answer the next ``count`` REST requests whose path (after /api/v10) matches with ``status``.

        429 comes with ``Retry-After`` and a ``retry_after`` body, as Discord sends it; 5xx with an error
        body. The failed attempts are recorded in :attr:`calls` with their status; ``fault.hits`` counts them.
        """
        # regex-budget: a test's own fault pattern, never a member's text
        fault = _Fault(re.compile(path_regex), status, count, retry_after, method.upper() if method else None)
        self._faults.append(fault)
        return fault

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.remaining > 0 and (fault.method in (None, method)) and fault.pattern.search(path):
                fault.remaining -= 1
                fault.hits += 1
                log.info("emulator: injected %s for %s %s", fault.status, method, path)
                return fault
        return None

    # ------------------------------------------------------------------ REST

    async def _read_body(self, request: web.Request) -> tuple[Any, list[tuple[int, str, bytes]]]:
        """JSON body, or multipart ``payload_json`` + ``files[n]``; returns (json, [(index, filename, data)])."""
        files: list[tuple[int, str, bytes]] = []
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("multipart/"):
            body: Any = None
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader):
                    continue  # nested multipart: discord.py never sends one
                name = part.name or ""
                if name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    match = re.fullmatch(r"files\[(\d+)\]", name)
                    index = int(match.group(1)) if match else len(files)
                    data = bytes(await part.read(decode=False))
                    files.append((index, part.filename or name, data))
            return body, files
        if request.can_read_body:
            text = await request.text()
            return (json.loads(text) if text else None), files
        return None, files

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bot {self.token}"

    async def _api(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        try:
            body, files = await self._read_body(request)
        except (ValueError, UnicodeDecodeError) as exc:
            return _error(400, f"400: Bad Request ({exc})", 50109)
        call = Call(request.method, path, dict(request.query), body, {name: data for _, name, data in files})
        self.calls.append(call)
        fault = self._take_fault(request.method, path)
        response = fault.response() if fault else await self._route(request.method, path, request, body, files, call)
        call.status = response.status
        if response.status == 404 and call in self.unknown_routes:
            log.warning("emulator: unhandled route %s %s", request.method, path)
        await self._notify()
        return response

    async def _route(
        self,
        method: str,
        path: str,
        request: web.Request,
        body: Any,
        files: list[tuple[int, str, bytes]],
        call: Call,
    ) -> web.Response:
        segs = [s for s in path.split("/") if s]
        # Interaction callbacks and webhook routes carry their own token: no Authorization header.
        if segs[:1] == ["interactions"] and len(segs) == 4 and segs[3] == "callback" and method == "POST":
            return await self._callback(int(segs[1]), segs[2], body, files)
        if segs[:1] == ["webhooks"] and len(segs) >= 3:
            return await self._webhook(method, segs, request, body, files)
        if not self._authorized(request):
            return _error(401, "401: Unauthorized", 0)
        app = str(self.application_id)
        match method, segs:
            case "GET", ["users", "@me"]:
                return _json_response(self._me)
            case "GET", ["oauth2", "applications", "@me"]:
                return _json_response(self._application())
            case "GET", ["applications", "@me"]:
                return _json_response(self._application())
            case "GET", ["gateway"]:
                return _json_response({"url": self.gateway_url})
            case "GET", ["gateway", "bot"]:
                return _json_response(
                    {
                        "url": self.gateway_url,
                        "shards": self.recommended_shards,
                        "session_start_limit": {
                            "total": 1000,
                            "remaining": 1000 - self.identify_count,
                            "reset_after": 14_400_000,
                            "max_concurrency": 1,
                        },
                    }
                )
            case "PUT", ["applications", a, "commands"] if a == app:
                stored, err = self._store_commands(body, None)
                return err or _json_response(stored)
            case "GET", ["applications", a, "commands"] if a == app:
                return _json_response(self.global_commands)
            case "PUT", ["applications", a, "guilds", gid, "commands"] if a == app:
                if int(gid) not in self.guild_ids:
                    return _error(403, "Missing Access", 50001)
                stored, err = self._store_commands(body, int(gid))
                return err or _json_response(stored)
            case "GET", ["applications", a, "guilds", gid, "commands"] if a == app:
                return _json_response(self.guild_commands.get(int(gid), []))
            case "POST", ["channels", cid, "messages"]:
                return self._create_channel_message(int(cid), body, files)
            case "GET", ["channels", cid, "messages", mid]:
                found = self.messages.get(int(mid))
                if found is None or found["channel_id"] != cid:
                    return _error(404, "Unknown Message", 10008)
                return _json_response(found)
            case "PATCH", ["channels", cid, "messages", mid]:
                return self._edit_message(int(mid), body, files, channel_id=int(cid))
            case "DELETE", ["channels", cid, "messages", mid]:
                if self.messages.pop(int(mid), None) is None:
                    return _error(404, "Unknown Message", 10008)
                return web.Response(status=204)
            case "POST", ["channels", _cid, "typing"]:
                return web.Response(status=204)
            case "PUT" | "DELETE", ["channels", _cid, "messages", _mid, "reactions", *_rest]:
                return web.Response(status=204)
            case "GET", ["channels", cid]:
                channel = self._channel(int(cid))
                return _json_response(channel) if channel else _error(404, "Unknown Channel", 10003)
            case "POST", ["users", "@me", "channels"]:
                recipient = int((body or {}).get("recipient_id", 0))
                member = self.members.get(recipient)
                if member is None:
                    return _error(400, "Invalid Recipient(s)", 50033)
                channel = self.dm_channels.get(recipient) or p.dm_channel(self.ids.next(), member["user"])
                self.dm_channels[recipient] = channel
                return _json_response(channel)
            case "GET", ["guilds", gid] if int(gid) in self.guild_ids:
                return _json_response(self._guild_payload(PRIVILEGED_INTENTS, int(gid)))
            case "GET", ["guilds", gid, "members", uid] if int(gid) == self.guild_id:
                found_member = self.members.get(int(uid))
                return _json_response(found_member) if found_member else _error(404, "Unknown Member", 10007)
            case "GET", ["guilds", gid, "channels"] if int(gid) == self.guild_id:
                return _json_response(self.channels)
            case "GET", ["guilds", gid, "roles"] if int(gid) == self.guild_id:
                return _json_response(self.roles)
        self.unknown_routes.append(call)
        return _error(404, "404: Not Found", 0)

    async def _unknown(self, request: web.Request) -> web.Response:
        call = Call(request.method, request.path, dict(request.query), None, {}, status=404)
        self.calls.append(call)
        self.unknown_routes.append(call)
        log.warning("emulator: request outside /api/v10: %s %s", request.method, request.path)
        return _error(404, "404: Not Found", 0)

    def _application(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_user["username"],
            "icon": None,
            "description": "Pre-exhaust training coach (emulated)",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": secrets.token_hex(32),
            "owner": self.owner,
            "flags": (1 << 19) | (1 << 15),  # message content + members intents (limited) enabled
            "team": None,
            "bot": self.bot_user,
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "integration_types_config": {"0": {}},
            "install_params": {"scopes": ["bot", "applications.commands"], "permissions": p.BOT_PERMISSIONS},
        }

    def _channel(self, channel_id: int) -> dict[str, Any] | None:
        for channel in [*self.channels, *(c for g in self.extra_guilds.values() for c in g["channels"])]:
            if int(channel["id"]) == channel_id:
                return channel
        for channel in self.dm_channels.values():
            if int(channel["id"]) == channel_id:
                return channel
        return None

    def _attachments_from(
        self,
        spec: Sequence[Mapping[str, Any]] | None,
        files: list[tuple[int, str, bytes]],
        *,
        channel_id: int,
        existing: Sequence[Mapping[str, Any]] = (),
        ephemeral: bool = False,
        sink: dict[str, bytes] | None = None,
    ) -> list[dict[str, Any]]:
        """Build attachment objects: ``spec`` entries keep existing ids or refer to ``files[n]`` uploads."""
        uploads = {index: (name, data) for index, name, data in files}
        kept = {str(a["id"]): dict(a) for a in existing}
        result: list[dict[str, Any]] = []
        if spec is None:
            # Payloads without an attachments list: keep what was there and append the uploads.
            result.extend(kept.values())
            spec = [{"id": index} for index in sorted(uploads)]
        for entry in spec:
            key = str(entry.get("id"))
            if key in kept and (not key.isdigit() or int(key) not in uploads):
                result.append(kept[key])
                continue
            if not key.isdigit() or int(key) not in uploads:
                continue
            name, data = uploads[int(key)]
            filename = str(entry.get("filename") or name)
            att_id = self.ids.next()
            self.attachments[att_id] = data
            if sink is not None:
                sink[filename] = data
            attachment: dict[str, Any] = {
                "id": str(att_id),
                "filename": filename,
                "size": len(data),
                "url": f"{self.base_url}/attachments/{channel_id}/{att_id}/{filename}",
                "proxy_url": f"{self.base_url}/attachments/{channel_id}/{att_id}/{filename}",
                "content_type": _content_type(filename),
            }
            if entry.get("description"):
                attachment["description"] = entry["description"]
            size = _png_size(data)
            if size:
                attachment["width"], attachment["height"] = size
            if ephemeral:
                attachment["ephemeral"] = True
            result.append(attachment)
        return result

    def _new_message(
        self,
        data: Mapping[str, Any],
        files: list[tuple[int, str, bytes]],
        *,
        channel_id: int,
        pending: _Pending | None,
        message_type: int = 0,
        extra_flags: int = 0,
    ) -> dict[str, Any]:
        flags = int(data.get("flags") or 0) | extra_flags
        ephemeral = bool(flags & EPHEMERAL)
        guild_id = self._guild_of_channel(channel_id)
        message_id = self.ids.next()
        attachments = self._attachments_from(
            data.get("attachments"),
            files,
            channel_id=channel_id,
            ephemeral=ephemeral,
            sink=pending.files if pending else None,
        )
        extra: dict[str, Any] = {}
        if data.get("message_reference"):
            ref = dict(data["message_reference"])
            extra["message_reference"] = ref
            referenced = self.messages.get(int(ref.get("message_id", 0)))
            if referenced is not None:
                extra["referenced_message"] = referenced
            extra["type"] = 19  # REPLY
        if data.get("poll"):
            extra["poll"] = data["poll"]
        message = p.message(
            message_id=message_id,
            channel_id=channel_id,
            author=self.bot_user,
            content=str(data.get("content") or ""),
            guild_id=guild_id,
            embeds=data.get("embeds") or [],
            components=data.get("components") or [],
            attachments=attachments,
            flags=flags,
            message_type=message_type,
            webhook_id=self.application_id if pending else None,
            application_id=self.application_id if pending else None,
            extra=extra,
        )
        if pending is not None:
            invoker = pending.payload.get("member", {}).get("user") or pending.payload.get("user") or self.user
            message["interaction_metadata"] = p.interaction_metadata(
                pending.id, pending.type, invoker, guild_id=pending.guild_id
            )
        if "type" in extra:
            message["type"] = extra["type"]
        self.messages[message_id] = message
        return message

    def _is_guild_channel(self, channel_id: int) -> bool:
        return self._guild_of_channel(channel_id) is not None

    def _apply_edit(
        self,
        message: dict[str, Any],
        data: Mapping[str, Any] | None,
        files: list[tuple[int, str, bytes]],
        pending: _Pending | None,
    ) -> None:
        data = data or {}
        for key in ("content", "embeds", "components"):
            if key in data:
                value = data[key]
                message[key] = value if value is not None else ("" if key == "content" else [])
        if "flags" in data and data["flags"] is not None:
            # Only SUPPRESS_EMBEDS (and v2) can change on edit; EPHEMERAL/LOADING are Discord's to keep/clear.
            keep = message.get("flags", 0) & EPHEMERAL
            message["flags"] = (int(data["flags"]) & ~(EPHEMERAL | LOADING)) | keep
        else:
            message["flags"] = message.get("flags", 0) & ~LOADING
        if "attachments" in data or files:
            message["attachments"] = self._attachments_from(
                data.get("attachments"),
                files,
                channel_id=int(message["channel_id"]),
                existing=message.get("attachments", []),
                ephemeral=bool(message.get("flags", 0) & EPHEMERAL),
                sink=pending.files if pending else None,
            )
        message["edited_timestamp"] = p.message(message_id=0, channel_id=0, author={})["timestamp"]

    def _create_channel_message(self, channel_id: int, body: Any, files: list[tuple[int, str, bytes]]) -> web.Response:
        if self._channel(channel_id) is None:
            return _error(404, "Unknown Channel", 10003)
        data = dict(body or {})
        if self.validate:
            problems = validate_message_payload(data | ({"attachments": [1]} if files else {}))
            if problems:
                return self._invalid(problems)
        message = self._new_message(data, files, channel_id=channel_id, pending=None)
        self.channel_messages.append(message)
        return _json_response(message)

    def _invalid(self, problems: Mapping[str, str], pending: _Pending | None = None) -> web.Response:
        if "_empty" in problems:
            body = {"message": "Cannot send an empty message", "code": 50006}
            response = _json_response(body, 400)
        else:
            body = {"message": "Invalid Form Body", "code": 50035, "errors": _form_errors(problems)}
            response = _json_response(body, 400)
        log.warning("emulator rejected a bot request: %s", body)
        if pending is not None:
            pending.errors.append(body)
        return response

    def _edit_message(
        self,
        message_id: int,
        body: Any,
        files: list[tuple[int, str, bytes]],
        *,
        channel_id: int | None = None,
        pending: _Pending | None = None,
    ) -> web.Response:
        message = self.messages.get(message_id)
        if message is None or (channel_id is not None and int(message["channel_id"]) != channel_id):
            return _error(404, "Unknown Message", 10008)
        if self.validate:
            problems = validate_message_payload(dict(body or {}), require_body=False)
            if problems:
                return self._invalid(problems, pending)
        self._apply_edit(message, body, files, pending)
        return _json_response(message)

    # ------------------------------------------------------------------ interactions (bot side)

    async def _callback(
        self, interaction_id: int, token: str, body: Any, files: list[tuple[int, str, bytes]]
    ) -> web.Response:
        pending = self._pending_by_token.get(token)
        if pending is None or pending.id != interaction_id:
            return _error(404, "Unknown interaction", 10062)
        pending.callback_attempts += 1
        now = time.monotonic()
        if pending.callback_type is not None:
            return self._reject(pending, 400, "Interaction has already been acknowledged.", 40060)
        if self.interaction_deadline_s is not None and now - pending.sent_at > self.interaction_deadline_s:
            return self._reject(pending, 404, "Unknown interaction", 10062)
        body = dict(body or {})
        ctype = int(body.get("type", 0))
        data = dict(body.get("data") or {})
        if ctype in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE) and pending.type not in (3, 5):
            return self._reject(pending, 400, "Interaction response type not allowed for this interaction", 50035)
        if ctype == AUTOCOMPLETE_RESULT and pending.type != 4:
            return self._reject(pending, 400, "Interaction response type not allowed for this interaction", 50035)
        if self.validate:
            problems: dict[str, str] = {}
            if ctype == CHANNEL_MESSAGE:
                problems = validate_message_payload(data | ({"attachments": [1]} if files else {}))
            elif ctype == UPDATE_MESSAGE:
                problems = validate_message_payload(data, require_body=False)
            elif ctype == AUTOCOMPLETE_RESULT:
                problems = _validate_choices(data.get("choices") or [])
            if problems:
                return self._invalid(
                    {f"data.{k}" if not k.startswith(("data.", "_")) else k: v for k, v in problems.items()}, pending
                )

        pending.callback_at = now
        pending.callback_type = ctype
        resource: dict[str, Any] = {"type": ctype}
        interaction: dict[str, Any] = {"id": str(pending.id), "type": pending.type}
        if ctype == CHANNEL_MESSAGE:
            message = self._new_message(
                data,
                files,
                channel_id=pending.channel_id,
                pending=pending,
                message_type=20 if pending.type == 2 else 0,
            )
            pending.original_id = int(message["id"])
            pending.add_message(pending.original_id)
            resource["message"] = message
            interaction["response_message_id"] = message["id"]
            interaction["response_message_loading"] = False
            interaction["response_message_ephemeral"] = bool(message["flags"] & EPHEMERAL)
        elif ctype == DEFERRED_CHANNEL_MESSAGE:
            # Discord creates the "Coach is thinking..." message right away; edits to @original fill it.
            message = self._new_message(
                {"flags": int(data.get("flags") or 0)},
                [],
                channel_id=pending.channel_id,
                pending=pending,
                message_type=20 if pending.type == 2 else 0,
                extra_flags=LOADING,
            )
            pending.original_id = int(message["id"])
            resource["message"] = message
            interaction["response_message_id"] = message["id"]
            interaction["response_message_loading"] = True
            interaction["response_message_ephemeral"] = bool(message["flags"] & EPHEMERAL)
        elif ctype == UPDATE_MESSAGE:
            if pending.original_id is None or pending.original_id not in self.messages:
                return self._reject(pending, 404, "Unknown Message", 10008)
            message = self.messages[pending.original_id]
            self._apply_edit(message, data, files, pending)
            pending.add_message(pending.original_id)
            resource["message"] = message
            interaction["response_message_id"] = message["id"]
        elif ctype == DEFERRED_UPDATE_MESSAGE:
            if pending.original_id is not None:
                interaction["response_message_id"] = str(pending.original_id)
        elif ctype == AUTOCOMPLETE_RESULT:
            pending.choices = list(data.get("choices") or [])
        elif ctype == MODAL:
            pending.modal = data
        else:
            pending.callback_type = None
            return _error(400, "Invalid Form Body", 50035, _form_errors({"type": f"Value {ctype} is not valid"}))
        if ctype in _FINAL_CALLBACKS:
            pending.complete.set()
        pending.touch()
        return _json_response({"interaction": interaction, "resource": resource})

    def _reject(self, pending: _Pending, status: int, message: str, code: int) -> web.Response:
        body = {"message": message, "code": code}
        pending.errors.append(body)
        log.warning("emulator rejected a callback for interaction %s: %s", pending.id, body)
        return _json_response(body, status)

    async def _webhook(
        self, method: str, segs: list[str], request: web.Request, body: Any, files: list[tuple[int, str, bytes]]
    ) -> web.Response:
        if segs[1] != str(self.application_id):
            return _error(404, "Unknown Webhook", 10015)
        pending = self._pending_by_token.get(segs[2])
        if pending is None:
            return _error(404, "Unknown Webhook", 10015)
        if pending.callback_type is None:
            # Followups and @original need an acknowledged interaction first.
            return self._reject(pending, 404, "Unknown Webhook", 10015)
        rest = segs[3:]
        if method == "POST" and not rest:
            data = dict(body or {})
            if self.validate:
                problems = validate_message_payload(data | ({"attachments": [1]} if files else {}))
                if problems:
                    return self._invalid(problems, pending)
            wait = request.query.get("wait", "false").lower() in ("true", "1")
            original = self.messages.get(pending.original_id) if pending.original_id is not None else None
            if original is not None and original.get("flags", 0) & LOADING:
                # Discord turns the first followup after a deferred reply into that "thinking" message
                # (same id, and the deferral's ephemerality wins over the followup's flags).
                self._apply_edit(original, {k: v for k, v in data.items() if k != "flags"}, files, pending)
                pending.add_message(int(original["id"]))
                pending.complete.set()
                return _json_response(original) if wait else web.Response(status=204)
            message = self._new_message(data, files, channel_id=pending.channel_id, pending=pending)
            pending.add_message(int(message["id"]))
            pending.complete.set()
            return _json_response(message) if wait else web.Response(status=204)
        if len(rest) == 2 and rest[0] == "messages":
            target = pending.original_id if rest[1] == "@original" else int(rest[1])
            if target is None or target not in self.messages:
                return _error(404, "Unknown Message", 10008)
            if method == "GET":
                return _json_response(self.messages[target])
            if method == "PATCH":
                response = self._edit_message(target, body, files, pending=pending)
                if response.status == 200:
                    pending.add_message(target)
                    pending.complete.set()
                return response
            if method == "DELETE":
                self.messages.pop(target, None)
                if target in pending.message_ids:
                    pending.message_ids.remove(target)
                pending.deleted.append(target)
                pending.complete.set()
                pending.touch()
                return web.Response(status=204)
        return _error(405, "405: Method Not Allowed", 0)

    # ------------------------------------------------------------------ scripted user

    def _payload_kwargs(self, kw: dict[str, Any]) -> dict[str, Any]:
        who = kw.pop("user", None) or self.user
        guild = kw.pop("dm", False) is False
        # ``guild_id`` picks one of several guilds (see add_guild); its first channel is the default channel.
        guild_id = int(kw.pop("guild_id", None) or self.guild_id)
        base: dict[str, Any] = {
            "user": who,
            "channel_id": kw.pop("channel_id", None) or (self.channel_for(guild_id) if guild else self._dm_for(who)),
            "application_id": self.application_id,
            "guild_id": guild_id if guild else None,
            "channel_name": self.channel_name,
            "ids": self.ids,
        }
        if guild:
            base["permissions"] = kw.pop("permissions", self.user_permissions)
            roles = kw.pop("member_roles", None)
            if roles is None:
                roles = self.members.get(int(who["id"]), {}).get("roles", [])
            base["member_roles"] = roles
        base.update(kw)
        return base

    def _dm_for(self, who: Mapping[str, Any]) -> int:
        uid = int(who["id"])
        if uid not in self.dm_channels:
            self.dm_channels[uid] = p.dm_channel(self.ids.next(), who)
        return int(self.dm_channels[uid]["id"])

    def add_member(self, name: str, *, user_id: int | None = None, roles: Iterable[int] = ()) -> dict[str, Any]:
        """Add another member to the guild (e.g. someone who presses a button that isn't theirs)."""
        new_user = p.user(user_id or self.ids.next(), name)
        self.members[int(new_user["id"])] = p.member(new_user, permissions=None, roles=roles)
        return new_user

    def add_channel(self, name: str, *, channel_id: int | None = None) -> dict[str, Any]:
        """Add a text channel to the guild (before the bot connects, or it won't be in its cache)."""
        channel = p.text_channel(channel_id or self.ids.next(), self.guild_id, name, position=len(self.channels))
        self.channels.append(channel)
        return channel

    def _declared_options(
        self, name: str, subcommand: str | None, options: Mapping[str, Any]
    ) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
        """Leaf options typed as the bot registered them (as Discord sends them), with ``resolved`` for mentions."""
        cmd = next((c for c in self.commands if c["name"] == name and c.get("type", 1) == 1), None)
        if cmd is None:
            return None
        declared: list[dict[str, Any]] = cmd.get("options") or []
        for part in (subcommand or "").split():
            declared = next((o.get("options") or [] for o in declared if o["name"] == part), [])
        by_name = {o["name"]: o for o in declared}
        resolved: dict[str, Any] = {}
        typed: list[dict[str, Any]] = []
        for key, value in options.items():
            otype = int(by_name[key]["type"]) if key in by_name else p.infer_option_type(value)
            if otype in (6, 7, 8, 9):
                value = self._resolve_mention(otype, value, resolved)
            typed.append({"name": key, "type": otype, "value": value})
        return typed, resolved

    def _resolve_mention(self, otype: int, value: Any, resolved: dict[str, Any]) -> str:
        text = str(value).strip()
        digits = re.sub(r"[^0-9]", "", text) if re.fullmatch(r"<[#@]?[!&]?\d+>|\d+", text) else ""
        if otype == 7:
            wanted = text.lstrip("#").lower()
            for channel in self.channels:
                if channel["id"] == digits or channel["name"].lower() == wanted:
                    entry = {k: channel[k] for k in ("id", "name", "type", "parent_id", "nsfw", "flags", "position")}
                    resolved.setdefault("channels", {})[channel["id"]] = entry | {"permissions": self.user_permissions}
                    return str(channel["id"])
            raise EmulatorError(f"no channel {text!r}; channels: {', '.join(c['name'] for c in self.channels)}")
        if otype in (8, 9):
            for found_role in self.roles:
                if found_role["id"] == digits or found_role["name"].lower() == text.lstrip("@").lower():
                    resolved.setdefault("roles", {})[found_role["id"]] = found_role
                    return str(found_role["id"])
            if otype == 8:
                raise EmulatorError(f"no role {text!r}")
        for uid, member in self.members.items():
            if str(uid) == digits or member["user"]["username"].lower() == text.lstrip("@").lower():
                resolved.setdefault("users", {})[str(uid)] = member["user"]
                partial = {k: v for k, v in member.items() if k != "user"} | {"permissions": self.user_permissions}
                resolved.setdefault("members", {})[str(uid)] = partial
                return str(uid)
        raise EmulatorError(f"no member {text!r}")

    async def slash(self, name: str, options: Mapping[str, Any] | None = None, **kw: Any) -> InteractionResult:
        """Run ``/name`` as the scripted member (kwargs as in ``payloads.slash``; ``dm=True`` for a DM).

        Options are typed as the bot registered them, like Discord does (``raw_options`` bypasses that).
        """
        timeout = kw.pop("timeout", 10.0)
        kw.setdefault("command_id", self._command_id(name) or self.ids.next())
        if options and kw.get("raw_options") is None:
            declared = self._declared_options(name, kw.get("subcommand"), options)
            if declared is not None:
                typed, resolved = declared
                kw["raw_options"] = p.wrap_subcommand(kw.get("subcommand"), typed)
                if resolved:
                    kw.setdefault("resolved", resolved)
                options = None
        payload = p.slash(name, options, **self._payload_kwargs(kw))
        return await self.send_interaction(payload, timeout=timeout)

    async def autocomplete(
        self, name: str, options: Mapping[str, Any] | None, focused: str, **kw: Any
    ) -> InteractionResult:
        """Type into option ``focused`` of ``/name``; the result's ``choices`` are what the bot suggested."""
        timeout = kw.pop("timeout", 10.0)
        kw.setdefault("command_id", self._command_id(name) or self.ids.next())
        if kw.get("raw_options") is None:
            values = {k: v for k, v in (options or {}).items() if k != focused}
            declared = self._declared_options(name, kw.get("subcommand"), values)
            if declared is not None:
                # Discord types the other options as registered and sends the focused one as the raw
                # text typed so far; autocomplete carries no ``resolved`` (a documented Discord limitation).
                leaf, _ = declared
                focused_type = self._option_type(name, kw.get("subcommand"), focused)
                text = str((options or {}).get(focused, ""))
                leaf.append({"name": focused, "type": focused_type, "value": text, "focused": True})
                kw["raw_options"] = p.wrap_subcommand(kw.get("subcommand"), leaf)
        payload = p.autocomplete(name, options, focused, **self._payload_kwargs(kw))
        return await self.send_interaction(payload, timeout=timeout)

    def _option_type(self, name: str, subcommand: str | None, option: str) -> int:
        cmd = next((c for c in self.commands if c["name"] == name and c.get("type", 1) == 1), None)
        declared: list[dict[str, Any]] = (cmd or {}).get("options") or []
        for part in (subcommand or "").split():
            declared = next((o.get("options") or [] for o in declared if o["name"] == part), [])
        return next((int(o["type"]) for o in declared if o["name"] == option), 3)

    @staticmethod
    def component_labels(message: Mapping[str, Any]) -> list[tuple[dict[str, Any], str, str | None]]:
        """(component, label, option value) for every button and every select option on a message."""
        entries: list[tuple[dict[str, Any], str, str | None]] = []
        for comp in _walk_components(message.get("components") or []):
            if comp.get("type") == 2:
                entries.append((dict(comp), str(comp.get("label") or comp.get("custom_id") or ""), None))
            elif comp.get("type") == 3:
                for opt in comp.get("options") or []:
                    entries.append((dict(comp), str(opt.get("label", "")), str(opt.get("value"))))
                    entries.append((dict(comp), str(opt.get("value")), str(opt.get("value"))))
        return entries

    def _match_label(
        self, message: Mapping[str, Any], wanted: str, *, selects_only: bool = False
    ) -> tuple[dict[str, Any], str | None]:
        """Exact (case-insensitive) label match, else a unique prefix: ``click Delete`` finds "Delete everything"."""
        entries = [e for e in self.component_labels(message) if not selects_only or e[2] is not None]
        folded = wanted.casefold()
        for rule in (lambda text: text == folded, lambda text: text.startswith(folded)):
            found = {(e[0].get("custom_id"), e[2]): e for e in entries if rule(e[1].casefold())}
            if len(found) == 1:
                comp, _, value = next(iter(found.values()))
                return comp, value
            if len(found) > 1:
                labels = sorted({e[1] for e in found.values()})
                raise EmulatorError(f"{wanted!r} matches several: {', '.join(map(repr, labels))}")
        names = sorted({e[1] for e in entries})
        raise EmulatorError(f"no button or option {wanted!r} on message {message.get('id')}; it has {names}")

    def find_component(
        self, message: Mapping[str, Any], *, custom_id: str | None = None, label: str | None = None
    ) -> dict[str, Any]:
        """The button/select on a message by custom_id, or by label / option label (case-insensitive, prefix ok)."""
        if custom_id is not None:
            for comp in _walk_components(message.get("components") or []):
                if comp.get("custom_id") == custom_id:
                    return dict(comp)
            raise EmulatorError(f"no component with custom_id {custom_id!r} on message {message.get('id')}")
        if label is None:
            raise EmulatorError("find_component() needs custom_id or label")
        return self._match_label(message, label)[0]

    async def click(
        self,
        message: Mapping[str, Any],
        custom_id: str | None = None,
        *,
        label: str | None = None,
        values: Sequence[str] | None = None,
        **kw: Any,
    ) -> InteractionResult:
        """Press a button (or submit a select with ``values``) on a message the bot sent."""
        timeout = kw.pop("timeout", 10.0)
        current = self.messages.get(int(message["id"]), dict(message))
        if custom_id is None and label is None:
            raise EmulatorError("click() needs custom_id or label")
        comp = self.find_component(current, custom_id=custom_id, label=label)
        if comp.get("disabled"):
            raise EmulatorError(f"component {comp.get('label') or comp.get('custom_id')!r} is disabled")
        if comp.get("type") == 2 and comp.get("style") == 5:
            raise EmulatorError(f"button {comp.get('label')!r} is a link ({comp.get('url')}), not an interaction")
        ctype = int(comp["type"])
        if ctype == 3 and values is None and label is not None:
            _, value = self._match_label(current, label, selects_only=True)
            values = [value] if value is not None else []
        payload = p.component(
            comp["custom_id"], message=current, component_type=ctype, values=values, **self._payload_kwargs(kw)
        )
        return await self.send_interaction(payload, timeout=timeout)

    async def select(
        self, message: Mapping[str, Any], *labels: str, custom_id: str | None = None, **kw: Any
    ) -> InteractionResult:
        """Choose options (by label or value, prefix ok) in one string select menu on a message."""
        current = self.messages.get(int(message["id"]), dict(message))
        if not labels:
            raise EmulatorError("select() needs at least one option label")
        chosen = [self._match_label(current, label, selects_only=True) for label in labels]
        menus = {comp.get("custom_id") for comp, _ in chosen}
        if custom_id is not None and menus != {custom_id}:
            raise EmulatorError(f"{labels!r} are not all options of select {custom_id!r}")
        if len(menus) > 1:
            raise EmulatorError(f"{labels!r} belong to different select menus")
        values = [value for _, value in chosen if value is not None]
        return await self.click(current, menus.pop(), values=values, **kw)

    async def send_interaction(
        self, payload: dict[str, Any], *, timeout: float = 10.0, settle: float = 0.05
    ) -> InteractionResult:
        """Dispatch INTERACTION_CREATE and wait for the bot's answer.

        Answered means: a message / update / autocomplete / modal callback, or after a deferral (type 5
        or 6) an edit of @original or a followup; then followups are collected until ``settle`` seconds
        pass quietly.  The result is a snapshot; ``emu.messages[id]`` has the current state later.
        Raises InteractionTimeout (saying what the bot did do) when there is no answer in time.
        """
        pending = _Pending(payload)
        self._pending_by_token[pending.token] = pending
        await self.wait_until_connected(timeout)
        pending.sent_at = time.monotonic()
        session = await self.dispatch("INTERACTION_CREATE", payload, guild_id=pending.guild_id)
        pending.session_id, pending.shard_id = session.id, session.shard[0]
        deadline = pending.sent_at + timeout
        if self.interaction_deadline_s is not None:
            # Past Discord's acknowledgement deadline nothing can arrive any more (the user sees
            # "This interaction failed"), so stop waiting there if there was no callback.
            ack_deadline = pending.sent_at + self.interaction_deadline_s + 0.25
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._until_callback(pending), max(0.0, min(deadline, ack_deadline) - time.monotonic())
                )
            if pending.callback_type is None:
                raise InteractionTimeout(self._describe_timeout(pending, time.monotonic() - pending.sent_at))
        try:
            await asyncio.wait_for(pending.complete.wait(), max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            raise InteractionTimeout(self._describe_timeout(pending, timeout)) from None
        # Collect followups sent right after the answer: wait for a quiet period of `settle`.
        while time.monotonic() < deadline:
            pending.activity.clear()
            try:
                await asyncio.wait_for(pending.activity.wait(), settle)
            except TimeoutError:
                break
        return self._result(pending)

    async def _until_callback(self, pending: _Pending) -> None:
        while pending.callback_type is None:
            pending.activity.clear()
            await pending.activity.wait()

    def _describe_timeout(self, pending: _Pending, timeout: float) -> str:
        name = (pending.payload.get("data") or {}).get("name") or (pending.payload.get("data") or {}).get("custom_id")
        if pending.callback_type is None:
            what = "no interaction callback"
            if self.interaction_deadline_s is not None:
                what += f" within Discord's {self.interaction_deadline_s:g} s (the user sees 'This interaction failed')"
        else:
            what = f"deferred (callback type {pending.callback_type}) but never edited @original or sent a followup"
        errors = f"; rejected requests: {pending.errors}" if pending.errors else ""
        return (
            f"interaction {name!r}: {what} (waited {timeout:.1f} s){errors}; recent REST calls: {self._call_summary()}"
        )

    def _call_summary(self, last: int = 8) -> str:
        return ", ".join(f"{c.method} {c.path} -> {c.status}" for c in self.calls[-last:]) or "none"

    def _result(self, pending: _Pending) -> InteractionResult:
        messages = [json.loads(json.dumps(self.messages[m])) for m in pending.message_ids if m in self.messages]
        latency = pending.callback_at - pending.sent_at if pending.callback_at is not None else None
        return InteractionResult(
            interaction_id=pending.id,
            token=pending.token,
            interaction_type=pending.type,
            callback_type=pending.callback_type,
            messages=messages,
            files=dict(pending.files),
            choices=pending.choices,
            modal=pending.modal,
            latency_s=latency,
            deleted_message_ids=list(pending.deleted),
            errors=list(pending.errors),
            shard_id=pending.shard_id,
            session_id=pending.session_id,
            callback_attempts=pending.callback_attempts,
        )

    async def send_message(
        self,
        content: str,
        *,
        mention_bot: bool = False,
        user: Mapping[str, Any] | None = None,
        timeout: float = 2.0,
        settle: float = 0.2,
        webhook_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Post a chat message as the scripted member; return what the bot posted in the channel ([] if nothing)."""
        author = dict(user or self.user)
        mentions: list[dict[str, Any]] = []
        if mention_bot:
            content = f"{p.mention(self.bot_user_id)} {content}"
        if p.mention(self.bot_user_id) in content:
            mentions.append(self.bot_user | {"member": p.member(None, permissions=None, roles=[self.bot_role_id])})
        payload = p.message_create(
            content,
            author=author,
            channel_id=self.channel_id,
            guild_id=self.guild_id,
            mentions=mentions,
            webhook_id=webhook_id,
            member_roles=self.members.get(int(author["id"]), {}).get("roles", []),
            ids=self.ids,
        )
        self.messages[int(payload["id"])] = {k: v for k, v in payload.items() if k != "member"}
        start = len(self.channel_messages)
        await self.wait_until_connected(timeout)
        session = self._session_for(self.guild_id)
        if session is not None and not session.intents & _MESSAGE_CONTENT_INTENT and not mentions:
            # Without the privileged message content intent Discord blanks guild messages that
            # don't mention the bot; a bot relying on content it can't see must find out here.
            payload |= {"content": "", "embeds": [], "attachments": [], "components": []}
        await self.dispatch("MESSAGE_CREATE", payload, guild_id=self.guild_id)
        if not await self._wait(lambda: len(self.channel_messages) > start, timeout):
            return []
        count = len(self.channel_messages)
        while await self._wait(lambda n=count: len(self.channel_messages) > n, settle):
            count = len(self.channel_messages)
        return [json.loads(json.dumps(m)) for m in self.channel_messages[start:]]

    # ------------------------------------------------------------------ control API (out-of-process tests)

    async def _control(self, request: web.Request) -> web.Response:
        tail = request.match_info["tail"].strip("/")
        try:
            body = await request.json() if request.can_read_body else {}
        except ValueError:
            return _error(400, "body must be JSON")
        try:
            if request.method == "GET" and tail == "commands":
                wait = float(request.query.get("wait", "0"))
                if wait:
                    await self.wait_for_commands(wait)
                return _json_response(self.commands)
            if request.method == "GET" and tail == "calls":
                return _json_response([c.to_dict() for c in self.calls])
            if request.method == "GET" and tail == "info":
                return _json_response(
                    {
                        **self.env(),
                        "guild_id": str(self.guild_id),
                        "guild_ids": [str(g) for g in self.guild_ids],
                        "connected_shards": sorted(self.connected_shards),
                        "channel_id": str(self.channel_id),
                        "user_id": str(self.user_id),
                        "application_id": str(self.application_id),
                    }
                )
            if request.method == "POST" and tail == "interaction":
                result = await self._control_interaction(body)
                return _json_response(result.to_json())
            if request.method == "POST" and tail == "message":
                messages = await self.send_message(
                    str(body.get("content", "")),
                    mention_bot=bool(body.get("mention_bot", False)),
                    timeout=float(body.get("timeout", 2.0)),
                )
                return _json_response({"messages": messages})
        except InteractionTimeout as exc:
            return _error(504, str(exc))
        except (EmulatorError, ValueError, KeyError, TypeError, binascii.Error) as exc:
            return _error(400, f"{type(exc).__name__}: {exc}")
        return _error(404, f"unknown control route {request.method} /_test/{tail}")

    async def _control_interaction(self, body: dict[str, Any]) -> InteractionResult:
        timeout = float(body.pop("timeout", 10.0))
        if "payload" in body:
            return await self.send_interaction(body["payload"], timeout=timeout)
        if "token" in body and "type" in body:
            return await self.send_interaction(body, timeout=timeout)
        kind = body.pop("kind", "slash")
        if kind == "slash":
            return await self.slash(body.pop("name"), body.pop("options", None), timeout=timeout, **body)
        if kind == "autocomplete":
            return await self.autocomplete(
                body.pop("name"), body.pop("options", None), body.pop("focused"), timeout=timeout, **body
            )
        if kind == "click":
            message = self.messages.get(int(body.pop("message_id")))
            if message is None:
                raise EmulatorError("unknown message_id")
            return await self.click(
                message,
                body.pop("custom_id", None),
                label=body.pop("label", None),
                values=body.pop("values", None),
                timeout=timeout,
                **body,
            )
        raise EmulatorError(f"unknown kind {kind!r} (slash, autocomplete, click)")

    async def _serve_attachment(self, request: web.Request) -> web.Response:
        data = self.attachments.get(int(request.match_info["attachment"]))
        if data is None:
            return _error(404, "404: Not Found")
        return web.Response(body=data, headers={"Content-Type": _content_type(request.match_info["filename"])})
