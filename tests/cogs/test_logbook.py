"""/log, /undo, /history, /settings and /privacy through the real bot, on a real SQLite file."""

from __future__ import annotations

import asyncio
import copy
import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from db.models import LoggedSet
from emulator.driver import Harness, Reply


async def rows(harness: Harness, member_id: int | None = None) -> int:
    """Rows in the sets table (optionally one member's), read straight from the database."""
    query = select(func.count()).select_from(LoggedSet)
    if member_id is not None:
        query = query.where(LoggedSet.member_id == member_id)
    async with harness.bot.session_factory() as session:
        return int((await session.execute(query)).scalar_one())


async def log(harness: Harness, exercise: str, weight: float, reps: int, **options: object) -> Reply:
    kw = {k: options.pop(k) for k in ("user", "locale", "guild_id") if k in options}
    kw.setdefault("locale", "en-GB")  # a kg locale, so titles read in kg unless a test says otherwise
    return await harness.slash("log", {"exercise": exercise, "weight": weight, "reps": reps, **options}, **kw)


def field(reply: Reply, name: str) -> str:
    return next(f["value"] for f in reply.embeds[0]["fields"] if f["name"] == name)


async def test_log_confirms_privately_with_set_number_e1rm_and_undo(harness: Harness) -> None:
    reply = await log(harness, "back squat", 100, 6, unit="kg")
    assert reply.ephemeral, "private by default"
    embed = reply.embeds[0]
    assert embed["title"] == "Back Squat — 100 kg × 6"
    assert field(reply, "Set") == "#1 today"
    assert "120 kg" in field(reply, "e1RM")
    assert "Epley" in field(reply, "e1RM")
    assert "first time" in field(reply, "Last session")
    (undo,) = reply.buttons()
    assert undo["label"] == "Undo"
    assert undo["custom_id"].endswith(f":{harness.default_user['id']}")
    second = await log(harness, "Back Squat", 100, 5, unit="kg")
    assert field(second, "Set") == "#2 today"
    assert await rows(harness) == 2


async def test_unit_defaults_from_locale_and_settings(harness: Harness) -> None:
    us = await log(harness, "bench press", 225, 5, locale="en-US")  # en-US → lb
    assert us.embeds[0]["title"] == "Bench Press — 225 lb × 5"
    uk = harness.new_user("brit")
    gb = await log(harness, "bench press", 100, 5, user=uk)  # en-GB → kg
    assert gb.embeds[0]["title"] == "Bench Press — 100 kg × 5"
    reply = await harness.slash("settings", {"unit": "kg", "share": "public"})
    assert reply.ephemeral
    assert "**kg**" in reply.content
    assert "**public**" in reply.content
    public = await log(harness, "bench press", 100, 5, locale="en-US")
    assert not public.ephemeral
    assert public.embeds[0]["title"] == "Bench Press — 100 kg × 5"
    shown = await harness.slash("settings")
    assert "**kg**" in shown.content


async def test_last_session_pr_and_warmups(harness: Harness) -> None:
    await log(harness, "deadlift", 140, 5, unit="kg", when="yesterday")
    await log(harness, "deadlift", 60, 5, unit="kg", kind="warmup")
    warm = await log(harness, "deadlift", 200, 1, unit="kg", kind="warmup")
    assert "PR" not in (warm.embeds[0].get("description") or ""), "warm-ups never count"
    assert "140 kg × 5" in field(warm, "Last session")
    pr = await log(harness, "deadlift", 150, 5, unit="kg", rpe=9.5)
    assert "🏆 **PR**" in pr.embeds[0]["description"]
    assert field(pr, "RPE") == "9.5"
    same = await log(harness, "deadlift", 145, 5, unit="kg")
    assert "PR" not in (same.embeds[0].get("description") or "")


