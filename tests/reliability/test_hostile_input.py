"""Hostile input through the real bot: each protection the hostile-input review asked for, one section each.

1. Masked links: member text quoted in a reply (errors included) is escaped, so ``[Claim Nitro](https://…)``
   never renders as a link; errors are private even for members who share, also after a public deferral.
2. Overflow: ``when`` at the calendar's edges and import fields (year-1 dates at +14:00, huge durations,
   a 5 000-digit set number) get specific answers, never the generic apology or a logged traceback.
3. Attachments: only files on the allowed CDN are downloaded, and never more than the limit, whatever
   URL and size the interaction claims.
4. Autocomplete: a forged 6 000-character value answers fast without stalling the event loop.
5. (Undo as an existence oracle is covered in tests/reliability/test_authorization.py.)
6. Invisible formatting: bidi overrides and zero-width characters never reach a stored name or a reply.
7. Row cap: a member's log stops at MAX_SETS_PER_MEMBER, for /log and (all or nothing) for imports.
8. Export: zipped when only that fits the interaction's upload limit, refused clearly when nothing fits.
9. Loop-stall watchdog: a blocked event loop is logged with the stack of the code blocking it.

Everything runs through the harness (raw gateway payloads in, captured REST calls out) on a real SQLite
file; attachments come from a real loopback HTTP server standing in for Discord's CDN.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import logging
import re
import time
import zipfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy import insert, select

from coach.errors import CoachError
from coach.export import CSV_NAME, JSON_NAME, ZIP_NAME
from coach.metrics import MAX_SESSION_SETS
from coach.settings import Settings
from db.models import LOGGED_SETS, LoggedSet
from emulator import payloads
from emulator.driver import EPHEMERAL, Harness, Reply, RestCall
from runtime import respond
from runtime.attachments import AttachmentFetcher
from runtime.client import CoachBot
from runtime.tree import GENERIC_APOLOGY
from tests.cdn import Cdn, cdn_fixture  # noqa: F401 - the cdn fixture
from tests.coach.test_importer import STRONG, STRONG_HEADER
from tests.cogs.test_import import later
from tests.reliability.conftest import LogCapture, max_loop_stall

# A masked link whose "[" is not escaped: Discord would render it as a clickable link with any text.
UNESCAPED_MASKED_LINK = re.compile(r"(?<!\\)\[[^\]\n]*\]\(\s*<?https?://")
# Bidi override and zero-width space: invisible, but they change how a name reads.
RLO, ZWSP = "\u202e", "\u200b"
MB = 1024 * 1024


# =============================================================================================== helpers


@pytest.fixture
def settings(settings: Settings, cdn: Cdn) -> Settings:
    """The bot downloads attachments only from under the loopback CDN's base."""
    return dataclasses.replace(settings, discord_cdn_base=cdn.base)


async def import_file(harness: Harness, url: str, *, size: int, filename: str = "strong.csv", **kw: Any) -> Reply:
    """Run /privacy import with an attachment claiming ``url`` and ``size`` (as a forged payload can)."""
    attachment_id = harness.ids.next()
    resolved = {
        "attachments": {
            str(attachment_id): {
                "id": str(attachment_id),
                "filename": filename,
                "size": size,
                "url": url,
                "proxy_url": url,
                "content_type": "text/csv; charset=utf-8",
            }
        }
    }
    raw = [{"name": "import", "type": 1, "options": [{"name": "file", "type": 11, "value": str(attachment_id)}]}]
    kw.setdefault("locale", "en-GB")
    return await harness.slash("privacy", raw_options=raw, resolved=resolved, **kw)


def coach_bot(harness: Harness) -> CoachBot:
    """The bot the harness drives, typed as what it is."""
    return cast(CoachBot, harness.bot)


async def stored_sets(harness: Harness, member_id: int | None = None) -> list[LoggedSet]:
    """Logged sets (optionally one member's), straight from the database, oldest first."""
    query = select(LoggedSet).order_by(LoggedSet.id)
    if member_id is not None:
        query = query.where(LoggedSet.member_id == member_id)
    async with coach_bot(harness).session_factory() as session:
        return list((await session.execute(query)).scalars())


async def log(harness: Harness, exercise: str, weight: float = 60.0, reps: int = 5, **options: Any) -> Reply:
    """/log one set (kg locale); extra options go into the command, ``user``/``interaction_id`` to the payload."""
    kw = {k: options.pop(k) for k in ("user", "interaction_id") if k in options}
    return await harness.slash(
        "log", {"exercise": exercise, "weight": weight, "reps": reps, **options}, locale="en-GB", **kw
    )


