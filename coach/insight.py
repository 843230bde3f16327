"""Insight into a member's own log: progress series, weekly stats, their pre-exhaust n-of-1, and "My numbers".

No Discord here. Sessions are inferred as everywhere else (``coach.metrics.group_sessions``). Within a
session a compound lift counts as **pre-exhausted** by the one rule /log's 🔥 tag also uses
(``coach.metrics.pre_exhausted_by``: isolation work for its target before its first hard set), and as
**compound first** otherwise. A *pre-exhaust pair* is such a pre-exhausted compound (one per compound per session); a
*compound-first pair* is a compound followed later in the session by isolation work for its target.

A session is a **pre-exhaust session** when it has pre-exhaust pairs and no compound-first pairs, a
**traditional session** the other way round; sessions with both, or with no pair at all, are left
out of the duration comparison, as are sessions under five minutes (a lone set can't be timed).
Durations run from the first to the last logged set.

Kinds of sets: *hard sets* are every set except warm-ups; *working sets* (loads and reps in /compare,
progression targets) are ``working`` and ``failure`` sets — drop sets are lighter by design.

Statistics are descriptive only: means and sample sizes, never a significance claim.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from catalog import DAYS, MUSCLE_LABELS, Catalog, Exercise
from coach.errors import NotEnoughDataError, StorageUnavailableError, ValidationError
from coach.exercise_search import ResolvedExercise
from coach.insight_options import (
    MAX_STATS_WEEKS,
    parse_days,
    parse_metric,
    parse_weeks,
)
from coach.insight_results import (
    Comparison,
    Condition,
    ConditionSummary,
    DaySuggestion,
    DurationComparison,
    ExerciseComparison,
    Metric,
    MuscleStats,
    MyNumbers,
    NumbersItem,
    ProgressPoint,
    ProgressSeries,
    ReplyPreferences,
    TrainingSession,
    WeeklyStats,
)
from coach.metrics import (
    MAX_SESSION_SPAN,
    RecordBook,
    Unit,
    counts_body,
    format_weight,
    from_kg,
    group_sessions,
    lifted_load,
    pre_exhausted_by,
    pre_exhausts,
    preferred_unit,
)
from coach.planner import DayPlan, Protocol
from coach.progression import LastSet, exercise_load_kind, next_target, starting_load
from coach.storage import Service
from coach.text import member_text, plural
from db.insight_repository import InsightRepository
from db.repositories import MemberRepository, SetRow

# Two sessions make a line; fewer gets a message instead of an empty chart.
MIN_CHART_SESSIONS = 2
# Below this many sessions per condition, a mean says more about one good or bad day than about the order.
MIN_COMPARE_SESSIONS = 3
COMPARE_DAYS = 365
MY_NUMBERS_DAYS = 180
MIN_TIMED_SESSION = timedelta(minutes=5)
# A first pre-exhausted target starts this fraction of the fresh load (the studies report the load drops).
PRE_EXHAUST_START_FRACTION = 0.9
# The 2026 study in the research summary: pre-exhaust sessions took about 36% less time.
RESEARCH_TIME_SAVING_PCT = 36
# A safety cap on one analysis query: years of daily training, far beyond a real member's window.
MAX_ANALYSED_SETS = 50_000
# Sets this far before a window are read too, so a session that began just before it is seen whole.
_LOOKBACK = MAX_SESSION_SPAN
# How far back "what should I train today?" looks for the member's last session.
SUGGESTION_LOOKBACK = timedelta(days=28)
_EPSILON = 1e-6
CUSTOM_MUSCLE = "custom"
CUSTOM_MUSCLE_LABEL = "custom exercises"
ALTERNATE_HINT = "`/plan day:week protocol:alternate`"


def catalog_exercise(catalog: Catalog, exercise_id: str | None) -> Exercise | None:
    """The catalog exercise a stored set names, or None for a member's own (or since removed) exercise."""
    return catalog.get(exercise_id) if exercise_id is not None and exercise_id in catalog else None


