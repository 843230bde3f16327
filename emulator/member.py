"""The scripted server member: runs slash commands, types into autocomplete, clicks buttons, chats.

Option values are typed as the bot registered them and mentions resolved, as the Discord client does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from emulator import payloads as p
from emulator.interactions import InteractionLayer
from emulator.models import EPHEMERAL, MESSAGE_CONTENT_INTENT, EmulatorError, InteractionResult
from emulator.validation import walk_components

__all__ = ["ScriptedMemberLayer"]

_ADMINISTRATOR = 1 << 3
_ATTACHMENT = 11  # option type


class ScriptedMemberLayer(InteractionLayer):
    """What a member does in the Discord client, turned into the interactions and messages Discord sends."""

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
            if "permissions" in kw:
                base["permissions"] = kw.pop("permissions")
            elif int(who["id"]) == self.user_id:
                base["permissions"] = self.user_permissions
            else:
                base["permissions"] = self.permissions_of(int(who["id"]))
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

    def find_member(self, name: str) -> dict[str, Any] | None:
        """The user of the guild member with this username (case-insensitive), or None."""
        folded = name.casefold()
        return next((m["user"] for m in self.members.values() if m["user"]["username"].casefold() == folded), None)

    def permissions_of(self, user_id: int) -> str:
        """A member's permissions, as Discord computes them: @everyone's and their roles', all for owner or admin."""
        member = self.members.get(user_id)
        role_ids = {str(self.guild_id), *(member["roles"] if member else ())}
        bits = 0
        for found in self.roles:
            if found["id"] in role_ids:
                bits |= int(found["permissions"])
        if user_id == self.owner_id or bits & _ADMINISTRATOR:
            return p.ADMIN_PERMISSIONS
        return str(bits)

    def upload(self, filename: str, data: bytes) -> dict[str, Any]:
        """Upload a file as the Discord client does for an attachment option; returns the attachment object."""
        if len(data) > p.ATTACHMENT_SIZE_LIMIT:
            limit_mib = p.ATTACHMENT_SIZE_LIMIT // (1024 * 1024)
            raise EmulatorError(f"{filename} is {len(data)} bytes; Discord refuses files over {limit_mib} MiB here")
        # Files attached to a command are ephemeral attachments until the bot re-posts them.
        return self._store_attachment(filename, data, channel_id=self.channel_id, ephemeral=True)

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
            elif otype == _ATTACHMENT:
                value = self._attach(value, resolved)
            typed.append({"name": key, "type": otype, "value": value})
        return typed, resolved

    def _attach(self, value: Any, resolved: dict[str, Any]) -> str:
        """An attachment option: a Path or (filename, bytes) is uploaded; an attachment from upload() is used as is."""
        if isinstance(value, Path):
            attachment = self.upload(value.name, value.read_bytes())
        elif isinstance(value, tuple):
            filename, data = value
            attachment = self.upload(str(filename), bytes(data))
        elif isinstance(value, Mapping) and "id" in value:
            attachment = dict(value)
        else:
            raise EmulatorError(f"an attachment option takes a Path, (filename, bytes) or upload(); got {value!r}")
        resolved.setdefault("attachments", {})[str(attachment["id"])] = attachment
        return str(attachment["id"])

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

    # ------------------------------------------------------------------ commands

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

    # ------------------------------------------------------------------ buttons and menus

    @staticmethod
    def component_labels(message: Mapping[str, Any]) -> list[tuple[dict[str, Any], str, str | None]]:
        """(component, label, option value) for every button and every select option on a message."""
        entries: list[tuple[dict[str, Any], str, str | None]] = []
        for comp in walk_components(message.get("components") or []):
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
            for comp in walk_components(message.get("components") or []):
                if comp.get("custom_id") == custom_id:
                    return dict(comp)
            raise EmulatorError(f"no component with custom_id {custom_id!r} on message {message.get('id')}")
        if label is None:
            raise EmulatorError("find_component() needs custom_id or label")
        return self._match_label(message, label)[0]

    @staticmethod
    def can_see(message: Mapping[str, Any], who: Mapping[str, Any]) -> bool:
        """Whether a member sees a message: an ephemeral one only its interaction's invoker does."""
        if not int(message.get("flags") or 0) & EPHEMERAL:
            return True
        invoker = (message.get("interaction_metadata") or {}).get("user") or {}
        return invoker.get("id") in (None, str(who["id"]))

    def _check_visible(self, message: Mapping[str, Any], who: Mapping[str, Any]) -> None:
        if not self.can_see(message, who):
            invoker = message["interaction_metadata"]["user"]["username"]
            raise EmulatorError(
                f"message {message.get('id')} is ephemeral: only {invoker} sees it, so {who['username']} can't use it"
            )

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
        self._check_visible(current, kw.get("user") or self.user)
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

    async def submit(
        self,
        modal: Mapping[str, Any],
        values: Mapping[str, str] | None = None,
        *,
        message: Mapping[str, Any] | None = None,
        **kw: Any,
    ) -> InteractionResult:
        """Fill in and send a form (modal) the bot opened (``InteractionResult.modal``): unnamed fields keep their
        pre-filled value, as the client sends them. ``message`` is the message whose button opened the form."""
        timeout = kw.pop("timeout", 10.0)
        current = self.messages.get(int(message["id"]), dict(message)) if message is not None else None
        payload = p.modal_submit(modal, values or {}, message=current, **self._payload_kwargs(kw))
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

    # ------------------------------------------------------------------ chat

    def _more_messages_than(self, count: int) -> Callable[[], bool]:
        """A predicate: the channel now holds more than ``count`` messages."""
        return lambda: len(self.channel_messages) > count

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
        if session is not None and not session.intents & MESSAGE_CONTENT_INTENT and not mentions:
            # Without the privileged message content intent Discord blanks guild messages that
            # don't mention the bot; a bot relying on content it can't see must find out here.
            payload |= {"content": "", "embeds": [], "attachments": [], "components": []}
        await self.dispatch("MESSAGE_CREATE", payload, guild_id=self.guild_id)
        if not await self._wait(lambda: len(self.channel_messages) > start, timeout):
            return []
        count = len(self.channel_messages)
        while await self._wait(self._more_messages_than(count), settle):
            count = len(self.channel_messages)
        return [json.loads(json.dumps(m)) for m in self.channel_messages[start:]]
