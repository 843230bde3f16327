"""/plan through the real bot: raw INTERACTION_CREATE payloads in, captured REST replies out."""

from __future__ import annotations

import logging
import re

import discord
import pytest

from emulator.driver import Harness

PUSH = ["Triceps Pushdown", "Overhead Tricep Extension", "Front Raise", "Lateral Raise", "Shoulder Press",
        "Dumbbell Bench Press"]  # fmt: skip
LINE = re.compile(r"^\*\*(\d+)\. (.+?)\*\* — (\d+ × [\d–]+) · `(isolation|compound)` · (.+)$")


def exercise_lines(embed: dict) -> list[tuple[str, str, str, str]]:
    """(name, prescription, mechanic, target) for each numbered line of a day embed."""
    out = []
    for line in embed["description"].splitlines():
        match = LINE.match(line)
        if match:
            assert int(match.group(1)) == len(out) + 1
            out.append(match.group(2, 3, 4, 5))
    return out


async def test_plan_push_is_public_and_in_seed_order(harness: Harness) -> None:
    reply = await harness.slash("plan", {"day": "push"})
    assert reply.callback_type == 4
    assert not reply.ephemeral
    (embed,) = reply.embeds
    assert embed["title"] == "Tuesday · Upper body push"
    lines = exercise_lines(embed)
    assert [name for name, *_ in lines] == PUSH
    assert lines[0] == ("Triceps Pushdown", "3 × 12–15", "isolation", "triceps")
    assert lines[-1] == ("Dumbbell Bench Press", "4 × 6–10", "compound", "chest")
    assert embed["fields"][0]["name"] == "Why this order"
    assert "isolation" in embed["fields"][0]["value"].lower()
    assert "/evidence" in embed["footer"]["text"]
    assert "may save time (a preprint, per secondary reports)" in embed["footer"]["text"]
    assert reply.calls[0].json["data"]["allowed_mentions"] == {"parse": []}, "a plan must never ping anyone"


async def test_plan_lower_reproduces_seed_prescriptions(harness: Harness) -> None:
    reply = await harness.slash("plan", {"day": "lower"})
    assert exercise_lines(reply.embeds[0]) == [
        ("Leg Extension", "4 × 15–20", "isolation", "quads"),
        ("Leg Curl", "4 × 15–20", "isolation", "hamstrings"),
        ("Hip Thrust", "4 × 10–12", "isolation", "glutes"),
        ("Romanian Deadlift", "4 × 8–10", "compound", "hamstrings"),
        ("Back Squat", "4 × 6", "compound", "quads"),
    ]


async def test_plan_pull_traditional_is_compound_first(harness: Harness) -> None:
    reply = await harness.slash("plan", {"day": "pull", "protocol": "traditional"})
    names = [n for n, *_ in exercise_lines(reply.embeds[0])]
    assert names[:2] == ["Bent-Over Row", "Lat Pulldown"]
    assert names[-1] == "Hammer Curl"
    assert "Compound lifts first" in reply.embeds[0]["fields"][0]["value"]


@pytest.mark.parametrize("protocol", ["pre-exhaust", "traditional", "alternate"])
async def test_plan_week_posts_three_days(harness: Harness, protocol: str) -> None:
    reply = await harness.slash("plan", {"day": "week", "protocol": protocol})
    titles = [e["title"] for e in reply.embeds]
    assert titles == ["Monday · Lower body", "Tuesday · Upper body push", "Wednesday · Upper body pull"]
    mechanics = [[m for _, _, m, _ in exercise_lines(e)] for e in reply.embeds]
    if protocol == "alternate":
        firsts = [m[0] for m in mechanics]
        assert firsts[0] != firsts[1] != firsts[2], "alternate must switch order day to day"
        assert all("alternating week" in e["description"] for e in reply.embeds)
    else:
        first = "isolation" if protocol == "pre-exhaust" else "compound"
        assert all(m[0] == first for m in mechanics)
    total = sum(len(discord.Embed.from_dict(e)) for e in reply.embeds)
    assert total <= 6000
    assert len(reply.embeds) <= 10


@pytest.mark.parametrize("equipment", ["gym", "dumbbells", "bodyweight"])
@pytest.mark.parametrize("day", ["lower", "push", "pull"])
async def test_plan_each_equipment_choice(harness: Harness, day: str, equipment: str) -> None:
    reply = await harness.slash("plan", {"day": day, "equipment": equipment})
    embed = reply.embeds[0]
    assert f"**Equipment:** {equipment}" in embed["description"]
    lines = exercise_lines(embed)
    warnings = [ln for ln in embed["description"].splitlines() if ln.startswith("⚠️")]
    assert len(lines) + len(warnings) == (5 if day == "lower" else 6)
    mechanics = [m for _, _, m, _ in lines]
    assert mechanics == sorted(mechanics, key=lambda m: m == "compound")
    if equipment != "gym":
        assert "instead of" in embed["description"]


async def test_bodyweight_push_says_what_has_no_substitute(harness: Harness) -> None:
    reply = await harness.slash("plan", {"day": "push", "equipment": "bodyweight"})
    assert "⚠️ No bodyweight substitute for Lateral Raise" in reply.embeds[0]["description"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ([{"name": "day", "type": 3, "value": "legs"}], "`legs` isn't a valid `day`. Choose one of: lower, push"),
        (
            [{"name": "day", "type": 3, "value": "push"}, {"name": "protocol", "type": 3, "value": "reverse"}],
            "`reverse` isn't a valid `protocol`",
        ),
        (
            [{"name": "day", "type": 3, "value": "push"}, {"name": "equipment", "type": 3, "value": "garage"}],
            "`garage` isn't a valid `equipment`. Choose one of: gym, dumbbells, bodyweight",
        ),
        ([], "doesn't match what I know"),
        ([{"name": "day", "type": 4, "value": 7}], "isn't a valid `day`"),
    ],
)
async def test_invalid_values_sent_raw_get_a_clear_private_message(
    harness: Harness, raw: list[dict], expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        reply = await harness.slash("plan", raw_options=raw)
    assert reply.ephemeral
    assert expected in reply.content
    assert not reply.embeds
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "expected errors must not log as failures"


async def test_unexpected_error_gets_generic_apology_and_is_logged(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("planner exploded: secret detail")

    monkeypatch.setattr(harness.bot.planner, "plan", boom)
    with caplog.at_level(logging.ERROR):
        reply = await harness.slash("plan", {"day": "push"})
    assert reply.ephemeral
    assert "something went wrong on my side" in reply.content
    assert "secret detail" not in reply.content
    assert any("planner exploded" in (r.exc_text or "") or r.exc_info for r in caplog.records)


async def test_plan_works_in_dms(harness: Harness) -> None:
    reply = await harness.slash("plan", {"day": "pull"}, guild_id=None)
    assert next(n for n, *_ in exercise_lines(reply.embeds[0])) == "Hammer Curl"


async def test_command_definition_describes_every_option(harness: Harness) -> None:
    command = harness.bot.tree.get_command("plan")
    assert command is not None
    payload = command.to_dict(harness.bot.tree)
    assert all(opt["description"] for opt in payload["options"])
    assert [o["name"] for o in payload["options"]] == ["day", "protocol", "equipment"]
    assert payload["options"][0]["required"] is True
