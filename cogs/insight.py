"""/progress, /stats and /compare: thin adapters over coach.insight.InsightService.

Commands check what they can at once, read the member's settings (bounded by a short timeout: the
share setting decides whether the reply is public), then answer through ``runtime.respond.answer``;
charts render in a worker thread with ``asyncio.to_thread`` so a slow render never blocks other
members, and a slow answer is deferred (publicly only when the member shares).
"""

from __future__ import annotations

import asyncio
import io
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from coach import charts
from coach.community import CommunityService
from coach.exercise_search import MAX_CHOICES
from coach.insight import ALTERNATE_HINT, RESEARCH_TIME_SAVING_PCT, InsightService, format_weight_unit
from coach.insight_options import DEFAULT_PROGRESS_DAYS, MAX_PROGRESS_DAYS, MAX_STATS_WEEKS, parse_metric
from coach.insight_results import (
    METRICS,
    Comparison,
    Condition,
    ConditionSummary,
    ExerciseComparison,
    ProgressSeries,
    ReplyPreferences,
    WeeklyStats,
)
from coach.logbook import LogbookService
from coach.metrics import E1RM_FORMULA, Unit
from coach.schedule import Streak
from coach.text import plural
from runtime.components import member_locale
from runtime.respond import Answer, answer
from runtime.text import safe

Choice = app_commands.Choice
# Seconds to wait for the member's settings before answering privately in their locale's unit.
PREFERENCES_TIMEOUT_S = 1.0
CHART_COOLDOWN_S = 10.0
MAX_COMPARE_FIELDS = 10
PROGRESS_FILE = "progress.png"
STATS_FILE = "stats.png"


# --------------------------------------------------------------------------------------- rendering


def progress_embed(series: ProgressSeries) -> discord.Embed:
    """The text around a progress chart: sessions, best, change, conditions and PRs."""
    best = series.best
    first, last = series.points[0], series.points[-1]
    unit = f"{series.unit} × reps" if series.metric == "volume" else series.unit
    lines = [
        f"**{plural(len(series.points), 'session')}** · best {safe(best.label)} on {best.at:%Y-%m-%d}",
        f"Change since {first.at:%Y-%m-%d}: {last.value - first.value:+,.1f} {unit}".replace(".0 ", " "),
    ]
    if series.is_compound:
        lines.append(
            f"▲ pre-exhausted: {series.count(Condition.PRE_EXHAUSTED)} · ● compound first: "
            f"{series.count(Condition.FRESH)} — `/compare` puts the two side by side"
        )
    if series.prs:
        lines.append(f"★ {plural(series.prs, 'PR session')}")
    embed = discord.Embed(title=safe(series.title)[:256], description="\n".join(lines), colour=discord.Colour.orange())
    embed.set_image(url=f"attachment://{PROGRESS_FILE}")
    footer = "Warm-ups left out · one point per session (sets < 90 min apart)"
    if series.metric == "e1rm":
        footer = f"{E1RM_FORMULA} · {footer}"
    embed.set_footer(text=footer)
    return embed


def stats_embed(stats: WeeklyStats, *, with_chart: bool, streak: Streak | None = None) -> discord.Embed:
    """A compact per-muscle table: hard sets, sessions, volume load and pre-exhaust pairs."""
    vol = f"Vol {stats.unit}"
    rows = [f"{'Muscle':<16}{'Sets':>5}{'Sess':>5}{vol:>10}{'PE':>4}"]
    rows.extend(
        f"{m.label[:16]:<16}{m.hard_sets:>5}{m.sessions:>5}{m.volume:>10,.0f}{m.pre_pairs:>4}"
        for m in stats.muscles[:20]
    )
    table = "```\n" + "\n".join(rows) + "\n```"
    summary = (
        f"**{plural(stats.sessions, 'session')}** · {plural(stats.hard_sets, 'hard set')} · "
        f"{stats.volume:,.0f} {stats.unit} volume load\n"
        f"Pre-exhaust pairs (isolation → compound, same muscle, same session): **{stats.pre_pairs}** · "
        f"compound-first pairs: **{stats.traditional_pairs}**"
    )
    if streak is not None:
        summary += f"\nConsistency: **{streak.describe()}** (target: `/settings sessions_per_week`)"
    embed = discord.Embed(
        title=f"Your training — {stats.period}", description=f"{summary}\n{table}", colour=discord.Colour.blurple()
    )
    if with_chart:
        embed.set_image(url=f"attachment://{STATS_FILE}")
    embed.set_footer(
        text="Sets = hard sets (every set except warm-ups), counted for each primary muscle · Vol = weight × reps · "
        "PE = pre-exhaust pairs"
    )
    return embed


