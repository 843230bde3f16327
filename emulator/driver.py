"""Drive the real bot in-process: raw gateway payloads in, captured REST calls out.

Payloads enter through discord.py's own gateway parser (DiscordWebSocket.received_message), so the
real ConnectionState, CommandTree, cogs and views handle them. Every REST call the bot makes — both
HTTPClient.request (channel messages, command sync) and the webhook adapter (interaction callbacks,
followups, edits) — is answered here with a realistic body and pushed onto a queue that tests await
with a timeout instead of sleeping.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import discord
from discord.gateway import DiscordWebSocket
from discord.webhook.async_ import AsyncWebhookAdapter

from emulator import payloads

EPHEMERAL = 64
DEFERRED_TYPES = {5, 6}
DEFAULT_TIMEOUT = 10.0


@dataclass
class RestCall:
    """One REST request the bot made."""

    method: str
    path: str
    params: dict[str, Any]
    json: Any
    files: dict[str, bytes]
    token: str | None = None  # the interaction token for webhook-adapter calls


@dataclass
class Reply:
    """What the bot answered to one interaction."""

    callback_type: int | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    choices: list[dict[str, Any]] | None = None
    # The form (modal) the bot opened: its custom id, title and components.
    modal: dict[str, Any] | None = None
    calls: list[RestCall] = field(default_factory=list)

    @property
    def message(self) -> dict[str, Any]:
        """The main message (the first one created)."""
        assert self.messages, f"no message in reply (callback type {self.callback_type})"
        return self.messages[0]

    @property
    def ephemeral(self) -> bool:
        """True when the main message is visible only to the member."""
        return bool(self.message.get("flags", 0) & EPHEMERAL)

    @property
    def content(self) -> str:
        """Text content of the main message."""
        return str(self.message.get("content") or "")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """Embeds of the main message."""
        return list(self.message.get("embeds") or [])

    def text(self) -> str:
        """Everything readable in all messages: content, embed titles, descriptions, fields, footers."""
        parts: list[str] = []
        for msg in self.messages:
            parts.append(str(msg.get("content") or ""))
            for embed in msg.get("embeds") or []:
                parts += [str(embed.get("title", "")), str(embed.get("description", ""))]
                for f in embed.get("fields", []):
                    parts += [str(f.get("name", "")), str(f.get("value", ""))]
                parts.append(str((embed.get("footer") or {}).get("text", "")))
        return "\n".join(p for p in parts if p)

    def buttons(self) -> list[dict[str, Any]]:
        """Every button (and select) component on the main message."""
        out = []
        for row in self.message.get("components") or []:
            out.extend(row.get("components", []))
        return out


class Harness:
    """The real bot, fed raw payloads, its REST traffic captured."""

    def __init__(self, bot: discord.Client, *, application_id: int, bot_user_id: int) -> None:
        self.bot = bot
        self.application_id = application_id
        self.bot_user = payloads.user(bot_user_id, "coach", bot=True)
        self.ids = payloads.Ids()
        self.guild_id = self.ids.next()
        self.channel_id = self.ids.next()
        self.calls: asyncio.Queue[RestCall] = asyncio.Queue()
        self.history: list[RestCall] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self._by_token: dict[str, list[RestCall]] = {}
        self._waiters: dict[str, asyncio.Event] = {}
        self._originals: dict[str, dict[str, Any]] = {}
        self._followups: dict[str, list[dict[str, Any]]] = {}
        self._seq = itertools.count(1)
        self._ws = self._make_ws()
        self._users = itertools.count(1)
        self.default_user = self.new_user()
        # Direct messages: each member's DM channel, and members whose DMs are closed to the bot.
        self.dm_channels: dict[int, int] = {}
        self.closed_dms: set[int] = set()
        # Channels where posting fails with this HTTP status (403: no permission, 5xx: Discord trouble).
        self.channel_errors: dict[int, int] = {}

    # -- wiring -------------------------------------------------------------------------------------

    def _make_ws(self) -> DiscordWebSocket:
        # A websocket object with no socket: received_message only needs these attributes.
        ws = DiscordWebSocket(socket=None, loop=asyncio.get_running_loop())  # type: ignore[arg-type]
        state = self.bot._connection
        ws.token = "harness"
        ws._connection = state
        ws._discord_parsers = state.parsers
        ws._dispatch = self.bot.dispatch
        ws.shard_id = None
        ws.call_hooks = state.call_hooks
        return ws

    def install(self, monkeypatch: Any) -> None:
        """Capture both REST entry points for the duration of a test."""
        harness = self

        async def http_request(route: discord.http.Route, *, files: Any = None, form: Any = None, **kw: Any) -> Any:
            return harness._record(route, kw.get("json"), files, form, kw.get("params") or {}, None)

        async def webhook_request(adapter: Any, route: discord.http.Route, session: Any, **kw: Any) -> Any:
            return harness._record(
                route, kw.get("payload"), kw.get("files"), kw.get("multipart"), kw.get("params") or {},
                getattr(route, "webhook_token", None),
            )  # fmt: skip

        monkeypatch.setattr(self.bot.http, "request", http_request)
        monkeypatch.setattr(AsyncWebhookAdapter, "request", webhook_request)

    def _record(self, route: Any, body: Any, files: Any, multipart: Any, params: dict[str, Any], token: Any) -> Any:
        captured: dict[str, bytes] = {}
        if multipart:
            for part in multipart:
                if part.get("name") == "payload_json":
                    body = json.loads(part["value"])
        for file in files or []:
            file.fp.seek(0)
            captured[file.filename] = file.fp.read()
        call = RestCall(route.method, route.url[len(route.BASE) :], params, body, captured, token)
        self.history.append(call)
        self.calls.put_nowait(call)
        if token is not None:
            self._by_token.setdefault(token, []).append(call)
            if token in self._waiters:
                self._waiters[token].set()
        return self._respond(route, call)

    def _new_message(self, body: Mapping[str, Any] | None, *, channel_id: int | None = None) -> dict[str, Any]:
        body = dict(body or {})
        message_id = self.ids.next()
        msg = payloads.message(
            message_id=message_id,
            channel_id=channel_id or self.channel_id,
            author=self.bot_user,
            content=body.get("content") or "",
            guild_id=self.guild_id,
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            attachments=[
                {
                    "id": str(self.ids.next()),
                    "filename": a.get("filename", "file"),
                    "size": 0,
                    "url": "",
                    "proxy_url": "",
                }
                for a in body.get("attachments") or []
            ],
            flags=int(body.get("flags") or 0),
            application_id=self.application_id,
        )
        self.messages[message_id] = msg
        return msg

    def _respond(self, route: Any, call: RestCall) -> Any:
        method, path, body = call.method, route.path, call.json or {}
        if path.endswith("/callback"):
            data = body.get("data") or {}
            kind = body.get("type")
            interaction = {"id": str(route.webhook_id), "type": kind}
            resource: dict[str, Any] = {"type": kind}
            if kind in (4, 5):
                msg = self._new_message({**data, "flags": data.get("flags", 0)})
                interaction["response_message_id"] = msg["id"]
                interaction["response_message_loading"] = kind == 5
                interaction["response_message_ephemeral"] = bool(int(data.get("flags") or 0) & EPHEMERAL)
                self._original(call.token, msg)
                resource["message"] = msg
            elif kind in (6, 7):
                original = self._original(call.token)
                if original is not None:
                    original.update({k: v for k, v in data.items() if k in ("content", "embeds", "components")})
                    resource["message"] = original
            return {"interaction": interaction, "resource": resource}
        if path.startswith("/webhooks/") and "/messages/" in path:
            if "@original" in call.path:
                existing = self._original(call.token)
            else:
                existing = self.messages.get(int(call.path.rsplit("/", 1)[-1]))
            if existing is None:
                return None
            if method == "PATCH":
                existing.update({k: v for k, v in body.items() if k in ("content", "embeds", "components", "flags")})
            return None if method == "DELETE" else existing
        if path.startswith("/webhooks/") and method == "POST":
            msg = self._new_message(body)
            self._followups.setdefault(call.token or "", []).append(msg)
            return msg
        if path == "/users/@me/channels" and method == "POST":
            recipient = int(body["recipient_id"])
            channel_id = self.dm_channels.setdefault(recipient, self.ids.next())
            return payloads.dm_channel(channel_id, payloads.user(recipient, f"member{recipient % 10_000}"))
        if path == "/users/{user_id}" and method == "GET":
            user_id = int(call.path.rsplit("/", 1)[-1])
            return payloads.user(user_id, f"member{user_id % 10_000}")
        if path == "/channels/{channel_id}/messages" and method == "POST":
            channel_id = int(route.channel_id)
            closed = {self.dm_channels.get(user_id) for user_id in self.closed_dms}
            if channel_id in closed:
                # What Discord answers when a member's DMs are closed to the bot.
                response = types.SimpleNamespace(status=403, reason="Forbidden")
                raise discord.Forbidden(response, {"code": 50007, "message": "Cannot send messages to this user"})
            status = self.channel_errors.get(channel_id)
            if status is not None:
                response = types.SimpleNamespace(status=status, reason="error")
                error = discord.Forbidden if status == 403 else discord.DiscordServerError
                raise error(response, {"code": 0, "message": f"emulated {status}"})
            return self._new_message(body, channel_id=channel_id)
        if path.endswith("/commands") and method == "PUT":
            return [{**cmd, "id": str(self.ids.next()), "application_id": str(self.application_id)} for cmd in body]
        return {}

    def _original(self, token: str | None, msg: dict[str, Any] | None = None) -> dict[str, Any] | None:
        if token is None:
            return None
        if msg is not None:
            self._originals[token] = msg
        return self._originals.get(token)

    # -- sending ------------------------------------------------------------------------------------

    async def create_guild(self) -> None:
        """Make the test server, its channels and the bot's membership known, as GUILD_CREATE does."""
        self.other_channel_id = self.ids.next()
        await self.dispatch(
            "GUILD_CREATE",
            payloads.guild_create(
                self.guild_id,
                name="Iron Temple",
                owner_id=self.ids.next(),
                channels=[
                    payloads.text_channel(self.channel_id, self.guild_id, "training"),
                    payloads.text_channel(self.other_channel_id, self.guild_id, "general", position=1),
                ],
                roles=[payloads.role(self.guild_id, "@everyone", payloads.MEMBER_PERMISSIONS)],
                members=[payloads.member(self.bot_user, permissions=None)],
            ),
        )

    async def message(
        self,
        content: str,
        *,
        mention_bot: bool = False,
        author: Mapping[str, Any] | None = None,
        channel_id: int | None = None,
        guild: bool = True,
        webhook_id: int | None = None,
        wait: float = DEFAULT_TIMEOUT,
    ) -> RestCall | None:
        """Post a chat message as a member; return the bot's channel reply, or None if none came within wait."""
        if mention_bot:
            content = f"{payloads.mention(self.bot_user['id'])} {content}"
        channel = channel_id or self.channel_id
        data = payloads.message_create(
            content,
            author=author or self.default_user,
            channel_id=channel,
            guild_id=self.guild_id if guild else None,
            mentions=[self.bot_user] if mention_bot else (),
            webhook_id=webhook_id,
            ids=self.ids,
        )
        await self.dispatch("MESSAGE_CREATE", data)
        try:
            return await self.drain(lambda c: c.method == "POST" and c.path.endswith("/messages"), timeout=wait)
        except TimeoutError:
            return None

    async def dispatch(self, event: str, data: Mapping[str, Any]) -> None:
        """Feed one gateway DISPATCH frame through discord.py's parser."""
        frame = {"op": 0, "t": event, "s": next(self._seq), "d": data}
        await self._ws.received_message(json.dumps(frame))

    def new_user(self, name: str = "lifter") -> dict[str, Any]:
        """A fresh member identity."""
        return payloads.user(self.ids.next(), f"{name}{next(self._users)}")

    def _base(self, kw: dict[str, Any]) -> dict[str, Any]:
        kw.setdefault("user", self.default_user)
        kw.setdefault("channel_id", self.channel_id)
        kw.setdefault("application_id", self.application_id)
        if "guild_id" not in kw:
            kw["guild_id"] = self.guild_id
        kw.setdefault("ids", self.ids)
        return kw

    async def send(self, payload: dict[str, Any], *, timeout: float = DEFAULT_TIMEOUT, settle: float = 0.0) -> Reply:
        """Dispatch an interaction and wait for the bot's complete answer to it."""
        token = payload["token"]
        event = self._waiters.setdefault(token, asyncio.Event())
        if "message" in payload:
            # A component answered with "update message" (type 7) edits the message it sits on.
            clicked = self.messages.get(int(payload["message"]["id"]))
            if clicked is not None:
                self._originals[token] = clicked
        await self.dispatch("INTERACTION_CREATE", payload)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._complete(token):
            event.clear()
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no complete answer to interaction {payload['id']} within {timeout} s")
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                continue
        if settle:
            await asyncio.sleep(settle)
        return self.reply_for(token)

    def _complete(self, token: str) -> bool:
        calls = self._by_token.get(token, [])
        callbacks = [c for c in calls if c.path.endswith("/callback")]
        if not callbacks:
            return False
        if callbacks[0].json.get("type") not in DEFERRED_TYPES:
            return True
        return any(not c.path.endswith("/callback") and c.method in ("POST", "PATCH") for c in calls)

    def reply_for(self, token: str) -> Reply:
        """Everything the bot has sent for an interaction so far (current state after edits)."""
        calls = self._by_token.get(token, [])
        reply = Reply(calls=list(calls))
        for call in calls:
            reply.files.update(call.files)
            if call.path.endswith("/callback"):
                reply.callback_type = call.json.get("type")
                if reply.callback_type == 8:
                    reply.choices = call.json["data"]["choices"]
                if reply.callback_type == 9:
                    reply.modal = call.json["data"]
        original = self._original(token)
        if original is not None:
            reply.messages.append(original)
        reply.messages.extend(self._followups.get(token, []))
        return reply

    async def slash(self, name: str, options: Mapping[str, Any] | None = None, **kw: Any) -> Reply:
        """Run a slash command as a member and return the answer."""
        timeout = kw.pop("timeout", DEFAULT_TIMEOUT)
        payload = payloads.slash(name, options, **self._base(kw))
        return await self.send(payload, timeout=timeout)

    async def autocomplete(self, name: str, options: Mapping[str, Any] | None, focused: str, **kw: Any) -> list[dict]:
        """Ask for autocomplete choices and return them."""
        payload = payloads.autocomplete(name, options, focused, **self._base(kw))
        reply = await self.send(payload)
        assert reply.choices is not None
        return reply.choices

    async def click(
        self,
        message: Mapping[str, Any],
        custom_id: str | None = None,
        *,
        label: str | None = None,
        values: list[str] | None = None,
        **kw: Any,
    ) -> Reply:
        """Press a button (by custom id or label) or choose select values on a message the bot sent."""
        if custom_id is None:
            custom_id = find_component(message, label=label)["custom_id"]
        component = find_component(message, custom_id=custom_id)
        payload = payloads.component(
            custom_id, message=message, component_type=component.get("type", 2), values=values, **self._base(kw)
        )
        return await self.send(payload)

    async def submit(
        self,
        form: Reply,
        values: Mapping[str, str] | None = None,
        *,
        message: Mapping[str, Any] | None = None,
        **kw: Any,
    ) -> Reply:
        """Fill in and send the form (modal) the bot opened in ``form``; unnamed fields keep their pre-filled
        value. ``message`` is the message whose button opened it (its answer can then update it)."""
        if form.callback_type != 9 or form.modal is None:
            raise AssertionError(f"no form opened (callback {form.callback_type})")
        payload = payloads.modal_submit(form.modal, values or {}, message=message, **self._base(kw))
        return await self.send(payload)

    async def drain(self, predicate: Callable[[RestCall], bool], *, timeout: float = DEFAULT_TIMEOUT) -> RestCall:
        """Wait for the next captured REST call matching predicate."""
        async with asyncio.timeout(timeout):
            while True:
                call = await self.calls.get()
                if predicate(call):
                    return call


def find_component(message: Mapping[str, Any], *, custom_id: str | None = None, label: str | None = None) -> dict:
    """A component on a message by custom id or label."""
    for row in message.get("components") or []:
        for comp in row.get("components", []):
            if custom_id is not None and comp.get("custom_id") == custom_id:
                return comp
            if label is not None and comp.get("label") == label:
                return comp
    raise AssertionError(f"no component with custom_id={custom_id!r} label={label!r} on the message")
