"""The guided workout through the real bot: /plan's Start workout, the card's buttons, its form, /workout.

Raw INTERACTION_CREATE payloads in (button presses, select menus and form submits included), captured
REST replies out, on a real SQLite file.
"""

from __future__ import annotations

import copy
from typing import Any

import discord
import pytest
from sqlalchemy import select

from db.engine import create_engine
from db.models import LoggedSet
from emulator.driver import Harness, Reply
from runtime.components import NOT_YOURS
from runtime.runner import build_bot
from tests.conftest import APPLICATION_ID, BOT_USER_ID

GB = {"locale": "en-GB"}  # a kg locale


def labels(message: dict[str, Any]) -> list[str]:
    """The labels of a message's buttons, in order (select menus as their placeholder)."""
    return [c.get("label") or c.get("placeholder") for row in message.get("components", []) for c in row["components"]]


def custom_ids(message: dict[str, Any]) -> list[str]:
    """Every component custom id on a message."""
    return [c["custom_id"] for row in message.get("components", []) for c in row["components"] if "custom_id" in c]


def text(reply: Reply) -> str:
    """The card's embed description (or the message content)."""
    embed = reply.embeds[0] if reply.embeds else {}
    return str(embed.get("description") or reply.content)


async def sets(harness: Harness, member: dict[str, Any] | None = None) -> list[LoggedSet]:
    """The member's logged sets in the order they were done, read straight from the database."""
    member_id = int((member or harness.default_user)["id"])
    async with harness.bot.session_factory() as session:
        rows = await session.scalars(
            select(LoggedSet).where(LoggedSet.member_id == member_id).order_by(LoggedSet.performed_at, LoggedSet.id)
        )
        return list(rows)


async def start_push(harness: Harness, **kw: Any) -> Reply:
    plan = await harness.slash("plan", {"day": "push"}, **{**GB, **kw})
    assert "Start workout" in labels(plan.message)
    card = await harness.click(plan.message, label="Start workout", **{**GB, **kw})
    assert card.ephemeral, "the card is the member's own"
    return card


async def edit(harness: Harness, card: Reply, values: dict[str, str], **kw: Any) -> Reply:
    form = await harness.click(card.message, label="Edit", **{**GB, **kw})
    assert form.callback_type == 9, text(form)
    return await harness.submit(form, values, message=card.message, **{**GB, **kw})


async def done(harness: Harness, card: Reply, times: int = 1, **kw: Any) -> Reply:
    for _ in range(times):
        card = await harness.click(card.message, label="Done", **{**GB, **kw})
        assert card.callback_type == 7, text(card)
    return card


