"""Member-typed text inside the bot's own messages: marked here, escaped where it is shown.

The domain builds messages that quote what a member sent ("I don't know an exercise called “…”").
``member_text`` wraps such a quote in Unicode directional isolates (U+2068 … U+2069) — invisible, and
the standard way to embed foreign text in a sentence — after removing every invisible formatting
character from it, so a member can never forge a marker. The reply layer (``runtime.text``) escapes
each marked span with its one escaping function; nothing a member typed reaches Discord as markdown.
"""

from __future__ import annotations

START = "\u2068"
END = "\u2069"
# Characters that change how text *looks* without being visible: bidi embeddings, overrides and isolates
# (which can make "gnp.exe" read as "exe.png") and zero-width characters.
INVISIBLE: dict[int, None] = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF], None
)
# A quote longer than this is cut: a message explains, it doesn't echo a whole paste back.
MAX_QUOTED = 100


def strip_invisible(text: str) -> str:
    """The text without bidi controls and zero-width characters."""
    return text.translate(INVISIBLE)


def member_text(value: object, limit: int = MAX_QUOTED) -> str:
    """A member-supplied value to quote in a message, marked for escaping by the reply layer."""
    text = strip_invisible(str(value))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"{START}{text}{END}"


def split_marked(message: str) -> list[tuple[str, bool]]:
    """The message as (part, is_member_text) pieces, in order."""
    parts: list[tuple[str, bool]] = []
    rest = message
    while (start := rest.find(START)) >= 0 and (end := rest.find(END, start)) >= 0:
        if start:
            parts.append((rest[:start], False))
        parts.append((rest[start + 1 : end], True))
        rest = rest[end + 1 :]
    if rest:
        parts.append((rest, False))
    return parts


def plain(message: str) -> str:
    """The message with its member-text markers removed (for logs, terminals and tests)."""
    return message.replace(START, "").replace(END, "")


def plural(n: int, word: str) -> str:
    """ "1 set", "2 sets", "1,000 sets": a count with its noun (regular plurals only)."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"