async def test_pre_exhausted_tag(harness: Harness) -> None:
    await log(harness, "leg extension", 50, 15, unit="kg")
    squat = await log(harness, "back squat", 100, 6, unit="kg")
    assert "🔥 **pre-exhausted** — after Leg Extension" in squat.embeds[0]["description"]
    other = harness.new_user()
    fresh = await log(harness, "back squat", 100, 6, unit="kg", user=other)
    assert "pre-exhausted" not in (fresh.embeds[0].get("description") or "")


async def test_undo_button_only_for_its_owner(harness: Harness) -> None:
    reply = await log(harness, "lat pulldown", 60, 10, unit="kg")
    intruder = harness.new_user("intruder")
    refused = await harness.click(reply.message, label="Undo", user=intruder)
    assert refused.ephemeral
    assert "isn't yours" in refused.content
    assert await rows(harness) == 1
    stale = copy.deepcopy(reply.message)  # as another open client still shows it
    done = await harness.click(reply.message, label="Undo")
    assert done.callback_type == 7
    assert done.message["embeds"][0]["title"].startswith("↩️ Undone: Lat Pulldown")
    assert done.message["components"] == []
    assert await rows(harness) == 0
    again = await harness.click(stale, label="Undo")
    assert again.ephemeral
    assert "already gone" in again.content


async def test_undo_command(harness: Harness) -> None:
    nothing = await harness.slash("undo")
    assert nothing.ephemeral
    assert "nothing to undo" in nothing.content.lower()
    await log(harness, "front raise", 10, 12, unit="kg")
    await log(harness, "lateral raise", 8, 15, unit="kg")
    other = harness.new_user()
    await log(harness, "lateral raise", 9, 15, unit="kg", user=other)
    reply = await harness.slash("undo", locale="en-GB")
    assert reply.ephemeral
    assert "Lateral Raise 8 kg × 15" in reply.content
    assert await rows(harness, int(harness.default_user["id"])) == 1
    assert await rows(harness, int(other["id"])) == 1, "another member's set is untouched"


async def test_history_is_private_paginated_and_owner_only(harness: Harness) -> None:
    for reps in range(1, 13):
        await log(harness, "bicep curl", 12, reps, unit="kg")
    await log(harness, "hammer curl", 14, 10, unit="kg")
    other = harness.new_user()
    await log(harness, "hammer curl", 99, 10, unit="kg", user=other)
    first = await harness.slash("history")
    assert first.ephemeral
    assert "Page 1 of 2" in first.embeds[0]["footer"]["text"]
    assert "13 sets" in first.embeds[0]["footer"]["text"]
    assert "99 kg" not in first.text(), "never another member's sets"
    intruder = await harness.click(first.message, label="Older ▶", user=other)
    assert intruder.ephemeral
    assert "isn't yours" in intruder.content
    second = await harness.click(first.message, label="Older ▶")
    assert "Page 2 of 2" in second.message["embeds"][0]["footer"]["text"]
    curls = await harness.slash("history", {"exercise": "hammer curl", "days": 7})
    assert "Hammer Curl" in curls.embeds[0]["title"]
    assert "· 1 set ·" in curls.embeds[0]["footer"]["text"]


async def test_export_contains_only_own_data(harness: Harness) -> None:
    await log(harness, "seated row", 70, 10, unit="kg", note="felt *great* @everyone")
    await log(harness, "seated row", 80, 8, unit="kg", user=harness.new_user())
    reply = await harness.slash("privacy", subcommand="export")
    assert reply.ephemeral
    json_name, csv_name = sorted(reply.files)
    assert csv_name.endswith(".csv")
    assert json_name.endswith(".json")
    table = list(csv.DictReader(io.StringIO(reply.files[csv_name].decode("utf-8-sig"))))
    assert len(table) == 1
    assert table[0]["note"] == "felt *great* @everyone"
    document = json.loads(reply.files[json_name])
    assert len(document["sets"]) == 1


