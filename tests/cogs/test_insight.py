"""/progress, /stats, /compare and "My numbers" through the real bot, with data logged through /log itself."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest
from PIL import Image, ImageStat

from coach import charts
from emulator.driver import Harness, Reply

Set = tuple[str, float, int] | tuple[str, float, int, str]


def when(days_ago: int, minute: int) -> str:
    """A `when:` value: ``days_ago`` days back at 10:00 plus ``minute`` minutes (always in the past)."""
    at = datetime.combine(datetime.now(UTC).date() - timedelta(days=days_ago), datetime.min.time(), UTC)
    at += timedelta(hours=10, minutes=minute)
    return f"{at:%Y-%m-%d %H:%M}"


async def session(
    harness: Harness, days_ago: int, sets: list[Set], *, user: dict[str, Any] | None = None, spacing: int = 3
) -> None:
    """Log one session through /log, sets ``spacing`` minutes apart."""
    kw: dict[str, Any] = {"locale": "en-GB"}
    if user is not None:
        kw["user"] = user
    for i, entry in enumerate(sets):
        options: dict[str, Any] = {"exercise": entry[0], "weight": float(entry[1]), "reps": entry[2], "unit": "kg"}
        if len(entry) > 3:
            options["kind"] = entry[3]
        options["when"] = when(days_ago, spacing * i)
        reply = await harness.slash("log", options, **kw)
        assert reply.embeds, reply.content


def final(reply: Reply) -> dict[str, Any]:
    """The message a deferred command ended with (its follow-up)."""
    return reply.messages[-1]


def text(message: dict[str, Any]) -> str:
    parts = [str(message.get("content") or "")]
    for embed in message.get("embeds") or []:
        parts += [str(embed.get("title", "")), str(embed.get("description", ""))]
        for f in embed.get("fields", []):
            parts += [str(f.get("name", "")), str(f.get("value", ""))]
        parts.append(str((embed.get("footer") or {}).get("text", "")))
    return "\n".join(parts)


def png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.size == charts.PIXELS
    assert ImageStat.Stat(image.convert("L")).stddev[0] > 10, "not blank"
    return image


SQUATS = [("back squat", 100, 6)] * 3
EXTENSIONS = [("leg extension", 50, 15)] * 3


async def seed_squats(harness: Harness, user: dict[str, Any] | None = None) -> None:
    await session(harness, 12, EXTENSIONS + SQUATS, user=user)
    await session(harness, 8, [("back squat", 105, 6)] * 3, user=user)
    await session(harness, 4, [("back squat", 60, 5, "warmup"), ("back squat", 107.5, 6)], user=user)


def later(seconds: float) -> int:
    """An interaction id created ``seconds`` from now: cooldowns count from an interaction's creation time."""
    return discord.utils.time_snowflake(datetime.now(UTC) + timedelta(seconds=seconds))


# ------------------------------------------------------------------------------------------ /progress


async def test_progress_sends_a_chart_privately(harness: Harness) -> None:
    await seed_squats(harness)
    reply = await harness.slash("progress", {"exercise": "back_squat"})
    assert reply.callback_type in (4, 5), "answered directly, or deferred while the chart renders"
    message = final(reply)
    assert message["flags"] & 64, "private by default"
    (embed,) = message["embeds"]
    assert embed["title"] == "Back Squat — estimated 1RM, last 90 days"
    assert embed["image"]["url"] == "attachment://progress.png"
    assert "3 sessions" in embed["description"]
    assert "▲ pre-exhausted: 1 · ● compound first: 2" in embed["description"]
    assert "★ 2 PR sessions" in embed["description"]
    assert "Epley" in embed["footer"]["text"]
    png(reply.files["progress.png"])


