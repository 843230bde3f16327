"""A loopback Discord: REST under ``/api/v10`` and a gateway websocket, enough to run the real bot unmodified.

The emulator plays Discord and one scripted server member.  The bot is pointed at it through
``discord.http.Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` (see ``runtime.runner.apply_endpoints``);
tests then drive it with :meth:`DiscordEmulator.slash`, :meth:`~DiscordEmulator.click`,
:meth:`~DiscordEmulator.send_message` in-process, or over HTTP through the ``/_test/*`` control API
when the bot runs as a separate process.

It enforces the Discord rules that catch real bugs: the 3-second interaction deadline, one callback
per interaction, message/embed/component limits (50035 Invalid Form Body), 25 autocomplete choices,
command-registration validation, and the exact ``Content-Type: application/json`` discord.py needs.

The class is assembled from layers, one module each (every layer may use the ones below it):
:mod:`emulator.core` (state) < :mod:`emulator.gateway` < :mod:`emulator.rest` < :mod:`emulator.interactions`
< :mod:`emulator.member` (the scripted member) < this module (serving, and the ``/_test`` control API).
Records and constants are in :mod:`emulator.models`, Discord's limits in :mod:`emulator.validation`.
"""

from __future__ import annotations

import binascii
import contextlib
import logging
from typing import Any, Self

from aiohttp import web

from emulator.member import ScriptedMemberLayer
from emulator.models import (
    API_PREFIX,
    EPHEMERAL,
    LOADING,
    PRIVILEGED_INTENTS,
    Call,
    EmulatorError,
    InteractionResult,
    InteractionTimeout,
    make_token,
)
from emulator.responses import error_response, json_response
from emulator.validation import validate_choices, validate_commands, validate_message_payload

__all__ = [
    "API_PREFIX",
    "EPHEMERAL",
    "LOADING",
    "PRIVILEGED_INTENTS",
    "Call",
    "DiscordEmulator",
    "EmulatorError",
    "InteractionResult",
    "InteractionTimeout",
    "make_token",
    "validate_choices",
    "validate_commands",
    "validate_message_payload",
]

log = logging.getLogger(__name__)


class DiscordEmulator(ScriptedMemberLayer):
    """Loopback Discord for one bot, one guild (more with :meth:`add_guild`), one text channel and a scripted member.

    Use as ``async with DiscordEmulator() as emu:``; point the bot at ``emu.api_base`` and
    ``emu.gateway_url`` with ``emu.token``; then ``await emu.wait_for_commands()`` and drive it.
    """

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
        for task in list(self._acks_in_flight):
            task.cancel()
        for ws in list(self._connections):
            with contextlib.suppress(Exception):
                await ws.close(code=1001, message=b"emulator shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        """Start serving; the emulator is the context value."""
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        """Close websockets and stop serving."""
        await self.close()

    # ------------------------------------------------------------------ control API (out-of-process tests)

    async def _control(self, request: web.Request) -> web.Response:
        tail = request.match_info["tail"].strip("/")
        try:
            body = await request.json() if request.can_read_body else {}
        except ValueError:
            return error_response(400, "body must be JSON")
        try:
            if request.method == "GET" and tail == "commands":
                wait = float(request.query.get("wait", "0"))
                if wait:
                    await self.wait_for_commands(wait)
                return json_response(self.commands)
            if request.method == "GET" and tail == "calls":
                return json_response([c.to_dict() for c in self.calls])
            if request.method == "GET" and tail == "info":
                return json_response(
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
                return json_response(result.to_json())
            if request.method == "POST" and tail == "message":
                messages = await self.send_message(
                    str(body.get("content", "")),
                    mention_bot=bool(body.get("mention_bot", False)),
                    timeout=float(body.get("timeout", 2.0)),
                )
                return json_response({"messages": messages})
        except InteractionTimeout as exc:
            return error_response(504, str(exc))
        except (EmulatorError, ValueError, KeyError, TypeError, binascii.Error) as exc:
            return error_response(400, f"{type(exc).__name__}: {exc}")
        return error_response(404, f"unknown control route {request.method} /_test/{tail}")

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
        if kind == "submit":
            opened_on = body.pop("message_id", None)
            message = self.messages.get(int(opened_on)) if opened_on is not None else None
            return await self.submit(
                body.pop("modal"), body.pop("values", None), message=message, timeout=timeout, **body
            )
        raise EmulatorError(f"unknown kind {kind!r} (slash, autocomplete, click, submit)")