async def test_forget_after_confirm_and_cancel(harness: Harness) -> None:
    await log(harness, "pull-up", 0, 8, unit="kg")
    await log(harness, "pull-up", 0, 7, unit="kg")
    ask = await harness.slash("privacy", subcommand="forget")
    cancel = await harness.click(ask.message, label="Cancel")
    assert "nothing was deleted" in cancel.message["content"]
    assert await rows(harness) == 2
    ask = await harness.slash("privacy", subcommand="forget")
    stranger = await harness.click(ask.message, label="Delete everything", user=harness.new_user())
    assert "isn't yours" in stranger.content
    assert await rows(harness) == 2
    done = await harness.click(ask.message, label="Delete everything")
    assert "3 rows" in done.message["content"]  # two sets and the settings row
    assert await rows(harness) == 0


async def test_autocomplete_is_fuzzy_capped_and_recent_first(harness: Harness) -> None:
    choices = await harness.autocomplete("log", {}, "exercise")
    assert 0 < len(choices) <= 25
    choices = await harness.autocomplete("log", {"exercise": "sqaut"}, "exercise")
    assert "back_squat" in [c["value"] for c in choices]
    await log(harness, "goblet squat", 24, 10, unit="kg")
    choices = await harness.autocomplete("log", {"exercise": "squat"}, "exercise")
    assert choices[0]["value"] == "goblet_squat"
    choices = await harness.autocomplete("log", {"exercise": "sled push"}, "exercise")
    assert any(c["value"].startswith("custom:") for c in choices)


async def test_unknown_exercise_is_refused_with_suggestion_unless_custom(harness: Harness) -> None:
    reply = await log(harness, "bak squat", 100, 5, unit="kg")
    assert reply.ephemeral
    assert "Did you mean **Back Squat**" in reply.content
    assert await rows(harness) == 0
    custom = await log(harness, "custom:Sled Push", 80, 20, unit="kg")
    assert custom.embeds[0]["title"].startswith("Sled Push — 80 kg × 20")
    assert "Custom exercise" in custom.embeds[0]["description"]
    assert await rows(harness) == 1


BAD_INPUT = [
    ({"weight": -5}, "Weight"),
    ({"weight": 5000, "unit": "kg"}, "1000 kg"),
    ({"weight": "heavy"}, "Weight"),
    ({"reps": 0}, "Reps"),
    ({"reps": 101}, "Reps"),
    ({"reps": 2.5}, "Reps"),
    ({"rpe": 10.3}, "RPE"),
    ({"rpe": 11}, "RPE"),
    ({"note": "x" * 201}, "200"),
    ({"when": "tomorrow"}, "as a time"),
    ({"when": "2099-01-01"}, "future"),
    ({"when": "2019-01-01"}, "year"),
    ({"when": "someday"}, "yesterday"),
    ({"kind": "superset"}, "superset"),
    ({"unit": "stone"}, "stone"),
]


@pytest.mark.parametrize(("override", "mentions"), BAD_INPUT)
async def test_bad_input_sent_raw_gets_a_clear_message_and_writes_nothing(
    harness: Harness, override: dict[str, object], mentions: str
) -> None:
    values: dict[str, object] = {"exercise": "back squat", "weight": 100, "reps": 5, **override}
    types = {"exercise": 3, "weight": 10, "reps": 4, "unit": 3, "rpe": 10, "kind": 3, "note": 3, "when": 3}
    raw = [{"name": k, "type": types[k], "value": v} for k, v in values.items()]
    reply = await harness.slash("log", raw_options=raw)
    assert reply.ephemeral
    assert not reply.embeds
    assert mentions.lower() in reply.content.lower(), reply.content
    assert "went wrong" not in reply.content
    assert await rows(harness) == 0


async def test_same_interaction_twice_logs_once(harness: Harness) -> None:
    from emulator import payloads

    payload = payloads.slash("log", {"exercise": "back squat", "weight": 100.0, "reps": 5}, **harness._base({}))
    first = await harness.send(payload)
    replay = dict(payload, token=payload["token"] + "-retry")
    second = await harness.send(replay)
    assert await rows(harness) == 1
    assert "Already logged" in second.embeds[0]["description"]
    assert first.embeds[0]["title"] == second.embeds[0]["title"]