async def test_a_seed_push_day_from_plan_to_summary(harness: Harness) -> None:
    card = await start_push(harness)
    assert "1/6 · Triceps Pushdown" in text(card)
    assert "Set **1 of 3** · 12–15 reps" in text(card)
    assert labels(card.message) == ["Done", "Edit", "Skip set", "Next exercise", "Swap", "Undo last", "End workout"]
    card = await edit(harness, card, {"weight": "25", "reps": "12"})
    assert "✅ Logged **Triceps Pushdown** 25 kg × 12" in text(card)
    assert "🎯 **25 kg × 12**" in text(card)
    assert "60–90 s between sets of an isolation exercise" in text(card)
    card = await done(harness, card, 2)
    # Swap the overhead extension for a stand-in from the menu.
    assert "2/6 · Overhead Tricep Extension" in text(card)
    menu = await harness.click(card.message, label="Swap", **GB)
    (select_id,) = [c for c in custom_ids(menu.message) if c.startswith("wo:pick:")]
    options = next(
        c for row in menu.message["components"] for c in row["components"] if c.get("custom_id") == select_id
    )
    substitute = options["options"][0]
    card = await harness.click(menu.message, select_id, values=[substitute["value"]], **GB)
    assert f"2/6 · {substitute['label']}" in text(card)
    assert "↳ instead of Overhead Tricep Extension" in text(card)
    card = await edit(harness, card, {"weight": "15", "reps": "12"})
    card = await harness.click(card.message, label="Skip set", **GB)
    card = await done(harness, card)
    # Front raise: a warm-up first (not one of the three sets), then the working sets.
    card = await edit(harness, card, {"weight": "4", "reps": "15", "kind": "warmup"})
    assert "Set **1 of 3**" in text(card)
    card = await edit(harness, card, {"weight": "8", "reps": "15", "rpe": "8"})
    card = await done(harness, card, 2)
    card = await edit(harness, card, {"weight": "8", "reps": "15"})  # lateral raise
    card = await done(harness, card, 2)
    # Into the compound the front raises pre-exhausted: a short rest, and why.
    assert "5/6 · Shoulder Press" in text(card)
    assert "Pre-exhaust pair: straight into Shoulder Press, 30 s at most" in text(card)
    card = await edit(harness, card, {"weight": "40", "reps": "8"})
    assert "🔥 **pre-exhausted** — after Front Raise" in text(card)
    card = await done(harness, card, 3)
    assert "🔥 **pre-exhausted**" in text(card)
    card = await edit(harness, card, {"weight": "30", "reps": "8"})  # dumbbell bench, per hand
    assert "🔥" not in text(card), "nothing isolated the chest: the bench press went in fresh"
    card = await done(harness, card, 3)
    assert "Every exercise of the day is done" in text(card)
    assert labels(card.message) == ["Undo last", "End workout"]
    summary = await harness.click(card.message, label="End workout", **GB)
    embed = summary.embeds[0]
    assert embed["title"].startswith("🏁 Upper body push · pre-exhaust")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Sets"] == "19 · 1 skipped"
    assert "Front Raise → Shoulder Press" in fields["🔥 Pre-exhaust pairs"]
    assert fields["Consistency"] == "1/3 sessions this week", "the streak's target is 3 sessions by default"
    assert labels(summary.message) == ["Share to channel"]
    shared = await harness.click(summary.message, label="Share to channel", **GB)
    private, public = shared.messages
    assert public["flags"] & 64 == 0, "shared on purpose"
    assert "workout done" in public["embeds"][0]["title"]
    assert public["embeds"][0]["title"].lower().startswith(harness.default_user["username"])
    assert labels(private) == [], "shared once: the Share button is gone"
    # The log holds exactly the sets done, in order, with their kinds.
    rows = await sets(harness)
    done_sets = [(r.exercise_id, r.weight_value, r.reps, r.kind) for r in rows]
    assert done_sets == [
        *[("tricep_extension", 25.0, 12, "working")] * 3,
        *[(substitute["value"], 15.0, 12, "working")] * 2,
        ("front_raise", 4.0, 15, "warmup"),
        *[("front_raise", 8.0, 15, "working")] * 3,
        *[("lateral_raise", 8.0, 15, "working")] * 3,
        *[("shoulder_press", 40.0, 8, "working")] * 4,
        *[("dumbbell_bench_press", 30.0, 8, "working")] * 4,
    ]
    assert rows[6].rpe == 8


async def test_the_card_limits_hold(harness: Harness) -> None:
    card = await start_push(harness)
    form = await harness.click(card.message, label="Edit", **GB)
    modal = form.modal
    assert modal is not None
    assert len(modal["title"]) <= 45
    inputs = [c for row in modal["components"] for c in row["components"]]
    assert len(inputs) <= 5
    assert all(len(c["label"]) <= 45 for c in inputs)
    assert all(len(i) <= 100 for i in [*custom_ids(card.message), modal["custom_id"]])
    owner = harness.default_user["id"]
    assert all(owner in i for i in custom_ids(card.message)), "every card button carries its owner"
    assert len(discord.Embed.from_dict(card.embeds[0])) <= 6000


async def test_only_the_owner_can_press_or_submit(harness: Harness) -> None:
    card = await start_push(harness)
    bob = harness.new_user("bob")
    for label in ("Edit", "Done", "Skip set", "Undo last", "End workout"):
        refused = await harness.click(card.message, label=label, user=bob, **GB)
        assert refused.ephemeral
        assert refused.content == NOT_YOURS
    # Bob can't log into Alice's workout with her form either.
    form = await harness.click(card.message, label="Edit", **GB)
    sneaky = await harness.submit(form, {"weight": "100", "reps": "5"}, message=card.message, user=bob, **GB)
    assert "isn't yours" in sneaky.content
    assert await sets(harness) == []
    assert await sets(harness, bob) == []
    # Bob pressing Start under the same plan gets his own card.
    plan = await harness.slash("plan", {"day": "push"}, **GB)
    his = await harness.click(plan.message, label="Start workout", user=bob, **GB)
    assert bob["id"] in custom_ids(his.message)[0]


