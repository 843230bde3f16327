"""Discord's limits on what a bot sends: message payloads, command registrations, autocomplete choices.

Each validator returns ``{path: problem}`` (empty when valid), the paths as Discord reports them in a
50035 Invalid Form Body (see :func:`emulator.responses.form_errors`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["validate_choices", "validate_commands", "validate_message_payload", "validate_modal", "walk_components"]


def walk_components(components: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    """Every component, depth-first, through action rows and v2 containers/sections."""
    for comp in components:
        yield comp
        for key in ("components",):
            yield from walk_components(comp.get(key) or [])
        accessory = comp.get("accessory")
        if accessory:
            yield from walk_components([accessory])


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
        for comp in walk_components([row]):
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


def validate_choices(choices: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Discord's limits on an autocomplete result: 25 choices, names 1-100, string values up to 100."""
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


def validate_modal(data: Mapping[str, Any]) -> dict[str, str]:
    """Discord's limits on a form (modal): title 1-45, custom id 1-100, 1-5 text inputs with labels 1-45,
    custom ids unique, lengths within 0-4000 and a pre-filled value no longer than the maximum."""
    problems: dict[str, str] = {}
    if not 1 <= len(str(data.get("title") or "")) <= 45:
        problems["data.title"] = "Must be between 1 and 45 in length."
    if not 1 <= len(str(data.get("custom_id") or "")) <= 100:
        problems["data.custom_id"] = "Must be between 1 and 100 in length."
    rows = list(data.get("components") or [])
    if not 1 <= len(rows) <= 5:
        problems["data.components"] = "Must be between 1 and 5 in length."
    seen: set[str] = set()
    for i, row in enumerate(rows):
        inputs = list(row.get("components") or ([row["component"]] if "component" in row else []))
        for j, comp in enumerate(inputs):
            where = f"data.components.{i}.components.{j}"
            if comp.get("type") != 4:
                continue
            custom_id = str(comp.get("custom_id") or "")
            if not 1 <= len(custom_id) <= 100 or custom_id in seen:
                problems[f"{where}.custom_id"] = "Must be unique and between 1 and 100 in length."
            seen.add(custom_id)
            label = comp.get("label") if comp.get("label") is not None else row.get("label")
            if not 1 <= len(str(label or "")) <= 45:
                problems[f"{where}.label"] = "Must be between 1 and 45 in length."
            maximum = int(comp.get("max_length") or 4000)
            if not 1 <= maximum <= 4000 or not 0 <= int(comp.get("min_length") or 0) <= maximum:
                problems[f"{where}.max_length"] = "Must be between 1 and 4000."
            if len(str(comp.get("value") or "")) > maximum:
                problems[f"{where}.value"] = f"Must be {maximum} or fewer in length."
            if len(str(comp.get("placeholder") or "")) > 100:
                problems[f"{where}.placeholder"] = "Must be 100 or fewer in length."
    return problems
