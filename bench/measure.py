"""Per-command latency and the two floors, measured in interleaved rounds against one database size.

Each round is one acting member doing everything once, in a fixed order: the dispatch floor, the two
storage floors, then every command (their ``/log`` set is undone again at the end of the round, so the
database stays the size it was seeded to). Interleaving spreads a shared machine's drift evenly over
every operation, which is what makes the ratios between them meaningful.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from discord import AppCommandOptionType, app_commands

from bench.app import NOOP_COMMAND, BenchHarness
from bench.floors import StorageFloor
from bench.seed import MIN_MEMBERS, member_id, program_keys
from bench.stats import Samples
from catalog import Catalog
from emulator import payloads
from emulator.driver import Reply, find_component
from runtime.client import CoachBot

# (JSON key, label) of every measured command, in report order.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("plan", "/plan"),
    ("log", "/log"),
    ("workout_done", "workout card ✓ Done"),
    ("undo", "/undo"),
    ("history", "/history"),
    ("stats", "/stats"),
    ("progress", "/progress"),
    ("evidence", "/evidence"),
    ("log_autocomplete", "/log autocomplete"),
)
FLOORS: tuple[tuple[str, str], ...] = (
    ("dispatch", f"dispatch floor (/{NOOP_COMMAND})"),
    ("storage", "storage floor (insert + commit, SQLAlchemy engine)"),
    ("storage_raw", "storage floor (insert + commit, raw driver)"),
)
# Commands that refuse a second use by the same member within this many seconds (per-member cooldown).
COOLDOWN_COMMANDS = ("stats", "progress")
DEFAULT_COOLDOWN_S = 10.0
# What members type into /log's exercise box, a few letters at a time.
TYPED = ("ben", "squat", "curl", "row", "press", "lat ra", "dead", "fly")
# Markers of an answer that is an error, whatever the command.
FAILURE_MARKERS = ("something went wrong", "Easy there", "doesn't match what I know")
SEND_TIMEOUT_S = 30.0
# When each (command, member) was last used. Process-wide, like discord.py's cooldown buckets, which live
# in the command's check and so outlive a bot instance (the benchmark starts one per database size).
_LAST_USE: dict[tuple[str, int], float] = {}
# Whose turn it is: the rotation carries on across sizes, so a new size doesn't start with members
# whose cooldown is still running.
_TURNS = itertools.count()


@dataclass(frozen=True)
class Actor:
    """A seeded member the benchmark acts as: their Discord user and the exercises they train."""

    index: int
    user: dict[str, Any]
    exercises: list[str]


def actors(catalog: Catalog, count: int = MIN_MEMBERS) -> list[Actor]:
    """The seeded members 0..count-1 (they trained in the benchmark guild, a year of history each)."""
    return [
        Actor(i, payloads.user(member_id(i), f"member{i}"), program_keys(i, catalog) or ["bench_press"])
        for i in range(count)
    ]


def answered(reply: Reply) -> bool:
    """The bot answered with something other than an error or a cooldown refusal."""
    return bool(reply.messages) and not any(marker in reply.text() for marker in FAILURE_MARKERS)


def log_options(actor: Actor, round_no: int) -> dict[str, Any]:
    """/log options for one of the member's own exercises, with a weight and reps that vary per round."""
    exercise = actor.exercises[round_no % len(actor.exercises)]
    return {"exercise": exercise, "weight": 40.0 + 2.5 * (round_no % 9), "reps": 8 + round_no % 5, "unit": "kg"}


@dataclass
class Step:
    """One measured operation of a round."""

    key: str
    build: Callable[[Actor, int], dict[str, Any]] | None = None
    check: Callable[[Reply], bool] = answered
    available: bool = True
    reason: str | None = None
    samples: Samples = field(default_factory=Samples)


