"""Interactions: INTERACTION_CREATE out, the bot's callback, followups and ``@original`` edits back.

Enforces Discord's rules on answers: one callback per interaction, the 3-second acknowledgement
deadline, response types that fit the interaction, and the message/choice limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from aiohttp import web

from emulator.models import (
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    EPHEMERAL,
    FINAL_CALLBACKS,
    LOADING,
    MODAL,
    UPDATE_MESSAGE,
    InteractionResult,
    InteractionTimeout,
    Pending,
)
from emulator.responses import error_response, form_errors, json_response
from emulator.rest import RestLayer
from emulator.validation import validate_choices, validate_message_payload, validate_modal

__all__ = ["InteractionLayer"]

log = logging.getLogger(__name__)


class InteractionLayer(RestLayer):
    """Delivers interactions and collects what the bot answers through callbacks and its webhook."""

    # ------------------------------------------------------------------ the bot's answers

    async def _callback(
        self, interaction_id: int, token: str, body: Any, files: list[tuple[int, str, bytes]]
    ) -> web.Response:
        pending = self._pending_by_token.get(token)
        if pending is None or pending.id != interaction_id:
            return error_response(404, "Unknown interaction", 10062)
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
        if ctype == MODAL and pending.type not in (2, 3):
            # A form can answer a command or a component, never autocomplete or another form.
            return self._reject(pending, 400, "Interaction response type not allowed for this interaction", 50035)
        if self.validate:
            problems: dict[str, str] = {}
            if ctype == CHANNEL_MESSAGE:
                problems = validate_message_payload(data | ({"attachments": [1]} if files else {}))
            elif ctype == UPDATE_MESSAGE:
                problems = validate_message_payload(data, require_body=False)
            elif ctype == AUTOCOMPLETE_RESULT:
                problems = validate_choices(data.get("choices") or [])
            elif ctype == MODAL:
                problems = validate_modal(data)
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
            return error_response(400, "Invalid Form Body", 50035, form_errors({"type": f"Value {ctype} is not valid"}))
        if ctype in FINAL_CALLBACKS:
            pending.complete.set()
        pending.touch()
        return json_response({"interaction": interaction, "resource": resource})

    def _reject(self, pending: Pending, status: int, message: str, code: int) -> web.Response:
        body = {"message": message, "code": code}
        pending.errors.append(body)
        log.warning("emulator rejected a callback for interaction %s: %s", pending.id, body)
        return json_response(body, status)

    async def _webhook(
        self, method: str, segs: list[str], request: web.Request, body: Any, files: list[tuple[int, str, bytes]]
    ) -> web.Response:
        if segs[1] != str(self.application_id):
            return error_response(404, "Unknown Webhook", 10015)
        pending = self._pending_by_token.get(segs[2])
        if pending is None:
            return error_response(404, "Unknown Webhook", 10015)
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
                return json_response(original) if wait else web.Response(status=204)
            message = self._new_message(data, files, channel_id=pending.channel_id, pending=pending)
            pending.add_message(int(message["id"]))
            pending.complete.set()
            return json_response(message) if wait else web.Response(status=204)
        if len(rest) == 2 and rest[0] == "messages":
            target = pending.original_id if rest[1] == "@original" else int(rest[1])
            if target is None or target not in self.messages:
                return error_response(404, "Unknown Message", 10008)
            if method == "GET":
                return json_response(self.messages[target])
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
        return error_response(405, "405: Method Not Allowed", 0)

    # ------------------------------------------------------------------ sending one and waiting for the answer

    async def send_interaction(
        self, payload: dict[str, Any], *, timeout: float = 10.0, settle: float = 0.05
    ) -> InteractionResult:
        """Dispatch INTERACTION_CREATE and wait for the bot's answer.

        Answered means: a message / update / autocomplete / modal callback, or after a deferral (type 5
        or 6) an edit of @original or a followup; then followups are collected until ``settle`` seconds
        pass quietly.  The result is a snapshot; ``emu.messages[id]`` has the current state later.
        Raises InteractionTimeout (saying what the bot did do) when there is no answer in time.
        """
        pending = Pending(payload)
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

    async def _until_callback(self, pending: Pending) -> None:
        while pending.callback_type is None:
            pending.activity.clear()
            await pending.activity.wait()

    def _describe_timeout(self, pending: Pending, timeout: float) -> str:
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

    def _result(self, pending: Pending) -> InteractionResult:
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