def _analyse(sets: tuple[SetRow, ...], catalog: Catalog) -> TrainingSession:
    compounds: dict[str, tuple[int, Exercise]] = {}
    for index, s in enumerate(sets):
        exercise = catalog_exercise(catalog, s.exercise_id)
        # Warm-ups don't fatigue; custom exercises have no known muscle.
        if s.kind != "warmup" and exercise is not None and exercise.is_compound:
            compounds.setdefault(s.exercise_key, (index, exercise))
    conditions: dict[str, Condition] = {}
    pre: list[Exercise] = []
    traditional: list[Exercise] = []
    for key, (first, compound) in compounds.items():
        if pre_exhausted_by(compound, sets, catalog):
            conditions[key] = Condition.PRE_EXHAUSTED
            pre.append(compound)
            continue
        conditions[key] = Condition.FRESH
        after = (catalog_exercise(catalog, s.exercise_id) for s in sets[first + 1 :] if s.kind != "warmup")
        if any(e is not None and pre_exhausts(e, compound) for e in after):
            traditional.append(compound)
    return TrainingSession(sets, conditions, tuple(pre), tuple(traditional))


def build_sessions(facts: Sequence[SetRow], catalog: Catalog) -> list[TrainingSession]:
    """Group sets into sessions (``coach.metrics.group_sessions``) and classify each session."""
    ordered = sorted(facts, key=lambda s: (s.performed_at, s.id))
    return [_analyse(tuple(group), catalog) for group in group_sessions(ordered)]


# --------------------------------------------------------------------------- pure analysis


def progress_points(
    sessions: Sequence[TrainingSession],
    exercise_key: str,
    metric: Metric,
    unit: Unit,
    *,
    records: RecordBook | None = None,
    exercise: Exercise | None = None,
) -> list[ProgressPoint]:
    """One point per session containing the exercise (warm-ups ignored), PRs marked.

    A session is starred exactly when /log announced a PR in it: each set is judged by the same rule
    (``personal_records``) against the same bests — the member's bests before the chart's window
    (``records``) and every set since; like /log, the very first set is a baseline, not a record.
    """
    book = records if records is not None else RecordBook()
    points: list[ProgressPoint] = []
    for session in sessions:
        sets = session.hard_sets(exercise_key)
        if not sets:
            continue
        kinds: dict[str, None] = {}
        for s in sets:
            judged = book.judge(exercise, kind=s.kind, weight_kg=s.weight_kg, reps=s.reps, e1rm_kg=s.e1rm_kg)
            kinds.update(dict.fromkeys(judged.kinds))
        if metric == "e1rm":
            rated = [(s.e1rm_kg, s) for s in sets if s.e1rm_kg is not None]
            if not rated:
                continue  # a body-weight lift without a body weight has no e1RM to chart
            value_kg, top = max(rated, key=lambda pair: (pair[0], pair[1].weight_kg))
            label = f"{format_weight(value_kg, unit)} (from {format_weight(top.weight_kg, unit)} × {top.reps})"
        elif metric == "top-set":
            top = max(sets, key=lambda s: (s.weight_kg, s.reps))
            value_kg = top.weight_kg
            label = f"{format_weight(top.weight_kg, unit)} × {top.reps}"
        else:
            value_kg = sum((lifted_load(exercise, s.weight_kg, s.bodyweight_kg) or 0.0) * s.reps for s in sets)
            label = f"{from_kg(value_kg, unit):,.0f} {unit} × reps ({plural(len(sets), 'set')})"
        points.append(
            ProgressPoint(
                at=session.start,
                value=from_kg(value_kg, unit),
                label=label,
                condition=session.conditions.get(exercise_key),
                is_pr=bool(kinds),
                pr_kinds=tuple(kinds),
            )
        )
    return points


