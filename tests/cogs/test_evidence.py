"""/evidence, the study menu, the chat question and /config — through the real bot."""

from __future__ import annotations

import re

import discord
import pytest

from coach.evidence import EvidenceBase
from emulator import payloads
from emulator.driver import Harness


def cited(text: str, evidence: EvidenceBase) -> bool:
    """True when the text carries a parenthesised short citation of an evidence entry."""
    return any(re.search(r"\([^()]*" + re.escape(e.short_cite) + r"[^()]*\)", text) for e in evidence.entries)


def assert_summary(message: dict, evidence: EvidenceBase) -> None:
    (embed,) = message["embeds"]
    assert "pre-exhaust" in embed["title"].lower()
    assert cited(embed["description"], evidence), "the verdict must be cited"
    names = [f["name"].lower() for f in embed["fields"]]
    assert len(names) >= 5
    assert len(discord.Embed.from_dict(embed)) <= 6000
    assert "/evidence study" in embed["footer"]["text"]
    for field in embed["fields"]:
        for bullet in field["value"].split("\n• "):
            assert cited(bullet, evidence), f"uncited sentence in {field['name']!r}: {bullet!r}"


def assert_chat(message: dict, evidence: EvidenceBase) -> None:
    """The short chat answer: one cited embed of at most 8 lines, with its three buttons."""
    (embed,) = message["embeds"]
    lines = [embed["title"], *embed["description"].splitlines(), embed["footer"]["text"]]
    assert len(lines) <= 8, lines
    for line in embed["description"].splitlines():
        assert cited(line, evidence), line
    assert len(discord.Embed.from_dict(embed)) <= 6000
    ids = [c["custom_id"] for row in message["components"] for c in row["components"]]
    labels = [c["label"] for row in message["components"] for c in row["components"]]
    assert ids == ["evidence:full", "evidence:studies", "evidence:plan"]
    assert labels == ["Full summary", "Studies", "Try it: /plan"]


def posted(harness: Harness) -> dict:
    """The message the bot posted last (a chat reply), as the client would see it."""
    return list(harness.messages.values())[-1]


async def test_evidence_summary_is_public_cited_and_has_a_study_menu(harness: Harness, evidence: EvidenceBase) -> None:
    reply = await harness.slash("evidence")
    assert reply.callback_type == 4
    assert not reply.ephemeral
    assert_summary(reply.message, evidence)
    (select,) = reply.buttons()
    assert select["type"] == 3
    assert select["custom_id"] == "evidence:study"
    assert {o["value"] for o in select["options"]} == {e.id for e in evidence.entries}


async def test_menu_opens_a_study_privately(harness: Harness) -> None:
    reply = await harness.slash("evidence")
    detail = await harness.click(reply.message, "evidence:study", values=["augustsson2003"])
    assert detail.ephemeral
    (embed,) = detail.embeds
    assert "2003" in embed["title"] or "2003" in embed["description"]
    assert "12741886" in detail.text()  # the PMID


async def test_study_option_shows_detail_with_numbers_and_link(harness: Harness) -> None:
    reply = await harness.slash("evidence", {"study": "golas2017"})
    assert not reply.ephemeral
    text = reply.text()
    assert "147.76" in text
    assert "10.1519/JSC.0000000000001755" in text
    assert reply.embeds[0].get("url") or "journals.lww.com" in text


async def test_unverified_preprint_is_labelled(harness: Harness) -> None:
    text = (await harness.slash("evidence", {"study": "hermann2025"})).text()
    assert "36%" in text
    assert "not verified" in text.lower()


async def test_study_typed_without_autocomplete_is_resolved_or_explained(harness: Harness) -> None:
    reply = await harness.slash("evidence", {"study": "Fisher 2014"})
    assert "Fisher" in reply.embeds[0]["title"]
    reply = await harness.slash("evidence", {"study": "creatine loading"})
    assert reply.ephemeral
    assert "No study matches" in reply.content


