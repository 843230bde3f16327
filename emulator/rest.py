"""The REST API under ``/api/v10``: login, command sync, channel messages, attachments, injected faults."""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import BodyPartReader, web

from emulator import payloads as p
from emulator.gateway import GatewayLayer
from emulator.models import EPHEMERAL, LOADING, PRIVILEGED_INTENTS, Call, Fault, Pending
from emulator.responses import content_type, error_response, form_errors, json_response, png_size
from emulator.validation import validate_commands, validate_message_payload

__all__ = ["RestLayer"]

log = logging.getLogger(__name__)


class RestLayer(GatewayLayer):
    """Answers the bot's REST requests as Discord does, validating what it sends and recording every call."""

    # Answered by InteractionLayer (emulator/interactions.py), the layer above; routed from here.
    async def _callback(
        self, interaction_id: int, token: str, body: Any, files: list[tuple[int, str, bytes]]
    ) -> web.Response:
        raise NotImplementedError

    async def _webhook(
        self, method: str, segs: list[str], request: web.Request, body: Any, files: list[tuple[int, str, bytes]]
    ) -> web.Response:
        raise NotImplementedError

    # ------------------------------------------------------------------ commands

    def _store_commands(
        self, body: Any, guild_id: int | None
    ) -> tuple[list[dict[str, Any]] | None, web.Response | None]:
        if not isinstance(body, list):
            return None, error_response(400, "Invalid Form Body", 50035, form_errors({"_root": "Expected an array"}))
        if self.validate:
            problems = validate_commands(body)
            if problems:
                return None, error_response(400, "Invalid Form Body", 50035, form_errors(problems))
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

    def inject(
        self, path_regex: str, status: int, count: int = 1, *, retry_after: float = 0.5, method: str | None = None
    ) -> Fault:
        """Answer the next ``count`` REST requests whose path (after /api/v10) matches with ``status``.

        429 comes with ``Retry-After`` and a ``retry_after`` body, as Discord sends it; 5xx with an error
        body. The failed attempts are recorded in :attr:`calls` with their status; ``fault.hits`` counts them.
        """
        # regex-budget: a test's own fault pattern, never a member's text
        fault = Fault(re.compile(path_regex), status, count, retry_after, method.upper() if method else None)
        self._faults.append(fault)
        return fault

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.remaining > 0 and (fault.method in (None, method)) and fault.pattern.search(path):
                fault.remaining -= 1
                fault.hits += 1
                log.info("emulator: injected %s for %s %s", fault.status, method, path)
                return fault
        return None

    # ------------------------------------------------------------------ routes

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
            return error_response(400, f"400: Bad Request ({exc})", 50109)
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
            return error_response(401, "401: Unauthorized", 0)
        app = str(self.application_id)
        match method, segs:
            case "GET", ["users", "@me"]:
                return json_response(self._me)
            case "GET", ["oauth2", "applications", "@me"]:
                return json_response(self._application())
            case "GET", ["applications", "@me"]:
                return json_response(self._application())
            case "GET", ["gateway"]:
                return json_response({"url": self.gateway_url})
            case "GET", ["gateway", "bot"]:
                return json_response(
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
                return err or json_response(stored)
            case "GET", ["applications", a, "commands"] if a == app:
                return json_response(self.global_commands)
            case "PUT", ["applications", a, "guilds", gid, "commands"] if a == app:
                if int(gid) not in self.guild_ids:
                    return error_response(403, "Missing Access", 50001)
                stored, err = self._store_commands(body, int(gid))
                return err or json_response(stored)
            case "GET", ["applications", a, "guilds", gid, "commands"] if a == app:
                return json_response(self.guild_commands.get(int(gid), []))
            case "POST", ["channels", cid, "messages"]:
                return self._create_channel_message(int(cid), body, files)
            case "GET", ["channels", cid, "messages", mid]:
                found = self.messages.get(int(mid))
                if found is None or found["channel_id"] != cid:
                    return error_response(404, "Unknown Message", 10008)
                return json_response(found)
            case "PATCH", ["channels", cid, "messages", mid]:
                return self._edit_message(int(mid), body, files, channel_id=int(cid))
            case "DELETE", ["channels", cid, "messages", mid]:
                if self.messages.pop(int(mid), None) is None:
                    return error_response(404, "Unknown Message", 10008)
                return web.Response(status=204)
            case "POST", ["channels", _cid, "typing"]:
                return web.Response(status=204)
            case "PUT" | "DELETE", ["channels", _cid, "messages", _mid, "reactions", *_rest]:
                return web.Response(status=204)
            case "GET", ["channels", cid]:
                channel = self._channel(int(cid))
                return json_response(channel) if channel else error_response(404, "Unknown Channel", 10003)
            case "POST", ["users", "@me", "channels"]:
                recipient = int((body or {}).get("recipient_id", 0))
                member = self.members.get(recipient)
                if member is None:
                    return error_response(400, "Invalid Recipient(s)", 50033)
                channel = self.dm_channels.get(recipient) or p.dm_channel(self.ids.next(), member["user"])
                self.dm_channels[recipient] = channel
                return json_response(channel)
            case "GET", ["guilds", gid] if int(gid) in self.guild_ids:
                return json_response(self._guild_payload(PRIVILEGED_INTENTS, int(gid)))
            case "GET", ["guilds", gid, "members", uid] if int(gid) == self.guild_id:
                found_member = self.members.get(int(uid))
                return json_response(found_member) if found_member else error_response(404, "Unknown Member", 10007)
            case "GET", ["guilds", gid, "channels"] if int(gid) == self.guild_id:
                return json_response(self.channels)
            case "GET", ["guilds", gid, "roles"] if int(gid) == self.guild_id:
                return json_response(self.roles)
        self.unknown_routes.append(call)
        return error_response(404, "404: Not Found", 0)

    async def _unknown(self, request: web.Request) -> web.Response:
        call = Call(request.method, request.path, dict(request.query), None, {}, status=404)
        self.calls.append(call)
        self.unknown_routes.append(call)
        log.warning("emulator: request outside /api/v10: %s %s", request.method, request.path)
        return error_response(404, "404: Not Found", 0)

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
            if sink is not None:
                sink[filename] = data
            attachment = self._store_attachment(filename, data, channel_id=channel_id, ephemeral=ephemeral)
            if entry.get("description"):
                attachment["description"] = entry["description"]
            result.append(attachment)
        return result

    def _store_attachment(self, filename: str, data: bytes, *, channel_id: int, ephemeral: bool) -> dict[str, Any]:
        """Keep an uploaded file (served under /attachments) and return its attachment object."""
        att_id = self.ids.next()
        self.attachments[att_id] = data
        url = f"{self.base_url}/attachments/{channel_id}/{att_id}/{filename}"
        attachment: dict[str, Any] = {
            "id": str(att_id),
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type(filename),
        }
        size = png_size(data)
        if size:
            attachment["width"], attachment["height"] = size
        if ephemeral:
            attachment["ephemeral"] = True
        return attachment

    def _new_message(
        self,
        data: Mapping[str, Any],
        files: list[tuple[int, str, bytes]],
        *,
        channel_id: int,
        pending: Pending | None,
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

    def _apply_edit(
        self,
        message: dict[str, Any],
        data: Mapping[str, Any] | None,
        files: list[tuple[int, str, bytes]],
        pending: Pending | None,
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
            return error_response(404, "Unknown Channel", 10003)
        data = dict(body or {})
        if self.validate:
            problems = validate_message_payload(data | ({"attachments": [1]} if files else {}))
            if problems:
                return self._invalid(problems)
        message = self._new_message(data, files, channel_id=channel_id, pending=None)
        self.channel_messages.append(message)
        return json_response(message)

    def _invalid(self, problems: Mapping[str, str], pending: Pending | None = None) -> web.Response:
        if "_empty" in problems:
            body = {"message": "Cannot send an empty message", "code": 50006}
            response = json_response(body, 400)
        else:
            body = {"message": "Invalid Form Body", "code": 50035, "errors": form_errors(problems)}
            response = json_response(body, 400)
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
        pending: Pending | None = None,
    ) -> web.Response:
        message = self.messages.get(message_id)
        if message is None or (channel_id is not None and int(message["channel_id"]) != channel_id):
            return error_response(404, "Unknown Message", 10008)
        if self.validate:
            problems = validate_message_payload(dict(body or {}), require_body=False)
            if problems:
                return self._invalid(problems, pending)
        self._apply_edit(message, body, files, pending)
        return json_response(message)

    async def _serve_attachment(self, request: web.Request) -> web.Response:
        data = self.attachments.get(int(request.match_info["attachment"]))
        if data is None:
            return error_response(404, "404: Not Found")
        return web.Response(body=data, headers={"Content-Type": content_type(request.match_info["filename"])})