async def test_fifty_members_logging_at_once(harness: Harness) -> None:
    members = [harness.new_user() for _ in range(50)]

    async def member_logs(user: dict) -> None:
        for i in range(20):
            reply = await log(harness, "bench press", 60 + i, 8, unit="kg", user=user)
            assert reply.embeds, reply.content

    await asyncio.gather(*(member_logs(u) for u in members))
    assert await rows(harness) == 1000


# ------------------------------------------------------------------ members' words


async def test_gym_shorthand_logs_the_exercise_a_gym_means(harness: Harness) -> None:
    bench = await log(harness, "bench", 225, 5, unit="lb")
    assert bench.embeds[0]["title"].startswith("Bench Press — ")
    dips = await log(harness, "dips", 0, 8, unit="kg")
    assert dips.embeds[0]["title"].startswith("Dip — ")
    assert await rows(harness) == 2


async def test_an_ambiguous_name_asks_with_buttons_and_logs_the_pick(harness: Harness) -> None:
    asked = await log(harness, "cable kickback", 15, 12, unit="kg", note="slow")
    assert asked.ephemeral
    assert "which one" in asked.content
    labels = [b["label"] for b in asked.buttons()]
    assert labels[:2] == ["Cable Glute Kickback", "Cable Triceps Kickback"]
    assert await rows(harness) == 0, "nothing is logged before the member picks"
    intruder = harness.new_user("intruder")
    refused = await harness.click(asked.message, label="Cable Triceps Kickback", user=intruder)
    assert "isn't yours" in refused.content
    assert await rows(harness) == 0
    picked = await harness.click(asked.message, label="Cable Triceps Kickback")
    assert picked.callback_type == 7, "the question is replaced by the logged set"
    assert picked.message["embeds"][0]["title"].startswith("Cable Triceps Kickback — 15 kg × 12")
    async with harness.bot.session_factory() as session:
        (row,) = (await session.execute(select(LoggedSet))).scalars()
    assert (row.exercise_id, row.note, row.reps) == ("cable_tricep_kickback", "slow", 12)


async def test_a_members_own_exercise_comes_back_by_name(harness: Harness) -> None:
    first = await log(harness, "custom:Sled Push", 80, 20, unit="kg")
    assert first.embeds[0]["title"].startswith("Sled Push — ")
    again = await log(harness, "sled push", 90, 20, unit="kg")
    assert again.embeds[0]["title"].startswith("Sled Push — 90 kg × 20")
    assert field(again, "Set") == "#2 today"
    choices = await harness.autocomplete("log", {"exercise": "sled"}, "exercise")
    assert (choices[0]["name"], choices[0]["value"]) == ("Sled Push", "custom:Sled Push")
    other = harness.new_user("other")
    refused = await log(harness, "sled push", 90, 20, unit="kg", user=other)
    assert "I don't know an exercise called" in refused.content, "another member's own exercise isn't theirs"


async def test_unknown_names_get_did_you_mean_in_history(harness: Harness) -> None:
    await log(harness, "back squat", 100, 5, unit="kg")
    reply = await harness.slash("history", {"exercise": "zzz"})
    assert "haven't logged an exercise called" in reply.content
    typo = await harness.slash("history", {"exercise": "bak squat"})
    assert "Did you mean **Back Squat**" in typo.content


async def test_history_lines_lead_with_the_date_not_an_internal_id(harness: Harness) -> None:
    await log(harness, "back squat", 100, 5, unit="kg")
    earlier = datetime.now(UTC) - timedelta(days=20)
    await log(harness, "back squat", 90, 5, unit="kg", when=f"{earlier:%Y-%m-%d} 10:00")
    reply = await harness.slash("history", {"days": 60})
    lines = reply.embeds[0]["description"].splitlines()
    assert all(line[:4].isdigit() and "`" not in line for line in lines), lines
    assert lines[1].startswith(f"{earlier:%Y-%m-%d} 10:00"), "ordered by when the set was done, newest first"
    assert reply.embeds[0]["footer"]["text"].startswith("Page 1 of 1 · 2 sets")


