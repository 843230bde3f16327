"""Plain-text rendering of what the bot shows, for the terminal of ``bot.py --offline``.

``render_message`` turns a message dict (as the emulator stores it) into readable text: content,
embeds, buttons and menus, attachments (saved to a folder when asked); ``render_suggestions`` lists
autocomplete choices.  Typed commands are parsed in :mod:`emulator.commandline`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["render_message", "render_suggestions"]

EPHEMERAL = 1 << 6
LOADING = 1 << 7
BAR = "│ "


# ---------------------------------------------------------------------- rendering


def _plain(text: str) -> str:
    """Markdown a terminal can't show -> plain text (bold/underline/code markers, mentions, timestamps)."""
    # Headers and -# subtext only change the size on Discord.
    text = re.sub(r"^(?:#{1,3}|-#) ", "", text, flags=re.M)
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text, flags=re.S)
    text = re.sub(r"__(.+?)__", r"\1", text, flags=re.S)
    text = re.sub(r"(?<!`)`([^`\n]+)`(?!`)", r"\1", text)
    text = re.sub(r"<@!?(\d+)>", r"@\1", text)
    text = re.sub(r"<#(\d+)>", r"#\1", text)
    text = re.sub(r"<@&(\d+)>", r"@role:\1", text)
    text = re.sub(r"</([\w -]+):\d+>", r"/\1", text)

    def _timestamp(match: re.Match[str]) -> str:
        when = datetime.fromtimestamp(int(match.group(1)), UTC)
        style = match.group(2)
        if style == "R":
            # What the client shows, frozen at rendering time: "in 75 s", "2 min ago".
            return _relative((when - datetime.now(UTC)).total_seconds())
        if style in ("t", "T"):
            return when.strftime("%H:%M:%S UTC" if style == "T" else "%H:%M UTC")
        return when.strftime("%Y-%m-%d %H:%M UTC")

    return re.sub(r"<t:(\d+)(?::([tTdDfFR]))?>", _timestamp, text)


def _relative(seconds: float) -> str:
    """A relative time as a Discord client words it, roughly: "in 75 s", "3 min ago"."""
    size = abs(seconds)
    amount = f"{size:.0f} s" if size < 120 else (f"{size / 60:.0f} min" if size < 7200 else f"{size / 3600:.0f} h")
    return f"in {amount}" if seconds >= 0 else f"{amount} ago"


def _attachment_name(url: str | None) -> str | None:
    if not url:
        return None
    if url.startswith("attachment://"):
        return url.removeprefix("attachment://")
    return url.rsplit("/", 1)[-1] or url


def _render_embed(embed: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    author = (embed.get("author") or {}).get("name")
    if author:
        lines.append(_plain(author))
    if embed.get("title"):
        title = _plain(str(embed["title"]))
        lines.append(title)
        lines.append("─" * min(len(title), 60))
    if embed.get("description"):
        lines.extend(_plain(str(embed["description"])).splitlines())
    for fld in embed.get("fields") or []:
        if lines:
            lines.append("")
        lines.append(_plain(str(fld.get("name", ""))))
        lines.extend("  " + line for line in _plain(str(fld.get("value", ""))).splitlines())
    for key, label in (("image", "image"), ("thumbnail", "thumbnail")):
        name = _attachment_name((embed.get(key) or {}).get("url"))
        if name:
            lines.append(f"[{label}: {name}]")
    footer = (embed.get("footer") or {}).get("text")
    if footer or embed.get("timestamp"):
        if lines:
            lines.append("")
        parts = [_plain(str(footer))] if footer else []
        if embed.get("timestamp"):
            parts.append(str(embed["timestamp"])[:16].replace("T", " "))
        lines.append("— " + " · ".join(parts))
    return [BAR + line if line else BAR.rstrip() for line in lines]


def _button(comp: Mapping[str, Any]) -> str:
    label = str(comp.get("label") or (comp.get("emoji") or {}).get("name") or comp.get("custom_id") or "?")
    if comp.get("style") == 5:
        label += f" ↗ {comp.get('url')}"
    if comp.get("disabled"):
        label += " (disabled)"
    return f"[{label}]"


def _render_components(components: Sequence[Mapping[str, Any]]) -> list[str]:
    lines: list[str] = []
    for comp in components:
        ctype = comp.get("type")
        if ctype == 1:  # action row: buttons side by side, selects on their own lines
            buttons = [_button(c) for c in comp.get("components") or [] if c.get("type") == 2]
            if buttons:
                lines.append(" ".join(buttons))
            lines.extend(_render_components([c for c in comp.get("components") or [] if c.get("type") != 2]))
        elif ctype == 2:
            lines.append(_button(comp))
        elif ctype in (3, 5, 6, 7, 8):
            placeholder = comp.get("placeholder") or "Choose…"
            state = " (disabled)" if comp.get("disabled") else ""
            lines.append(f"<{placeholder}>{state}")
            for opt in comp.get("options") or []:
                desc = f" — {opt['description']}" if opt.get("description") else ""
                mark = "*" if opt.get("default") else "-"
                lines.append(f"  {mark} {opt.get('label')}{desc}")
        elif ctype == 10:  # v2 text display
            lines.extend(_plain(str(comp.get("content", ""))).splitlines())
        elif ctype == 14:  # separator
            lines.append("")
        elif ctype in (9, 17):  # section, container
            lines.extend(_render_components(comp.get("components") or []))
            if comp.get("accessory"):
                lines.extend(_render_components([comp["accessory"]]))
    return lines


def _unique_path(directory: Path, filename: str) -> Path:
    safe = Path(filename).name or "file"
    path = directory / safe
    stem, suffix = path.stem, path.suffix
    n = 2
    while path.exists():
        path = directory / f"{stem}-{n}{suffix}"
        n += 1
    return path


def render_message(
    message: Mapping[str, Any],
    *,
    save_files_to: Path | None = None,
    files: Mapping[str, bytes] | None = None,
) -> str:
    """A message as terminal text: content, embeds, buttons/selects, attachments (saved when asked)."""
    lines: list[str] = []
    flags = int(message.get("flags") or 0)
    if flags & EPHEMERAL:
        lines.append("(only you can see this)")
    if flags & LOADING:
        lines.append("(Coach is thinking…)")
    if message.get("content"):
        lines.extend(_plain(str(message["content"])).splitlines())
    for embed in message.get("embeds") or []:
        if lines:
            lines.append("")
        lines.extend(_render_embed(embed))
    components = _render_components(message.get("components") or [])
    if components:
        if lines:
            lines.append("")
        lines.extend(components)
    for att in message.get("attachments") or []:
        name = str(att.get("filename", "file"))
        data = (files or {}).get(name)
        size = att.get("size", len(data) if data is not None else 0)
        if save_files_to is not None and data is not None:
            save_files_to.mkdir(parents=True, exist_ok=True)
            path = _unique_path(save_files_to, name)
            path.write_bytes(data)
            lines.append(f"📎 {name} ({size} bytes) saved to {path}")
        else:
            lines.append(f"📎 {name} ({size} bytes)")
    return "\n".join(lines)


def render_suggestions(option: str, choices: Sequence[Mapping[str, Any]]) -> str:
    """Autocomplete suggestions as a list: the name Discord shows, and the value it sends when that differs."""
    if not choices:
        return f"(no suggestions for {option})"
    lines = [f"Suggestions for {option}:"]
    for choice in choices:
        name, value = str(choice.get("name", "")), str(choice.get("value", ""))
        lines.append(f"- {name}" + (f"  → {value}" if value != name else ""))
    return "\n".join(lines)