def strings(value: Any) -> Iterator[str]:
    """Every string anywhere in a JSON-like value (message bodies, embeds, components)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def unescaped_links(calls: Iterable[RestCall]) -> list[str]:
    """Text in any REST body the bot sent that Discord would render as a masked link."""
    return [text for call in calls for text in strings(call.json) if UNESCAPED_MASKED_LINK.search(text)]


def last_message(reply: Reply) -> dict[str, Any]:
    """The message that carries the outcome: the follow-up when the bot deferred, else the response."""
    return reply.messages[-1]


def private_text(reply: Reply) -> str:
    """The content of the outcome message, which must be visible to the member only."""
    message = last_message(reply)
    assert message.get("flags", 0) & EPHEMERAL, f"not private: {message}"
    return str(message.get("content") or "")


# ==================================================================== 1. masked links and escaping


async def test_progress_of_a_masked_link_echoes_it_escaped(harness: Harness) -> None:
    reply = await harness.slash("progress", {"exercise": "[Claim Nitro](https://dlscord.example/gift)"})
    text = private_text(reply)
    assert r"\[Claim Nitro](https://dlscord.example/gift)" in text, "quoted, escaped"
    assert not unescaped_links(harness.history)


async def test_log_when_with_a_masked_link_echoes_it_escaped(harness: Harness) -> None:
    reply = await log(harness, "bench press", when="[x](https://evil.example)")
    assert r"\[x](https://evil.example)" in private_text(reply)
    assert not unescaped_links(harness.history)
    assert await stored_sets(harness) == []


async def test_log_of_an_unknown_masked_link_exercise_echoes_it_escaped(harness: Harness) -> None:
    reply = await log(harness, "[Claim](https://evil.example)", weight=1.0, reps=1)
    assert r"\[Claim](https://evil.example)" in private_text(reply)
    assert await stored_sets(harness) == []
    assert not unescaped_links(harness.history)


async def test_progress_refusal_is_private_when_the_member_shares(harness: Harness) -> None:
    await harness.slash("settings", {"share": "public"})
    reply = await harness.slash("progress", {"exercise": "[Claim Nitro](https://dlscord.example/gift)"})
    assert "haven't logged an exercise" in reply.content
    assert reply.callback_type == 4
    assert all(message.get("flags", 0) & EPHEMERAL for message in reply.messages), "nothing in the channel"
    assert not unescaped_links(harness.history)


@pytest.mark.parametrize("failure", ["not-enough-data", "unknown-exercise", "coach-error"])
async def test_error_after_a_public_deferral_deletes_the_placeholder_and_answers_privately(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    await log(harness, "bench press")  # one session: too few for a chart
    await harness.slash("settings", {"share": "public"})
    if failure == "coach-error":

        async def broken(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(0.05)  # fails after some work, as a real one would
            raise CoachError("The chart service is resting.")

        monkeypatch.setattr(coach_bot(harness).insight, "progress", broken)
    monkeypatch.setattr(respond, "remaining_budget", lambda interaction, budget=0.0: 0.0)

    exercise = "[Claim Nitro](https://dlscord.example/gift)" if failure == "unknown-exercise" else "bench press"
    reply = await harness.slash("progress", {"exercise": exercise})

    (callback,) = [c for c in reply.calls if c.path.endswith("/callback")]
    assert callback.json["type"] == 5, "deferred"
    assert not callback.json.get("data", {}).get("flags", 0) & EPHEMERAL, "publicly: the member shares"
    deletes = [c for c in reply.calls if c.method == "DELETE" and c.path.endswith("/messages/@original")]
    assert len(deletes) == 1, "the public placeholder is deleted"
    followups = [c for c in reply.calls if c.method == "POST" and not c.path.endswith("/callback")]
    assert len(followups) == 1
    assert reply.calls.index(deletes[0]) < reply.calls.index(followups[0]), "deleted before the error is sent"
    assert followups[0].json.get("flags", 0) & EPHEMERAL, "the error reaches the member privately"
    expected = {
        "not-enough-data": "1 session of Bench Press",
        "unknown-exercise": r"haven't logged an exercise called “\[Claim Nitro]",
        "coach-error": "is resting",
    }[failure]
    assert expected in followups[0].json["content"]
    assert "went wrong" not in followups[0].json["content"]
    assert not unescaped_links(harness.history)


# ============================================================================= 2. overflow: when and imports


@pytest.mark.parametrize("when", ["0001-01-01 00:00+14:00", "9999-12-31T23:59-14:00"])
async def test_when_at_the_calendars_edges_gets_a_specific_message(
    harness: Harness, logs: LogCapture, when: str
) -> None:
    reply = await log(harness, "bench press", when=when)
    text = private_text(reply)
    assert "couldn't read" in text
    assert when in text
    assert GENERIC_APOLOGY not in text
    assert await stored_sets(harness) == []
    assert not logs.at_least(logging.ERROR)


def strong_export(rows: Iterable[tuple[str, str, str, str, int]]) -> bytes:
    """A Strong CSV export of (date, duration, exercise, set order, reps) rows at 100 kg."""
    lines = [STRONG_HEADER]
    lines += [
        f'{date},"Legs",{duration},"{name}",{order},100,{reps},0,0,,,' for date, duration, name, order, reps in rows
    ]
    return "\n".join(lines).encode("utf-8-sig")


async def test_import_of_overflowing_fields_rejects_rows_specifically(
    harness: Harness, cdn: Cdn, logs: LogCapture
) -> None:
    day = datetime.now(UTC) - timedelta(days=3)
    data = strong_export(
        [
            ("0001-01-01T00:00:00+14:00", "40m", "Squat (Barbell)", "1", 5),
            ("9999-12-31T23:59:00-14:00", "40m", "Squat (Barbell)", "1", 5),
            (f"{day:%Y-%m-%d} 07:00:00", "99999999999999", "Squat (Barbell)", "1", 5),
            (f"{day:%Y-%m-%d} 09:00:00", "40m", "Squat (Barbell)", "9" * 5000, 6),
        ]
    )
    reply = await import_file(harness, cdn.put("strong.csv", data), size=len(data))

    message = last_message(reply)
    assert message["flags"] & EPHEMERAL
    assert GENERIC_APOLOGY not in str(message.get("content"))
    (embed,) = message["embeds"]
    assert embed["title"] == "Imported from Strong: 2 of 4 rows"
    assert "**2** rejected" in embed["description"]
    assert embed["description"].count("isn't a date I can read") == 2, embed["description"]
    assert sorted(s.reps for s in await stored_sets(harness)) == [5, 6], "the valid rows are imported"
    assert not logs.at_least(logging.ERROR)
    assert not [text for text in logs.texts() if "Traceback" in text]


# ======================================================================= 3. attachment URL and size


FORGED_URLS = [
    "http://169.254.169.254/latest/meta-data/",
    "file:///etc/passwd",
    "https://evil.example/strong.csv",
    "https://cdn.discordapp.com@evil.example/x.csv",
]


@pytest.mark.parametrize("url", FORGED_URLS)
async def test_forged_attachment_urls_are_refused(harness: Harness, cdn: Cdn, url: str) -> None:
    reply = await import_file(harness, url, size=len(STRONG))
    text = private_text(reply)
    assert "only read files attached to the command" in text
    assert not last_message(reply).get("embeds")
    assert await stored_sets(harness) == []


async def test_urls_on_the_cdn_host_but_outside_its_base_are_never_requested(harness: Harness, cdn: Cdn) -> None:
    cdn.files["/private/strong.csv"] = STRONG
    host, port = cdn.origin.removeprefix("http://").split(":")
    forged = [
        f"{cdn.origin}/private/strong.csv",  # same server, outside the base path
        f"http://localhost:{port}/attachments/1/strong.csv",  # same server under another name
        f"http://user@{host}:{port}/attachments/1/strong.csv",  # userinfo
        f"https://{host}:{port}/attachments/1/strong.csv",  # another scheme
    ]
    for n, url in enumerate(forged):
        reply = await import_file(harness, url, size=len(STRONG), interaction_id=later(31 * n))
        assert "only read files attached to the command" in private_text(reply), url
    assert cdn.hits == [], "nothing was even requested"
    assert await stored_sets(harness) == []


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_body_larger_than_declared_is_refused_at_the_limit(harness: Harness, cdn: Cdn, chunked: bool) -> None:
    body = STRONG + b"\n" * (3 * MB)
    reply = await import_file(harness, cdn.put("strong.csv", body, chunked=chunked), size=100)
    text = private_text(reply)
    assert "larger than 2 MB" in text
    assert await stored_sets(harness) == []


async def test_a_genuine_attachment_on_the_cdn_is_imported(harness: Harness, cdn: Cdn) -> None:
    reply = await import_file(harness, cdn.put("strong.csv", STRONG), size=len(STRONG))
    (embed,) = last_message(reply)["embeds"]
    assert embed["title"] == "Imported from Strong: 7 of 11 rows"
    assert len(await stored_sets(harness)) == 7


DISCORD_CDN_URLS = [
    ("https://cdn.discordapp.com/attachments/1/2/strong.csv?ex=1&is=2&hm=3", True),
    ("https://media.discordapp.net/attachments/1/2/strong.csv", True),
    ("https://cdn.discordapp.com:443/attachments/1/2/strong.csv", True),
    ("http://cdn.discordapp.com/attachments/1/2/strong.csv", False),  # not https
    ("https://cdn.discordapp.com:8443/attachments/1/2/strong.csv", False),  # another port
    ("https://cdn.discordapp.com:99999/attachments/1/2/strong.csv", False),  # no such port
    ("https://user@cdn.discordapp.com/attachments/1/2/strong.csv", False),  # userinfo
    ("https://user:secret@cdn.discordapp.com/attachments/1/2/strong.csv", False),
    ("https://cdn.discordapp.com@evil.example/x.csv", False),  # evil.example, with userinfo
    ("https://cdn.discordapp.com.evil.example/x.csv", False),
    ("https://evil.example/cdn.discordapp.com/x.csv", False),
    ("https://discordapp.com/attachments/1/2/strong.csv", False),
    ("http://169.254.169.254/latest/meta-data/", False),
    ("file:///etc/passwd", False),
    ("", False),
]


@pytest.mark.parametrize(("url", "allowed"), DISCORD_CDN_URLS)
def test_without_a_base_only_discords_cdn_over_https_is_allowed(url: str, allowed: bool) -> None:
    assert AttachmentFetcher(None).allows(url) is allowed


BASE_URLS = [
    ("http://127.0.0.1:1234/attachments/1/strong.csv", True),
    ("http://127.0.0.1:1234/", True),
    ("https://127.0.0.1:1234/attachments/1/strong.csv", False),  # another scheme
    ("http://127.0.0.1:1235/attachments/1/strong.csv", False),  # another port
    ("http://127.0.0.1/attachments/1/strong.csv", False),  # default port is not 1234
    ("http://localhost:1234/attachments/1/strong.csv", False),  # another host name
    ("http://user@127.0.0.1:1234/attachments/1/strong.csv", False),  # userinfo
    ("https://cdn.discordapp.com/attachments/1/2/strong.csv", False),  # only the base, once one is set
    ("file:///etc/passwd", False),
]


@pytest.mark.parametrize(("url", "allowed"), BASE_URLS)
def test_with_a_base_only_urls_under_it_are_allowed(url: str, allowed: bool) -> None:
    assert AttachmentFetcher("http://127.0.0.1:1234").allows(url) is allowed


BASE_ESCAPES = [
    ("http://127.0.0.1:1234/attachments/", "http://127.0.0.1:1234/attachments/../admin/x.csv"),
    ("http://127.0.0.1:1234/attachments/", "http://127.0.0.1:1234/attachments/%2e%2e/admin/x.csv"),
    ("http://127.0.0.1:1234/attachments", "http://127.0.0.1:1234/attachments-private/x.csv"),
]


@pytest.mark.parametrize(("base", "url"), BASE_ESCAPES)
def test_urls_climbing_out_of_the_base_path_are_refused(base: str, url: str) -> None:
    assert not AttachmentFetcher(base).allows(url)


async def test_dot_segments_never_reach_a_path_outside_the_base(harness: Harness, cdn: Cdn) -> None:
    cdn.files["/private/strong.csv"] = STRONG
    reply = await import_file(harness, f"{cdn.base}../private/strong.csv", size=len(STRONG))
    assert "only read files attached to the command" in private_text(reply)
    assert cdn.hits == [], "nothing outside the base was requested"
    assert await stored_sets(harness) == []


# ============================================================================ 4. autocomplete input

# Runs of catalog words: each one is scored against every exercise name (9 s for 6 000 characters uncut).
HOSTILE_EXERCISE = ("bench press squat curl " * 300)[:6000]
# A prefix of every study's year: each of the 3 000 words is matched against every study (0.25 s uncut).
HOSTILE_STUDY = ("2 " * 3000)[:6000]
STALL_BUDGET_S = 0.5
# /evidence scores 19 studies only: even uncut, 6 000 characters cost ~0.25 s, so its budget is tighter
# (it answers in a few milliseconds with the cut).
EVIDENCE_STALL_BUDGET_S = 0.1


async def autocomplete_stall(harness: Harness, command: str, option: str, value: str) -> tuple[float, list[Any]]:
    """(worst event-loop stall, choices) for one autocomplete keystroke carrying ``value``."""
    payload = payloads.autocomplete(command, {option: value}, option, **harness._base({}))
    # A generous timeout: a stalled bot should fail on the stall, not on waiting.
    sent = asyncio.ensure_future(harness.send(payload, timeout=60))
    stall = await max_loop_stall(sent)
    choices = (await sent).choices
    assert choices is not None, "answered with choices"
    return stall, choices


@pytest.mark.parametrize(
    ("command", "option", "value", "budget"),
    [
        ("log", "exercise", HOSTILE_EXERCISE, STALL_BUDGET_S),
        ("evidence", "study", HOSTILE_STUDY, EVIDENCE_STALL_BUDGET_S),
    ],
    ids=["log-exercise", "evidence-study"],
)
async def test_a_forged_6000_character_autocomplete_value_answers_quickly(
    harness: Harness, command: str, option: str, value: str, budget: float
) -> None:
    assert len(value) == 6000
    await autocomplete_stall(harness, command, option, "bench")  # warm caches: the budget is for the text
    stall, choices = await autocomplete_stall(harness, command, option, value)
    assert len(choices) <= 25
    assert all(len(c["name"]) <= 100 for c in choices)
    assert all(len(str(c["value"])) <= 100 for c in choices)
    assert stall < budget, f"the event loop stalled {stall:.2f} s on one autocomplete keystroke"


# ======================================================================== 6. invisible formatting


async def test_invisible_characters_never_reach_a_stored_name_or_a_reply(harness: Harness) -> None:
    note = f"felt {RLO}doog{ZWSP} today"
    reply = await log(harness, f"custom:Zer{RLO}cher{ZWSP} Squat", weight=10.0, reps=5, note=note)
    (row,) = await stored_sets(harness)
    assert row.custom_name == "Zercher Squat", "stored without the invisible characters"
    assert row.exercise_name == "Zercher Squat"
    assert row.note == note, "a note is stored exactly as typed"
    shown = reply.text()
    assert shown.startswith("Zercher Squat — 10 kg × 5")
    assert "felt doog today" in shown, "shown without the invisible characters"
    assert RLO not in shown
    assert ZWSP not in shown
    history = await harness.slash("history")
    assert RLO not in history.text()
    assert "Zercher Squat" in history.text()


# ================================================================================== 7. row cap

CAP = 3


class TestRowCap:
    """A bot whose members may store at most CAP sets."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        """The module's settings with a small row cap."""
        return dataclasses.replace(settings, max_sets_per_member=CAP)

    async def test_log_past_the_cap_is_refused_and_writes_nothing(self, harness: Harness) -> None:
        for weight in range(60, 60 + CAP):
            assert (await log(harness, "bench press", weight=float(weight))).embeds
        reply = await log(harness, "bench press", weight=99.0)
        text = private_text(reply)
        assert f"can hold at most {CAP}" in text
        assert "wasn't saved" in text
        assert not reply.embeds
        assert [s.weight_kg for s in await stored_sets(harness)] == [60.0, 61.0, 62.0]
        other = await log(harness, "bench press", user=harness.new_user("other"))
        assert other.embeds, "the cap is per member"

    async def test_an_import_that_would_pass_the_cap_is_refused_whole(self, harness: Harness, cdn: Cdn) -> None:
        await log(harness, "bench press")
        day = datetime.now(UTC) - timedelta(days=3)
        # CAP rows: they would fit an empty log, but not next to the set already logged.
        data = strong_export((f"{day:%Y-%m-%d} 07:00:00", "40m", "Squat (Barbell)", str(n), 5) for n in range(CAP))
        reply = await import_file(harness, cdn.put("strong.csv", data), size=len(data))
        text = private_text(reply)
        assert f"can hold at most {CAP}" in text
        assert f"these {CAP} sets weren't saved" in text
        assert len(await stored_sets(harness)) == 1, "nothing imported, not even what would fit"


