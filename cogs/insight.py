"""/progress, /stats, /compare and the "My numbers" button: thin adapters over coach.insight.InsightService.

Commands read the member's settings (bounded by a short timeout: the share setting decides whether the
reply is public), defer at once, query, and render charts in a worker thread with ``asyncio.to_thread``
so a slow render never blocks other members or runs into Discord's three-second limit.
"""

from __future__ import annotations

import asyncio
import io
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from coach import charts
from coach.errors import StorageUnavailableError
from coach.insight import (
    ALTERNATE_HINT,
    RESEARCH_TIME_SAVING_PCT,
    Comparison,
    Condition,
    ConditionSummary,
    ExerciseComparison,
    InsightService,
    MyNumbers,
    ProgressSeries,
    ReplyPreferences,
    WeeklyStats,
    describe_sets,
    format_weight_unit,
)
from coach.logbook import LogbookService
from coach.metrics import E1RM_FORMULA, Unit, unit_for_locale
from coach.planner import Plan, Protocol
from cogs.logbook import locale, safe
from runtime import commandlog
from runtime.tree import NO_MENTIONS, CoachView, report_error

Choice = app_commands.Choice
# Seconds to wait for the member's settings before answering privately in their locale's unit.
PREFERENCES_TIMEOUT_S = 1.0
CHART_COOLDOWN_S = 10.0
MAX_COMPARE_FIELDS = 10
PROGRESS_FILE = "progress.png"
STATS_FILE = "stats.png"


def insight(interaction: discord.Interaction[Any]) -> InsightService:
    """The insight service the bot was built with (buttons outlive cogs, so they ask the client)."""
    return interaction.client.insight  # type: ignore[attr-defined,no-any-return]


async def reply_preferences(interaction: discord.Interaction[Any], service: InsightService) -> ReplyPreferences:
    """The member's unit and share setting, or private replies in their locale's unit if storage is slow."""
    try:
        return await asyncio.wait_for(
            service.reply_preferences(interaction.user.id, locale(interaction)), PREFERENCES_TIMEOUT_S
        )
    except (TimeoutError, StorageUnavailableError):
        return ReplyPreferences(unit=unit_for_locale(locale(interaction)), ephemeral=True)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# --------------------------------------------------------------------------------------- rendering


def progress_embed(series: ProgressSeries) -> discord.Embed:
    """The text around a progress chart: sessions, best, change, conditions and PRs."""
    best = series.best
    first, last = series.points[0], series.points[-1]
    unit = f"{series.unit} × reps" if series.metric == "volume" else series.unit
    lines = [
        f"**{_plural(len(series.points), 'session')}** · best {safe(best.label)} on {best.at:%Y-%m-%d}",
        f"Change since {first.at:%Y-%m-%d}: {last.value - first.value:+,.1f} {unit}".replace(".0 ", " "),
    ]
    if series.is_compound:
        lines.append(
            f"▲ pre-exhausted: {series.count(Condition.PRE_EXHAUSTED)} · ● compound first: "
            f"{series.count(Condition.FRESH)} — `/compare` puts the two side by side"
        )
    if series.prs:
        lines.append(f"★ {_plural(series.prs, 'PR session')}")
    embed = discord.Embed(title=safe(series.title)[:256], description="\n".join(lines), colour=discord.Colour.orange())
    embed.set_image(url=f"attachment://{PROGRESS_FILE}")
    footer = "Warm-ups left out · one point per session (sets < 90 min apart)"
    if series.metric == "e1rm":
        footer = f"{E1RM_FORMULA} · {footer}"
    embed.set_footer(text=footer)
    return embed


