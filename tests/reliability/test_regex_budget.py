"""No chat message can freeze the bot: every regex in the product is linear on hostile text.

The generic guard runs every pattern the product compiles (module-level patterns and literal
``re.*`` calls, found by import and by reading the source) against adversarial inputs — runs of the
pattern's own words, which make ambiguous alternations backtrack, and 50 KB strings — with a time
budget per call, in a child process so a catastrophic pattern can't hang the suite.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys

import pytest

from coach.evidence.matcher import MAX_MATCHED_CHARS, QuestionKind
from emulator import payloads
from emulator.driver import Harness
from tests.reliability import regex_budget_probe
from tests.reliability.conftest import max_loop_stall
from tests.reliability.regex_budget_probe import ROOT, time_pattern

PROBE_TIMEOUT_S = 300
# Fewer would mean discovery broke (the product has ~80 today), and a guard that checks nothing passes.
MIN_PATTERNS = 60
HOSTILE = "hey q " * 22 + "pre-exhaust x"  # 18 s of backtracking before the fix; doubles per repeat


def test_every_product_regex_stays_within_budget_on_adversarial_text() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.reliability.regex_budget_probe"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=PROBE_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    unreachable = [e["unreachable"] for e in events if "unreachable" in e]
    assert not unreachable, (
        f"patterns built inside functions can't be checked; build them at module level: {unreachable}"
    )
    (count,) = [e["count"] for e in events if "count" in e]
    assert count >= MIN_PATTERNS, f"only {count} patterns found: discovery is broken"
    results = [e for e in events if "done" in e]
    assert len(results) == count
    slow = [f"{e['done']}: {e['worst_s']:.3f} s on {e['input']}" for e in results if e["over_budget"]]
    assert not slow, "patterns over their time budget:\n" + "\n".join(slow)


def test_the_budget_catches_an_ambiguous_alternation() -> None:
    # The matcher's old lead: "hey q" reads as one greeting or two, so a failing match backtracks 2^n ways.
    greeting = r"(?:(?:hey|hi|quick)(?:\s+(?:question|q))?|question|q)"
    old_lead = re.compile(rf"^(?:@?{greeting}[\s,:!.-]*)*(?:does|is)\b")
    assert time_pattern(old_lead)[2], "the adversarial inputs must expose exponential backtracking"
    quadratic = re.compile(r"\s*(?:[,;:]|\s-\s)\s*")
    assert time_pattern(quadratic)[2], "the 50 KB inputs must expose quadratic scans"


def test_probe_finds_the_matcher_and_importer_patterns() -> None:
    names = {
        where for path in regex_budget_probe.product_files() for where, *_ in regex_budget_probe.inline_patterns(path)
    }
    names |= {
        where for path in regex_budget_probe.product_files() for where, _ in regex_budget_probe.module_patterns(path)
    }
    assert any(n.startswith("coach.evidence.matcher._SUBJECT_BOUND") for n in names)
    assert "coach.import_parsing._DURATION[0]" in names


async def test_a_hostile_mention_does_not_stall_the_bot(harness: Harness) -> None:
    sent = asyncio.ensure_future(harness.message(HOSTILE, mention_bot=True, wait=0.5))
    stall = await max_loop_stall(sent)
    answer = await sent
    assert answer is not None, "a mention is always answered"
    assert not answer.json.get("embeds"), "not an evidence question: the short pointer, not the summary"
    assert stall < 1.0, f"the event loop stalled {stall:.2f} s on one chat message"
    # Other members are still served.
    reply = await harness.slash("plan", {"day": "push"})
    assert reply.embeds


async def test_only_the_start_of_a_message_is_read(harness: Harness) -> None:
    filler = "x " * (MAX_MATCHED_CHARS // 2)
    late = await harness.message(filler + "does pre-exhaust work?", mention_bot=True)
    assert late is not None
    assert not late.json.get("embeds"), "the question past the first characters isn't read: the pointer"
    other = harness.new_user("other")
    early = await harness.message("does pre-exhaust work? " + filler, mention_bot=True, author=other)
    assert early is not None
    assert early.json.get("embeds"), "read at the start: the evidence summary"


async def test_cooldown_is_checked_before_the_text_is_matched(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    matcher = harness.bot.evidence_matcher
    real = matcher.classify

    def counting(text: str) -> QuestionKind | None:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(matcher, "classify", counting)
    assert await harness.message("does pre-exhaust work?", mention_bot=True) is not None
    assert len(calls) == 1
    for _ in range(5):  # one member flooding: one short "asked a moment ago", and no matching at all
        await harness.message("is pre-exhaust worth it?", mention_bot=True, wait=0.05)
    assert len(calls) == 1, "mentions inside the member's cooldown must not be matched at all"
    await harness.slash("config", {"evidence_replies": "on"}, permissions=payloads.MANAGER_PERMISSIONS)
    assert await harness.message("does pre-exhaust work?", author=harness.new_user("x")) is not None
    assert len(calls) == 2
    for _ in range(5):
        assert await harness.message("is pre-exhaust worth it?", wait=0.05) is None
    assert len(calls) == 2, "unprompted messages during the channel's cooldown must not be matched at all"
