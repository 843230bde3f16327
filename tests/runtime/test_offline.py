"""``bot.py --offline`` in-process: piped commands in, a readable transcript out, global state restored."""

from __future__ import annotations

import io
import logging

import discord
from discord.gateway import DiscordWebSocket

from coach.settings import Settings
from runtime.offline import run_offline


async def test_piped_session_transcript(settings: Settings) -> None:
    base, gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    discord_level = logging.getLogger("discord").level
    script = "\n".join(
        [
            "/plan push",
            "# comments and blank lines are skipped",
            "",
            "/plan day:lower protocol:traditional",
            "/plna push",
            "/plan dya:push",
            "click Nothing",
            "help",
            "quit",
            "/plan pull",  # after quit: never run
        ]
    )
    out = io.StringIO()

    status = await run_offline(settings, stdin=io.StringIO(script + "\n"), stdout=out)

    transcript = out.getvalue()
    assert status == 0
    assert "coach> " not in transcript  # no prompt noise when stdin is not a terminal
    assert "> /plan push\n" in transcript
    push = transcript.split("> /plan push\n", 1)[1].split("\n> ", 1)[0]
    order = ["Tricep Extension", "Overhead Tricep Extension", "Front Raise", "Lateral Raise", "Shoulder Press"]
    positions = [push.index(f". {name} ") for name in order]
    assert positions == sorted(positions)
    assert "Protocol: traditional" in transcript
    assert "error: unknown command /plna. Did you mean /plan?" in transcript
    assert "has no option 'dya'" in transcript
    assert "error: no button or option 'Nothing' on recent replies" in transcript
    assert "/plan day:<" in transcript  # help
    assert "> /plan pull" not in transcript
    # Global discord.py state and log levels are put back for whoever runs next in this process.
    assert (discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY) == (base, gateway)
    assert logging.getLogger("discord").level == discord_level


async def test_eof_ends_the_session(settings: Settings) -> None:
    out = io.StringIO()
    assert await run_offline(settings, stdin=io.StringIO(""), stdout=out) == 0
    assert "offline" in out.getvalue()