def _condition_line(name: str, summary: ConditionSummary, unit: Unit) -> str:
    if not summary.sessions:
        return f"{name}: no sessions yet"
    if summary.mean_load is None or summary.mean_reps is None:
        return f"{name}: no working sets yet"
    # A body-weight lift has no e1RM until the member gives their body weight: never "e1RM 0".
    e1rm = "—" if summary.mean_e1rm is None else format_weight_unit(summary.mean_e1rm, unit)
    load = "body weight" if summary.mean_load <= 0 else format_weight_unit(summary.mean_load, unit)
    return (
        f"{name}: {plural(summary.sessions, 'session')} · e1RM {e1rm} · "
        f"working sets {load} × {summary.mean_reps:.1f} ({plural(summary.working_sets, 'set')})"
    )


def _comparison_field(c: ExerciseComparison, unit: Unit) -> tuple[str, str]:
    lines = [
        _condition_line("▲ Pre-exhausted", c.pre, unit),
        _condition_line("● Compound first", c.fresh, unit),
    ]
    difference = c.e1rm_difference_pct
    if difference is not None:
        direction = "lower" if difference < 0 else "higher"
        lines.append(f"→ mean e1RM {abs(difference):.0f}% {direction} after isolation work")
    elif c.enough:
        # Enough sessions, but a body-weight lift has no e1RM without the member's body weight.
        lines.append("→ no e1RM to compare yet: set your body weight once with `/settings bodyweight:`")
    else:
        lines.append(
            f"→ not enough data yet: {c.min_sessions} sessions each way are needed "
            f"(you have {c.pre.sessions} and {c.fresh.sessions})"
        )
    return f"{c.exercise.name} ({c.exercise.target_label})", "\n".join(lines)


def compare_embed(comparison: Comparison) -> discord.Embed:
    """The member's own n-of-1: means and sample sizes per condition, session durations, honest caveats."""
    unit = comparison.unit
    scope = comparison.requested.name if comparison.requested else "your compound lifts"
    embed = discord.Embed(
        title=f"Your n-of-1 — {scope}: pre-exhausted vs compound first",
        description=(
            f"Last {comparison.days} days. Means per condition: e1RM is each session's best working set; "
            "loads and reps are over working sets (warm-ups and drop sets left out)."
        ),
        colour=discord.Colour.orange(),
    )
    for c in comparison.exercises[:MAX_COMPARE_FIELDS]:
        name, value = _comparison_field(c, unit)
        embed.add_field(name=name, value=value[:1024], inline=False)
    d = comparison.durations
    lines = []
    for label, n, minutes in (
        ("Pre-exhaust sessions", d.pre_sessions, d.pre_mean_minutes),
        ("Traditional sessions", d.traditional_sessions, d.traditional_mean_minutes),
    ):
        lines.append(f"{label}: {n}" + (f" · mean {minutes:.0f} min" if minutes is not None else ""))
    if d.difference_pct is not None:
        direction = "shorter" if d.difference_pct < 0 else "longer"
        lines.append(
            f"→ yours were {abs(d.difference_pct):.0f}% {direction} (one recent trial, not yet peer-reviewed: "
            f"about {RESEARCH_TIME_SAVING_PCT}% shorter)"
        )
    else:
        lines.append(f"→ not enough timed sessions yet ({d.min_sessions} of each needed)")
    embed.add_field(name="Session length (first to last set)", value="\n".join(lines), inline=False)
    advice = []
    if not all(c.enough for c in comparison.exercises) or not d.enough:
        advice.append(
            f"To get enough data, train each muscle both ways: {ALTERNATE_HINT} alternates the order "
            "every other day and week, then `/log` your sets."
        )
    advice.append(
        "These are averages of your own sessions, not a significance test: sleep, food and getting stronger "
        "over time move them too, which alternating the order helps balance. What the studies found: `/evidence`."
    )
    embed.add_field(name="Reading this", value="\n".join(advice), inline=False)
    return embed


# --------------------------------------------------------------------------------------- the cog


