"""Member-typed text in the bot's messages: one function shows it safely everywhere."""

from __future__ import annotations

import discord

from coach.text import split_marked, strip_invisible


def safe(text: str) -> str:
    """Member-typed text, shown literally: markdown and masked links escaped, no ping, no invisible reordering.

    The one function every reply uses for text a member typed (names, notes, search terms, errors).
    """
    # escape_markdown also escapes masked links ("[Claim Nitro](https://…)" never renders as a link).
    return discord.utils.escape_markdown(discord.utils.escape_mentions(strip_invisible(str(text))))


def render(message: str) -> str:
    """A domain message for Discord: each quote of member text (``coach.text.member_text``) escaped."""
    return "".join(safe(part) if quoted else part for part, quoted in split_marked(message))
