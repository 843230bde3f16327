"""One meaning of "pre-exhausted": the 🔥 tag on /log, /compare, the chart markers and "My numbers" agree.

Each session is logged through the real logbook service on a real database, with orders members
actually train in (isolation first, compound first, isolation between compound sets, warm-ups
first), then read back by every feature.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog import Catalog
from coach.insight import InsightService, build_sessions
from coach.insight_results import Condition
from coach.logbook import LogbookService
from coach.logbook_results import LogRequest
from coach.planner import Planner, Protocol
from db.engine import transaction
from db.insight_repository import InsightRepository

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
ALICE = 111_111_111_111_111_111
_ids = count(10**15)

# (order of exercises in the session, whether the bench press counts as pre-exhausted)
SESSIONS: list[tuple[list[tuple[str, str]], bool]] = [
    ([("pec_deck_fly", "working"), ("dumbbell_bench_press", "working"), ("dumbbell_bench_press", "working")], True),
    ([("dumbbell_bench_press", "working"), ("pec_deck_fly", "working"), ("dumbbell_bench_press", "working")], False),
    ([("pec_deck_fly", "warmup"), ("dumbbell_bench_press", "working"), ("pec_deck_fly", "working")], False),
    ([("dumbbell_bench_press", "warmup"), ("pec_deck_fly", "working"), ("dumbbell_bench_press", "working")], True),
    ([("dumbbell_bench_press", "working"), ("dumbbell_bench_press", "working")], False),
    ([("pec_deck_fly", "working"), ("pec_deck_fly", "working"), ("dumbbell_bench_press", "working")], True),
]


async def test_the_fire_tag_compare_charts_and_my_numbers_agree(
    session_factory: async_sessionmaker[AsyncSession], logbook_catalog: Catalog
) -> None:
    logbook = LogbookService(session_factory, logbook_catalog, clock=lambda: NOW)
    insight = InsightService(session_factory, logbook_catalog, clock=lambda: NOW)
    tagged: list[bool] = []
    for day, (order, _) in enumerate(SESSIONS):
        start = NOW - timedelta(days=len(SESSIONS) - day, hours=2)
        fire = False
        for i, (exercise, kind) in enumerate(order):
            result = await logbook.log_set(
                LogRequest(
                    member_id=ALICE,
                    exercise=exercise,
                    weight=60 if exercise == "dumbbell_bench_press" else 30,
                    reps=8,
                    unit="kg",
                    kind=kind,
                    when=f"{start + timedelta(minutes=4 * i):%Y-%m-%d %H:%M}",
                    interaction_id=next(_ids),
                )
            )
            if exercise == "dumbbell_bench_press" and kind != "warmup":
                fire = result.pre_exhausted  # the tag on the compound's hard sets in this session
        tagged.append(fire)
    expected = [pre for _, pre in SESSIONS]
    assert tagged == expected, "the 🔥 tag"

    async with transaction(session_factory, write=False) as session:
        facts = await InsightRepository(session).sets_between(ALICE, NOW - timedelta(days=30), NOW, limit=1000)
    sessions = build_sessions(facts, logbook_catalog)
    conditions = [s.conditions["dumbbell_bench_press"] is Condition.PRE_EXHAUSTED for s in sessions]
    assert conditions == expected, "the analysis behind /compare and My numbers"

    series = await insight.progress(ALICE, "dumbbell_bench_press", "e1rm", 30, unit="kg")
    assert [p.condition is Condition.PRE_EXHAUSTED for p in series.points] == expected, "the chart markers"

    comparison = await insight.compare(ALICE, "dumbbell bench press", unit="kg")
    (bench,) = comparison.exercises
    assert (bench.pre.sessions, bench.fresh.sessions) == (sum(expected), len(expected) - sum(expected)), "/compare"

    # My numbers reads a pre-exhaust day's compound from the pre-exhausted sessions only, a traditional
    # day's from the compound-first ones.
    planner = Planner(logbook_catalog)
    for protocol, wanted in ((Protocol.PRE_EXHAUST, True), (Protocol.TRADITIONAL, False)):
        numbers = await insight.my_numbers(ALICE, planner.plan_day("push", protocol, "gym"), unit="kg")
        (item,) = [i for i in numbers.items if i.exercise.id == "dumbbell_bench_press"]
        last = [s for s, pre in zip(sessions, expected, strict=True) if pre is wanted][-1]
        assert item.last_at == last.start, f"My numbers on a {protocol} day"


# (weight, reps, kind) per session, oldest first: heavier singles, more reps at a load, warm-ups, a drop.
PR_SESSIONS: list[list[tuple[float, int, str]]] = [
    [(100, 5, "working"), (100, 5, "working")],  # baseline
    [(105, 3, "working")],  # heavier top set at new reps: a baseline at 3 reps, lower e1RM: no 🏆
    [(60, 5, "warmup"), (100, 6, "working")],  # e1RM PR (warm-up never counts)
    [(90, 8, "drop"), (95, 5, "working")],  # drop set: e1RM 114 < 120, nothing new at 5 or 8 reps... baseline at 8
    [(107.5, 3, "working")],  # most weight for 3 reps (not an e1RM PR)
]


async def test_chart_stars_are_the_prs_log_announced(
    session_factory: async_sessionmaker[AsyncSession], logbook_catalog: Catalog
) -> None:
    logbook = LogbookService(session_factory, logbook_catalog, clock=lambda: NOW)
    insight = InsightService(session_factory, logbook_catalog, clock=lambda: NOW)
    announced: list[set[str]] = []
    for day, sets in enumerate(PR_SESSIONS):
        start = NOW - timedelta(days=len(PR_SESSIONS) - day, hours=2)
        kinds: set[str] = set()
        for i, (weight, reps, kind) in enumerate(sets):
            result = await logbook.log_set(
                LogRequest(
                    member_id=ALICE, exercise="back_squat", weight=weight, reps=reps, unit="kg", kind=kind,
                    when=f"{start + timedelta(minutes=4 * i):%Y-%m-%d %H:%M}", interaction_id=next(_ids),
                )
            )  # fmt: skip
            kinds.update(result.records.kinds)
        announced.append(kinds)
    assert [bool(k) for k in announced] == [False, False, True, False, True]
    for metric in ("e1rm", "top-set", "volume"):
        series = await insight.progress(ALICE, "back squat", metric=metric, days=30, unit="kg")
        assert [p.is_pr for p in series.points] == [bool(k) for k in announced], metric
        assert [set(p.pr_kinds) for p in series.points] == announced, metric
    # The window starting after the first sessions still judges against the bests before it.
    late = await insight.progress(ALICE, "back squat", metric="top-set", days=3, unit="kg")
    assert [p.is_pr for p in late.points] == [bool(k) for k in announced[-len(late.points) :]]


async def test_a_backdated_set_is_judged_as_of_its_day_in_the_reply_and_the_chart(
    session_factory: async_sessionmaker[AsyncSession], logbook_catalog: Catalog
) -> None:
    logbook = LogbookService(session_factory, logbook_catalog, clock=lambda: NOW)
    insight = InsightService(session_factory, logbook_catalog, clock=lambda: NOW)

    async def log(days_ago: int, weight: float) -> bool:
        result = await logbook.log_set(
            LogRequest(
                member_id=ALICE, exercise="back_squat", weight=weight, reps=5, unit="kg",
                when=f"{NOW - timedelta(days=days_ago):%Y-%m-%d %H:%M}", interaction_id=next(_ids),
            )
        )  # fmt: skip
        return result.is_pr

    assert not await log(10, 100)  # baseline
    assert await log(2, 120)  # a PR
    # Logged last, done a week ago: it beat everything done before it, though not the 120 done since.
    assert await log(7, 110)
    series = await insight.progress(ALICE, "back squat", metric="e1rm", days=30, unit="kg")
    assert [(round(p.value), p.is_pr) for p in series.points] == [(117, False), (128, True), (140, True)]
