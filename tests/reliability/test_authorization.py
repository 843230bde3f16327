"""Who may do what: members touch only their own data (guild, DM, buttons); /config needs Manage Server;
expensive commands have per-member cooldowns that say when to retry.

Every payload is sent raw, as a modified client could: Discord's own checks (hidden commands, buttons
only on your own messages) are not relied on.
"""

from __future__ import annotations

import csv
import io
import json
import re
from types import SimpleNamespace
from typing import Any

from discord import app_commands
from sqlalchemy import func, select

from db.models import GuildSettings, LoggedSet, MemberSettings
from emulator import payloads
from emulator.driver import Harness, Reply

SECRET_NOTE = "alice-private-note"


async def count(harness: Harness, model: Any, **where: int) -> int:
    """Rows of ``model`` (optionally filtered on columns), straight from the database."""
    query = select(func.count()).select_from(model)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    async with harness.bot.session_factory() as session:
        return int((await session.execute(query)).scalar_one())


async def log(harness: Harness, user: dict[str, Any], weight: float, **kw: Any) -> Reply:
    """/log a back squat as ``user``."""
    options = {"exercise": "back squat", "weight": weight, "reps": 5, "unit": "kg", "note": SECRET_NOTE}
    return await harness.slash("log", options, user=user, **kw)


async def press(harness: Harness, message: dict[str, Any], custom_id: str, user: dict[str, Any], **kw: Any) -> Reply:
    """Press a button with ``custom_id`` on ``message`` — put there if it isn't (a forged or stale custom id)."""
    forged = dict(message, components=[{"type": 1, "components": [{"type": 2, "style": 2, "label": "x",
                                                                     "custom_id": custom_id}]}])  # fmt: skip
    harness.messages[int(message["id"])] = forged
    payload = payloads.component(custom_id, message=forged, **harness._base({"user": user, **kw}))
    return await harness.send(payload)


def text_of(reply: Reply) -> str:
    """Everything the member could read, files included."""
    return reply.text() + "".join(data.decode("utf-8", "replace") for data in reply.files.values())


async def test_members_only_ever_read_undo_export_or_forget_their_own_data(harness: Harness) -> None:
    alice, bob, carol = harness.new_user("alice"), harness.new_user("bob"), harness.new_user("carol")
    dm = {"guild_id": None, "channel_id": harness.ids.next()}
    in_guild = [await log(harness, alice, 100 + i) for i in range(11)]
    in_dm = await log(harness, alice, 90, **dm)
    alice_id = int(alice["id"])
    alice_rows = await count(harness, LoggedSet, member_id=alice_id)
    assert alice_rows == 12

    # Commands, in the server and in DMs: a stranger sees and changes nothing of Alice's.
    for stranger, where in ((bob, {}), (carol, dm)):
        history = await harness.slash("history", user=stranger, **where)
        assert "No sets" in history.text()
        assert SECRET_NOTE not in history.text()
        undo = await harness.slash("undo", user=stranger, **where)
        assert "nothing to undo" in undo.content.lower()
        export = await harness.slash("privacy", subcommand="export", user=stranger, **where)
        exported_csv = export.files["pre-exhaust-coach-sets.csv"].decode("utf-8-sig")
        assert len(list(csv.reader(io.StringIO(exported_csv)))) == 1, "header only"
        assert json.loads(export.files["pre-exhaust-coach-data.json"])["sets"] == []
        assert SECRET_NOTE not in text_of(export)
        assert str(alice_id) not in text_of(export)
        forget = await harness.slash("privacy", subcommand="forget", user=stranger, **where)
        await harness.click(forget.message, label="Delete everything", user=stranger, **where)
    assert await count(harness, LoggedSet, member_id=alice_id) == alice_rows

    # Buttons: Alice's own, pressed by Bob, are refused server-side.
    undo_id = in_guild[0].buttons()[0]["custom_id"]
    set_id = int(undo_id.split(":")[2])
    refused = await harness.click(in_guild[0].message, undo_id, user=bob)
    assert "isn't yours" in refused.content
    assert refused.ephemeral
    dm_refused = await harness.click(in_dm.message, in_dm.buttons()[0]["custom_id"], user=carol, **dm)
    assert "isn't yours" in dm_refused.content
    history = await harness.slash("history", user=alice)
    older = next(b["custom_id"] for b in history.buttons() if b["label"].startswith("Older"))
    peek = await harness.click(history.message, older, user=bob)
    assert "isn't yours" in peek.content
    assert SECRET_NOTE not in peek.text()
    forget = await harness.slash("privacy", subcommand="forget", user=alice)
    confirm = next(b["custom_id"] for b in forget.buttons() if b["label"] == "Delete everything")
    assert "isn't yours" in (await harness.click(forget.message, confirm, user=bob)).content

    # Forged custom ids naming the presser as owner: the service still checks whose data it is.
    forged_undo = await press(harness, in_guild[0].message, f"log:undo:{set_id}:{bob['id']}", bob)
    # Answered exactly as a set id that doesn't exist: Undo is no oracle for which set ids exist.
    missing = await press(harness, in_guild[0].message, f"log:undo:{2**62}:{bob['id']}", bob)
    assert forged_undo.content == missing.content
    assert "already gone" in forged_undo.content
    forged_history = await press(harness, history.message, f"hist:{bob['id']}:0:365:", bob)
    assert "No sets" in forged_history.text()
    assert SECRET_NOTE not in forged_history.text()
    forged_forget = await press(harness, forget.message, f"privacy:forget:{bob['id']}:confirm", bob)
    assert "deleted all your data: 0 rows" in forged_forget.text()
    assert await count(harness, LoggedSet, member_id=alice_id) == alice_rows

    # The same buttons work for their owner: the refusals above were about ownership, nothing else.
    mine = await harness.click(in_guild[0].message, undo_id, user=alice)
    assert "Undone" in mine.text()
    assert await count(harness, LoggedSet, member_id=alice_id) == alice_rows - 1