class InsightCog(commands.Cog):
    """Members' own charts, weekly stats and pre-exhaust n-of-1."""

    def __init__(
        self, insight_service: InsightService, logbook: LogbookService, community: CommunityService | None = None
    ) -> None:
        self._insight = insight_service
        self._logbook = logbook
        self._community = community

    async def _preferences(self, interaction: discord.Interaction[Any]) -> ReplyPreferences:
        return await self._insight.preferences_within(
            interaction.user.id, member_locale(interaction), PREFERENCES_TIMEOUT_S
        )

    @app_commands.command(name="progress", description="A chart of your own progress on one exercise.")
    @app_commands.describe(
        exercise="The exercise — start typing and pick one",
        metric="e1rm: estimated 1RM per session (default) · top-set: heaviest set · volume: weight × reps",
        days="How many days back, 1–730 (default 90)",
    )
    @app_commands.choices(metric=[Choice(name=m, value=m) for m in METRICS])
    @app_commands.checks.cooldown(1, CHART_COOLDOWN_S, key=lambda i: i.user.id)
    async def progress(
        self,
        interaction: discord.Interaction[Any],
        exercise: app_commands.Range[str, 1, 100],
        metric: Choice[str] | None = None,
        days: app_commands.Range[int, 1, MAX_PROGRESS_DAYS] = DEFAULT_PROGRESS_DAYS,
    ) -> None:
        """Chart the member's sessions of one exercise."""
        # Checks before anything is sent, so a typo gets its message privately and at once.
        self._insight.check_name(exercise)
        metric_value = parse_metric(metric.value if metric else None)
        prefs = await self._preferences(interaction)

        async def work() -> Answer:
            series = await self._insight.progress(interaction.user.id, exercise, metric_value, days, unit=prefs.unit)
            png = await asyncio.to_thread(charts.render_progress, series)
            file = discord.File(io.BytesIO(png), filename=PROGRESS_FILE)
            return Answer(embed=progress_embed(series), files=[file], ephemeral=prefs.ephemeral)

        await answer(interaction, work(), lambda reply: reply, public=not prefs.ephemeral)

    @app_commands.command(name="stats", description="Your hard sets, volume and pre-exhaust pairs per muscle group.")
    @app_commands.describe(weeks="How many weeks back, 1–12 (default 1)")
    @app_commands.checks.cooldown(1, CHART_COOLDOWN_S, key=lambda i: i.user.id)
    async def stats(
        self, interaction: discord.Interaction[Any], weeks: app_commands.Range[int, 1, MAX_STATS_WEEKS] = 1
    ) -> None:
        """Per-muscle table, with a bar chart when more than one muscle group was trained."""
        prefs = await self._preferences(interaction)

        async def work() -> Answer:
            stats = await self._insight.weekly_stats(interaction.user.id, weeks, unit=prefs.unit)
            streak = None
            if self._community is not None:
                tz = await self._community.tz_for(interaction.guild_id)
                streak = await self._community.member_streak(interaction.user.id, tz)
            with_chart = len(stats.muscles) >= 2
            files = []
            if with_chart:
                png = await asyncio.to_thread(charts.render_weekly, stats)
                files.append(discord.File(io.BytesIO(png), filename=STATS_FILE))
            embed = stats_embed(stats, with_chart=with_chart, streak=streak)
            return Answer(embed=embed, files=files, ephemeral=prefs.ephemeral)

        await answer(interaction, work(), lambda reply: reply, public=not prefs.ephemeral)

    @app_commands.command(
        name="compare", description="Your own compound lifts after isolation work vs. first, with sample sizes."
    )
    @app_commands.describe(exercise="One compound lift (optional; default: all you've done)")
    @app_commands.checks.cooldown(1, CHART_COOLDOWN_S, key=lambda i: i.user.id)
    async def compare(
        self, interaction: discord.Interaction[Any], exercise: app_commands.Range[str, 1, 100] | None = None
    ) -> None:
        """The member's n-of-1 comparison."""
        prefs = await self._preferences(interaction)
        await answer(
            interaction,
            self._insight.compare(interaction.user.id, exercise, unit=prefs.unit),
            lambda comparison: Answer(embed=compare_embed(comparison), ephemeral=prefs.ephemeral),
            public=not prefs.ephemeral,
        )

    @progress.autocomplete("exercise")
    async def progress_autocomplete(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        """Catalog names and the member's own exercises, recent first (no "Custom: …" entry: nothing is created)."""
        choices = await self._logbook.autocomplete(interaction.user.id, current, limit=MAX_CHOICES)
        return [Choice(name=c.label[:100], value=c.value[:100]) for c in choices if not c.label.startswith("Custom: ")]

    @compare.autocomplete("exercise")
    async def compare_autocomplete(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        """Catalog compound lifts only: /compare is about compounds."""
        choices = await self._logbook.autocomplete(interaction.user.id, current, limit=MAX_CHOICES)
        catalog = self._insight.catalog
        compounds = [c for c in choices if c.value in catalog and catalog.get(c.value).is_compound]
        return [Choice(name=c.label[:100], value=c.value[:100]) for c in compounds][:MAX_CHOICES]