class RoundRunner:
    """Runs measurement rounds against the in-process bot, recording every step's latency."""

    def __init__(self, bot: CoachBot, harness: BenchHarness, floor: StorageFloor, cast: list[Actor]) -> None:
        self.bot = bot
        self.harness = harness
        self.floor = floor
        self.cast = cast
        self.steps: dict[str, Step] = {}
        self._cooldown_s = _chart_cooldown()
        self.cards = CardPresses(harness)
        self._define_steps()

    # ------------------------------------------------------------------ what each step sends and expects

    def _slash(self, name: str, options: Callable[[Actor, int], dict[str, Any] | None]) -> Callable[..., dict]:
        return lambda actor, n: self.harness.slash_payload(name, options(actor, n), user=actor.user)

    def _define_steps(self) -> None:
        h = self.harness
        self.steps["dispatch"] = Step(
            "dispatch", self._slash(NOOP_COMMAND, lambda a, n: None), check=lambda r: r.content == "ok"
        )
        self.steps["storage"] = Step("storage")
        self.steps["storage_raw"] = Step("storage_raw")
        self.steps["plan"] = Step("plan", self._slash("plan", lambda a, n: {"day": ("push", "pull", "lower")[n % 3]}))
        self.steps["evidence"] = Step("evidence", self._slash("evidence", lambda a, n: None))
        self.steps["log_autocomplete"] = Step(
            "log_autocomplete",
            lambda a, n: h.autocomplete_payload("log", {"exercise": TYPED[n % len(TYPED)]}, "exercise", user=a.user),
            check=lambda r: r.callback_type == 8 and bool(r.choices),
        )
        self.steps["log"] = Step(
            "log", self._slash("log", log_options), check=lambda r: answered(r) and " × " in r.text()
        )
        self.steps["workout_done"] = Step("workout_done")
        self.steps["history"] = Step(
            "history", self._slash("history", lambda a, n: None), check=lambda r: "history" in r.text()
        )
        self.steps["stats"] = self._optional_step("stats")
        self.steps["progress"] = self._optional_step("progress")
        self.steps["undo"] = Step(
            "undo", self._slash("undo", lambda a, n: None), check=lambda r: r.content.startswith("↩️")
        )

    def _optional_step(self, name: str) -> Step:
        """A command that may not exist yet: measured when registered, reported "not available" otherwise."""
        command = self.bot.tree.get_command(name)
        if not isinstance(command, app_commands.Command):
            return Step(name, available=False, reason=f"/{name} is not registered on the command tree")
        try:
            fill = _option_filler(command)
        except ValueError as exc:
            return Step(name, available=False, reason=str(exc))
        return Step(name, self._slash(name, fill))

    # ------------------------------------------------------------------ running

    async def run(self, rounds: int, *, record: bool = True) -> None:
        """``rounds`` rounds, actor after actor; with ``record=False`` a warm-up that keeps nothing."""
        for n in range(rounds):
            actor = self.cast[next(_TURNS) % len(self.cast)]
            for step in self.steps.values():
                if step.available:
                    await self.do_step(step, actor, n, record)

    async def do_step(self, step: Step, actor: Actor, n: int, record: bool) -> None:
        cpu, loop_cpu = time.process_time(), time.thread_time()
        if step.key == "storage":
            seconds = await self.floor.engine_insert()
        elif step.key == "storage_raw":
            seconds = await self.floor.raw_insert()
        elif step.key == "workout_done":
            card = await self.cards.ready(actor)
            cpu, loop_cpu = time.process_time(), time.thread_time()
            timed = await self.cards.done(actor, card)
            if timed is None:
                step.samples.errors += record
                return
            seconds = timed
        else:
            if step.build is None:
                raise RuntimeError(f"benchmark step {step.key} has nothing to build")
            await self._respect_cooldown(step.key, actor)
            payload = step.build(actor, n)
            started = time.perf_counter()
            try:
                reply = await self.harness.send(payload, timeout=SEND_TIMEOUT_S)
            except TimeoutError:
                step.samples.errors += record
                return
            seconds = time.perf_counter() - started
            self.harness.forget(payload["token"])
            if not step.check(reply):
                step.samples.errors += record
                return
        if record:
            step.samples.add(seconds, time.process_time() - cpu, time.thread_time() - loop_cpu)

    async def _respect_cooldown(self, key: str, actor: Actor) -> None:
        """Wait (untimed) until the member may use a cooldown command again, so every call does real work."""
        if key not in COOLDOWN_COMMANDS:
            return
        last = _LAST_USE.get((key, actor.index))
        if last is not None:
            wait = last + self._cooldown_s + 0.05 - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        _LAST_USE[(key, actor.index)] = time.monotonic()

    def results(self) -> dict[str, Any]:
        """Per-command and per-floor summaries (commands not registered are marked unavailable)."""
        commands: dict[str, Any] = {}
        for key, _ in COMMANDS:
            step = self.steps[key]
            commands[key] = (
                {"available": True, **step.samples.summary()}
                if step.available
                else {"available": False, "reason": step.reason}
            )
        floors = {key: self.steps[key].samples.summary() for key, _ in FLOORS}
        floors["storage"]["inserts_per_s"] = round(self.steps["storage"].samples.rate_per_s(), 1)
        floors["storage_raw"]["inserts_per_s"] = round(self.steps["storage_raw"].samples.rate_per_s(), 1)
        floors["storage_raw"]["driver"] = self.floor.driver
        return {"commands": commands, "floors": floors}