def summarise_weeks(
    sessions: Sequence[TrainingSession], catalog: Catalog, *, weeks: int, since: datetime, until: datetime, unit: Unit
) -> WeeklyStats:
    """Hard sets, volume load, sessions and pairs per muscle group (each primary muscle counts a set)."""
    hard: dict[str, int] = defaultdict(int)
    volume: dict[str, float] = defaultdict(float)
    sessions_by: dict[str, int] = defaultdict(int)
    pre: dict[str, int] = defaultdict(int)
    traditional: dict[str, int] = defaultdict(int)
    counted_sessions, total_sets, total_volume = 0, 0, 0.0
    for session in sessions:
        touched: set[str] = set()
        for s in session.sets:
            if s.kind == "warmup" or not since <= s.performed_at <= until:
                continue
            # Totals count each set once; the per-muscle rows count it for each primary muscle.
            total_sets += 1
            exercise = catalog_exercise(catalog, s.exercise_id)
            # Volume load counts what was lifted: with the body as the load, its share of the body weight.
            load = (lifted_load(exercise, s.weight_kg, s.bodyweight_kg) or 0.0) * s.reps
            total_volume += load
            worked = exercise.primary if exercise is not None else (CUSTOM_MUSCLE,)
            for muscle in worked:
                hard[muscle] += 1
                volume[muscle] += load
                touched.add(muscle)
        if not touched:
            continue
        counted_sessions += 1
        for muscle in touched:
            sessions_by[muscle] += 1
        for compound in session.pre_pairs:
            pre[compound.target] += 1
        for compound in session.traditional_pairs:
            traditional[compound.target] += 1
    order = sorted(hard, key=lambda m: (-hard[m], m == CUSTOM_MUSCLE, m))
    muscles = tuple(
        MuscleStats(
            muscle=m,
            label=CUSTOM_MUSCLE_LABEL if m == CUSTOM_MUSCLE else MUSCLE_LABELS.get(m, m),
            hard_sets=hard[m],
            volume=from_kg(volume[m], unit),
            sessions=sessions_by[m],
            pre_pairs=pre[m],
            traditional_pairs=traditional[m],
        )
        for m in order
    )
    return WeeklyStats(
        weeks=weeks,
        since=since,
        until=until,
        unit=unit,
        muscles=muscles,
        sessions=counted_sessions,
        hard_sets=total_sets,
        volume=from_kg(total_volume, unit),
        pre_pairs=sum(pre.values()),
        traditional_pairs=sum(traditional.values()),
    )


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _summary(sessions: Sequence[TrainingSession], key: str, unit: Unit) -> ConditionSummary:
    best_e1rms: list[float] = []
    loads: list[float] = []
    reps: list[float] = []
    sessions_seen = 0
    for session in sessions:
        working = session.working_sets(key)
        if not working:
            continue
        rated = [s.e1rm_kg for s in working if s.e1rm_kg is not None]
        if rated:
            best_e1rms.append(max(rated))
        sessions_seen += 1
        loads.extend(s.weight_kg for s in working)
        reps.extend(s.reps for s in working)
    mean_e1rm, mean_load = _mean(best_e1rms), _mean(loads)
    return ConditionSummary(
        sessions=sessions_seen,
        working_sets=len(loads),
        mean_e1rm=None if mean_e1rm is None else from_kg(mean_e1rm, unit),
        mean_load=None if mean_load is None else from_kg(mean_load, unit),
        mean_reps=_mean(reps),
    )


def compare_exercise(
    sessions: Sequence[TrainingSession], exercise: Exercise, unit: Unit, *, min_sessions: int = MIN_COMPARE_SESSIONS
) -> ExerciseComparison:
    """A compound's working sets when pre-exhausted versus when done first (sessions with working sets only)."""
    pre = [s for s in sessions if s.conditions.get(exercise.id) is Condition.PRE_EXHAUSTED]
    fresh = [s for s in sessions if s.conditions.get(exercise.id) is Condition.FRESH]
    return ExerciseComparison(
        exercise=exercise,
        pre=_summary(pre, exercise.id, unit),
        fresh=_summary(fresh, exercise.id, unit),
        min_sessions=min_sessions,
    )


def compare_durations(
    sessions: Sequence[TrainingSession], *, min_sessions: int = MIN_COMPARE_SESSIONS
) -> DurationComparison:
    """Mean minutes of pre-exhaust versus traditional sessions (timed sessions only, see module notes)."""
    timed = [s for s in sessions if s.duration >= MIN_TIMED_SESSION]
    pre = [s.duration.total_seconds() / 60 for s in timed if s.protocol is Protocol.PRE_EXHAUST]
    traditional = [s.duration.total_seconds() / 60 for s in timed if s.protocol is Protocol.TRADITIONAL]
    return DurationComparison(
        pre_sessions=len(pre),
        pre_mean_minutes=_mean(pre),
        traditional_sessions=len(traditional),
        traditional_mean_minutes=_mean(traditional),
        min_sessions=min_sessions,
    )