def stats_embed(stats: WeeklyStats, *, with_chart: bool) -> discord.Embed:
    """A compact per-muscle table: hard sets, sessions, volume load and pre-exhaust pairs."""
    vol = f"Vol {stats.unit}"
    rows = [f"{'Muscle':<16}{'Sets':>5}{'Sess':>5}{vol:>10}{'PE':>4}"]
    for m in stats.muscles[:20]:
        rows.append(f"{m.label[:16]:<16}{m.hard_sets:>5}{m.sessions:>5}{m.volume:>10,.0f}{m.pre_pairs:>4}")
    table = "```\n" + "\n".join(rows) + "\n```"
    summary = (
        f"**{_plural(stats.sessions, 'session')}** · {_plural(stats.hard_sets, 'hard set')} · "
        f"{stats.volume:,.0f} {stats.unit} volume load\n"
        f"Pre-exhaust pairs (isolation → compound, same muscle, same session): **{stats.pre_pairs}** · "
        f"compound-first pairs: **{stats.traditional_pairs}**"
    )
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
    assert summary.mean_e1rm is not None and summary.mean_load is not None and summary.mean_reps is not None
    return (
        f"{name}: {_plural(summary.sessions, 'session')} · e1RM {format_weight_unit(summary.mean_e1rm, unit)} · "
        f"working sets {format_weight_unit(summary.mean_load, unit)} × {summary.mean_reps:.1f} "
        f"({_plural(summary.working_sets, 'set')})"
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


def my_numbers_embed(numbers: MyNumbers) -> discord.Embed:
    """The pressing member's last working sets and today's target for each exercise of a planned day."""
    day, unit = numbers.day, numbers.unit
    lines = []
    for n, item in enumerate(numbers.items, start=1):
        reps = str(item.reps_low) if item.reps_low == item.reps_high else f"{item.reps_low}–{item.reps_high}"
        head = f"**{n}. {item.exercise.name}** — {item.sets} × {reps}"
        if item.target is not None and item.condition is Condition.PRE_EXHAUSTED:
            head += " · from your pre-exhausted sets"
        elif item.target is not None and item.condition is Condition.FRESH:
            head += " · from your compound-first sets"
        lines.append(head)
        if item.last_sets and item.last_at is not None:
            lines.append(f"  last ({item.last_at:%Y-%m-%d}): {describe_sets(item.last_sets, unit)}")
        if item.target is not None:
            lines.append(f"  today: **{item.target.summary()}** — {item.target.reason()}")
        if item.note:
            lines.append(f"  {item.note}")
    embed = discord.Embed(
        title=f"Your numbers — {day.weekday} · {day.title} ({day.protocol})",
        description="\n".join(lines)[:4096],
        colour=discord.Colour.green(),
    )
    embed.set_footer(
        text="Double progression: add reps until every set reaches the top of the range, then add the smallest "
        "step (barbell 2.5 kg/5 lb, dumbbells 2 kg/5 lb, machines and cables 5 kg/10 lb) and start again at the "
        "bottom. Only you see this."
    )
    return embed


# --------------------------------------------------------------------------------------- "My numbers"


class MyNumbersButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"plan:mine:(?P<day>lower|push|pull):(?P<protocol>pre-exhaust|traditional|alternate)"
    r":(?P<equipment>gym|dumbbells|bodyweight):(?P<week>\d{1,2})",
):
    """Under a /plan reply: anyone may press it and privately sees their *own* numbers for that day."""

    def __init__(self, day: str, protocol: str, equipment: str, week: int, *, label: str = "My numbers") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                emoji="📈",
                custom_id=f"plan:mine:{day}:{protocol}:{equipment}:{week}",
            )
        )
        self.day, self.protocol, self.equipment, self.week = day, protocol, equipment, week

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> MyNumbersButton:
        """Rebuild the button from its custom id (so it keeps working after a restart)."""
        return cls(match["day"], match["protocol"], match["equipment"], int(match["week"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Show the presser their numbers; failures take the commands' error path."""
        async with commandlog.logged(interaction, type(self).__name__, kind="component"):
            await self._show(interaction)

    async def _show(self, interaction: discord.Interaction[Any]) -> None:
        try:
            service = insight(interaction)
            # The same day the plan showed: the week is in the custom id, so "alternate" resolves identically.
            planner = interaction.client.planner  # type: ignore[attr-defined]
            day = planner.plan_day(self.day, Protocol(self.protocol), self.equipment, week_index=self.week)
            prefs = await reply_preferences(interaction, service)
            await interaction.response.defer(ephemeral=True, thinking=True)
            numbers = await service.my_numbers(interaction.user.id, day, unit=prefs.unit)
            await interaction.followup.send(
                embed=my_numbers_embed(numbers), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
        except Exception as error:
            await report_error(interaction, error)


def my_numbers_view(plan: Plan, week_index: int) -> CoachView:
    """One "My numbers" button per planned day (labelled by day when the plan is a whole week)."""
    view = CoachView(timeout=None)
    for day in plan.days:
        label = "My numbers" if len(plan.days) == 1 else f"My numbers · {day.day}"
        view.add_item(MyNumbersButton(day.day, plan.protocol.value, plan.equipment, week_index % 100, label=label))
    return view


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (MyNumbersButton,)


# --------------------------------------------------------------------------------------- the cog


class InsightCog(commands.Cog):
    """Members' own charts, weekly stats and pre-exhaust n-of-1."""

    def __init__(self, insight_service: InsightService, logbook: LogbookService) -> None:
        self._insight = insight_service
        self._logbook = logbook

    async def _begin(self, interaction: discord.Interaction[Any]) -> ReplyPreferences:
        """Settings first (bounded), then defer so the work that follows has 15 minutes, not 3 seconds."""
        prefs = await reply_preferences(interaction, self._insight)
        await interaction.response.defer(ephemeral=prefs.ephemeral, thinking=True)
        return prefs

    @app_commands.command(name="progress", description="A chart of your own progress on one exercise.")
    @app_commands.describe(
        exercise="The exercise — start typing and pick one",
        metric="e1rm: estimated 1RM per session (default) · top-set: heaviest set · volume: weight × reps",
        days="How many days back, 1–730 (default 90)",
    )
    @app_commands.choices(metric=[Choice(name=m, value=m) for m in ("e1rm", "top-set", "volume")])
    @app_commands.checks.cooldown(1, CHART_COOLDOWN_S, key=lambda i: i.user.id)
    async def progress(
        self,
        interaction: discord.Interaction[Any],
        exercise: app_commands.Range[str, 1, 100],
        metric: Choice[str] | None = None,
        days: app_commands.Range[int, 1, 730] = 90,
    ) -> None:
        """Chart the member's sessions of one exercise."""
        # Cheap checks before deferring, so a typo gets its message privately and at once.
        self._insight.resolve(exercise)
        prefs = await self._begin(interaction)
        series = await self._insight.progress(
            interaction.user.id, exercise, metric.value if metric else None, days, unit=prefs.unit
        )
        png = await asyncio.to_thread(charts.render_progress, series)
        await interaction.followup.send(
            embed=progress_embed(series),
            file=discord.File(io.BytesIO(png), filename=PROGRESS_FILE),
            ephemeral=prefs.ephemeral,
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="stats", description="Your hard sets, volume and pre-exhaust pairs per muscle group.")
    @app_commands.describe(weeks="How many weeks back, 1–12 (default 1)")
    @app_commands.checks.cooldown(1, CHART_COOLDOWN_S, key=lambda i: i.user.id)
    async def stats(self, interaction: discord.Interaction[Any], weeks: app_commands.Range[int, 1, 12] = 1) -> None:
        """Per-muscle table, with a bar chart when more than one muscle group was trained."""
        prefs = await self._begin(interaction)
        stats = await self._insight.weekly_stats(interaction.user.id, weeks, unit=prefs.unit)
        with_chart = len(stats.muscles) >= 2
        kwargs: dict[str, Any] = {}
        if with_chart:
            png = await asyncio.to_thread(charts.render_weekly, stats)
            kwargs["file"] = discord.File(io.BytesIO(png), filename=STATS_FILE)
        await interaction.followup.send(
            embed=stats_embed(stats, with_chart=with_chart),
            ephemeral=prefs.ephemeral,
            allowed_mentions=NO_MENTIONS,
            **kwargs,
        )

    @app_commands.command(
        name="compare", description="Your own compound lifts after isolation work vs. first, with sample sizes."
    )
    @app_commands.describe(exercise="One compound lift (optional; default: all you've done)")
    @app_commands.checks.cooldown(1, CHART_COOLDOWN_S, key=lambda i: i.user.id)
    async def compare(
        self, interaction: discord.Interaction[Any], exercise: app_commands.Range[str, 1, 100] | None = None
    ) -> None:
        """The member's n-of-1 comparison."""
        prefs = await self._begin(interaction)
        comparison = await self._insight.compare(interaction.user.id, exercise, unit=prefs.unit)
        await interaction.followup.send(
            embed=compare_embed(comparison), ephemeral=prefs.ephemeral, allowed_mentions=NO_MENTIONS
        )

    @progress.autocomplete("exercise")
    async def progress_autocomplete(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        """Catalog names and the member's own exercises, recent first (no "Custom: …" entry: nothing is created)."""
        choices = await self._logbook.autocomplete(interaction.user.id, current, limit=25)
        return [Choice(name=c.label[:100], value=c.value[:100]) for c in choices if not c.label.startswith("Custom: ")]

    @compare.autocomplete("exercise")
    async def compare_autocomplete(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        """Catalog compound lifts only: /compare is about compounds."""
        choices = await self._logbook.autocomplete(interaction.user.id, current, limit=25)
        catalog = self._insight.catalog
        compounds = [c for c in choices if c.value in catalog and catalog.get(c.value).is_compound]
        return [Choice(name=c.label[:100], value=c.value[:100]) for c in compounds][:25]