class CardPresses:
    """The workout card's ✓ Done press, measured like a command: each acting member keeps one open push-day
    workout; before each timed press the card is made ready, untimed: "Undo last" takes the previously measured
    set back (so the log stays the size it was seeded to and the card at the same place), and a first set of an
    exercise without a load is entered with the form."""

    def __init__(self, harness: BenchHarness) -> None:
        self.harness = harness
        self.cards: dict[int, dict[str, Any]] = {}
        self.measured: set[int] = set()  # members whose last measured set is still to be taken back

    async def _send(self, payload: dict[str, Any]) -> Reply:
        reply = await self.harness.send(payload, timeout=SEND_TIMEOUT_S)
        self.harness.forget(payload["token"])
        return reply

    async def _press(self, actor: Actor, label: str) -> tuple[Reply, float]:
        card = self.cards[actor.index]
        button = find_component(card, label=label)
        self.harness.messages[int(card["id"])] = card  # the card on the member's screen
        payload = payloads.component(button["custom_id"], message=card, **self.harness._base({"user": actor.user}))
        started = time.perf_counter()
        reply = await self._send(payload)
        seconds = time.perf_counter() - started
        self._update(actor, reply)
        return reply, seconds

    def _update(self, actor: Actor, reply: Reply) -> None:
        """The card as the press left it (the update's components carry the card's new version)."""
        for call in reply.calls:
            data = call.json.get("data") if isinstance(call.json, dict) else None
            if call.path.endswith("/callback") and call.json.get("type") == 7 and data:
                self.cards[actor.index] = {**self.cards[actor.index], **data}

    async def ready(self, actor: Actor) -> dict[str, Any]:
        """The member's card with ✓ Done enabled: a push day started (ending any open one) and, where the member
        has no load for the exercise yet, its first set entered with the form."""
        if actor.index in self.measured:
            await self._press(actor, "Undo last")  # the set measured last time, out of the CPU and latency counts
            self.measured.discard(actor.index)
        if actor.index not in self.cards:
            await self._send(self.harness.slash_payload("workout", None, user=actor.user, subcommand="end"))
            start = {"day": "push", "equipment": "gym"}
            reply = await self._send(self.harness.slash_payload("workout", start, user=actor.user, subcommand="start"))
            self.cards[actor.index] = reply.message
        if find_component(self.cards[actor.index], label="Done").get("disabled"):
            form, _ = await self._press(actor, "Edit")
            card = self.cards[actor.index]
            self.harness.messages[int(card["id"])] = card
            submit = payloads.modal_submit(
                form.calls[0].json["data"], {"weight": "20", "reps": "10"}, message=card,
                **self.harness._base({"user": actor.user}),
            )  # fmt: skip
            self._update(actor, await self._send(submit))
        return self.cards[actor.index]

    async def done(self, actor: Actor, card: dict[str, Any]) -> float | None:
        """The timed press; None when the answer wasn't a logged set."""
        reply, seconds = await self._press(actor, "Done")
        self.measured.add(actor.index)
        logged = any(
            "✅ Logged" in str(e.get("description"))
            for call in reply.calls
            if call.path.endswith("/callback")
            for e in (call.json.get("data") or {}).get("embeds", [])
        )
        return seconds if logged else None


def _chart_cooldown() -> float:
    try:
        from cogs import insight
    except ImportError:
        return DEFAULT_COOLDOWN_S
    return float(getattr(insight, "CHART_COOLDOWN_S", DEFAULT_COOLDOWN_S))


def _constant(value: Any) -> Callable[[Actor, int], Any]:
    """A filler that always gives ``value``."""
    return lambda _actor, _n: value


def _option_filler(command: app_commands.Command[Any, ..., Any]) -> Callable[[Actor, int], dict[str, Any] | None]:
    """Values for a command's required options (an exercise the member trains, the first choice, the minimum)."""
    fills: list[tuple[str, Callable[[Actor, int], Any]]] = []
    for param in command.parameters:
        if not param.required:
            continue
        kind = param.type
        if param.choices:
            value = param.choices[0].value
            fills.append((param.name, _constant(value)))
        elif "exercise" in param.name and kind is AppCommandOptionType.string:
            fills.append((param.name, lambda a, n: a.exercises[n % len(a.exercises)]))
        elif kind is AppCommandOptionType.integer:
            fills.append((param.name, _constant(int(param.min_value or 1))))
        elif kind is AppCommandOptionType.number:
            fills.append((param.name, _constant(float(param.min_value or 1))))
        else:
            raise ValueError(f"/{command.name} needs option {param.name!r} of a type the benchmark can't fill")
    if not fills:
        return lambda a, n: None
    return lambda a, n: {name: fill(a, n) for name, fill in fills}
