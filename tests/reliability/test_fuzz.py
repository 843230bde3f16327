"""Property-based fuzzing of raw interaction payloads: the bot never crashes, never answers twice, never saves junk.

Every slash command registered on the tree is fuzzed (new commands join automatically), then
autocomplete, then components with random custom ids and with valid-shaped ids naming someone else.
Payloads are built raw — wrong option types, missing required options, unknown options, huge, empty,
control-character and zero-width strings, NaN and infinities, negative and enormous numbers, SQL and
markdown injection — and fed through discord.py's own gateway parser (emulator/driver.py). Invariants:

- exactly one interaction callback, and a complete answer (a deferral is followed up);
- no log record at ERROR (an unhandled exception is logged at ERROR by discord.py and by us);
- no row written unless the command reported success, and every stored row within its ranges;
- every message within Discord's size limits and with mentions disabled; autocomplete within its limits.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from discord import app_commands
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from db.models import GuildSettings, LoggedSet, MemberSettings
from emulator import payloads
from emulator.driver import Harness, Reply
from emulator.validation import validate_choices as _validate_choices
from tests.reliability.conftest import LogCapture, harness_bodies, message_problems

FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
ANSWER_TIMEOUT_S = 5.0

HOSTILE_STRINGS = [
    "",
    " ",
    "\x00",
    "\u200b",
    "\u200b" * 300,
    "\u202egnp.exe",
    "\r\n" * 40,
    "\t\x07\x1b[31m",
    "'; DROP TABLE logged_sets; --",
    '" OR 1=1 --',
    "Robert'); DELETE FROM member_settings WHERE ('1'='1",
    "**bold** __u__ ~~s~~ ||spoiler|| `code` ```block``` > quote # heading [link](https://evil.example)",
    "@everyone @here <@123456789012345678> <@&123456789012345678> <#123456789012345678>",
    "NaN",
    "-Infinity",
    "1e309",
    "-1",
    "0x10",
    "９９",
    "١٢٣",
    "💪" * 60,
    "a" * 101,
    "a" * 2001,
    "b" * 6001,
    "c" * 100_000,
    "custom:",
    "custom:" + "\u200b" * 5,
    "custom:**x** @everyone",
    "back squat",
    "Bench Press",
    "yesterday",
    "2099-12-31",
    "kg",
    "lb",
    "warmup",
    "on",
]
text_values = st.one_of(
    st.sampled_from(HOSTILE_STRINGS),
    st.text(max_size=120),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Mn", "Co"]), max_size=40),
)
number_values = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [0, -1, 1, 0.5, 100, 2205, 2**31, 2**53 + 1, 2**63, -(2**63), 10**30, 10**400, math.nan, -math.inf]
    ),
)
any_value = st.one_of(
    text_values,
    number_values,
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
option_types = st.sampled_from([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2, 99])
option_names = st.one_of(st.from_regex(r"[a-z_]{1,32}", fullmatch=True), st.text(max_size=40))
permission_values = st.sampled_from(
    [payloads.MEMBER_PERMISSIONS, payloads.MANAGER_PERMISSIONS, payloads.ADMIN_PERMISSIONS, "0"]
)
locales = st.sampled_from(["en-US", "en-GB", "de", "xx-YY", ""])


def leaf_commands(harness: Harness) -> list[app_commands.Command[Any, ..., Any]]:
    """Every slash command on the tree, subcommands included (so new ones are fuzzed automatically)."""
    found = [c for c in harness.bot.tree.walk_commands() if isinstance(c, app_commands.Command)]
    assert {"log", "undo", "history", "settings", "config", "plan", "evidence", "privacy export"} <= {
        c.qualified_name for c in found
    }
    return sorted(found, key=lambda c: c.qualified_name)


@st.composite
def option_value(draw: st.DrawFn, param: app_commands.Parameter) -> Any:
    """Something for one declared option: often plausible for its type, often not."""
    plausible: list[st.SearchStrategy[Any]] = []
    if param.choices:
        plausible.append(st.sampled_from([c.value for c in param.choices]))
    kind = param.type.value
    if kind in (4, 10):
        plausible.append(number_values)
    elif kind == 3:
        plausible.append(text_values)
    elif kind == 5:
        plausible.append(st.booleans())
    elif kind in (6, 7, 8, 9):
        plausible.append(st.sampled_from(["123456789012345678", "0", "not-an-id"]))
    return draw(st.one_of(*plausible, any_value) if plausible else any_value)


@st.composite
def raw_options(draw: st.DrawFn, command: app_commands.Command[Any, ..., Any]) -> list[dict[str, Any]]:
    """The options list of a command payload: declared ones (maybe missing or mistyped) plus strangers."""
    options: list[dict[str, Any]] = []
    for param in command.parameters:
        if draw(st.integers(0, 4)) == 0:
            continue  # missing (also when required)
        kind = param.type.value if draw(st.integers(0, 3)) else draw(option_types)
        options.append({"name": param.name, "type": kind, "value": draw(option_value(param))})
    options.extend(
        {"name": draw(option_names), "type": draw(option_types), "value": draw(any_value)}
        for _ in range(draw(st.integers(0, 2)))
    )
    if options and draw(st.integers(0, 9)) == 0:
        options.append(dict(options[0]))  # the same option twice
    return draw(st.permutations(options)) if options else options


def wrap(command: app_commands.Command[Any, ..., Any], options: list[dict[str, Any]], mangle: bool) -> list[Any]:
    """Nest leaf options under the command's group(s), as Discord does — or not at all when mangling."""
    if mangle or command.parent is None:
        return options
    return payloads.wrap_subcommand(command.qualified_name.split(" ", 1)[1], options)


