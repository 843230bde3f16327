"""Text members type is stored exactly, shown safely, and can never ping; the chat listener can't be abused.

Allowed mentions: every message the bot sends in these tests — commands, buttons, errors, the chat
answer — is checked to carry ``allowed_mentions`` with nothing to parse (Discord's default, without
it, is to ping whatever the content mentions).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging

import pytest
from sqlalchemy import select

from cogs.evidence import MENTION_BURST
from db.models import LoggedSet
from emulator import payloads
from emulator.driver import Harness, RestCall
from tests.reliability.conftest import LogCapture, harness_bodies, message_problems

NOTE = (
    "**bold** _it_ `code` ||spoiler|| @everyone @here <@123456789012345678> <@&123456789012345678> # h [l](https://x.y)"
)
NAME = "**Zercher** @everyone ||squat||"
EVIDENCE_QUESTION = "does pre-exhaust actually work?"


async def stored(harness: Harness) -> list[LoggedSet]:
    """Every logged set, straight from the database."""
    async with harness.bot.session_factory() as session:
        return list((await session.execute(select(LoggedSet).order_by(LoggedSet.id))).scalars())


async def test_notes_and_custom_names_stored_exactly_shown_escaped_never_pinging(harness: Harness) -> None:
    reply = await harness.slash(
        "log", {"exercise": f"custom:{NAME}", "weight": 40.0, "reps": 8, "unit": "kg", "note": NOTE}, locale="en-GB"
    )
    (row,) = await stored(harness)
    assert (row.note, row.custom_name, row.exercise_name) == (NOTE, NAME, NAME), "stored exactly as typed"

    embed = reply.embeds[0]
    assert embed["title"].startswith(r"\*\*Zercher\*\* @")
    assert r"\|\|squat\|\|" in embed["title"]
    shown = embed["description"]
    for raw, escaped in (("**bold**", r"\*\*bold\*\*"), ("`code`", r"\`code\`"), ("||spoiler||", r"\|\|spoiler\|\|")):
        assert raw not in shown, (raw, shown)
        assert escaped in shown, (raw, shown)
    for mention in ("@everyone", "@here", "<@123456789012345678>", "<@&123456789012345678>"):
        assert mention not in shown, mention
        assert mention not in embed["title"], mention  # broken by a zero-width space

    history = await harness.slash("history")
    assert NOTE not in history.text()
    assert "@everyone" not in history.text()

    export = await harness.slash("privacy", subcommand="export")
    data = json.loads(export.files["pre-exhaust-coach-data.json"])
    assert data["sets"][0]["note"] == NOTE, "the export is exact"
    assert data["sets"][0]["exercise_name"] == NAME, "the export is exact"
    (csv_row,) = csv.DictReader(io.StringIO(export.files["pre-exhaust-coach-sets.csv"].decode("utf-8-sig")))
    assert csv_row["note"] == NOTE

    assert not message_problems(harness_bodies(harness.history))


async def test_every_message_the_bot_sends_disables_mentions(harness: Harness) -> None:
    """A tour of every command, button and error path; each message must ping nobody."""
    alice, bob = harness.new_user("alice"), harness.new_user("bob")
    manager = {"permissions": payloads.MANAGER_PERMISSIONS}
    await harness.slash("config", {"evidence_replies": "on"}, **manager)
    await harness.slash("config", **manager)
    await harness.slash("config", {"evidence_replies": "on"})  # refused
    await harness.slash("plan", {"day": "week"})
    await harness.slash("evidence")
    options = {"exercise": "bench press", "reps": 5, "note": "@everyone"}
    logged = [await harness.slash("log", {**options, "weight": 50.0 + i}, user=alice) for i in range(12)]
    await harness.slash("log", {"exercise": "nonexistent lift @everyone", "weight": 50.0, "reps": 5}, user=alice)
    await harness.slash("settings", {"share": "public"}, user=bob)
    await harness.slash("log", {"exercise": "bench press", "weight": 50.0, "reps": 5, "note": "@here"}, user=bob)
    await harness.click(logged[0].message, label="Undo", user=bob)  # not yours
    await harness.click(logged[0].message, label="Undo", user=alice)
    history = await harness.slash("history", user=alice)
    await harness.click(history.message, label="Older ▶", user=alice)
    await harness.slash("undo", user=alice)
    await harness.slash("undo", user=harness.new_user())  # nothing to undo
    await harness.slash("settings", user=alice)
    await harness.slash("privacy", subcommand="export", user=alice)
    forget = await harness.slash("privacy", subcommand="forget", user=alice)
    await harness.click(forget.message, label="Cancel", user=alice)
    forget = await harness.slash("privacy", subcommand="forget", user=bob)
    await harness.click(forget.message, label="Delete everything", user=bob)
    assert await harness.message(EVIDENCE_QUESTION, mention_bot=True) is not None

    sent = harness_bodies(harness.history)
    assert len(sent) >= 25
    assert not message_problems(sent)


async def test_evidence_listener_ignores_bots_webhooks_itself_and_holds_cooldown_under_flood(
    harness: Harness, logs: LogCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    await harness.slash("config", {"evidence_replies": "on"}, permissions=payloads.MANAGER_PERMISSIONS)
    cog = harness.bot.get_cog("EvidenceCog")
    now = [1000.0]
    # The cog's per-channel cooldown and mention limits, on a clock this test moves (no sleeping for a minute).
    for limiter in (cog._cooldown, cog._member_cooldown, cog._notices, cog._channel_mentions):  # type: ignore[union-attr]
        monkeypatch.setattr(limiter, "_clock", lambda: now[0])
    channels = (harness.channel_id, harness.other_channel_id)

    def replies() -> list[RestCall]:
        return [c for c in harness.history if c.method == "POST" and c.path.startswith("/channels/")]

    # Bots, webhooks and the bot itself are never answered, mentioned or not.
    robot = payloads.user(harness.ids.next(), "robot", bot=True)
    assert await harness.message(EVIDENCE_QUESTION, mention_bot=True, author=robot, wait=0.2) is None
    assert await harness.message(EVIDENCE_QUESTION, author=robot, wait=0.2) is None
    assert await harness.message(EVIDENCE_QUESTION, mention_bot=True, webhook_id=harness.ids.next(), wait=0.2) is None
    assert await harness.message(EVIDENCE_QUESTION, author=harness.bot_user, wait=0.2) is None
    assert replies() == []

    async def flood(n: int) -> None:
        for i in range(n):
            author = harness.new_user("spammer") if i % 2 else harness.default_user
            data = payloads.message_create(
                EVIDENCE_QUESTION if i % 3 else f"<@{harness.bot_user['id']}> {EVIDENCE_QUESTION}",
                author=author,
                channel_id=channels[i % 2],
                guild_id=harness.guild_id,
                mentions=[] if i % 3 else [harness.bot_user],
                ids=harness.ids,
            )
            await harness.dispatch("MESSAGE_CREATE", data)
        for _ in range(50):  # let every listener task run to completion
            await asyncio.sleep(0.01)

    def per_channel() -> dict[int, int]:
        counts: dict[int, int] = {}
        for call in replies():
            channel = int(call.path.split("/")[2])
            counts[channel] = counts.get(channel, 0) + 1
        return counts

    # Per channel and window: one unprompted reply, and at most MENTION_BURST answers to mentions, however
    # many accounts flood it (mentions are always answered in everyday use, never by the hundred).
    limit = 1 + MENTION_BURST
    await flood(1000)
    assert set(per_channel()) == set(channels)
    assert all(n <= limit for n in per_channel().values()), per_channel()
    sent = len(replies())
    now[0] += 9.0
    await flood(100)
    assert len(replies()) == sent, "still inside every window"
    now[0] += 52.0
    await flood(100)
    assert all(n <= 2 * limit for n in per_channel().values()), per_channel()
    assert len(replies()) > sent, "a new window answers again"
    assert not message_problems(harness_bodies(harness.history))
    assert not logs.at_least(logging.ERROR)