def numbers_for(sessions: Sequence[TrainingSession], day: DayPlan, unit: Unit) -> tuple[NumbersItem, ...]:
    """Last working sets and today's double-progression target for each exercise of a planned day.

    A compound in a pre-exhaust day is judged on the member's pre-exhausted sessions only, and in a
    traditional day on their compound-first sessions: loads differ between the two.
    """
    wanted = Condition.PRE_EXHAUSTED if day.protocol is Protocol.PRE_EXHAUST else Condition.FRESH
    items = []
    for planned in day.items:
        ex, rx = planned.exercise, planned.prescription
        condition = wanted if ex.is_compound else None
        kind = exercise_load_kind(ex)
        base = NumbersItem(ex, rx.sets, rx.reps_low, rx.reps_high, condition)
        last = _last_session(sessions, ex.id, condition)
        if last is not None:
            done = tuple(LastSet(round(from_kg(s.weight_kg, unit), 2), s.reps) for s in last.working_sets(ex.id))
            target = next_target(
                done, sets=rx.sets, reps_low=rx.reps_low, reps_high=rx.reps_high, kind=kind, unit=unit,
                per_hand=ex.per_hand,
            )  # fmt: skip
            items.append(replace(base, last_at=last.start, last_sets=done, target=target))
            continue
        other = _last_session(sessions, ex.id, None) if condition is not None else None
        if other is None:
            items.append(
                replace(base, note=f"no sets logged yet — pick a load you can lift for {rx.reps_low} reps and /log it")
            )
            continue
        done = tuple(LastSet(round(from_kg(s.weight_kg, unit), 2), s.reps) for s in other.working_sets(ex.id))
        heaviest = max(s.weight for s in done)
        if condition is Condition.PRE_EXHAUSTED:
            start = starting_load(heaviest, PRE_EXHAUST_START_FRACTION, kind=kind, unit=unit)
            note = (
                f"no pre-exhausted sets yet; fresh you did {describe_sets(done, unit)}. After isolation work expect "
                f"less: start around {format_weight_unit(start, unit)} for {rx.reps_text} reps"
            )
        else:
            note = (
                f"no compound-first sets yet; pre-exhausted you did {describe_sets(done, unit)}. Fresh you'll likely "
                f"manage at least that: start there for {rx.reps_text} reps"
            )
            start = heaviest
        items.append(replace(base, last_at=other.start, last_sets=done, note=note, start_weight=start))
    return tuple(items)


def format_weight_unit(value: float, unit: Unit) -> str:
    """A weight already in ``unit`` as text, e.g. ``'90 kg'``."""
    return f"{round(value, 1):.1f}".removesuffix(".0") + f" {unit}"


def describe_sets(done: Sequence[LastSet], unit: Unit) -> str:
    """Sets compactly, one weight per run: ``'100 kg × 6, 6, 5 · 90 kg × 8'``."""
    runs: list[tuple[float, list[int]]] = []
    for s in done:
        if runs and abs(runs[-1][0] - s.weight) < 0.01:
            runs[-1][1].append(s.reps)
        else:
            runs.append((s.weight, [s.reps]))
    return " · ".join(
        f"{format_weight_unit(w, unit) if w > 0 else 'body weight'} × {', '.join(str(r) for r in reps)}"
        for w, reps in runs
    )


def _last_session(
    sessions: Sequence[TrainingSession], exercise_id: str, condition: Condition | None
) -> TrainingSession | None:
    for session in reversed(sessions):
        if not session.working_sets(exercise_id):
            continue
        if condition is None or session.conditions.get(exercise_id) is condition:
            return session
    return None


# --------------------------------------------------------------------------- the service


