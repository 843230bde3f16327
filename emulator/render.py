"""Plain-text rendering of bot messages and parsing of typed slash commands, for the terminal.

``render_message`` turns a message dict (as the emulator stores it) into readable text;
``parse_command_line`` turns ``/log exercise:back squat weight:100 reps:6`` into the command name,
subcommand and typed options using the command definitions the bot synced; ``describe_commands``
is the ``help`` text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["describe_commands", "parse_command_line", "render_message"]

EPHEMERAL = 1 << 6
LOADING = 1 << 7
BAR = "│ "

# Option types (https://discord.com/developers/docs/interactions/application-commands).
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11
_TYPE_HINT = {
    STRING: "text",
    INTEGER: "whole number",
    BOOLEAN: "true/false",
    USER: "@member",
    CHANNEL: "#channel",
    ROLE: "@role",
    MENTIONABLE: "@member or @role",
    NUMBER: "number",
    ATTACHMENT: "file",
}


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
        return when.strftime("%Y-%m-%d %H:%M UTC")

    return re.sub(r"<t:(\d+)(?::[tTdDfFR])?>", _timestamp, text)


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


# ---------------------------------------------------------------------- parsing


@dataclass
class _Word:
    text: str
    quote_start: int | None  # index in text where the first quoted part began (None: unquoted)


# Straight and typographic quotes (phones and macOS substitute the latter).
_OPEN_QUOTES = {'"': '"', "“": "”", "„": "“", "'": "'", "‘": "’"}
_NAMED = re.compile(r"^([A-Za-z][\w-]*):")


def _split_words(text: str) -> list[_Word]:
    """Whitespace-separated words; quotes group spaces and are removed (apostrophes inside words stay)."""
    words: list[_Word] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        buf: list[str] = []
        quote_start: int | None = None
        while i < n and not text[i].isspace():
            ch = text[i]
            at_value_start = not buf or buf[-1] == ":"
            # A single quote only opens at the start of a value, so "don't" stays one plain word.
            if ch in _OPEN_QUOTES and (ch not in "'‘" or at_value_start):
                close = _OPEN_QUOTES[ch]
                end = text.find(close, i + 1)
                if ch == '"' and end == -1:
                    end = text.find("”", i + 1)
                if end == -1:
                    if ch in "'‘":
                        buf.append(ch)
                        i += 1
                        continue
                    raise ValueError(f"unclosed quote in {text[i:]!r}")
                if quote_start is None:
                    quote_start = len("".join(buf))
                buf.append(text[i + 1 : end])
                i = end + 1
            else:
                buf.append(ch)
                i += 1
        words.append(_Word("".join(buf), quote_start))
    return words


def _find_command(name: str, commands: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    slash = [c for c in commands if c.get("type", 1) == 1]
    for cmd in slash:
        if cmd["name"] == name.lower():
            return cmd
    names = sorted(c["name"] for c in slash)
    close = difflib.get_close_matches(name.lower(), names, n=1)
    hint = f" Did you mean /{close[0]}?" if close else ""
    raise ValueError(f"unknown command /{name}.{hint} Commands: {', '.join('/' + n for n in names)}")


def _choice_text(option: Mapping[str, Any]) -> str:
    choices = option.get("choices") or []
    if choices:
        return "|".join(str(c["name"]) for c in choices)
    return _TYPE_HINT.get(int(option.get("type", STRING)), "value")


def _convert(option: Mapping[str, Any], raw: str) -> Any:
    name = option["name"]
    otype = int(option.get("type", STRING))
    value: Any
    if otype == INTEGER:
        try:
            value = int(raw.replace("_", ""))
        except ValueError:
            raise ValueError(f"{name}: {raw!r} is not a whole number") from None
    elif otype == NUMBER:
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            raise ValueError(f"{name}: {raw!r} is not a number") from None
    elif otype == BOOLEAN:
        lowered = raw.lower()
        if lowered in ("true", "yes", "y", "on", "1"):
            value = True
        elif lowered in ("false", "no", "n", "off", "0"):
            value = False
        else:
            raise ValueError(f"{name}: {raw!r} is not true or false")
    elif otype == ATTACHMENT:
        raise ValueError(f"{name}: file options can't be sent from the terminal")
    else:
        value = raw  # strings; users/channels/roles stay as typed and the emulator resolves them
    choices = option.get("choices") or []
    if choices:
        for choice in choices:
            if str(choice["name"]).lower() == raw.lower() or str(choice["value"]).lower() == raw.lower():
                return choice["value"]
        raise ValueError(f"{name}: {raw!r} is not one of {', '.join(str(c['name']) for c in choices)}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        low, high = option.get("min_value"), option.get("max_value")
        if low is not None and value < low:
            raise ValueError(f"{name}: must be at least {low:g}")
        if high is not None and value > high:
            raise ValueError(f"{name}: must be at most {high:g}")
    if isinstance(value, str):
        low, high = option.get("min_length"), option.get("max_length")
        if low is not None and len(value) < low:
            raise ValueError(f"{name}: must be at least {low} characters")
        if high is not None and len(value) > high:
            raise ValueError(f"{name}: must be at most {high} characters")
    return value


def parse_command_line(line: str, commands: Sequence[Mapping[str, Any]]) -> tuple[str, str | None, dict[str, Any]]:
    """``/cmd [sub] values... name:value...`` -> (name, subcommand, typed options); ValueError explains bad input.

    Positional values fill options in declared order; ``name:value`` runs until the next known
    ``name:``, so ``exercise:back squat weight:100`` needs no quotes (quotes work too).
    """
    words = _split_words(line.strip())
    if not words or not words[0].text.lstrip("/"):
        raise ValueError("type a command, e.g. /plan day:push")
    cmd = _find_command(words[0].text.lstrip("/"), commands)
    name = str(cmd["name"])
    rest = words[1:]
    options: Sequence[Mapping[str, Any]] = cmd.get("options") or []
    path: list[str] = []
    while options and any(int(o.get("type", STRING)) in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in options):
        subs = {str(o["name"]): o for o in options}
        if not rest or rest[0].text.lower() not in subs:
            given = f" (got {rest[0].text!r})" if rest else ""
            raise ValueError(f"/{' '.join([name, *path])} needs one of: {', '.join(subs)}{given}")
        chosen = subs[rest[0].text.lower()]
        path.append(str(chosen["name"]))
        rest = rest[1:]
        options = chosen.get("options") or []
    by_name = {str(o["name"]).lower(): o for o in options}
    usage = f"/{' '.join([name, *path])}"

    positional: list[str] = []
    named: dict[str, list[str]] = {}
    current: str | None = None
    for word in rest:
        match = _NAMED.match(word.text)
        is_named = match is not None and (word.quote_start is None or match.end() <= word.quote_start)
        if match is not None and is_named:
            key = match.group(1).lower()
            if key not in by_name:
                known = ", ".join(by_name) or "none"
                close = difflib.get_close_matches(key, list(by_name), n=1)
                hint = f" Did you mean {close[0]}:?" if close else ""
                raise ValueError(
                    f"{usage} has no option {key!r}.{hint} Options: {known}"
                    " (quote values that contain 'word:', e.g. note:\"form: good\")"
                )
            if key in named:
                raise ValueError(f"{key} given twice")
            current = key
            value = word.text[match.end() :]
            named[key] = [value] if value else []
        elif current is not None:
            named[current].append(word.text)
        else:
            positional.append(word.text)

    values: dict[str, str] = {}
    free = [o for o in options if str(o["name"]).lower() not in named]
    if len(positional) > len(free):
        extra = " ".join(positional[len(free) :])
        raise ValueError(f"too many values for {usage}: {extra!r} (quote multi-word values or use name:value)")
    for option, raw in zip(free, positional, strict=False):
        values[str(option["name"])] = raw
    for key, parts in named.items():
        if not parts:
            raise ValueError(f"{key}: no value given")
        values[str(by_name[key]["name"])] = " ".join(parts)

    result: dict[str, Any] = {}
    by_position = {str(o["name"]) for o in free[: len(positional)]}
    for option in options:
        oname = str(option["name"])
        if oname in values:
            try:
                result[oname] = _convert(option, values[oname])
            except ValueError as exc:
                if oname not in by_position:
                    raise
                order = ", ".join(str(o["name"]) for o in free)
                raise ValueError(
                    f"{exc} (values without a name fill {order} in that order; quote multi-word values)"
                ) from None
        elif option.get("required"):
            raise ValueError(f"{usage}: missing required option {oname}:<{_choice_text(option)}>")
    return name, " ".join(path) or None, result


def _usage(prefix: str, options: Sequence[Mapping[str, Any]]) -> str:
    parts = [prefix]
    for option in options:
        text = f"{option['name']}:<{_choice_text(option)}>"
        parts.append(text if option.get("required") else f"[{text}]")
    return " ".join(parts)


def describe_commands(commands: Sequence[Mapping[str, Any]]) -> str:
    """``help`` text: each command's usage line, description and options."""
    blocks: list[str] = []
    for cmd in sorted((c for c in commands if c.get("type", 1) == 1), key=lambda c: str(c["name"])):
        options = cmd.get("options") or []
        subs = [o for o in options if int(o.get("type", STRING)) == SUB_COMMAND]
        groups = [o for o in options if int(o.get("type", STRING)) == SUB_COMMAND_GROUP]
        leaves: list[tuple[str, Mapping[str, Any]]] = [(f"/{cmd['name']} {s['name']}", s) for s in subs]
        for group in groups:
            leaves.extend((f"/{cmd['name']} {group['name']} {s['name']}", s) for s in group.get("options") or [])
        if not leaves:
            leaves = [(f"/{cmd['name']}", cmd)]
        for prefix, leaf in leaves:
            leaf_options = leaf.get("options") or []
            lines = [_usage(prefix, leaf_options), f"    {leaf.get('description') or cmd.get('description', '')}"]
            width = max((len(str(o["name"])) for o in leaf_options), default=0)
            for option in leaf_options:
                lines.append(f"      {str(option['name']).ljust(width)}  {option.get('description', '')}")
            blocks.append("\n".join(lines))
    blocks.append(
        "Also: click <button label> · select <option label> · say <text> · @Coach <text> · help · quit\n"
        'Values: positional in order, or name:value; quote or not: exercise:"back squat" = exercise:back squat'
    )
    return "\n\n".join(blocks)
