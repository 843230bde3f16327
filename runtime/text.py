"""Member-typed text in the bot's messages: one function shows it safely everywhere."""

from __future__ import annotations

import discord

# Characters that change how text *looks* without being visible: right-to-left overrides and isolates
# (which can make "gnp.exe" read as "exe.png") and zero-width characters.
_INVISIBLE = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF], None
)


def safe(text: str) -> str:
    """Member-typed text, shown literally: markdown and masked links escaped, no ping, no invisible reordering.

    The one function every reply uses for text a member typed (names, notes, search terms, errors).
    """
    visible = str(text).translate(_INVISIBLE)
    # escape_markdown also escapes masked links ("[Claim Nitro](https://…)" never renders as a link).
    return discord.utils.escape_markdown(discord.utils.escape_mentions(visible))