class InsightService(Service):
    """Read-only views over one member's own log; every query is scoped to the acting member."""

    async def suggest_day(self, member_id: int) -> DaySuggestion:
        """The day to train next: the one after the member's latest session in the lower → push → pull
        rotation of the seed's week (lower when they have no sessions in the last four weeks)."""
        until = self.now()
        async with self._storage.read() as session:
            facts = await self._facts(session, member_id, until - SUGGESTION_LOOKBACK, until)
        for training in reversed(await self._sessions(facts)):
            day = training.day(self.catalog)
            if day is not None:
                return DaySuggestion(DAYS[(DAYS.index(day) + 1) % len(DAYS)], day, training.start)
        return DaySuggestion(DAYS[0])

    async def preferences_within(self, member_id: int, locale: str | None, timeout: float) -> ReplyPreferences:
        """The member's reply preferences, or private replies in their locale's unit when storage is slow or down."""
        try:
            return await asyncio.wait_for(self.reply_preferences(member_id, locale), timeout)
        except (TimeoutError, StorageUnavailableError):
            return ReplyPreferences(unit=preferred_unit(None, locale), ephemeral=True)

    async def reply_preferences(self, member_id: int, locale: str | None = None) -> ReplyPreferences:
        """The member's unit and whether replies about their data are private (the default) or public."""
        async with self._storage.read() as session:
            row = await MemberRepository(session).get(member_id)
        unit = preferred_unit(row.unit if row is not None else None, locale)
        return ReplyPreferences(unit=unit, ephemeral=row is None or row.share != "public")

    def check_name(self, raw: str | None) -> ResolvedExercise:
        """The name's catalog meaning without storage (raises for ambiguous or empty names), so a cog can
        refuse before deferring."""
        return self.index.reference(raw)

    async def _sessions(self, facts: Sequence[SetRow]) -> list[TrainingSession]:
        """The sets grouped and classified, in a worker thread: a long log is CPU work the loop mustn't wait on."""
        return await asyncio.to_thread(build_sessions, facts, self.catalog)

    async def _facts(self, session: AsyncSession, member_id: int, since: datetime, until: datetime) -> list[SetRow]:
        return await InsightRepository(session).sets_between(
            member_id, since - _LOOKBACK, until, limit=MAX_ANALYSED_SETS
        )

    # ----------------------------------------------------------------- /progress

    async def progress(
        self,
        member_id: int,
        exercise: str,
        metric: str | None = None,
        days: object = None,
        *,
        unit: Unit,
    ) -> ProgressSeries:
        """The member's sessions of one exercise over ``days`` days as chart points; NotEnoughDataError below two."""
        metric_ = parse_metric(metric)
        days_ = parse_days(days)
        ref = await self.exercise_to_read(member_id, exercise)
        until = self.now()
        since = until - timedelta(days=days_)
        async with self._storage.read() as session:
            repo = InsightRepository(session)
            name = ref.name
            facts = await self._facts(session, member_id, since, until)
            built = await self._sessions(facts)
            sessions = [s for s in built if s.end >= since and s.hard_sets(ref.key)]
            first = sessions[0].start if sessions else since
            best_e1rm, at_reps, at_weight = await repo.record_bests_before(member_id, ref.key, first)
        points = progress_points(
            sessions,
            ref.key,
            metric_,
            unit,
            records=RecordBook(best_e1rm, at_reps, at_weight),
            exercise=ref.exercise,
        )
        trained = sum(1 for s in sessions if s.hard_sets(ref.key))
        if metric_ == "e1rm" and counts_body(ref.exercise) and len(points) < MIN_CHART_SESSIONS <= trained:
            ex = ref.exercise
            needs = ex is not None and ex.bodyweight_share is not None
            raise NotEnoughDataError(
                f"{name} counts your body weight, and I don't know it yet: set it once with `/settings bodyweight:` "
                "and the e1RM chart fills in, past sets included."
                if needs
                else f"{name} has no e1RM (how much of your body it moves varies too much to estimate); chart "
                "`metric:top-set` for the weight you add, and count its reps in `/history`."
            )
        if len(points) < MIN_CHART_SESSIONS:
            have = "no sessions" if not points else "1 session"
            raise NotEnoughDataError(
                f"You have {have} of {name} in the last {days_} days (warm-ups don't count); a chart needs at least "
                f"{MIN_CHART_SESSIONS}. Log your sets with `/log`, or look further back with `days`."
            )
        if all(p.value <= _EPSILON for p in points):
            raise NotEnoughDataError(
                f"Your {name} sets are logged without added weight, so there is no load to chart. "
                "Log the added weight (a belt, vest or dumbbell) to follow it here."
            )
        return ProgressSeries(
            exercise_name=name,
            metric=metric_,
            days=days_,
            unit=unit,
            since=since,
            until=until,
            points=tuple(points),
            is_compound=ref.exercise is not None and ref.exercise.is_compound,
        )

    # ----------------------------------------------------------------- /stats

    async def weekly_stats(self, member_id: int, weeks: object = None, *, unit: Unit) -> WeeklyStats:
        """Per-muscle hard sets, volume, sessions and pairs for the last ``weeks`` weeks."""
        weeks_ = parse_weeks(weeks)
        until = self.now()
        since = until - timedelta(weeks=weeks_)
        async with self._storage.read() as session:
            facts = await self._facts(session, member_id, since, until)
        sessions = await self._sessions(facts)
        stats = summarise_weeks(sessions, self.catalog, weeks=weeks_, since=since, until=until, unit=unit)
        if not stats.hard_sets:
            period = "7 days" if weeks_ == 1 else f"{weeks_} weeks"
            raise NotEnoughDataError(
                f"You have no sets (warm-ups aside) in the last {period}. Log them with `/log`, "
                f"or look further back with `weeks` (up to {MAX_STATS_WEEKS})."
            )
        return stats

    # ----------------------------------------------------------------- /compare

    async def compare(self, member_id: int, exercise: str | None = None, *, unit: Unit) -> Comparison:
        """The member's compounds, pre-exhausted versus compound first, and their session durations."""
        requested: Exercise | None = None
        if exercise is not None and exercise.strip():
            ref = await self.exercise_to_read(member_id, exercise)
            if ref.exercise is None:
                raise ValidationError(
                    f"/compare works on catalog compound lifts; “{member_text(ref.name)}” is your own exercise, so I "
                    "don't know "
                    "which muscle it targets.",
                    field="exercise",
                )
            if not ref.exercise.is_compound:
                raise ValidationError(
                    f"{ref.exercise.name} is an isolation exercise; /compare looks at compound lifts (like Bench "
                    "Press or Back Squat) done after isolation work versus first.",
                    field="exercise",
                )
            requested = ref.exercise
        until = self.now()
        since = until - timedelta(days=COMPARE_DAYS)
        async with self._storage.read() as session:
            facts = await self._facts(session, member_id, since, until)
        sessions = [s for s in await self._sessions(facts) if s.end >= since]
        if requested is not None:
            compounds = [requested]
        else:
            keys = {k for s in sessions for k in s.conditions}
            compounds = [self.catalog.get(k) for k in sorted(keys)]
        comparisons = [compare_exercise(sessions, ex, unit) for ex in compounds]
        comparisons = [c for c in comparisons if requested is not None or c.pre.sessions or c.fresh.sessions]
        comparisons.sort(key=lambda c: (-(c.pre.sessions + c.fresh.sessions), c.exercise.name))
        if not comparisons:
            raise NotEnoughDataError(
                f"You haven't logged a compound lift in the last {COMPARE_DAYS} days, so there's nothing to compare "
                f"yet. Train each muscle both ways with {ALTERNATE_HINT} and log your sets with `/log`."
            )
        return Comparison(
            days=COMPARE_DAYS,
            unit=unit,
            exercises=tuple(comparisons),
            durations=compare_durations(sessions),
            min_sessions=MIN_COMPARE_SESSIONS,
            requested=requested,
        )

    # ----------------------------------------------------------------- My numbers and the workout

    async def sessions(self, member_id: int, *, days: int = MY_NUMBERS_DAYS) -> list[TrainingSession]:
        """The member's sessions of the last ``days`` days, oldest first, classified."""
        until = self.now()
        async with self._storage.read() as session:
            facts = await self._facts(session, member_id, until - timedelta(days=days), until)
        return await self._sessions(facts)

    async def my_numbers(self, member_id: int, day: DayPlan, *, unit: Unit) -> MyNumbers:
        """The member's last working sets and today's target for each exercise of a planned day."""
        return MyNumbers(day=day, unit=unit, items=numbers_for(await self.sessions(member_id), day, unit))
