"""The server's schedule through the real bot with an injected clock: /config, the plan of the day, the recap,
reminders, /recap and streaks. Ticks are run by hand (the real loop waits for a gateway READY these tests
never send), so every post is exactly where the clock says it is.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import pytest
from sqlalchemy import select

from catalog import Catalog
from coach.evidence import EvidenceBase
from coach.settings import Settings
from db.engine import create_engine
from db.migrate import upgrade_to_head
from db.models import ScheduledPost
from emulator import payloads
from emulator.driver import Harness, RestCall
from runtime.client import CoachBot
from runtime.runner import build_bot
from tests.clock import Clock
from tests.conftest import APPLICATION_ID, BOT_USER_ID
from tests.db.fixtures import (  # noqa: F401 - fixtures are found by name
    backend,
    db_url,
    engine,
    pg_database,
    sqlite_template,
)


async def start_bot(settings: Settings, catalog: Catalog, evidence: EvidenceBase, clock: Clock) -> CoachBot:
    """The real bot with its cogs, on the test database, with this clock (no gateway)."""
    db_engine = create_engine(settings.database_url)
    await upgrade_to_head(db_engine)
    bot = build_bot(settings, db_engine, catalog=catalog, evidence=evidence, sync_commands=False)
    bot.clock = clock
    bot.logbook._clock = bot.insight._clock = bot.community._clock = bot.workouts._clock = clock
    await bot._async_setup_hook()
    bot._connection.user = discord.ClientUser(state=bot._connection, data=payloads.user(BOT_USER_ID, "coach", bot=True))  # type: ignore[arg-type]
    bot._connection.application_id = APPLICATION_ID
    await bot.setup_hook()
    return bot


async def harness_for(
    bot: CoachBot, monkeypatch: pytest.MonkeyPatch, like: Harness | None = None, *, holds_guild: bool = True
) -> Harness:
    h = Harness(bot, application_id=APPLICATION_ID, bot_user_id=BOT_USER_ID)
    h.install(monkeypatch)
    if like is not None:  # the same server and members, seen by another process
        h.guild_id, h.channel_id, h.default_user = like.guild_id, like.channel_id, like.default_user
    if holds_guild:  # a process holds a guild when its shard received the guild's GUILD_CREATE
        await h.create_guild()
    return h


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 5, 0, tzinfo=UTC))  # a Monday, 05:00 UTC: before any post of the day


@pytest.fixture
async def scheduled(
    settings: Settings, catalog: Catalog, evidence: EvidenceBase, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[CoachBot, Harness]]:
    bot = await start_bot(settings, catalog, evidence, clock)
    try:
        yield bot, await harness_for(bot, monkeypatch)
    finally:
        await bot.close()
        await bot.engine.dispose()


def posts(harness: Harness, channel_id: int | None = None) -> list[RestCall]:
    """Messages the bot posted in a channel (not interaction replies)."""
    channel = channel_id or harness.channel_id
    return [c for c in harness.history if c.method == "POST" and c.path == f"/channels/{channel}/messages"]


async def tick(bot: CoachBot) -> int:
    return await bot.get_cog("ScheduleCog").tick()  # type: ignore[union-attr]


async def configure(harness: Harness, **options: Any) -> str:
    """/config as a member with Manage Server; ``plan_channel`` is a channel id (sent as a channel option)."""
    raw: list[dict[str, Any]] = []
    resolved: dict[str, Any] = {}
    for name, value in options.items():
        if name == "plan_channel":
            raw.append({"name": name, "type": 7, "value": str(value)})
            resolved = {"channels": {str(value): {
                "id": str(value), "type": 0, "name": "training", "permissions": payloads.BOT_PERMISSIONS,
            }}}  # fmt: skip
        else:
            raw.append({"name": name, "type": 3, "value": value})
    reply = await harness.slash(
        "config", raw_options=raw, resolved=resolved or None, permissions=payloads.MANAGER_PERMISSIONS
    )
    return reply.content


async def test_the_plan_of_the_day_posts_once_at_local_time(scheduled: tuple[CoachBot, Harness], clock: Clock) -> None:
    bot, harness = scheduled
    text = await configure(harness, plan_channel=str(harness.channel_id), plan_time="07:00", timezone="Europe/Berlin")
    assert "Plan of the day: **on**" in text
    assert "07:00** Europe/Berlin on Mon lower · Tue push · Wed pull" in text
    clock.set(datetime(2026, 11, 23, 5, 59, tzinfo=UTC))  # 06:59 in Berlin (UTC+1)
    assert await tick(bot) == 0
    clock.set(datetime(2026, 11, 23, 6, 0, 30, tzinfo=UTC))  # 07:00:30 in Berlin
    assert await tick(bot) == 1
    (post,) = posts(harness)
    assert "Plan of the day — Monday: lower" in post.json["content"]
    assert "Posted late" not in post.json["content"]
    assert post.json["embeds"][0]["title"] == "Monday · Lower body"
    labels = [c["label"] for row in post.json["components"] for c in row["components"]]
    assert labels == ["Start workout", "My numbers"]
    assert post.json["allowed_mentions"] == {"parse": []}
    # Later ticks the same day post nothing more; Thursday is a rest day.
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    assert await tick(bot) == 0
    clock.set(datetime(2026, 11, 26, 6, 30, tzinfo=UTC))
    assert await tick(bot) == 0
    assert len(posts(harness)) == 1


async def test_the_post_keeps_its_local_time_across_a_dst_change(
    scheduled: tuple[CoachBot, Harness], clock: Clock
) -> None:
    bot, harness = scheduled
    await configure(harness, plan_channel=str(harness.channel_id), plan_time="07:00", timezone="America/New_York",
                    week="sat:lower sun:push mon:pull")  # fmt: skip
    # New York leaves daylight saving on Sunday 1 November 2026, 02:00.
    clock.set(datetime(2026, 10, 31, 10, 59, tzinfo=UTC))  # Saturday 06:59 EDT
    assert await tick(bot) == 0
    clock.set(datetime(2026, 10, 31, 11, 0, tzinfo=UTC))  # Saturday 07:00 EDT
    assert await tick(bot) == 1
    clock.set(datetime(2026, 11, 1, 11, 30, tzinfo=UTC))  # Sunday 06:30 EST: not yet
    assert await tick(bot) == 0
    clock.set(datetime(2026, 11, 1, 12, 0, tzinfo=UTC))  # Sunday 07:00 EST
    assert await tick(bot) == 1
    assert [p.json["content"].split("—")[1].split(".")[0].strip() for p in posts(harness)] == [
        "Saturday: lower",
        "Sunday: push",
    ]


async def test_a_restart_after_the_post_doesnt_post_again_and_a_late_start_says_so(
    settings: Settings, catalog: Catalog, evidence: EvidenceBase, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = await start_bot(settings, catalog, evidence, clock)
    harness = await harness_for(bot, monkeypatch)
    await configure(harness, plan_channel=str(harness.channel_id), plan_time="07:00", timezone="UTC")
    clock.set(datetime(2026, 11, 23, 7, 0, 5, tzinfo=UTC))
    assert await tick(bot) == 1
    await bot.close()
    await bot.engine.dispose()
    # The process restarts a minute later: nothing new.
    clock.set(datetime(2026, 11, 23, 7, 1, tzinfo=UTC))
    bot = await start_bot(settings, catalog, evidence, clock)
    again = await harness_for(bot, monkeypatch, like=harness)
    assert await tick(bot) == 0
    assert posts(again) == []
    await bot.close()
    await bot.engine.dispose()
    # Down over Tuesday's 07:00, back at 09:40: the post comes late, and says so.
    clock.set(datetime(2026, 11, 24, 9, 40, tzinfo=UTC))
    bot = await start_bot(settings, catalog, evidence, clock)
    try:
        late = await harness_for(bot, monkeypatch, like=harness)
        assert await tick(bot) == 1
        (post,) = posts(late)
        assert "Plan of the day — Tuesday: push" in post.json["content"]
        assert "Posted late: I was offline at 07:00" in post.json["content"]
        async with bot.session_factory() as session:
            rows = list(await session.scalars(select(ScheduledPost).order_by(ScheduledPost.local_date)))
        assert [(r.kind, str(r.local_date), r.late) for r in rows] == [
            ("plan", "2026-11-23", False),
            ("plan", "2026-11-24", True),
        ]
        assert all(r.message_id for r in rows)
    finally:
        await bot.close()
        await bot.engine.dispose()


async def test_bad_schedule_settings_are_refused_and_change_nothing(scheduled: tuple[CoachBot, Harness]) -> None:
    _, harness = scheduled
    for options, expected in (
        ({"timezone": "Mars/Olympus"}, "isn't a time zone"),
        ({"plan_time": "25:00"}, "isn't a time of day"),
        ({"week": "mon:legs"}, "isn't a training day"),
        ({"recap": "on"}, "set `plan_channel` too"),
    ):
        assert expected in await configure(harness, **options)
    # Refused with the evidence setting in the same command: nothing of it is saved either.
    assert "isn't a time zone" in await configure(harness, evidence_replies="on", timezone="Mars/Olympus")
    text = await configure(harness)
    assert "Plan of the day: **off**" in text
    assert "Weekly recap: **off**" in text
    assert "Evidence replies are **off**" in text
    member = await harness.slash("config", {"plan_time": "08:00"})
    assert "Manage Server" in member.content


async def log_sets(harness: Harness, user: dict[str, Any], sets: list[tuple[str, float, int, str]]) -> None:
    for exercise, weight, reps, when in sets:
        options = {"exercise": exercise, "weight": weight, "reps": reps, "unit": "kg", "when": when}
        reply = await harness.slash("log", options, user=user, locale="en-GB")
        assert reply.embeds, reply.content


async def test_the_recap_names_only_members_who_opted_in_and_matches_stats(
    scheduled: tuple[CoachBot, Harness], clock: Clock
) -> None:
    bot, harness = scheduled
    await configure(harness, plan_channel=str(harness.channel_id), timezone="UTC", recap="on")
    alice, bob = harness.default_user, harness.new_user("bob")
    clock.set(datetime(2026, 11, 29, 17, 0, tzinfo=UTC))  # Sunday 17:00
    for day in ("2026-11-24", "2026-11-26", "2026-11-28"):
        await log_sets(harness, alice, [
            ("leg extension", 50, 15, f"{day} 07:00"), ("leg extension", 50, 15, f"{day} 07:03"),
            ("back squat", 100, 6, f"{day} 07:10"), ("back squat", 100, 6, f"{day} 07:15"),
        ])  # fmt: skip
    await log_sets(harness, bob, [("bench press", 80, 8, "2026-11-25 18:00")])
    await harness.slash("settings", {"recap": "on", "sessions_per_week": 3}, locale="en-GB")
    clock.set(datetime(2026, 11, 29, 18, 0, 1, tzinfo=UTC))  # Sunday 18:00: the recap is due
    assert await tick(bot) == 1
    (post,) = posts(harness)
    embed = post.json["embeds"][0]
    assert embed["title"].startswith("📊 Weekly recap — week of Mon 23 Nov")
    assert f"<@{alice['id']}>" in embed["description"]
    assert bob["id"] not in str(post.json), "Bob never opted in: not named, not counted"
    assert "3/3 sessions this week · 1-week streak" in embed["description"]
    together = embed["fields"][0]["value"]
    stats = await harness.slash("stats", {}, locale="en-GB")
    summary = stats.embeds[0]["description"]
    assert "**3 sessions** · 12 hard sets" in summary, summary
    assert together.startswith("12 sets · 3 🔥 pre-exhaust pairs")
    assert "Consistency: **3/3 sessions this week · 1-week streak**" in summary
    # On demand, privately.
    mine = await harness.slash("recap", {}, locale="en-GB")
    assert mine.ephemeral
    assert mine.embeds[0]["fields"][0]["value"] == together


async def test_reminders_go_out_on_training_days_and_stop_quietly_when_dms_are_closed(
    scheduled: tuple[CoachBot, Harness], clock: Clock
) -> None:
    bot, harness = scheduled
    await configure(harness, plan_channel=str(harness.channel_id), plan_time="07:00", timezone="UTC")
    saved = await harness.slash("settings", {"reminder": "06:30"}, locale="en-GB")
    assert "Reminders: **06:30** on training days" in saved.content
    member = int(harness.default_user["id"])
    clock.set(datetime(2026, 11, 23, 6, 31, tzinfo=UTC))  # Monday: lower day
    assert await tick(bot) == 1
    dm = harness.dm_channels[member]
    (reminder,) = posts(harness, dm)
    assert "**Lower day today**" in reminder.json["content"]
    assert [c["label"] for row in reminder.json["components"] for c in row["components"]] == [
        "Start workout",
        "My numbers",
    ]
    assert await tick(bot) == 0, "one reminder a day"
    # Tuesday the member's DMs are closed: reminders go off, and the next command says so, once.
    harness.closed_dms.add(member)
    clock.set(datetime(2026, 11, 24, 6, 31, tzinfo=UTC))
    assert await tick(bot) == 0
    settings = await harness.slash("settings", {}, locale="en-GB")
    assert "Reminders: **off**" in settings.content
    note = next(m for m in settings.messages[1:] if "reminders are **off**" in m.get("content", ""))
    assert note["flags"] & 64
    again = await harness.slash("settings", {}, locale="en-GB")
    assert len(again.messages) == 1, "told once"
    clock.set(datetime(2026, 11, 25, 6, 31, tzinfo=UTC))
    assert await tick(bot) == 0


async def test_two_processes_post_once_per_guild(
    db_url: str,  # noqa: F811 - the fixture
    engine: Any,  # noqa: F811 - empties PostgreSQL first
    tmp_path: Path,
    catalog: Catalog,
    evidence: EvidenceBase,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two processes serving the same guild (a shard handover, say) on one database, SQLite or PostgreSQL:
    both find the post due at the same tick; the claim lets exactly one of them make it."""
    settings = Settings(discord_token=None, database_url=db_url, data_dir=tmp_path)
    first = await start_bot(settings, catalog, evidence, clock)
    second = await start_bot(settings, catalog, evidence, clock)
    try:
        h1 = await harness_for(first, monkeypatch)
        await configure(h1, plan_channel=str(h1.channel_id), plan_time="07:00", timezone="UTC")
        # (A harness captures interaction replies class-wide, so the second one comes after the /config.)
        h2 = await harness_for(second, monkeypatch, like=h1)
        clock.set(datetime(2026, 11, 24, 7, 0, 1, tzinfo=UTC))
        results = await asyncio.gather(tick(first), tick(second))
        assert sorted(results) == [0, 1]
        assert len(posts(h1)) + len(posts(h2)) == 1
    finally:
        for bot in (first, second):
            await bot.close()
            await bot.engine.dispose()


