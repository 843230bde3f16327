"""The emulator's records and constants: errors, REST calls, interaction results and in-flight state.

Nothing here talks to the network; :mod:`emulator.gateway`, :mod:`emulator.rest` and
:mod:`emulator.interactions` fill these in and :class:`emulator.server.DiscordEmulator` hands them to tests.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from emulator.responses import error_response

__all__ = [
    "API_PREFIX",
    "EPHEMERAL",
    "LOADING",
    "PRIVILEGED_INTENTS",
    "Call",
    "Connection",
    "EmulatorError",
    "Fault",
    "InteractionResult",
    "InteractionTimeout",
    "Pending",
    "Session",
    "make_token",
]

API_PREFIX = "/api/v10"
# What Discord advertises in HELLO today.
DEFAULT_HEARTBEAT_INTERVAL_MS = 41_250
EPHEMERAL = 1 << 6
LOADING = 1 << 7
MESSAGE_CONTENT_INTENT = 1 << 15
GUILD_MEMBERS_INTENT = 1 << 1
GUILD_PRESENCES_INTENT = 1 << 8
PRIVILEGED_INTENTS = MESSAGE_CONTENT_INTENT | GUILD_MEMBERS_INTENT | GUILD_PRESENCES_INTENT

# Callback types (https://discord.com/developers/docs/interactions/receiving-and-responding).
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9
FINAL_CALLBACKS = {CHANNEL_MESSAGE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL}
DEFERRED_CALLBACKS = {DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE}


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
        return self.callback_type in DEFERRED_CALLBACKS

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
class Fault:
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
        return error_response(self.status, f"{self.status}: injected server error", 0)


class Pending:
    """Book-keeping for one interaction in flight (what the bot has answered so far)."""

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
        """Wake whoever waits for activity on this interaction."""
        self.activity.set()

    def add_message(self, message_id: int) -> None:
        """Count a message as part of the answer (once)."""
        if message_id not in self.message_ids:
            self.message_ids.append(message_id)
        self.touch()


class Connection:
    """One websocket; owns the zlib-stream context (per connection, as on Discord)."""

    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self._zlib = zlib.compressobj() if compress else None

    async def send(self, frame: Mapping[str, Any]) -> None:
        """Send one gateway frame, compressed when the bot asked for zlib-stream."""
        raw = json.dumps(frame, separators=(",", ":"))
        if self._zlib is None:
            await self.ws.send_str(raw)
        else:
            # discord.py buffers binary frames until the Z_SYNC_FLUSH suffix, then inflates.
            data = self._zlib.compress(raw.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
            await self.ws.send_bytes(data)


class Session:
    """A gateway session: survives its websocket so a RESUME can replay what was missed."""

    def __init__(self, session_id: str, shard: tuple[int, int], intents: int) -> None:
        self.id = session_id
        self.shard = shard
        self.intents = intents
        self.seq = 0
        self.buffer: list[dict[str, Any]] = []
        self.conn: Connection | None = None

    def handles_guild(self, guild_id: int | None) -> bool:
        """Whether this session's shard receives the guild's events (DMs: shard 0)."""
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0  # Discord delivers DMs on shard 0 only
        return (guild_id >> 22) % count == shard_id
