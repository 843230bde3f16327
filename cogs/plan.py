"""/plan: a thin adapter from slash-command options to the planner and back to embeds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from coach.planner import CAVEAT, WHY_THIS_ORDER, DayPlan, Plan, Planner, Protocol
from cogs.insight import my_numbers_view
from runtime.tree import NO_MENTIONS

PROTOCOL_COLOURS = {Protocol.PRE_EXHAUST: discord.Colour.orange(), Protocol.TRADITIONAL: discord.Colour.blurple()}
Choice = app_commands.Choice


def day_embed(day: DayPlan, *, alternating: bool) -> discord.Embed:
    """One training day as an embed a member can follow at the gym."""
    lines = []
    for number, item in enumerate(day.items, start=1):
        ex = item.exercise
        lines.append(f"**{number}. {ex.name}** — {item.prescription} · `{ex.mechanic}` · {ex.target_label}")
        if item.replaces is not None:
            lines.append(f"  ↳ instead of {item.replaces.name} (needs equipment you don't have)")
    for gap in day.missing:
        lines.append(f"⚠️ {gap.reason}")
    protocol = f"{day.protocol}" + (" (alternating week)" if alternating else "")
    header = f"**Protocol:** {protocol} · **Equipment:** {day.equipment}"
    embed = discord.Embed(
        title=f"{day.weekday} · {day.title}",
        description=header + "\n\n" + "\n".join(lines),
        colour=PROTOCOL_COLOURS[day.protocol],
    )
    embed.add_field(name="Why this order", value=WHY_THIS_ORDER[day.protocol], inline=False)
    embed.set_footer(text=CAVEAT)
    return embed


def plan_embeds(plan: Plan) -> list[discord.Embed]:
    """All embeds for a plan: one per day."""
    return [day_embed(day, alternating=plan.protocol is Protocol.ALTERNATE) for day in plan.days]


class PlanCog(commands.Cog):
    """Training plans built from the exercise catalog."""

    def __init__(self, planner: Planner, *, clock: Callable[[], datetime]) -> None:
        self._planner = planner
        self._clock = clock

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
        await interaction.response.send_message(
            embeds=plan_embeds(plan), view=my_numbers_view(plan, week), allowed_mentions=NO_MENTIONS
        )