async def test_forget_and_export_cover_the_schedule(scheduled: tuple[CoachBot, Harness], clock: Clock) -> None:
    bot, harness = scheduled
    await configure(harness, plan_channel=str(harness.channel_id), plan_time="07:00", timezone="UTC", recap="on")
    await harness.slash("settings", {"reminder": "06:30", "recap": "on", "sessions_per_week": 4}, locale="en-GB")
    await log_sets(harness, harness.default_user, [("back squat", 100, 5, "2026-11-23 04:00")])
    clock.set(datetime(2026, 11, 23, 6, 31, tzinfo=UTC))
    assert await tick(bot) == 1  # the reminder
    member = int(harness.default_user["id"])
    export = await bot.logbook.export(member, 10_000_000)
    doc = json.loads(next(f for f in export if f.filename.endswith(".json")).data.read())
    assert doc["settings"]["sessions_per_week"] == 4
    assert doc["settings"]["recap"] is True
    assert doc["settings"]["reminder_time"] == "06:30"
    assert doc["settings"]["reminder_guild_id"] == str(harness.guild_id)
    await bot.logbook.forget(member)
    async with bot.session_factory() as session:
        left = list(await session.scalars(select(ScheduledPost).where(ScheduledPost.target_id == member)))
    assert left == [], "the member's reminder records went too"
    clock.set(datetime(2026, 11, 29, 18, 0, 1, tzinfo=UTC))
    assert await tick(bot) == 1  # the recap, with nobody in it
    recap = posts(harness)[-1].json["embeds"][0]
    assert str(member) not in recap["description"]
    assert "has turned on `/settings recap:on` yet" in recap["description"]