async def test_every_reply_shows_the_members_unit_and_what_they_typed(harness: Harness) -> None:
    logged = await log(harness, "bench", 225, 5, unit="lb")  # a kg member (en-GB) typing pounds
    assert logged.embeds[0]["title"] == "Bench Press — 102.1 kg × 5 · entered as 225 lb"
    history = await harness.slash("history", {}, locale="en-GB")
    assert "102.1 kg × 5 · entered as 225 lb" in history.embeds[0]["description"]
    undone = await harness.slash("undo", locale="en-GB")
    assert "Bench Press 102.1 kg × 5 · entered as 225 lb" in undone.content


async def test_warm_ups_and_backdated_sets_are_labelled_as_what_they_are(harness: Harness) -> None:
    warm = await log(harness, "back squat", 60, 5, unit="kg", kind="warmup")
    assert field(warm, "Set") == "warm-up · today"
    first = await log(harness, "back squat", 100, 5, unit="kg")
    assert field(first, "Set") == "#1 today", "warm-ups aren't working set #1"
    assert "🔥" not in (first.embeds[0].get("description") or "")
    day = (datetime.now(UTC) - timedelta(days=300)).date()
    label = f"{day:%a} {day.day} {day:%b %Y}"  # e.g. "Mon 1 Dec 2025"
    old = await log(harness, "back squat", 90, 5, unit="kg", when=f"{day} 18:00")
    assert field(old, "Set") == f"#1 · {label}"
    older = await log(harness, "back squat", 92.5, 5, unit="kg", when=f"{day} 18:05")
    assert field(older, "Set") == f"#2 · {label}", "numbered within that day's session"


async def test_a_warm_up_after_isolation_is_not_tagged_pre_exhausted(harness: Harness) -> None:
    await log(harness, "leg extension", 40, 15, unit="kg")
    warm = await log(harness, "back squat", 60, 5, unit="kg", kind="warmup")
    assert "pre-exhausted" not in (warm.embeds[0].get("description") or "")
    work = await log(harness, "back squat", 100, 5, unit="kg")
    assert "🔥 **pre-exhausted** — after Leg Extension" in work.embeds[0]["description"]


# ------------------------------------------------------------------ bodyweight lifts


async def test_bodyweight_lifts_without_a_body_weight_get_rep_prs_and_no_e1rm(harness: Harness) -> None:
    first = await log(harness, "pull-ups", 0, 8, unit="kg", when="2 min ago")
    assert "0 kg" not in field(first, "e1RM")
    assert "/settings bodyweight:" in field(first, "e1RM")
    more = await log(harness, "pull ups", 0, 10, unit="kg", when="1 min ago")
    assert "🏆 **PR** — most reps at this load (body weight)" in more.embeds[0]["description"]
    weighted = await log(harness, "pull up", 10, 5, unit="kg")
    assert "most reps" not in (weighted.embeds[0].get("description") or ""), "the first set at +10 kg is a baseline"


async def test_a_body_weight_makes_bodyweight_e1rm_include_it(harness: Harness) -> None:
    saved = await harness.slash("settings", {"bodyweight": 80, "unit": "kg"}, locale="en-GB")
    assert "Body weight: **80 kg**" in saved.content
    logged = await log(harness, "pull up", 10, 5, unit="kg")
    # (80 + 10) × (1 + 5/30) = 105 kg.
    assert field(logged, "e1RM").startswith("105 kg incl. 80 kg body weight")
    push = await log(harness, "push-ups", 0, 20, unit="kg")
    assert field(push, "e1RM").startswith("86.7 kg incl. 80 kg body weight"), "0.65 × 80 × (1 + 20/30)"
    assisted = await log(harness, "assisted pull-ups", 30, 8, unit="kg")
    assert field(assisted, "e1RM").startswith("63.3 kg"), "(80 − 30) × (1 + 8/30)"
    bad = await harness.slash("settings", {"bodyweight": 5, "unit": "kg"}, locale="en-GB")
    assert "Body weight must be between 20 kg and 400 kg" in bad.content