async def test_progress_metrics_and_public_share(harness: Harness) -> None:
    await seed_squats(harness)
    await harness.slash("settings", {"share": "public", "unit": "lb"})
    reply = await harness.slash("progress", {"exercise": "back squat", "metric": "top-set", "days": 30})
    message = final(reply)
    assert not message["flags"] & 64, "the member chose to share"
    assert message["embeds"][0]["title"] == "Back Squat — top set, last 30 days"
    assert "237 lb × 6" in message["embeds"][0]["description"], "in the member's unit"
    png(reply.files["progress.png"])
    # The cooldown is per member and 10 s: an interaction created 11 s later is let through.
    volume = await harness.slash("progress", {"exercise": "back squat", "metric": "volume"}, interaction_id=later(11))
    assert "volume per session" in final(volume)["embeds"][0]["title"]


async def test_progress_with_too_little_data_explains(harness: Harness) -> None:
    await session(harness, 3, SQUATS)
    reply = await harness.slash("progress", {"exercise": "back squat"})
    message = final(reply)
    assert message["flags"] & 64
    assert not message.get("embeds")
    assert "1 session of Back Squat" in message["content"]
    assert "at least 2" in message["content"]
    assert not reply.files, "no empty chart"


async def test_progress_only_shows_the_members_own_data(harness: Harness) -> None:
    await seed_squats(harness)
    other = harness.new_user("other")
    reply = await harness.slash("progress", {"exercise": "back squat"}, user=other)
    assert "no sessions of Back Squat" in final(reply)["content"]
    assert not reply.files


async def test_progress_typo_suggests_and_cooldown_applies(harness: Harness) -> None:
    reply = await harness.slash("progress", {"exercise": "bak squat"})
    assert "Did you mean **Back Squat**" in final(reply)["content"]
    again = await harness.slash("progress", {"exercise": "back squat"})
    assert again.ephemeral
    assert "use this again in" in again.content


