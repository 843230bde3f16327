"""Typed slash commands for the terminal: ``/log exercise:back squat weight:100 reps:6`` -> command and options.

:func:`parse_command_line` reads a line using the command definitions the bot synced: positional values
fill options in declared order, ``name:value`` runs until the next known ``name:``, a bare value that is
one of an option's choices goes to that option, a value ending in ``?`` asks for autocomplete, and a file
option takes a local path.  :func:`describe_commands` is the command part of the ``help`` text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CommandLine", "describe_commands", "parse_command_line", "static_suggestions"]

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
    ATTACHMENT: "path/to/file",
}
FOCUS_MARK = "?"


@dataclass(frozen=True)
class CommandLine:
    """A parsed command line: what to send, and for autocomplete which option is being typed."""

    name: str
    subcommand: str | None
    options: dict[str, Any]
    # Autocomplete: the option whose value ended in "?"; options[focused] is the text typed so far.
    focused: str | None = None
    focused_option: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)


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
        return _local_file(name, raw)
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


def _is_choice(option: Mapping[str, Any], raw: str) -> bool:
    folded = raw.casefold()
    return any(folded in (str(c["name"]).casefold(), str(c["value"]).casefold()) for c in option.get("choices") or [])


def _suggests(option: Mapping[str, Any]) -> bool:
    """Whether the Discord client would show suggestions while this option is typed."""
    return bool(option.get("autocomplete") or option.get("choices"))


def _local_file(name: str, raw: str) -> Path:
    path = Path(raw).expanduser()
    if not path.is_file():
        where = "" if path.is_absolute() else f" (relative paths start in {Path.cwd()})"
        raise ValueError(f"{name}: no file {raw!r}{where}")
    return path


def _slot_for(
    raw: str, slot: Mapping[str, Any] | None, open_options: Sequence[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The option a value without ``name:`` fills: the next one in order, unless it is another option's choice."""
    if slot is not None and _is_choice(slot, raw):
        return slot
    matching = [o for o in open_options if _is_choice(o, raw)]
    if len(matching) > 1:
        names = [str(o["name"]) for o in matching]
        raise ValueError(
            f"{raw!r} is a choice of {' and '.join(names)}; say which, e.g. {names[0]}:{raw} or {names[1]}:{raw}"
        )
    return matching[0] if matching else slot


def _split_named(
    rest: Sequence[_Word], by_name: Mapping[str, Mapping[str, Any]], usage: str
) -> tuple[list[str], dict[str, list[str]]]:
    """Words -> (values without a name, {option: words of its value})."""
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
    return positional, named


def _assign(
    positional: Sequence[str], named: Mapping[str, list[str]], options: Sequence[Mapping[str, Any]], usage: str
) -> tuple[dict[str, str], set[str]]:
    """Raw text per option name, and the names filled by values without a name."""
    values: dict[str, str] = {}
    for key, parts in named.items():
        if not parts:
            raise ValueError(f"{key}: no value given")
        option = next(o for o in options if str(o["name"]).lower() == key)
        values[str(option["name"])] = " ".join(parts)
    by_position: set[str] = set()
    for index, raw in enumerate(positional):
        open_options = [o for o in options if str(o["name"]) not in values]
        slot = _slot_for(raw, open_options[0] if open_options else None, open_options)
        if slot is None:
            extra = " ".join(positional[index:])
            raise ValueError(f"too many values for {usage}: {extra!r} (quote multi-word values or use name:value)")
        values[str(slot["name"])] = raw
        by_position.add(str(slot["name"]))
    return values, by_position


def _focus(values: Mapping[str, str], options: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The option being typed (its value ends in "?" and Discord would suggest values for it), if any."""
    focused = [o for o in options if values.get(str(o["name"]), "").endswith(FOCUS_MARK) and _suggests(o)]
    if len(focused) > 1:
        names = ", ".join(str(o["name"]) for o in focused)
        raise ValueError(f"only one option can end in {FOCUS_MARK} (the one you are typing); got {names}")
    return focused[0] if focused else None


def parse_command_line(line: str, commands: Sequence[Mapping[str, Any]]) -> CommandLine:
    """``/cmd [sub] values... name:value...`` -> :class:`CommandLine`; ValueError explains bad input.

    Positional values fill options in declared order, except that a value which is one of another
    option's choices goes there (``/plan pull dumbbells``); ``name:value`` runs until the next known
    ``name:``, so ``exercise:back squat weight:100`` needs no quotes (quotes work too).  A value ending
    in ``?`` on an option with suggestions (``/log exercise:benc?``) makes it an autocomplete request.
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

    positional, named = _split_named(rest, by_name, usage)
    values, by_position = _assign(positional, named, options, usage)
    focused = _focus(values, options)

    result: dict[str, Any] = {}
    for option in options:
        oname = str(option["name"])
        if option is focused:
            result[oname] = values[oname].removesuffix(FOCUS_MARK)  # sent as typed, unconverted
        elif oname in values:
            try:
                result[oname] = _convert(option, values[oname])
            except ValueError as exc:
                if oname not in by_position:
                    raise
                order = ", ".join(str(o["name"]) for o in options if str(o["name"]).lower() not in named)
                raise ValueError(
                    f"{exc} (values without a name fill {order} in that order; quote multi-word values)"
                ) from None
        elif option.get("required") and focused is None:
            raise ValueError(f"{usage}: missing required option {oname}:<{_choice_text(option)}>")
    return CommandLine(name, " ".join(path) or None, result, str(focused["name"]) if focused else None, focused)


def static_suggestions(option: Mapping[str, Any], typed: str) -> list[dict[str, Any]]:
    """The choices the Discord client lists itself for an option with fixed choices, given what was typed."""
    folded = typed.casefold()
    return [c for c in option.get("choices") or [] if folded in str(c["name"]).casefold()]


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
            lines.extend(f"      {str(o['name']).ljust(width)}  {o.get('description', '')}" for o in leaf_options)
            blocks.append("\n".join(lines))
    blocks.append(
        'Values fill options in order, or name:value; quotes optional: exercise:"back squat" = exercise:back squat.\n'
        "A value that is one of an option's choices goes to that option: /plan pull dumbbells.\n"
        "End a value with ? to see the suggestions for it: /log exercise:benc?"
    )
    return "\n\n".join(blocks)
