"""Count what a member does for a full seed push day: with the workout card versus with /log, set by set.

Both are driven through the real bot. An interaction is one command sent, one button pressed or one form
submitted. Characters typed are the command's name and its option values, and in a form the values the
member changed from the pre-filled ones. Exercise names are counted in full for /log (autocomplete can
shorten them; the card needs no name at all). docs/commands.md quotes the numbers this test prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.driver import Harness, Reply

GB = {"locale": "en-GB"}
# The seed push day with gym equipment, as /plan orders it: (name, sets, weight in kg, reps).
PUSH_DAY = [
    ("Triceps Pushdown", 3, 25, 12),
    ("Overhead Tricep Extension", 3, 15, 12),
    ("Front Raise", 3, 8, 12),
    ("Lateral Raise", 3, 8, 12),
    ("Shoulder Press", 4, 40, 8),
    ("Dumbbell Bench Press", 4, 30, 8),
]


@dataclass
class Count:
    interactions: int = 0
    typed: int = 0


async def slash(harness: Harness, count: Count, name: str, options: dict[str, Any], **kw: Any) -> Reply:
    count.interactions += 1
    count.typed += len(name) + sum(len(str(v)) for v in options.values())
    return await harness.slash(name, options, **GB, **kw)


async def press(harness: Harness, count: Count, reply: Reply, label: str) -> Reply:
    count.interactions += 1
    return await harness.click(reply.message, label=label, **GB)


async def with_card(harness: Harness) -> Count:
    count = Count()
    plan = await slash(harness, count, "plan", {"day": "push"})
    card = await press(harness, count, plan, "Start workout")
    for _name, sets, weight, reps in PUSH_DAY:
        for _ in range(sets):
            done = next(c for row in card.message["components"] for c in row["components"] if c.get("label") == "Done")
            if not done.get("disabled"):
                card = await press(harness, count, card, "Done")
                continue
            # First time: the form, then the pre-filled sets from it.
            form = await press(harness, count, card, "Edit")
            values = {"weight": str(weight), "reps": str(reps)}
            prefilled = {
                c["custom_id"]: c.get("value") or "" for row in form.modal["components"] for c in row["components"]
            }
            count.typed += sum(len(v) for k, v in values.items() if prefilled.get(k) != v)
            count.interactions += 1
            card = await harness.submit(form, values, message=card.message, **GB)
    await press(harness, count, card, "End workout")
    return count


async def with_log(harness: Harness) -> Count:
    count = Count()
    for name, sets, weight, reps in PUSH_DAY:
        for _ in range(sets):
            await slash(harness, count, "log", {"exercise": name, "weight": weight, "reps": reps})
    return count


async def test_a_push_day_takes_one_tap_per_set_with_the_card(harness: Harness) -> None:
    logged = await with_log(harness)  # a first week with /log: this member's history now has targets
    returning = await with_card(harness)
    sets = sum(s for _, s, _, _ in PUSH_DAY)
    print(f"\nseed push day, {sets} sets")
    print(f"/log set by set:        {logged.interactions} interactions, {logged.typed} characters typed")
    print(f"card, with history:     {returning.interactions} interactions, {returning.typed} characters typed")
    assert logged.interactions == sets
    # /plan, Start workout, one Done per set, End workout — and nothing typed but "/plan push".
    assert returning.interactions == sets + 3
    assert returning.typed == len("plan") + len("push")
    assert logged.typed > 20 * returning.typed


async def test_a_first_push_day_with_the_card(harness: Harness) -> None:
    first = await with_card(harness)
    exercises = len(PUSH_DAY)
    sets = sum(s for _, s, _, _ in PUSH_DAY)
    print(f"\ncard, first time:       {first.interactions} interactions, {first.typed} characters typed")
    # Each exercise's first set goes through the form (two interactions); every other set is one tap.
    assert first.interactions == sets + exercises + 3