async def counts(harness: Harness) -> tuple[int, int, int]:
    """Rows in each table the bot writes."""
    async with harness.bot.session_factory() as session:
        found = [
            int((await session.execute(select(func.count()).select_from(model))).scalar_one())
            for model in (LoggedSet, MemberSettings, GuildSettings)
        ]
    return found[0], found[1], found[2]


async def stored_rows_are_valid(harness: Harness) -> None:
    """Whatever was accepted is within the ranges the service promises (NaN would be stored as NULL)."""
    async with harness.bot.session_factory() as session:
        rows = (await session.execute(select(LoggedSet))).scalars().all()
    for row in rows:
        assert math.isfinite(row.weight_kg), row.weight_kg
        assert 0 <= row.weight_kg <= 1000.001, row.weight_kg
        assert math.isfinite(row.e1rm_kg)
        assert row.e1rm_kg >= 0
        assert isinstance(row.reps, int)
        assert 1 <= row.reps <= 100
        assert row.rpe is None or (math.isfinite(row.rpe) and 1 <= row.rpe <= 10)
        assert row.note is None or (len(row.note) <= 200 and "\x00" not in row.note)
        assert row.exercise_name
        assert len(row.exercise_name) <= 100


def outcome_of(logs: LogCapture, interaction_id: int) -> str | None:
    """The structured command log's outcome for an interaction, if it logged one."""
    for record in logs.records:
        event = getattr(record, "command_event", None)
        if event is not None and event.interaction_id == interaction_id:
            return str(event.outcome)
    return None


async def check_one_answer(harness: Harness, logs: LogCapture, payload: dict[str, Any], before: int) -> Reply:
    """Send the payload; assert the common invariants on what came back; return the reply."""
    try:
        reply = await harness.send(payload, timeout=ANSWER_TIMEOUT_S)
    except TimeoutError:
        raise AssertionError(f"no complete answer: {str(payload)[:500]}") from None
    callbacks = [c for c in reply.calls if c.path.endswith("/callback")]
    assert len(callbacks) == 1, f"{len(callbacks)} callbacks for one interaction"
    errors = [r for r in logs.records[before:] if r.levelno >= logging.ERROR]
    assert not errors, [logs.texts()[logs.records.index(r)] for r in errors][:2]
    problems = message_problems(harness_bodies(reply.calls))
    assert not problems, problems
    return reply


def base(harness: Harness, user: Mapping[str, Any], dm: bool, permissions: str, locale: str) -> dict[str, Any]:
    """The payload builder's common arguments."""
    kw: dict[str, Any] = {"user": dict(user), "locale": locale, "permissions": permissions}
    if dm:
        kw.update(guild_id=None, channel_id=harness.ids.next())
    return harness._base(kw)


@settings(FUZZ, max_examples=300)
@given(data=st.data())
async def test_fuzz_every_slash_command(harness: Harness, logs: LogCapture, data: st.DataObject) -> None:
    commands = leaf_commands(harness)
    command = data.draw(st.sampled_from(commands), label="command")
    options = data.draw(raw_options(command), label="options")
    mangle = data.draw(st.integers(0, 9), label="mangle") == 0
    user = harness.new_user() if data.draw(st.booleans(), label="new user") else harness.default_user
    kw = base(
        harness,
        user,
        data.draw(st.booleans(), label="dm"),
        data.draw(permission_values, label="perms"),
        data.draw(locales, label="locale"),
    )
    root = command.root_parent.name if command.root_parent else command.name
    payload = payloads.slash(root, raw_options=wrap(command, options, mangle), **kw)

    rows_before, logs_before = await counts(harness), len(logs.records)
    await check_one_answer(harness, logs, payload, logs_before)
    outcome = outcome_of(logs, int(payload["id"]))
    if outcome != "ok":
        assert await counts(harness) == rows_before, f"/{command.qualified_name} wrote rows but said {outcome}"
    await stored_rows_are_valid(harness)