async def test_an_earlier_body_weight_reprices_the_sets_it_applies_to(harness: Harness) -> None:
    now = datetime.now(UTC)
    await log(harness, "dips", 0, 10, unit="kg", when=f"{now - timedelta(days=20):%Y-%m-%d %H:%M}")
    weighed = f"{now - timedelta(days=40):%Y-%m-%d}"
    await harness.slash("settings", {"bodyweight": 90, "unit": "kg", "bodyweight_date": weighed}, locale="en-GB")
    async with harness.bot.session_factory() as session:
        (row,) = (await session.execute(select(LoggedSet))).scalars()
    assert row.bodyweight_kg == 90
    assert row.e1rm_kg is not None
    assert abs(row.e1rm_kg - 0.95 * 90 * (1 + 10 / 30)) < 1e-6


async def test_a_date_without_a_time_is_shown_as_the_date(harness: Harness) -> None:
    day = (datetime.now(UTC) - timedelta(days=9)).date()
    logged = await log(harness, "back squat", 100, 5, unit="kg", when=day.isoformat())
    assert logged.embeds[0]["footer"]["text"].startswith(f"Logged {day} ·")


async def test_a_first_body_weight_prices_the_sets_before_it_too(harness: Harness) -> None:
    await log(harness, "pull up", 0, 8, unit="kg", when="3 days ago")
    await harness.slash("settings", {"bodyweight": 80, "unit": "kg"}, locale="en-GB")  # dated now
    async with harness.bot.session_factory() as session:
        (row,) = (await session.execute(select(LoggedSet))).scalars()
    assert row.bodyweight_kg == 80
    assert row.e1rm_kg is not None
    assert abs(row.e1rm_kg - 80 * (1 + 8 / 30)) < 1e-6
    # The next set counts it too, and a set of a lift without a share says so without asking for it.
    logged = await log(harness, "inverted row", 0, 12, unit="kg")
    assert "incl. 80 kg body weight" in field(logged, "e1RM")
    bridge = await log(harness, "glute bridge", 0, 20, unit="kg")
    assert "/settings" not in field(bridge, "e1RM")


async def test_body_weight_sets_read_as_body_weight_not_zero(harness: Harness) -> None:
    await log(harness, "push-ups", 0, 15, unit="kg", when="2 days ago")
    second = await log(harness, "push-ups", 0, 16, unit="kg")
    assert "body weight × 15" in field(second, "Last session")
    assert "0 kg" not in field(second, "Last session")
    history = await harness.slash("history", {}, locale="en-GB")
    assert "Push-Up · body weight × 16" in history.embeds[0]["description"]


async def test_an_imported_ambiguous_name_is_still_the_members_own(harness: Harness) -> None:
    await log(harness, "custom:Chest Fly", 20, 12, unit="kg")  # as an import keeps it
    asked = await log(harness, "chest fly", 22, 12, unit="kg")
    labels = [b["label"] for b in asked.buttons()]
    assert "Chest Fly (your own)" in labels
    picked = await harness.click(asked.message, label="Chest Fly (your own)")
    assert picked.message["embeds"][0]["title"].startswith("Chest Fly — 22 kg × 12")
    history = await harness.slash("history", {"exercise": "chest fly"}, locale="en-GB")
    assert history.embeds[0]["footer"]["text"].startswith("Page 1 of 1 · 2 sets")
    choices = await harness.autocomplete("history", {"exercise": "chest"}, "exercise")
    assert "custom:Chest Fly" in [c["value"] for c in choices], "own exercises stay in /history's list"
