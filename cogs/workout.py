"""/workout and the workout card: thin adapters over coach.workout.WorkoutService.

The card is a private message with buttons whose custom ids carry the owner, the workout and the card's
version (``wo:<action>:<owner>:<workout>:<version>``): they keep working after a restart (dynamic items),
only the owner may press them, and a press from an out-of-date card changes nothing. The Edit form is
answered by this cog's interaction listener, not by a Modal object in memory, so a form opened before a
restart still logs its set.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from coach.planner import Protocol
from coach.workout import (
    Action,
    Card,
    Press,
    SetEntry,
    StartRequest,
    WorkoutActiveError,
    WorkoutService,
)
from runtime import commandlog
from runtime.components import OwnedButton, bind, member_locale
from runtime.respond import Answer, answer
from runtime.text import safe
from runtime.tree import CoachView, report_error, send_ephemeral
from runtime.workout_card import card_embed, summary_embed, weight_label

Choice = app_commands.Choice
_IDS = r"(?P<owner>\d{1,20}):(?P<wid>\d{1,20}):(?P<ver>\d{1,9})"
CARD_TEMPLATE = r"wo:(?P<action>done|edit|skip|next|swap|undo|end|share|resume|back):" + _IDS
PICK_TEMPLATE = r"wo:pick:" + _IDS
FORM_PATTERN = re.compile(r"wo:form:" + _IDS)
_DAY = (
    r"(?P<day>lower|push|pull):(?P<protocol>pre-exhaust|traditional|alternate)"
    r":(?P<equipment>gym|dumbbells|bodyweight)"
)
START_TEMPLATE = r"plan:start:" + _DAY + r":(?P<week>\d{1,2})"
FRESH_TEMPLATE = r"wo:fresh:(?P<owner>\d{1,20}):(?P<wid>\d{1,20}):" + _DAY + r":(?P<week>\d{1,2})"
# An Edit form left open this long is forgotten by discord.py; its submit is still answered (see above).
FORM_TIMEOUT_S = 900.0
NOT_YOURS_FORM = "That form isn't yours."


# --------------------------------------------------------------------------------------- the card's parts


class CardButton(OwnedButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=CARD_TEMPLATE):
    """One of the card's buttons, for its owner."""

    cog: WorkoutCog

    def __init__(self, action: str, owner_id: int, workout_id: int, version: int, **style: Any) -> None:
        super().__init__(discord.ui.Button(custom_id=f"wo:{action}:{owner_id}:{workout_id}:{version}", **style))
        self.action, self.owner_id, self.workout_id, self.version = action, owner_id, workout_id, version

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CardButton:
        """Rebuild the button from its custom id."""
        return cls(match["action"], int(match["owner"]), int(match["wid"]), int(match["ver"]))

    async def act(self, interaction: discord.Interaction[Any]) -> None:
        """What the button does, by action."""
        await self.cog.card_action(interaction, self.action, self.workout_id, self.version)


class SwapSelect(OwnedButton, discord.ui.DynamicItem[discord.ui.Select[Any]], template=PICK_TEMPLATE):
    """The substitutes for the card's current exercise."""

    cog: WorkoutCog

    def __init__(
        self, owner_id: int, workout_id: int, version: int, options: list[discord.SelectOption] | None = None
    ) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"wo:pick:{owner_id}:{workout_id}:{version}",
                placeholder="Swap in…",
                options=options or [discord.SelectOption(label="-", value="-")],
            )
        )
        self.owner_id, self.workout_id, self.version = owner_id, workout_id, version

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SwapSelect:
        """Rebuild the menu from its custom id."""
        return cls(int(match["owner"]), int(match["wid"]), int(match["ver"]))

    async def act(self, interaction: discord.Interaction[Any]) -> None:
        """Swap the picked exercise in."""
        data: dict[str, Any] = dict(interaction.data or {})
        values = data.get("values") or []
        picked = str(values[0]) if values else None
        await self.cog.press(interaction, Action.SWAP, self.workout_id, self.version, exercise_id=picked)


class StartButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=START_TEMPLATE):
    """Under a /plan day: anyone may press it and gets their own workout card for that day."""

    cog: WorkoutCog

    def __init__(self, day: str, protocol: str, equipment: str, week: int, *, label: str = "Start workout") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.success,
                emoji="🏋️",
                custom_id=f"plan:start:{day}:{protocol}:{equipment}:{week}",
            )
        )
        self.day, self.protocol, self.equipment, self.week = day, protocol, equipment, week

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StartButton:
        """Rebuild the button from its custom id."""
        return cls(match["day"], match["protocol"], match["equipment"], int(match["week"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Start the presser's workout; failures take the commands' error path."""
        async with commandlog.logged(interaction, type(self).__name__, kind="component"):
            try:
                await self.cog.start(interaction, self.day, self.protocol, self.equipment, self.week)
            except Exception as error:
                await report_error(interaction, error)


class FreshButton(OwnedButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=FRESH_TEMPLATE):
    """ "End it and start …" when a workout is still open."""

    cog: WorkoutCog

    def __init__(self, owner_id: int, replacing: int, day: str, protocol: str, equipment: str, week: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"End it, start {day}",
                style=discord.ButtonStyle.danger,
                # The open workout it ends: pressed later, when another one is open, it asks again instead.
                custom_id=f"wo:fresh:{owner_id}:{replacing}:{day}:{protocol}:{equipment}:{week}",
            )
        )
        self.owner_id, self.replacing = owner_id, replacing
        self.day, self.protocol, self.equipment, self.week = day, protocol, equipment, week

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FreshButton:
        """Rebuild the button from its custom id."""
        return cls(
            int(match["owner"]), int(match["wid"]), match["day"], match["protocol"], match["equipment"],
            int(match["week"]),
        )  # fmt: skip

    async def act(self, interaction: discord.Interaction[Any]) -> None:
        """End the open workout and start the new one in its place."""
        await self.cog.start(interaction, self.day, self.protocol, self.equipment, self.week, replacing=self.replacing)


class SetForm(discord.ui.Modal):
    """The Edit form: what the member actually did, pre-filled with the target."""

    def __init__(self, custom_id: str, title: str, weight_label: str, weight: str, reps: str) -> None:
        super().__init__(title=title[:45], custom_id=custom_id, timeout=FORM_TIMEOUT_S)
        text = discord.ui.TextInput[SetForm]
        self.add_item(text(label=weight_label[:45], custom_id="weight", default=weight or None, max_length=10))
        self.add_item(text(label="Reps", custom_id="reps", default=reps or None, max_length=3))
        self.add_item(
            text(label="RPE (optional)", custom_id="rpe", required=False, placeholder="1–10, e.g. 8.5", max_length=4)
        )
        self.add_item(
            text(
                label="Kind (optional)",
                custom_id="kind",
                required=False,
                placeholder="working (default), warmup, drop or failure",
                max_length=8,
            )
        )
        self.add_item(text(label="Note (optional)", custom_id="note", required=False, max_length=200))

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        """Answered by ``WorkoutCog.on_form`` (which also answers forms opened before a restart)."""


def form_values(data: Any) -> dict[str, str]:
    """The text fields of a submitted form by custom id, at any nesting (action rows or labels)."""
    found: dict[str, str] = {}
    stack = list((data or {}).get("components") or [])
    while stack:
        component = stack.pop()
        if not isinstance(component, dict):
            continue
        if component.get("type") == 4 and "custom_id" in component:
            found[str(component["custom_id"])] = str(component.get("value") or "")
        stack.extend(component.get("components") or [])
        if isinstance(component.get("component"), dict):
            stack.append(component["component"])
    return found


# --------------------------------------------------------------------------------------- the cog


class WorkoutCog(commands.Cog):
    """Guided workouts: the card, its buttons and /workout."""

    workout = app_commands.Group(name="workout", description="Train a planned day with one tap per set.")

    def __init__(
        self, bot: commands.Bot | commands.AutoShardedBot, workouts: WorkoutService, *, clock: Callable[[], datetime]
    ) -> None:
        self._bot = bot
        self._workouts = workouts
        self._clock = clock
        self._card = bind(CardButton, CARD_TEMPLATE, cog=self)
        self._pick = bind(SwapSelect, PICK_TEMPLATE, cog=self)
        self._fresh = bind(FreshButton, FRESH_TEMPLATE, cog=self)
        # Public: the plan cog puts it under every /plan day.
        self.start_button = bind(StartButton, START_TEMPLATE, cog=self)

    async def cog_load(self) -> None:
        """Register the card's parts and the Start button, so cards and plans sent before a restart work."""
        self._bot.add_dynamic_items(self._card, self._pick, self._fresh, self.start_button)

    async def cog_unload(self) -> None:
        """Unregister them."""
        self._bot.remove_dynamic_items(self._card, self._pick, self._fresh, self.start_button)

    # ----------------------------------------------------------------- rendering

    def render(self, card: Card, owner: int) -> Answer:
        """The card (or, once ended, its summary) with its buttons, privately."""
        if card.summary is not None:
            return Answer(embed=summary_embed(card.summary), view=self._view(card, owner))
        return Answer(embed=card_embed(card), view=self._view(card, owner))

    def _view(self, card: Card, owner: int) -> CoachView:
        w = card.workout
        view = CoachView(timeout=None)

        def add(action: str, label: str, style: discord.ButtonStyle, row: int, **kw: Any) -> None:
            view.add_item(self._card(action, owner, w.workout_id, w.version, label=label, style=style, row=row, **kw))

        if w.ended:
            if card.summary is not None and card.summary.sets:
                add("share", "Share to channel", discord.ButtonStyle.primary, 0, emoji="📣")
            return view
        if not w.finished:
            add("done", "Done", discord.ButtonStyle.success, 0, emoji="✅", disabled=card.suggestion is None)
            add("edit", "Edit", discord.ButtonStyle.primary, 0, emoji="✏️")
            add("skip", "Skip set", discord.ButtonStyle.secondary, 0)
            add("next", "Next exercise", discord.ButtonStyle.secondary, 0, emoji="⏭️")
            add("swap", "Swap", discord.ButtonStyle.secondary, 1, emoji="🔁", disabled=not card.substitutes)
        add("undo", "Undo last", discord.ButtonStyle.secondary, 1, emoji="↩️", disabled=not w.steps)
        finish = discord.ButtonStyle.success if w.finished else discord.ButtonStyle.danger
        add("end", "End workout", finish, 1, emoji="🏁")
        return view

    def _swap_view(self, card: Card, owner: int) -> CoachView:
        w = card.workout
        options = [
            discord.SelectOption(label=e.name[:100], value=e.id, description=f"{e.mechanic} · {e.target_label}"[:100])
            for e in card.substitutes[:25]
        ]
        view = CoachView(timeout=None)
        view.add_item(self._pick(owner, w.workout_id, w.version, options))
        view.add_item(self._card("back", owner, w.workout_id, w.version, label="Back", row=1))
        return view

    # ----------------------------------------------------------------- actions

    def _press(self, interaction: discord.Interaction[Any], action: Action, wid: int, ver: int, **kw: Any) -> Press:
        return Press(
            member_id=interaction.user.id, workout_id=wid, version=ver, action=action, interaction_id=interaction.id,
            guild_id=interaction.guild_id, channel_id=interaction.channel_id, locale=member_locale(interaction), **kw,
        )  # fmt: skip

    async def press(self, interaction: discord.Interaction[Any], action: Action, wid: int, ver: int, **kw: Any) -> None:
        """Apply a press and show the card in place."""
        owner = interaction.user.id
        work = self._workouts.press(self._press(interaction, action, wid, ver, **kw))
        await answer(interaction, work, lambda card: self.render(card, owner), update=True)

    async def card_action(self, interaction: discord.Interaction[Any], action: str, wid: int, ver: int) -> None:
        """A card button: a press, the Edit form, the Swap menu, sharing, or showing the card again."""
        owner = interaction.user.id
        if action in ("resume", "back"):
            await answer(interaction, self._workouts.resume(owner), lambda card: self.render(card, owner), update=True)
        elif action == "edit":
            await self._open_form(interaction, wid, ver)
        elif action == "swap":
            card = await self._workouts.resume(owner)
            if card.workout.workout_id != wid or card.workout.version != ver or not card.substitutes:
                await interaction.response.edit_message(**self.render(card, owner).edit_kwargs())
                return
            answer_ = Answer(embed=card_embed(card), view=self._swap_view(card, owner))
            await interaction.response.edit_message(**answer_.edit_kwargs())
        elif action == "share":
            summary = await self._workouts.summary(owner, wid)
            who = safe(interaction.user.display_name)
            # Once: the private summary loses its Share button, then the summary goes to the channel.
            await interaction.response.edit_message(embed=summary_embed(summary), view=None)
            await interaction.followup.send(embed=summary_embed(summary, who=who), ephemeral=False)
        else:
            await self.press(interaction, Action(action), wid, ver)

    async def _open_form(self, interaction: discord.Interaction[Any], wid: int, ver: int) -> None:
        card = await self._workouts.resume(interaction.user.id)
        exercise, item = card.exercise, card.workout.current
        if exercise is None or item is None or card.workout.workout_id != wid or card.workout.version != ver:
            # A card that is behind: show where the member is, rather than a form whose set can't be logged.
            await interaction.response.edit_message(**self.render(card, interaction.user.id).edit_kwargs())
            return
        label = weight_label(exercise, card.workout.unit)
        weight = reps = ""
        if card.suggestion is not None:
            weight = f"{card.suggestion.weight:g}"
            reps = str(card.suggestion.reps)
        title = f"Set {min(card.workout.set_number, item.sets)} of {item.sets} · {exercise.name}"
        form = SetForm(f"wo:form:{interaction.user.id}:{wid}:{ver}", title, label, weight, reps)
        await interaction.response.send_modal(form)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """A submitted Edit form: log what the member typed (also for forms opened before a restart)."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        match = FORM_PATTERN.fullmatch(str(data.get("custom_id", "")))
        if match is None:
            return
        async with commandlog.logged(interaction, "SetForm", kind="component"):
            if interaction.user.id != int(match["owner"]):
                commandlog.mark(interaction, "refused")
                await send_ephemeral(interaction, NOT_YOURS_FORM)
                return
            values = form_values(interaction.data)
            entry = SetEntry(
                weight=values.get("weight"), reps=values.get("reps"), rpe=values.get("rpe") or None,
                kind=(values.get("kind") or "").strip().lower() or None, note=values.get("note") or None,
            )  # fmt: skip
            try:
                await self.press(interaction, Action.EDIT, int(match["wid"]), int(match["ver"]), entry=entry)
            except Exception as error:
                await report_error(interaction, error)

    async def start(
        self,
        interaction: discord.Interaction[Any],
        day: str,
        protocol: str,
        equipment: str,
        week: int,
        *,
        replacing: int | None = None,
    ) -> None:
        """Start the member's workout and show its card privately (or ask about the one still open)."""
        owner = interaction.user.id
        request = StartRequest(
            member_id=owner, day=day, protocol=protocol, equipment=equipment, week=week,
            interaction_id=interaction.id, guild_id=interaction.guild_id, channel_id=interaction.channel_id,
            locale=member_locale(interaction),
        )  # fmt: skip

        async def work() -> Card | WorkoutActiveError:
            try:
                return await self._workouts.start(request, replacing=replacing)
            except WorkoutActiveError as open_one:
                return open_one

        def render(result: Card | WorkoutActiveError) -> Answer:
            if isinstance(result, WorkoutActiveError):
                view = CoachView(timeout=None)
                w = result.card.workout
                resume = discord.ButtonStyle.success
                view.add_item(self._card("resume", owner, w.workout_id, w.version, label="Resume it", style=resume))
                view.add_item(self._fresh(owner, w.workout_id, day, protocol, equipment, week))
                return Answer(content=result.message, view=view)
            return self.render(result, owner)

        # From the "already open" question the answer replaces it; from a plan or a command it's a new card.
        await answer(interaction, work(), render, update=replacing is not None)

    # ----------------------------------------------------------------- /workout

    @workout.command(name="start", description="Start a planned day as a workout card: one tap per set.")
    @app_commands.describe(
        day="Which day: lower, push or pull",
        protocol="Exercise order: pre-exhaust (isolation first, default), traditional, or alternate",
        equipment="What you have: a full gym (default), dumbbells only, or bodyweight only",
    )
    @app_commands.choices(
        day=[Choice(name=n, value=n) for n in ("lower", "push", "pull")],
        protocol=[Choice(name=p.value, value=p.value) for p in Protocol],
        equipment=[Choice(name=e, value=e) for e in ("gym", "dumbbells", "bodyweight")],
    )
    async def workout_start(
        self,
        interaction: discord.Interaction[Any],
        day: Choice[str],
        protocol: Choice[str] | None = None,
        equipment: Choice[str] | None = None,
    ) -> None:
        """Start a workout (privately)."""
        week = self._clock().isocalendar().week % 100
        await self.start(
            interaction,
            day.value,
            protocol.value if protocol else Protocol.PRE_EXHAUST.value,
            equipment.value if equipment else "gym",
            week,
        )

    @workout.command(name="resume", description="Show your open workout's card again (e.g. on another device).")
    async def workout_resume(self, interaction: discord.Interaction[Any]) -> None:
        """The open workout's card, privately."""
        owner = interaction.user.id
        await answer(interaction, self._workouts.resume(owner), lambda card: self.render(card, owner))

    @workout.command(name="end", description="End your open workout and see its summary.")
    async def workout_end(self, interaction: discord.Interaction[Any]) -> None:
        """End the open workout, privately, with the summary."""
        owner = interaction.user.id
        await answer(interaction, self._workouts.end_open(owner), lambda card: self.render(card, owner))