async def test_config_needs_manage_server_checked_by_the_bot(harness: Harness) -> None:
    member_bits = int(payloads.MEMBER_PERMISSIONS)
    refused = [
        ("a member", {"permissions": payloads.MEMBER_PERMISSIONS}),
        ("no permissions at all", {"permissions": "0"}),
        ("manage channels but not server", {"permissions": str(member_bits | (1 << 4))}),
        ("a DM", {"guild_id": None}),
    ]
    for who, kw in refused:
        reply = await harness.slash("config", {"evidence_replies": "on"}, **kw)
        assert reply.ephemeral, (who, reply)
        assert "Manage Server" in reply.content or "server" in reply.content.lower(), (who, reply)
        assert "on**" not in reply.content, who
    assert await count(harness, GuildSettings) == 0, "nothing was written for anyone refused"

    for who, permissions in (("manager", payloads.MANAGER_PERMISSIONS), ("admin", payloads.ADMIN_PERMISSIONS)):
        reply = await harness.slash("config", {"evidence_replies": "on"}, permissions=permissions)
        assert "**on**" in reply.content, (who, reply.content)
    assert await count(harness, GuildSettings) == 1


EXPENSIVE = re.compile(r"export|import|chart|progress|insight|numbers|stats")


def member_cooldown(command: app_commands.Command[Any, ..., Any]) -> tuple[Any, float] | None:
    """(key function, seconds) of a discord.py cooldown check on the command, if it has one."""
    for check in command.checks:
        if "_create_cooldown_decorator" not in getattr(check, "__qualname__", ""):
            continue
        # discord.py keeps the key and the bucket factory as defaults of the predicate's get_bucket.
        for cell in check.__closure__ or ():
            defaults = getattr(cell.cell_contents, "__kwdefaults__", None) or {}
            if "key" in defaults:
                bucket = defaults["factory"](SimpleNamespace())
                return defaults["key"], float(bucket.per)
    return None


async def test_expensive_commands_have_per_member_cooldowns(harness: Harness) -> None:
    expensive = [
        c
        for c in harness.bot.tree.walk_commands()
        if isinstance(c, app_commands.Command) and EXPENSIVE.search(c.qualified_name)
    ]
    assert "privacy export" in {c.qualified_name for c in expensive}
    for command in expensive:
        found = member_cooldown(command)
        assert found is not None, f"/{command.qualified_name} has no cooldown"
        key, seconds = found
        one, two = SimpleNamespace(user=SimpleNamespace(id=1)), SimpleNamespace(user=SimpleNamespace(id=2))
        assert key(one) != key(two), f"/{command.qualified_name}'s cooldown isn't per member"
        assert seconds >= 10, f"/{command.qualified_name}'s cooldown is only {seconds} s"


async def test_export_twice_is_refused_with_when_to_retry_other_members_unaffected(harness: Harness) -> None:
    alice, bob = harness.new_user("alice"), harness.new_user("bob")
    first = await harness.slash("privacy", subcommand="export", user=alice)
    assert first.files
    again = await harness.slash("privacy", subcommand="export", user=alice)
    assert again.ephemeral
    assert not again.files
    wait = re.search(r"again in (\d+) s", again.content)
    assert wait is not None, again.content
    assert 1 <= int(wait.group(1)) <= 30, again.content
    assert (await harness.slash("privacy", subcommand="export", user=bob)).files, "other members aren't held up"
    assert await count(harness, MemberSettings) == 0, "exporting writes nothing"