# ==================================================================================== 8. export


async def export(harness: Harness, attachment_size_limit: int, **kw: Any) -> Reply:
    """/privacy export from an interaction whose upload limit is ``attachment_size_limit`` bytes."""
    payload = payloads.slash("privacy", subcommand="export", **harness._base(kw))
    payload["attachment_size_limit"] = attachment_size_limit
    return await harness.send(payload)


async def test_export_is_zipped_when_only_that_fits_and_refused_when_nothing_does(harness: Harness) -> None:
    notes = 200 * "x"
    for i in range(30):
        await log(harness, "bench press", weight=60.0 + i, note=notes)
    member = harness.default_user["id"]

    # About 30 KB of CSV and JSON, a few KB zipped; Discord counts ~16 KB of multipart framing too.
    zipped = await export(harness, 16 * 1024 + 12 * 1024)
    assert set(zipped.files) == {ZIP_NAME}, "one zip instead of two files"
    assert "zipped" in zipped.content
    assert zipped.ephemeral
    assert len(zipped.files[ZIP_NAME]) <= 12 * 1024
    with zipfile.ZipFile(io.BytesIO(zipped.files[ZIP_NAME])) as archive:
        assert sorted(archive.namelist()) == sorted([CSV_NAME, JSON_NAME])
        document = json.loads(archive.read(JSON_NAME))
        rows = archive.read(CSV_NAME).decode("utf-8-sig").splitlines()
    assert document["member_id"] == member
    assert len(document["sets"]) == 30
    assert all(s["note"] == notes for s in document["sets"])
    assert len(rows) == 31, "header and every set"

    refused = await export(harness, 16 * 1024 + 100, interaction_id=later(31))
    assert refused.files == {}
    text = private_text(refused)
    assert "30 sets" in text
    assert "even zipped" in text
    assert GENERIC_APOLOGY not in text

    whole = await export(harness, payloads.ATTACHMENT_SIZE_LIMIT, interaction_id=later(62))
    assert set(whole.files) == {CSV_NAME, JSON_NAME}, "both files as they are when they fit"


