"""/privacy import through the real bot: an attachment option, a download, a private summary, nothing twice."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest
from sqlalchemy import select

from coach.settings import Settings
from db.models import LoggedSet
from emulator.driver import Harness, Reply
from tests.cdn import Cdn, cdn_fixture  # noqa: F401 - the cdn fixture
from tests.coach.test_importer import HEVY, STRONG
from tests.coach.test_real_exports import FILES, OLD_STRONG_LB, shared
from tests.cogs.test_logbook import rows as count


@pytest.fixture
def settings(settings: Settings, cdn: Cdn) -> Settings:
    """The bot downloads attachments only from the CDN base it is given: here, the loopback server."""
    return dataclasses.replace(settings, discord_cdn_base=cdn.base)


def later(seconds: float) -> int:
    """An interaction id created ``seconds`` from now (cooldowns count from creation time)."""
    return discord.utils.time_snowflake(datetime.now(UTC) + timedelta(seconds=seconds))


async def upload(
    harness: Harness,
    cdn: Cdn,
    data: bytes,
    *,
    filename: str = "strong.csv",
    size: int | None = None,
    unit: str | None = None,
    stored: bool = True,
    **kw: Any,
) -> Reply:
    """Run /privacy import with ``data`` as the attached file."""
    attachment_id = harness.ids.next()
    url = cdn.put(filename, data) if stored else f"{cdn.base}{attachment_id}/{filename}"
    options: list[dict[str, Any]] = [{"name": "file", "type": 11, "value": str(attachment_id)}]
    if unit is not None:
        options.append({"name": "unit", "type": 3, "value": unit})
    resolved = {
        "attachments": {
            str(attachment_id): {
                "id": str(attachment_id),
                "filename": filename,
                "size": len(data) if size is None else size,
                "url": url,
                "proxy_url": url,
                "content_type": "text/csv; charset=utf-8",
            }
        }
    }
    raw = [{"name": "import", "type": 1, "options": options}]
    kw.setdefault("locale", "en-GB")
    return await harness.slash("privacy", raw_options=raw, resolved=resolved, **kw)


def summary(reply: Reply) -> dict[str, Any]:
    message = reply.messages[-1]
    assert message["flags"] & 64, "import results are private"
    (embed,) = message["embeds"]
    return embed


async def final_summary(harness: Harness, reply: Reply) -> tuple[dict[str, Any], dict[str, Any]]:
    """The summary embed and its message, also when a long import showed progress on the deferred reply
    first (the harness hands back the reply at its first edit; the summary follows as a follow-up)."""
    if reply.messages[-1].get("embeds"):
        return summary(reply), reply.messages[-1]
    assert reply.messages[-1]["content"].startswith("Importing…"), reply.messages[-1]
    call = await harness.drain(lambda c: c.method == "POST" and c.path.startswith("/webhooks/"))
    message = call.json
    assert message["flags"] & 64, "import results are private"
    (embed,) = message["embeds"]
    return embed, message


async def test_import_strong_then_again_adds_nothing(harness: Harness, cdn: Cdn) -> None:
    reply = await upload(harness, cdn, STRONG)
    assert reply.callback_type in (4, 5), "answered directly, or deferred when the file takes a moment"
    embed = summary(reply)
    assert embed["title"] == "Imported from Strong: 7 of 11 rows"
    assert "**7** imported · **0** already in your log (skipped as duplicates) · **3** rejected" in embed["description"]
    assert "1 row without reps" in embed["description"]
    assert "line 9: Weight must be more than 0 for Leg Press" in embed["description"]
    assert (
        "Kept as your own exercises (not in the catalog, or ambiguous): Squat (Dumbbell) (1 set)"
        in embed["description"]
    )
    member = int(harness.default_user["id"])
    assert await count(harness, member) == 7

    again = await upload(harness, cdn, STRONG, interaction_id=later(31))
    assert "**0** imported · **7** already in your log" in summary(again)["description"]
    assert await count(harness, member) == 7

    history = await harness.slash("history", {"exercise": "back squat", "days": 365}, locale="en-GB")
    assert "Back Squat" in history.text(), "imported sets are in the log"
    assert "100 kg × 6" in history.text(), "imported sets are in the log"


async def test_imported_sets_feed_progress(harness: Harness, cdn: Cdn) -> None:
    await upload(harness, cdn, HEVY, filename="workouts.csv")
    reply = await harness.slash("progress", {"exercise": "bench press", "days": 365}, locale="en-GB")
    # One Hevy workout with bench press: one session — the member is told, not shown an empty chart.
    assert "1 session of Bench Press" in reply.messages[-1]["content"]


async def test_cooldown_per_member(harness: Harness, cdn: Cdn) -> None:
    await upload(harness, cdn, HEVY)
    soon = await upload(harness, cdn, HEVY)
    assert soon.ephemeral
    assert "use this again in" in soon.content


BAD_FILES = [
    ({"data": b"name,score\nbob,3\n"}, "doesn't look like a Strong or Hevy"),
    ({"data": b"\x89PNG\r\n\x1a\n\x00\x00binary"}, "binary data"),
    ({"data": STRONG + b"\n2026-11-10 17:30:00,too,few\n"}, "fields but the header has"),
    ({"data": b"Date,Exercise Name,Weight,Reps\n"}, "no sets"),
    ({"data": STRONG, "filename": "export.xlsx"}, "ending in .csv"),
    ({"data": STRONG, "size": 50 * 1024 * 1024}, "up to 2 MB"),
    ({"data": STRONG, "stored": False}, "couldn't download"),
    ({"data": STRONG, "unit": "stone"}, "stone"),
]


@pytest.mark.parametrize(("kwargs", "fragment"), BAD_FILES)
async def test_bad_files_get_a_clear_message_and_change_nothing(
    harness: Harness, cdn: Cdn, kwargs: dict[str, Any], fragment: str
) -> None:
    reply = await upload(harness, cdn, **kwargs)
    message = reply.messages[-1]
    assert message["flags"] & 64
    assert not message.get("embeds")
    assert fragment in message["content"], message["content"]
    assert "went wrong" not in message["content"]
    assert await count(harness) == 0


async def test_too_big_is_refused_before_downloading(harness: Harness, cdn: Cdn) -> None:
    reply = await upload(harness, cdn, STRONG, size=3 * 1024 * 1024, stored=False)
    assert reply.callback_type == 4, "answered at once, nothing downloaded"
    assert "up to 2 MB" in reply.content


@pytest.mark.parametrize(
    ("name", "valid", "unit_note"), [(f[0], f[3], f[8]) for f in FILES], ids=[f[0].split("+")[0] for f in FILES]
)
async def test_every_real_export_imports_through_the_bot(
    harness: Harness, cdn: Cdn, name: str, valid: int, unit_note: str
) -> None:
    data = shared(name)
    reply = await upload(harness, cdn, data, filename=name)
    embed, message = await final_summary(harness, reply)
    assert f"**{valid}** imported" in embed["description"], embed["description"]
    member = int(harness.default_user["id"])
    assert await count(harness, member) == valid
    buttons = [c["label"] for row in message.get("components") or [] for c in row["components"]]
    if unit_note == "inferred":
        assert "the weights look like **kg** (plate maths)" in embed["description"]
        assert buttons == ["Re-import as lb"]
    else:
        assert "Weights read in the units the file names." in embed["description"]
        assert not buttons


async def test_re_import_as_the_other_unit_swaps_the_sets(harness: Harness, cdn: Cdn) -> None:
    member = int(harness.default_user["id"])
    # An old Strong file without a unit, from a pound lifter (plate totals 135/185/225/275): read as lb.
    reply = await upload(harness, cdn, OLD_STRONG_LB.encode(), locale="en-GB")
    embed = summary(reply)
    assert "the weights look like **lb** (plate maths), so I read them as lb" in embed["description"]
    before = await count(harness, member)
    intruder = harness.new_user("intruder")
    refused = await harness.click(reply.message, label="Re-import as kg", user=intruder)
    assert "isn't yours" in refused.content
    assert await count(harness, member) == before
    # The member knows better: the same sets, now in kg, replace them (not added beside them).
    swapped = await harness.click(reply.message, label="Re-import as kg")
    assert swapped.message["embeds"][0]["title"] == "Re-read your Strong import as kg"
    assert (
        f"**{before} sets** of this file in your log re-read as **kg**" in swapped.message["embeds"][0]["description"]
    )
    assert await count(harness, member) == before
    async with harness.bot.session_factory() as session:
        units = set((await session.execute(select(LoggedSet.weight_unit))).scalars())
    assert units == {"kg"}


async def test_a_mapped_name_moves_its_sets_and_is_remembered(harness: Harness, cdn: Cdn) -> None:
    member = int(harness.default_user["id"])
    await harness.slash(
        "log", {"exercise": "custom:Pec Fly Machine", "weight": 40, "reps": 12, "unit": "kg"}, locale="en-GB"
    )
    names = await harness.autocomplete("map", {"name": "pec"}, "name")
    assert [c["value"] for c in names] == ["custom:Pec Fly Machine"]
    done = await harness.slash("map", {"name": "custom:Pec Fly Machine", "exercise": "pec_deck_fly"})
    assert done.ephemeral
    assert "is now **Pec Deck Fly**: 1 set moved there" in done.content
    async with harness.bot.session_factory() as session:
        keys = set((await session.execute(select(LoggedSet.exercise_key))).scalars())
    assert keys == {"pec_deck_fly"}
    # /log and imports read the name that way from now on.
    logged = await harness.slash(
        "log", {"exercise": "pec fly machine", "weight": 42.5, "reps": 10, "unit": "kg"}, locale="en-GB"
    )
    assert logged.embeds[0]["title"].startswith("Pec Deck Fly — 42.5 kg × 10")
    export = b"Date,Exercise Name,Weight,Reps,Weight Unit\n2026-11-01 10:00:00,Pec Fly Machine,45,10,kg\n"
    imported = summary(await upload(harness, cdn, export))
    assert "**1** imported" in imported["description"]
    assert "Kept as your own" not in imported["description"]
    async with harness.bot.session_factory() as session:
        keys = set((await session.execute(select(LoggedSet.exercise_key))).scalars())
    assert keys == {"pec_deck_fly"}
    assert await count(harness, member) == 3
    # Only own exercises can be mapped, and only to the catalog.
    refused = await harness.slash("map", {"name": "bench press", "exercise": "pec_deck_fly"})
    assert "/map is for your own exercises" in refused.content


async def test_the_same_file_read_in_another_unit_adds_nothing(harness: Harness, cdn: Cdn) -> None:
    member = int(harness.default_user["id"])
    first = summary(await upload(harness, cdn, OLD_STRONG_LB.encode(), unit="lb"))
    assert "**28** imported" in first["description"]
    # The member's unit or their choice changed since: the file's sets are still the same sets.
    again = summary(await upload(harness, cdn, OLD_STRONG_LB.encode(), unit="kg", interaction_id=later(31)))
    assert "**0** imported · **28** already in your log" in again["description"]
    assert await count(harness, member) == 28


async def test_a_mapping_can_be_changed(harness: Harness) -> None:
    await harness.slash("log", {"exercise": "custom:Chest Machine", "weight": 40, "reps": 12, "unit": "kg"})
    first = await harness.slash("map", {"name": "custom:Chest Machine", "exercise": "pec_deck_fly"})
    assert "is now **Pec Deck Fly**" in first.content
    changed = await harness.slash("map", {"name": "Chest Machine", "exercise": "chest_press_machine"})
    assert "now means **Chest Press Machine**" in changed.content
    assert "it meant Pec Deck Fly" in changed.content
    logged = await harness.slash("log", {"exercise": "chest machine", "weight": 50, "reps": 10, "unit": "kg"})
    assert logged.embeds[0]["title"].startswith("Chest Press Machine — ")