async def test_a_schedule_set_after_todays_time_starts_with_the_next_post(
    scheduled: tuple[CoachBot, Harness], clock: Clock
) -> None:
    bot, harness = scheduled
    clock.set(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))  # Monday afternoon: today's 07:00 has passed
    await configure(harness, plan_channel=str(harness.channel_id), plan_time="07:00", timezone="UTC")
    assert await tick(bot) == 0, "not 'posted late': nothing was missed"
    clock.set(datetime(2026, 11, 24, 7, 0, 1, tzinfo=UTC))
    assert await tick(bot) == 1
    assert "Posted late" not in posts(harness)[0].json["content"]
    assert "Weekly recap: **on**" in await configure(harness, recap="on")
    off = await configure(harness, plan_posts="off")
    assert "Plan of the day: **off**" in off
    assert "Weekly recap: **off**" in off, "the recap goes to the plan channel: off with it"


async def test_a_failed_post_is_retried_only_when_the_failure_may_pass(
    scheduled: tuple[CoachBot, Harness], clock: Clock
) -> None:
    bot, harness = scheduled
    await configure(harness, plan_channel=str(harness.channel_id), plan_time="07:00", timezone="UTC")
    clock.set(datetime(2026, 11, 23, 7, 0, 1, tzinfo=UTC))
    harness.channel_errors[harness.channel_id] = 503
    assert await tick(bot) == 0
    del harness.channel_errors[harness.channel_id]
    assert await tick(bot) == 1, "Discord's 5xx passes: the claim went back and the next tick posts"
    # Tuesday the bot may not post there: logged, not retried every tick all day.
    clock.set(datetime(2026, 11, 24, 7, 0, 1, tzinfo=UTC))
    harness.channel_errors[harness.channel_id] = 403
    assert await tick(bot) == 0
    del harness.channel_errors[harness.channel_id]
    assert await tick(bot) == 0
    attempts = [p.json["content"].split(".**")[0] for p in posts(harness)]
    assert attempts == ["🗓️ **Plan of the day — Monday: lower"] * 2 + ["🗓️ **Plan of the day — Tuesday: push"]


async def test_only_a_process_holding_the_guild_posts_for_it(
    tmp_path: Path, catalog: Catalog, evidence: EvidenceBase, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(
        discord_token=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'two.db'}", data_dir=tmp_path
    )
    holder = await start_bot(settings, catalog, evidence, clock)
    other = await start_bot(settings, catalog, evidence, clock)
    try:
        h1 = await harness_for(holder, monkeypatch)
        await configure(h1, plan_channel=str(h1.channel_id), plan_time="07:00", timezone="UTC")
        h2 = await harness_for(other, monkeypatch, like=h1, holds_guild=False)
        clock.set(datetime(2026, 11, 24, 7, 0, 1, tzinfo=UTC))
        assert await tick(other) == 0, "another shard's guild"
        assert posts(h2) == []
        assert await tick(holder) == 1
    finally:
        for bot in (holder, other):
            await bot.close()
            await bot.engine.dispose()