# ====================================================================== 9. loop-stall watchdog


def block_the_loop_synchronously(seconds: float) -> None:
    """What a careless handler does: a synchronous sleep on the event loop."""
    time.sleep(seconds)


async def careless_handler() -> None:
    """A coroutine on the bot's loop that blocks it for 0.3 s."""
    block_the_loop_synchronously(0.3)


async def test_a_blocked_loop_is_logged_with_the_blocking_stack(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    watchdog = coach_bot(harness).watchdog
    await asyncio.sleep(0.1)  # the watchdog's beat task has run
    before = watchdog.stalls
    caplog.set_level(logging.WARNING, logger="runtime.watchdog")
    await asyncio.get_running_loop().create_task(careless_handler())
    await asyncio.sleep(0.1)
    warnings = [r for r in caplog.records if r.name == "runtime.watchdog" and r.levelno == logging.WARNING]
    assert warnings, "the stall is logged"
    text = warnings[-1].getMessage()
    assert "event loop blocked" in text
    assert "careless_handler" in text, text
    assert "block_the_loop_synchronously" in text, text
    assert watchdog.stalls > before


# --------------------------------------------------------------------------- 6. unbounded session walk


async def test_months_of_sets_minutes_apart_cost_one_bounded_session(harness: Harness) -> None:
    """Sets under 90 minutes apart for days on end: /log places the new set in a session of at most 12 hours
    and 100 sets, so it never walks the whole run (it used to, for every /log, stalling the loop)."""
    await log(harness, "bench press")  # creates the member row and a template set
    (first,) = await stored_sets(harness)
    template = {c.key: getattr(first, c.key) for c in LOGGED_SETS.columns if c.key != "id"}
    now = datetime.now(UTC)
    run = [
        {**template, "interaction_id": None, "performed_at": now - timedelta(minutes=30 * i)} for i in range(1, 3_000)
    ]
    async with harness.bot.session_factory() as session, session.begin():
        await session.execute(insert(LOGGED_SETS), run)
    reply = await log(harness, "bench press")
    text = reply.text()
    number = int(re.search(r"#(\d+) today", text).group(1))  # type: ignore[union-attr]
    assert number <= MAX_SESSION_SETS + 1, "set number counts within one bounded session"
    # Twelve hours of sets every 30 minutes (the one exactly 12 h back falls out when a few ms have passed),
    # the template set, then this one.
    assert number in (12 * 2 + 1, 12 * 2 + 2)