async def test_study_autocomplete(harness: Harness) -> None:
    choices = await harness.autocomplete("evidence", {}, "study")
    assert 0 < len(choices) <= 25
    choices = await harness.autocomplete("evidence", {"study": "gentil"}, "study")
    assert choices[0]["value"] == "gentil2007"
    assert all(len(c["name"]) <= 100 for c in choices)


async def test_mention_question_gets_the_short_answer(harness: Harness, evidence: EvidenceBase) -> None:
    call = await harness.message("does pre-exhaust work?", mention_bot=True)
    assert call is not None
    assert call.path == f"/channels/{harness.channel_id}/messages"
    assert call.json["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert call.json["message_reference"]["channel_id"] == harness.channel_id
    assert_chat(call.json, evidence)


async def test_the_short_answers_buttons_answer_whoever_presses_privately(
    harness: Harness, evidence: EvidenceBase
) -> None:
    await harness.message("does doing flyes before bench actually help chest growth?", mention_bot=True)
    answer = posted(harness)
    someone = harness.new_user("someone")
    full = await harness.click(answer, "evidence:full", user=someone)
    assert full.ephemeral
    assert_summary(full.message, evidence)
    studies = await harness.click(answer, "evidence:studies")
    assert studies.ephemeral
    (embed,) = studies.embeds
    assert embed["title"] == "The studies behind the summary"
    assert (
        "Aguiar et al., 2015** — Training study · Supports its own variant — not classic pre-exhaust"
        in (embed["description"])
    )
    (select,) = studies.buttons()
    assert select["custom_id"] == "evidence:study"
    plan = await harness.click(answer, "evidence:plan")
    assert plan.ephemeral
    assert "`/plan day:lower`" in plan.content  # nothing logged yet: the rotation starts with lower
    assert "protocol:alternate" in plan.content


async def test_a_request_for_the_study_gets_the_studies_list(harness: Harness) -> None:
    call = await harness.message("can someone link that pre-exhaust study the bot posted yesterday?", mention_bot=True)
    assert call is not None
    (embed,) = call.json["embeds"]
    assert embed["title"] == "The studies behind the summary"


async def test_scheduling_is_not_the_evidence_question(harness: Harness) -> None:
    call = await harness.message("should I do pre-exhaust on monday or wednesday?", mention_bot=True)
    assert call is not None
    assert "`/plan" in call.json["content"], "the pointer"


@pytest.mark.parametrize(
    "content",
    ["doing pre-exhaust today, wish me luck", "help", "what should I do today", "does creatine work?"],
)
async def test_a_mention_that_isnt_the_question_gets_a_pointer(harness: Harness, content: str) -> None:
    call = await harness.message(content, mention_bot=True)
    assert call is not None, "a mention is always answered"
    text = call.json["content"]
    assert "`/plan" in text
    assert "`/log`" in text
    assert "embeds" not in call.json or not call.json["embeds"], "a pointer, not the evidence summary"
    assert call.json["allowed_mentions"] == {"parse": [], "replied_user": False}


async def test_the_pointer_suggests_the_day_after_the_members_last(harness: Harness) -> None:
    await harness.slash("log", {"exercise": "lateral raise", "weight": 8, "reps": 15, "unit": "kg"})
    await harness.slash("log", {"exercise": "dumbbell bench press", "weight": 30, "reps": 8, "unit": "kg"})
    call = await harness.message("what should I do today?", mention_bot=True)
    assert call is not None
    assert "You trained **push**" in call.json["content"]
    assert "**pull** is next: `/plan day:pull`" in call.json["content"]


async def test_a_mention_twice_in_a_row_is_answered_twice(harness: Harness, evidence: EvidenceBase) -> None:
    first = await harness.message("does pre-exhaust work?", mention_bot=True)
    assert first is not None
    assert_chat(first.json, evidence)
    again = await harness.message("does pre-exhaust work?", mention_bot=True)
    assert again is not None, "the channel cooldown is for unprompted replies only"
    assert "asked me a moment ago" in again.json["content"]
    # A flood from one member costs one short answer, not one per message.
    for _ in range(5):
        assert await harness.message("does pre-exhaust work?", mention_bot=True, wait=0.05) is None
    other = harness.new_user("other")
    theirs = await harness.message("does pre-exhaust work?", mention_bot=True, author=other)
    assert theirs is not None
    assert_chat(theirs.json, evidence)


async def test_unmentioned_question_needs_config_and_respects_cooldown(harness: Harness) -> None:
    manager = payloads.MANAGER_PERMISSIONS
    assert await harness.message("is pre exhaustion worth it?", wait=0.3) is None
    reply = await harness.slash("config", {"evidence_replies": "on"}, permissions=manager)
    assert reply.ephemeral
    assert "**on**" in reply.content
    assert await harness.message("is pre exhaustion worth it?") is not None
    # One reply per channel per cooldown window, even for a flood.
    for _ in range(20):
        assert await harness.message("does pre-fatigue actually work?", wait=0.05) is None
    assert await harness.message("pre-exhaust: backed by science?", channel_id=harness.other_channel_id) is not None
    reply = await harness.slash("config", {"evidence_replies": "off"}, permissions=manager)
    assert "**off**" in reply.content


async def test_config_channel_limits_unprompted_replies(harness: Harness) -> None:
    raw = [
        {"name": "evidence_replies", "type": 3, "value": "on"},
        {"name": "channel", "type": 7, "value": str(harness.other_channel_id)},
    ]
    resolved = {"channels": {str(harness.other_channel_id): {
        "id": str(harness.other_channel_id), "type": 0, "name": "general", "permissions": payloads.BOT_PERMISSIONS,
    }}}  # fmt: skip
    reply = await harness.slash("config", raw_options=raw, resolved=resolved, permissions=payloads.MANAGER_PERMISSIONS)
    assert f"<#{harness.other_channel_id}>" in reply.content
    assert await harness.message("does pre-exhaust work?", wait=0.3) is None
    assert await harness.message("does pre-exhaust work?", channel_id=harness.other_channel_id) is not None


async def test_bots_webhooks_and_itself_are_ignored(harness: Harness) -> None:
    robot = payloads.user(harness.ids.next(), "robot", bot=True)
    assert await harness.message("does pre-exhaust work?", mention_bot=True, author=robot, wait=0.3) is None
    assert await harness.message("does pre-exhaust work?", mention_bot=True, webhook_id=99, wait=0.3) is None
    assert await harness.message("does pre-exhaust work?", author=harness.bot_user, wait=0.3) is None


async def test_config_needs_manage_server_bot_side(harness: Harness) -> None:
    reply = await harness.slash("config", {"evidence_replies": "on"}, permissions=payloads.MEMBER_PERMISSIONS)
    assert reply.ephemeral
    assert "Manage Server" in reply.content
    # nothing was written: the setting is still off
    shown = await harness.slash("config", permissions=payloads.MANAGER_PERMISSIONS)
    assert "**off**" in shown.content
    dm = await harness.slash("config", {"evidence_replies": "on"}, guild_id=None)
    assert dm.ephemeral
    assert "server" in dm.content.lower()


async def test_config_is_hidden_from_members_by_default(harness: Harness) -> None:
    command = harness.bot.tree.get_command("config")
    assert command is not None
    payload = command.to_dict(harness.bot.tree)
    assert int(payload["default_member_permissions"]) == discord.Permissions(manage_guild=True).value
    assert all(opt["description"] for opt in payload["options"])


async def test_summary_menus_are_not_kept_per_message(harness: Harness) -> None:
    store = harness.bot._connection._view_store
    for _ in range(5):
        reply = await harness.slash("evidence")
    assert int(reply.message["id"]) not in store._synced_message_views
    assert not [key for key in store._views if key is not None], "one persistent registration serves every summary"
    detail = await harness.click(reply.message, "evidence:study", values=["fisher2014"])
    assert "Fisher" in detail.embeds[0]["title"]