async def test_chart_rendering_never_blocks_the_event_loop(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    await seed_squats(harness)
    started = threading.Event()
    real = charts.render_progress

    def slow_render(series: Any) -> bytes:
        started.set()
        time.sleep(1.5)  # A pathological render, in the worker thread.
        return real(series)

    monkeypatch.setattr(charts, "render_progress", slow_render)
    progress = asyncio.create_task(harness.slash("progress", {"exercise": "back squat"}))
    assert await asyncio.to_thread(started.wait, 5), "the render started"
    began = time.perf_counter()
    plan = await harness.slash("plan", {"day": "push"}, user=harness.new_user())
    elapsed = time.perf_counter() - began
    assert plan.embeds, f"/plan took {elapsed:.2f} s while a chart rendered"
    assert elapsed < 0.75, f"/plan took {elapsed:.2f} s while a chart rendered"
    assert not progress.done(), "the chart was still rendering"
    png((await progress).files["progress.png"])


async def test_progress_autocomplete_offers_own_exercises(harness: Harness) -> None:
    await session(harness, 2, [("custom:Sled Push", 80, 20)])
    choices = await harness.autocomplete("progress", {"exercise": "sled"}, "exercise")
    assert choices[0] == {"name": "Sled Push", "value": "custom:Sled Push"}
    assert not any(c["name"].startswith("Custom: ") for c in choices), "nothing to create here"


BAD_OPTIONS = [
    ("progress", [{"name": "exercise", "type": 3, "value": "back squat"}, {"name": "days", "type": 4, "value": 0}]),
    ("progress", [{"name": "exercise", "type": 3, "value": "back squat"}, {"name": "days", "type": 4, "value": 999}]),
    ("progress", [{"name": "exercise", "type": 3, "value": "back squat"}, {"name": "metric", "type": 3,
                                                                          "value": "power"}]),
    ("progress", [{"name": "exercise", "type": 3, "value": "back squat"}, {"name": "days", "type": 4,
                                                                          "value": "lots"}]),
    ("stats", [{"name": "weeks", "type": 4, "value": 13}]),
    ("stats", [{"name": "weeks", "type": 4, "value": 0}]),
]  # fmt: skip


@pytest.mark.parametrize(("command", "raw"), BAD_OPTIONS)
async def test_bad_options_get_a_clear_private_message(harness: Harness, command: str, raw: list[dict]) -> None:
    reply = await harness.slash(command, raw_options=raw)
    message = final(reply)
    assert message["flags"] & 64
    assert not reply.files
    assert "went wrong" not in message["content"]
    assert message["content"]


# ------------------------------------------------------------------------------------------ /stats


async def test_stats_table_and_chart(harness: Harness) -> None:
    await session(harness, 2, [("leg extension", 50, 15, "warmup"), *EXTENSIONS, *SQUATS])
    await session(harness, 4, [("bench press", 80, 8), ("pec deck", 40, 12)])
    await session(harness, 1, [("bench press", 200, 8)], user=harness.new_user())
    reply = await harness.slash("stats", {"weeks": 1}, locale="en-GB")
    message = final(reply)
    assert message["flags"] & 64
    (embed,) = message["embeds"]
    assert embed["title"] == "Your training — last 7 days"
    assert "**2 sessions** · 8 hard sets" in embed["description"]
    assert "Pre-exhaust pairs (isolation → compound, same muscle, same session): **1**" in embed["description"]
    assert "compound-first pairs: **1**" in embed["description"]
    table = embed["description"].split("```")[1]
    quads = next(line for line in table.splitlines() if line.startswith("quads"))
    assert quads.split() == ["quads", "6", "1", "4,050", "1"]
    assert embed["image"]["url"] == "attachment://stats.png"
    png(reply.files["stats.png"])


async def test_stats_without_sets_says_so(harness: Harness) -> None:
    reply = await harness.slash("stats")
    assert "no sets" in final(reply)["content"]
    assert not reply.files


# ------------------------------------------------------------------------------------------ /compare


async def seed_bench_experiment(harness: Harness, pre: int, fresh: int) -> None:
    for i in range(pre):
        await session(harness, 30 - 2 * i, [("pec deck", 40, 12), ("bench press", 80, 8)], spacing=30)
    for i in range(fresh):
        await session(harness, 29 - 2 * i, [("bench press", 90, 8), ("pec deck", 40, 12)], spacing=45)


async def test_compare_shows_own_n_of_1_with_sample_sizes(harness: Harness) -> None:
    await seed_bench_experiment(harness, 3, 3)
    reply = await harness.slash("compare", locale="en-GB")
    message = final(reply)
    assert message["flags"] & 64
    embed = message["embeds"][0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    bench = fields["Bench Press (chest)"]
    assert "▲ Pre-exhausted: 3 sessions · e1RM 101.3 kg · working sets 80 kg × 8.0 (3 sets)" in bench
    assert "● Compound first: 3 sessions" in bench
    assert "mean e1RM 11% lower after isolation work" in bench
    durations = fields["Session length (first to last set)"]
    assert "Pre-exhaust sessions: 3 · mean 30 min" in durations
    assert "Traditional sessions: 3 · mean 45 min" in durations
    assert "yours were 33% shorter (one recent trial, not yet peer-reviewed: about 36% shorter)" in durations
    assert "not a significance test" in text(message)
    assert "/evidence" in text(message)


async def test_compare_with_too_little_data_says_how_to_get_it(harness: Harness) -> None:
    await seed_bench_experiment(harness, 2, 1)
    reply = await harness.slash("compare", {"exercise": "bench_press"})
    message_text = text(final(reply))
    assert "not enough data yet: 3 sessions each way are needed (you have 2 and 1)" in message_text
    assert "/plan day:week protocol:alternate" in message_text
    assert "% lower" not in message_text
    assert "% higher" not in message_text


async def test_compare_refuses_isolation_and_autocompletes_compounds(harness: Harness) -> None:
    reply = await harness.slash("compare", {"exercise": "leg extension"})
    assert "isolation exercise" in final(reply)["content"]
    choices = await harness.autocomplete("compare", {"exercise": "curl"}, "exercise")
    assert all("Curl" not in c["name"] for c in choices)
    choices = await harness.autocomplete("compare", {"exercise": "bench"}, "exercise")
    assert "bench_press" in [c["value"] for c in choices]


async def test_compare_without_any_compound(harness: Harness) -> None:
    reply = await harness.slash("compare")
    assert "protocol:alternate" in final(reply)["content"]


# ------------------------------------------------------------------------------------------ My numbers


async def test_my_numbers_show_each_presser_their_own(harness: Harness) -> None:
    # Pre-exhausted squats: every set reached 6. Fresh squats are heavier but aren't today's reference.
    await session(harness, 8, [("leg extension", 50, 15)] * 4 + [("back squat", 100, 6)] * 4)
    await session(harness, 4, [("back squat", 120, 5)] * 4)
    plan = await harness.slash("plan", {"day": "lower"})
    start, button = plan.buttons()
    assert start["label"] == "Start workout"
    assert button["label"] == "My numbers"
    assert button["custom_id"].startswith("plan:mine:lower:pre-exhaust:gym:")
    mine = await harness.click(plan.message, label="My numbers", locale="en-GB")
    message = final(mine)
    assert message["flags"] & 64, "only the presser sees their numbers"
    description = message["embeds"][0]["description"]
    assert "**5. Back Squat** — 4 × 6 · from your pre-exhausted sets" in description
    assert "today: **102.5 kg × 6, 6, 6, 6** — every set reached 6 last time: add 2.5 kg" in description
    assert "today: **50 kg × 16, 16, 16, 16**" in description
    assert "120 kg" not in description

    stranger = await harness.click(plan.message, label="My numbers", user=harness.new_user("stranger"))
    theirs = final(stranger)["embeds"][0]["description"]
    assert "no sets logged yet" in theirs
    assert "102.5" not in theirs
    assert "50 kg" not in theirs


async def test_week_plan_has_a_button_per_day(harness: Harness) -> None:
    plan = await harness.slash("plan", {"day": "week", "protocol": "alternate"})
    labels = [b["label"] for b in plan.buttons()]
    assert labels == [
        "Start lower", "My numbers · lower", "Start push", "My numbers · push", "Start pull", "My numbers · pull",
    ]  # fmt: skip
    rows = [[c["label"] for c in row["components"]] for row in plan.message["components"]]
    assert rows[2] == ["Start pull", "My numbers · pull"], "one row per day"
    pull = await harness.click(plan.message, label="My numbers · pull")
    assert "Upper body pull" in final(pull)["embeds"][0]["title"]


async def test_compare_of_a_bodyweight_lift_never_shows_e1rm_zero(harness: Harness) -> None:
    for i in range(3):
        await session(harness, 30 - 2 * i, [("pec deck", 40, 12), ("push-ups", 0, 15)], spacing=20)
        await session(harness, 29 - 2 * i, [("push-ups", 0, 20), ("pec deck", 40, 12)], spacing=20)
    reply = await harness.slash("compare", {"exercise": "push-up"}, locale="en-GB")
    assert final(reply)["embeds"], final(reply)["content"]
    field = final(reply)["embeds"][0]["fields"][0]["value"]
    assert "e1RM 0" not in field
    assert "▲ Pre-exhausted: 3 sessions · e1RM — · working sets body weight × 15.0 (3 sets)" in field
    assert "no e1RM to compare yet: set your body weight once" in field
    # With a body weight the e1RM counts it: 0.65 × 80 × (1 + 15/30) = 78 kg.
    saved = await harness.slash("settings", {"bodyweight": 80, "unit": "kg", "bodyweight_date": when(40, 0)[:10]})
    assert "Body weight: **80 kg**" in saved.content, saved.content
    reply = await harness.slash("compare", {"exercise": "push-up"}, locale="en-GB", interaction_id=later(11))
    field = final(reply)["embeds"][0]["fields"][0]["value"]
    assert "▲ Pre-exhausted: 3 sessions · e1RM 78 kg" in field
