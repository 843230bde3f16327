"""/plan and its "My numbers" button: thin adapters over the planner and coach.insight.

"My numbers" is a dynamic item (it keeps working after a restart): anyone reading a plan may press it
and privately sees their own last sets and today's targets for that day.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from coach.insight import InsightService, describe_sets
from coach.insight_results import Condition, MyNumbers
from coach.planner import CAVEAT, DayPlan, Plan, Planner, Protocol
from runtime import commandlog
from runtime.components import bind, member_locale
from runtime.respond import Answer, answer
from runtime.tree import NO_MENTIONS, CoachView, report_error

PROTOCOL_COLOURS = {Protocol.PRE_EXHAUST: discord.Colour.orange(), Protocol.TRADITIONAL: discord.Colour.blurple()}
Choice = app_commands.Choice
# The workout cog's Start button (a dynamic item built from day, protocol, equipment and week).
StartButtonType = Callable[..., discord.ui.DynamicItem[discord.ui.Button[Any]]]
MY_NUMBERS_TEMPLATE = (
    r"plan:mine:(?P<day>lower|push|pull):(?P<protocol>pre-exhaust|traditional|alternate)"
    r":(?P<equipment>gym|dumbbells|bodyweight):(?P<week>\d{1,2})"
)
# Seconds to wait for the member's settings before answering in their locale's unit.
PREFERENCES_TIMEOUT_S = 1.0


def day_embed(day: DayPlan, *, alternating: bool) -> discord.Embed:
    """One training day as an embed a member can follow at the gym."""
    lines = []
    for number, item in enumerate(day.items, start=1):
        ex = item.exercise
        lines.append(f"**{number}. {ex.name}** — {item.prescription} · `{ex.mechanic}` · {ex.target_label}")
        if item.replaces is not None:
            lines.append(f"  ↳ instead of {item.replaces.name} (needs equipment you don't have)")
    lines.extend(f"⚠️ {gap.reason}" for gap in day.missing)
    protocol = f"{day.protocol}" + (" (alternating week)" if alternating else "")
    header = f"**Protocol:** {protocol} · **Equipment:** {day.equipment}"
    embed = discord.Embed(
        title=f"{day.weekday} · {day.title}",
        description=header + "\n\n" + "\n".join(lines),
        colour=PROTOCOL_COLOURS[day.protocol],
    )
    embed.add_field(name="Why this order", value=day.why_this_order, inline=False)
    embed.set_footer(text=CAVEAT)
    return embed


def plan_embeds(plan: Plan) -> list[discord.Embed]:
    """All embeds for a plan: one per day."""
    return [day_embed(day, alternating=plan.protocol is Protocol.ALTERNATE) for day in plan.days]


# --------------------------------------------------------------------------------------- "My numbers"


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


class MyNumbersButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=MY_NUMBERS_TEMPLATE):
    """Under a /plan reply: anyone may press it and privately sees their *own* numbers for that day."""

    insight: InsightService
    planner: Planner

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
            # The same day the plan showed: the week is in the custom id, so "alternate" resolves identically.
            day = self.planner.plan_day(self.day, Protocol(self.protocol), self.equipment, week_index=self.week)
            prefs = await self.insight.preferences_within(
                interaction.user.id, member_locale(interaction), PREFERENCES_TIMEOUT_S
            )
            await answer(
                interaction,
                self.insight.my_numbers(interaction.user.id, day, unit=prefs.unit),
                lambda numbers: Answer(embed=my_numbers_embed(numbers)),
            )
        except Exception as error:
            await report_error(interaction, error)


def my_numbers_view(
    button: type[MyNumbersButton], plan: Plan, week_index: int, start: StartButtonType | None = None
) -> CoachView:
    """Per planned day a "Start workout" button (when the workout cog is loaded) and a "My numbers" button,
    labelled by day when the plan is a whole week."""
    view = CoachView(timeout=None)
    week = len(plan.days) > 1
    for row, day in enumerate(plan.days):
        args = (day.day, plan.protocol.value, plan.equipment, week_index % 100)
        if start is not None and day.items:
            item = start(*args, label="Start workout" if not week else f"Start {day.day}")
            item.item.row = row
            view.add_item(item)
        mine = button(*args, label="My numbers" if not week else f"My numbers · {day.day}")
        mine.item.row = row
        view.add_item(mine)
    return view


class PlanCog(commands.Cog):
    """Training plans built from the exercise catalog."""

    def __init__(
        self,
        bot: commands.Bot | commands.AutoShardedBot,
        planner: Planner,
        insight: InsightService,
        *,
        clock: Callable[[], datetime],
        start_button: StartButtonType | None = None,
    ) -> None:
        self._bot = bot
        self._planner = planner
        self._clock = clock
        self._start = start_button
        self._my_numbers = bind(MyNumbersButton, MY_NUMBERS_TEMPLATE, insight=insight, planner=planner)

    def plan_message(self, day: str, week_index: int) -> tuple[list[discord.Embed], CoachView]:
        """A pre-exhaust day with a full gym as /plan posts it, buttons included (the plan of the day)."""
        plan = self._planner.plan(day, Protocol.PRE_EXHAUST, "gym", week_index=week_index)
        return plan_embeds(plan), my_numbers_view(self._my_numbers, plan, week_index, self._start)

    async def cog_load(self) -> None:
        """Register "My numbers", so the button under older plans keeps working after a restart."""
        self._bot.add_dynamic_items(self._my_numbers)

    async def cog_unload(self) -> None:
        """Unregister the button."""
        self._bot.remove_dynamic_items(self._my_numbers)

    @app_commands.command(name="plan", description="A pre-exhaust training day (or week), ordered and prescribed.")
    @app_commands.describe(
        day="Which day: lower, push, pull, or the whole week (Mon lower, Tue push, Wed pull)",
        protocol="Exercise order: pre-exhaust (isolation first, default), traditional, or alternate",
        equipment="What you have: a full gym (default), dumbbells only, or bodyweight only",
    )
    @app_commands.choices(
        day=[Choice(name=n, value=n) for n in ("lower", "push", "pull", "week")],
        protocol=[Choice(name=p.value, value=p.value) for p in Protocol],
        equipment=[Choice(name=e, value=e) for e in ("gym", "dumbbells", "bodyweight")],
    )
    async def plan(
        self,
        interaction: discord.Interaction[Any],
        day: Choice[str],
        protocol: Choice[str] | None = None,
        equipment: Choice[str] | None = None,
    ) -> None:
        """Post the ordered day(s) publicly."""
        week = self._clock().isocalendar().week
        plan = self._planner.plan(
            day.value,
            protocol.value if protocol else Protocol.PRE_EXHAUST,
            equipment.value if equipment else "gym",
            week_index=week,
        )
        # "My numbers": anyone reading the plan can privately see their own last sets and today's targets.
        view = my_numbers_view(self._my_numbers, plan, week, self._start)
        await interaction.response.send_message(embeds=plan_embeds(plan), view=view, allowed_mentions=NO_MENTIONS)
