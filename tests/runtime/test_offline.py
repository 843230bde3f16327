"""``bot.py --offline``: piped commands in, a readable transcript out; other members, autocomplete, files, hints."""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from pathlib import Path

import discord
import pytest
from discord.gateway import DiscordWebSocket

from coach.errors import ConfigError
from coach.settings import Settings
from runtime.offline import run_offline
from tests.coach.test_importer import STRONG
from tests.e2e.test_emulator_e2e import BOT, STARTUP_TIMEOUT_S, bot_env

HEARTBEAT_INTERVAL_ENV = "EMULATOR_HEARTBEAT_INTERVAL_MS"

# discord.py warns "Can't keep up" only when an ack looks more than 10 s late, so the interval must exceed that.
HEARTBEAT_MS = 10_500


async def transcript_of(settings: Settings, *lines: str) -> str:
    """Run the offline prompt over piped lines and return what it printed."""
    out = io.StringIO()
    status = await run_offline(settings, stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out)
    assert status == 0, out.getvalue()
    return out.getvalue()


def answers(transcript: str, line: str) -> list[str]:
    """What was printed after each echo of ``line``, in order."""
    return [part.split("\n> ", 1)[0] for part in transcript.split(f"> {line}\n")[1:]]


async def test_piped_session_transcript(settings: Settings) -> None:
    base, gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    discord_level = logging.getLogger("discord").level

    transcript = await transcript_of(
        settings,
        "/plan push",
        "# comments and blank lines are skipped",
        "",
        "/plan day:lower protocol:traditional",
        "/plna push",
        "/plan dya:push",
        "click Nothing",
        "@coach help",
        "/log exercise:bench weight:225 reps:5 unit:lb",
        "/log exercise:cable kickback weight:35 reps:12 unit:lb",
        "click Cable Triceps Kickback",
        "help",
        "quit",
        "/plan pull",  # after quit: never run
    )

    assert "coach> " not in transcript  # no prompt noise when stdin is not a terminal
    [push] = answers(transcript, "/plan push")
    order = ["Triceps Pushdown", "Overhead Tricep Extension", "Front Raise", "Lateral Raise", "Shoulder Press"]
    positions = [push.index(f". {name} ") for name in order]
    assert positions == sorted(positions)
    assert "Protocol: traditional" in transcript
    assert "error: unknown command /plna. Did you mean /plan?" in transcript
    assert "has no option 'dya'" in transcript
    assert "error: no button or option 'Nothing' on recent replies" in transcript
    [pointer] = answers(transcript, "@coach help")
    assert "/plan day:lower" in pointer, pointer
    [bench] = answers(transcript, "/log exercise:bench weight:225 reps:5 unit:lb")
    assert "Bench Press — 225 lb × 5" in bench, bench
    [asked] = answers(transcript, "/log exercise:cable kickback weight:35 reps:12 unit:lb")
    assert "which one did you do?" in asked, asked
    [picked] = answers(transcript, "click Cable Triceps Kickback")
    assert "Cable Triceps Kickback — 35 lb × 12" in picked, picked
    [help_text] = answers(transcript, "help")
    assert "/plan day:<" in help_text
    assert "as <name> <line>" in help_text
    assert "exercise:benc?" in help_text
    assert "> /plan pull" not in transcript
    # Global discord.py state and log levels are put back for whoever runs next in this process.
    assert (base, gateway) == (discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    assert logging.getLogger("discord").level == discord_level


async def test_eof_ends_the_session(settings: Settings) -> None:
    assert "offline" in await transcript_of(settings)


async def test_other_members_ownership_privacy_and_admin(settings: Settings) -> None:
    transcript = await transcript_of(
        settings,
        "/log exercise:bench press weight:100 reps:5",
        "as sam click Undo",
        "/settings share:public",
        "/log exercise:bench press weight:100 reps:6",
        "as sam click Undo",
        "as sam /log exercise:leg extension weight:50 reps:12",
        "as sam /log exercise:bench press weight:60 reps:5",
        "as Sam /history",
        "/history",
        "as sam /compare",
        "/compare",
        "/config",
        "as admin /config",
        "as coach /plan push",
        "as sam",
    )

    private_undo, public_undo = answers(transcript, "as sam click Undo")
    # Sam can't even see lifter's private reply; the public one shows, but its button isn't Sam's.
    assert "no button or option 'Undo' on recent replies that @sam can see" in private_undo
    assert "That button isn't yours" in public_undo
    # "sam" and "Sam" are one member, with their own log: nobody sees another member's sets.
    [sam_history] = answers(transcript, "as Sam /history")
    [own_history] = answers(transcript, "/history")
    assert "Leg Extension" in sam_history
    assert "Bench Press · 60 lb" in sam_history
    assert "100 lb" not in sam_history
    assert "Bench Press · 100 lb" in own_history
    assert "Leg Extension" not in own_history
    assert "60 lb" not in own_history
    [sam_compare] = answers(transcript, "as sam /compare")
    [own_compare] = answers(transcript, "/compare")
    assert "60 lb" in sam_compare
    assert "100 lb" not in sam_compare
    assert "100 lb" in own_compare
    assert "60 lb" not in own_compare
    [denied] = answers(transcript, "/config")
    [allowed] = answers(transcript, "as admin /config")
    assert "Manage Server" in denied
    assert "Evidence replies are" not in denied
    assert "Evidence replies are" in allowed
    assert "is the bot" in answers(transcript, "as coach /plan push")[0]
    assert "as <name> <what to do>" in answers(transcript, "as sam")[0]


async def test_autocomplete_values_by_choice_files_and_hints(settings: Settings, tmp_path: Path) -> None:
    export = tmp_path / "strong export.csv"
    export.write_bytes(STRONG)
    transcript = await transcript_of(
        settings,
        "/log exercise:benc?",
        "/plan day:pu?",
        "/plan pull dumbbells",
        "/plan pull gym bodyweight",
        "/privacy import file:no-such-export.csv",
        f'/privacy import file:"{export}"',
        "hello there",
        "plan push",
    )

    [suggested] = answers(transcript, "/log exercise:benc?")
    assert suggested.startswith("Suggestions for exercise:\n")
    assert "- Bench Press  → bench_press" in suggested
    [days] = answers(transcript, "/plan day:pu?")
    assert days.splitlines()[1:3] == ["- push", "- pull"]
    [pull] = answers(transcript, "/plan pull dumbbells")
    assert "Equipment: dumbbells" in pull
    assert "is not one of" in answers(transcript, "/plan pull gym bodyweight")[0]
    [missing] = answers(transcript, "/privacy import file:no-such-export.csv")
    assert "error: file: no file 'no-such-export.csv'" in missing
    [imported] = answers(transcript, f'/privacy import file:"{export}"')
    assert "Imported from Strong" in imported
    [chat] = answers(transcript, "hello there")
    assert "isn't a command" in chat
    assert "say <text>" in chat
    assert "help" in chat
    assert "unknown command" not in chat
    assert "Slash commands start with /: /plan push" in answers(transcript, "plan push")[0]


@pytest.mark.parametrize("raw", ["fast", "0", "99", "-5", "41.25"])
def test_heartbeat_interval_setting_is_checked(raw: str) -> None:
    with pytest.raises(ConfigError, match=HEARTBEAT_INTERVAL_ENV):
        Settings.from_env({HEARTBEAT_INTERVAL_ENV: raw}, env_file=None)
    assert Settings.from_env({}, env_file=None).emulator_heartbeat_interval_ms is None
    assert (
        Settings.from_env({HEARTBEAT_INTERVAL_ENV: " 10500 "}, env_file=None).emulator_heartbeat_interval_ms == 10_500
    )


async def test_idle_prompt_keeps_up_with_heartbeats(tmp_path: Path) -> None:
    """A real ``bot.py --offline`` process waiting at the prompt through two heartbeats: no "Can't keep up"."""
    env = bot_env(tmp_path, **{HEARTBEAT_INTERVAL_ENV: str(HEARTBEAT_MS)})
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(BOT),
        "--offline",
        cwd=tmp_path,  # no .env there
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    try:
        banner = await asyncio.wait_for(proc.stdout.readline(), STARTUP_TIMEOUT_S)
        assert b"offline" in banner, banner
        # Idle with stdin open: the HELLO heartbeat, then two from discord.py's keep-alive thread.
        await asyncio.sleep(2 * HEARTBEAT_MS / 1000 + 1.5)
        proc.stdin.write(b"as sam /log exercise:benc?\n/plan push\nquit\n")
        await proc.stdin.drain()
        proc.stdin.close()
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    stdout, stderr = out.decode(errors="replace"), err.decode(errors="replace")

    assert proc.returncode == 0, stderr[-4000:]
    assert "Can't keep up" not in stdout + stderr, stderr[-4000:]
    assert "Traceback" not in stderr, stderr[-4000:]
    assert "- Bench Press" in stdout, stdout[-4000:]
    assert "Triceps Pushdown" in stdout, stdout[-4000:]


async def test_a_workout_card_with_its_form_offline(settings: Settings) -> None:
    transcript = await transcript_of(
        settings,
        "/plan push",
        "click Start workout",
        "click Edit",
        "25",  # weight
        "12",  # reps
        "",  # RPE: Enter leaves it empty
        "",
        "",
        "click Done",
        "as sam click Start workout",
        "click End workout",
    )
    assert "The bot opened a form, 'Set 1 of 3 · Triceps Pushdown'" in transcript
    assert "  Reps: 12" in transcript
    assert "✅ Logged Triceps Pushdown 25 lb × 12" in transcript
    assert "Set 3 of 3" in transcript
    # The form's empty lines were answers, not skipped: the next command ran as itself.
    assert "> click Done" in transcript
    assert "Triceps Pushdown — 2 sets, best 25 lb × 12" in transcript
    assert "workout done" in transcript