async def test_a_stale_or_behind_card_answers_clearly(harness: Harness) -> None:
    card = await start_push(harness)
    card = await edit(harness, card, {"weight": "25", "reps": "12"})
    older = copy.deepcopy(card.message)  # the card as another device still shows it
    newer = await done(harness, card)
    # The older card pressed again (a double tap, or the card on another device): nothing logged.
    behind = await harness.click(older, label="Done", **GB)
    assert "nothing was logged" in text(behind)
    assert len(await sets(harness)) == 2
    open_card = copy.deepcopy(newer.message)
    ended = await harness.click(newer.message, label="End workout", **GB)
    assert "workout done" in ended.embeds[0]["title"]
    stale = await harness.click(open_card, label="Done", **GB)
    assert stale.ephemeral
    assert "That workout has ended" in stale.content
    assert len(await sets(harness)) == 2
    resume = await harness.slash("workout", {}, subcommand="resume", **GB)
    assert "no workout open" in resume.content


async def test_starting_again_asks_to_resume_or_end(harness: Harness) -> None:
    card = await start_push(harness)
    card = await edit(harness, card, {"weight": "25", "reps": "12"})
    again = await harness.slash("workout", {"day": "pull"}, subcommand="start", **GB)
    assert "already have a push workout open" in again.content
    assert labels(again.message) == ["Resume it", "End it, start pull"]
    resumed = await harness.click(again.message, label="Resume it", **GB)
    assert "Set **2 of 3**" in text(resumed)
    again = await harness.slash("workout", {"day": "pull"}, subcommand="start", **GB)
    pull = await harness.click(again.message, label="End it, start pull", **GB)
    assert "1/6 · Hammer Curl" in text(pull)


async def test_a_restart_mid_workout_resumes_where_it_was(harness: Harness, bot: Any, settings: Any) -> None:
    card = await start_push(harness)
    card = await edit(harness, card, {"weight": "25", "reps": "12"})
    card = await done(harness, card)
    await bot.close()
    # A new process on the same database: the card's buttons and /workout resume carry on.
    engine = create_engine(settings.database_url)
    revived = build_bot(settings, engine, catalog=bot.catalog, evidence=bot.evidence, sync_commands=False)
    await revived._async_setup_hook()
    revived._connection.user = bot._connection.user
    revived._connection.application_id = APPLICATION_ID
    await revived.setup_hook()
    try:
        h2 = Harness(revived, application_id=APPLICATION_ID, bot_user_id=BOT_USER_ID)
        h2.install(pytest.MonkeyPatch())
        await h2.create_guild()
        h2.default_user = harness.default_user
        h2.guild_id, h2.channel_id = harness.guild_id, harness.channel_id
        h2.messages[int(card.message["id"])] = card.message  # the card the member still has on screen
        resumed = await h2.slash("workout", {}, subcommand="resume", **GB)
        assert "Set **3 of 3**" in text(resumed)
        pressed = await h2.click(card.message, label="Done", **GB)
        assert "✅ Logged **Triceps Pushdown** 25 kg × 12" in text(pressed)
        assert "2/6 · Overhead Tricep Extension" in text(pressed)
        async with revived.session_factory() as session:
            count = len(list(await session.scalars(select(LoggedSet))))
        assert count == 3
    finally:
        await revived.close()
        await engine.dispose()


async def test_a_workout_in_direct_messages(harness: Harness) -> None:
    card = await harness.slash(
        "workout", {"day": "push", "equipment": "bodyweight"}, subcommand="start", guild_id=None, **GB
    )
    assert "1/3 · Bodyweight Triceps Extension" in text(card)
    card = await harness.click(card.message, label="Done", guild_id=None, **GB)  # body weight: Done from the start
    assert "✅ Logged" in text(card)
    (row,) = await sets(harness)
    assert row.guild_id is None
    assert row.weight_value == 0