@settings(FUZZ, max_examples=80)
@given(data=st.data())
async def test_fuzz_autocomplete(harness: Harness, logs: LogCapture, data: st.DataObject) -> None:
    command = data.draw(st.sampled_from(leaf_commands(harness)), label="command")
    options = data.draw(raw_options(command), label="options")
    focused = data.draw(st.one_of(st.sampled_from([p.name for p in command.parameters] or ["x"]), option_names))
    options.append({"name": focused, "type": 3, "value": data.draw(text_values, label="typed"), "focused": True})
    root = command.root_parent.name if command.root_parent else command.name
    kw = base(harness, harness.new_user(), data.draw(st.booleans(), label="dm"), payloads.MEMBER_PERMISSIONS, "en-US")
    payload = payloads.autocomplete(root, None, focused, raw_options=wrap(command, options, False), **kw)

    rows_before, logs_before = await counts(harness), len(logs.records)
    reply = await check_one_answer(harness, logs, payload, logs_before)
    assert reply.callback_type == 8, reply.callback_type
    assert not _validate_choices(reply.choices or []), reply.choices
    assert await counts(harness) == rows_before


@st.composite
def custom_ids(draw: st.DrawFn, victim: int, attacker: int, victim_set: int) -> tuple[str, int, list[str] | None]:
    """(custom id, component type, select values): random, or shaped like ours but aimed at someone else."""
    owner = draw(st.sampled_from([victim, attacker, 0, 2**64 + 1]), label="owner")
    set_id = draw(st.one_of(st.just(victim_set), st.integers(0, 2**64)), label="set")
    number = st.integers(0, 10**25)
    custom_id = draw(
        st.one_of(
            st.text(max_size=100),
            st.sampled_from(["", "log:undo", "hist:", "privacy:forget:", "evidence:study:x", "plan:numbers"]),
            st.just(f"log:undo:{set_id}:{owner}"),
            st.builds(lambda p, d, e: f"hist:{owner}:{p}:{d}:{e}", number, number, text_values),
            st.builds(lambda c: f"privacy:forget:{victim}:{c}", st.sampled_from(["confirm", "cancel", "maybe"])),
            st.just("evidence:study"),
        ),
        label="custom_id",
    )
    kind = draw(st.sampled_from([2, 2, 3]), label="component type")
    values = draw(st.lists(text_values, max_size=3), label="values") if kind == 3 else None
    return custom_id[:100], kind, values


@settings(FUZZ, max_examples=150)
@given(data=st.data())
async def test_fuzz_components(harness: Harness, logs: LogCapture, data: st.DataObject) -> None:
    state: dict[str, Any] = harness.__dict__.setdefault("fuzz_state", {})
    if not state:  # first example: a victim with data and a real message of theirs to press on
        victim = harness.new_user("victim")
        reply = await harness.slash("log", {"exercise": "back squat", "weight": 100.0, "reps": 5}, user=victim)
        state.update(victim=victim, message=reply.message, set_id=int(reply.buttons()[0]["custom_id"].split(":")[2]))
    victim, attacker = state["victim"], harness.new_user("attacker")
    custom_id, kind, values = data.draw(custom_ids(int(victim["id"]), int(attacker["id"]), state["set_id"]))
    # Discord only sends a press for a component on the message: put it there, like an old message would have.
    component: dict[str, Any] = {"type": kind, "custom_id": custom_id}
    component |= {"style": 2, "label": "x"} if kind == 2 else {"options": [{"label": "x", "value": "x"}]}
    message = dict(state["message"], components=[{"type": 1, "components": [component]}])
    kw = base(harness, attacker, data.draw(st.booleans(), label="dm"), payloads.MEMBER_PERMISSIONS, "en-US")
    payload = payloads.component(custom_id, message=message, component_type=kind, values=values, **kw)

    victim_rows = await victim_counts(harness, int(victim["id"]))
    logs_before = len(logs.records)
    await check_one_answer(harness, logs, payload, logs_before)
    assert await victim_counts(harness, int(victim["id"])) == victim_rows, (
        "someone else's press changed the victim's data"
    )


async def victim_counts(harness: Harness, member_id: int) -> tuple[int, int]:
    """The victim's sets and settings rows."""
    async with harness.bot.session_factory() as session:
        sets = await session.execute(
            select(func.count()).select_from(LoggedSet).where(LoggedSet.member_id == member_id)
        )
        prefs = await session.execute(
            select(func.count()).select_from(MemberSettings).where(MemberSettings.member_id == member_id)
        )
        return int(sets.scalar_one()), int(prefs.scalar_one())


async def test_unknown_components_get_one_polite_answer_and_known_ones_only_theirs(harness: Harness) -> None:
    """The fallback answers presses nobody handles — and stays out of the way of those somebody does."""
    logged = await harness.slash("log", {"exercise": "back squat", "weight": 100.0, "reps": 5})
    stale = dict(logged.message, components=[{"type": 1, "components": [
        {"type": 2, "style": 2, "label": "Old", "custom_id": "v0:legacy-button"}]}])  # fmt: skip
    harness.messages[int(stale["id"])] = stale
    reply = await harness.click(stale, "v0:legacy-button")
    assert reply.callback_type == 4
    assert reply.ephemeral
    assert "isn't active any more" in reply.content
    undo = logged.buttons()[0]["custom_id"]
    handled = await harness.send(payloads.component(undo, message=logged.message, **harness._base({})), settle=0.2)
    assert [c.json["type"] for c in handled.calls if c.path.endswith("/callback")] == [7]
