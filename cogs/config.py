"""/config: server settings, for members with Manage Server only (checked bot-side too)."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from coach.community import CommunityService, GuildSchedule
from coach.errors import CoachError
from coach.guild_config import GuildConfig, GuildConfigService
from coach.schedule import format_clock, timezone_names
from runtime.components import on_off
from runtime.respond import Answer, answer

Choice = app_commands.Choice


def describe_config(config: GuildConfig, *, message_content: bool) -> str:
    """The server's evidence-reply setting in one or two sentences."""
    if not config.evidence_replies:
        text = "Evidence replies are **off**: I answer “does pre-exhaust work?” only when someone mentions me."
    else:
        where = f"<#{config.evidence_channel_id}>" if config.evidence_channel_id else "every channel I can read"
        text = f"Evidence replies are **on** in {where}: I answer “does pre-exhaust work?” without a mention."
        if not message_content:
            text += (
                "\n⚠️ This bot runs without Discord's message content intent, so it can't read messages that don't "
                "mention it. Ask its operator to enable the intent and set `MESSAGE_CONTENT_INTENT=true`."
            )
    return text + " A per-channel cooldown keeps it to one reply a minute."


def describe_schedule(schedule: GuildSchedule) -> str:
    """The server's plan-of-the-day and recap settings in a few lines."""
    if not schedule.posts:
        text = (
            "Plan of the day: **off**. Set `plan_channel` (and `plan_time`, `timezone`, `week`) to post the day's "
            "plan with its Start workout button on training days."
        )
    else:
        text = (
            f"Plan of the day: **on** in <#{schedule.channel_id}> at **{format_clock(schedule.plan_time)}** "
            f"{schedule.tz.key} on {schedule.week.describe()}."
        )
    recap = (
        f"**on**, Sundays at {format_clock(schedule.recap_time)} {schedule.tz.key}, members who opted in only"
        if schedule.recap
        else "**off**"
    )
    return f"{text}\nWeekly recap: {recap}."


class ConfigCog(commands.Cog):
    """Server-level settings."""

    def __init__(self, guild_config: GuildConfigService, community: CommunityService, *, message_content: bool) -> None:
        self._guild_config = guild_config
        self._community = community
        self._message_content = message_content

    @app_commands.command(name="config", description="Server settings for Pre-Exhaust Coach (needs Manage Server).")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.describe(
        evidence_replies="Answer “does pre-exhaust work?” questions without being mentioned: on or off",
        channel="Only answer unprompted in this channel (default: every channel)",
        plan_channel="Post the plan of the day (with Start workout) here on training days",
        plan_posts="Turn the plan of the day (and the recap) off: off",
        plan_time="When to post it, server time, HH:MM (default 07:00)",
        timezone="The server's time zone, e.g. Europe/London (default UTC)",
        week="Training days, e.g. mon:lower tue:push wed:pull (default), or twice for Mon–Sat",
        recap="Post a weekly recap on Sundays in the plan channel: on or off (opted-in members only)",
        recap_time="When the recap is posted on Sundays, server time, HH:MM (default 18:00)",
    )
    @app_commands.choices(
        evidence_replies=on_off(),
        plan_posts=[Choice(name="off", value="off")],
        recap=on_off(),
    )
    async def config(
        self,
        interaction: discord.Interaction[Any],
        evidence_replies: Choice[str] | None = None,
        channel: discord.TextChannel | None = None,
        plan_channel: discord.TextChannel | None = None,
        plan_posts: Choice[str] | None = None,
        plan_time: app_commands.Range[str, 1, 8] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        week: app_commands.Range[str, 1, 100] | None = None,
        recap: Choice[str] | None = None,
        recap_time: app_commands.Range[str, 1, 8] | None = None,
    ) -> None:
        """Show or change the server's settings; the reply is private."""
        guild_id = interaction.guild_id
        if guild_id is None:
            raise CoachError("That only works in a server, not in DMs.")
        if evidence_replies is None and channel is not None:
            raise CoachError("Pick `evidence_replies: on` together with a channel.")
        if evidence_replies is not None and channel is not None and evidence_replies.value != "on":
            raise CoachError("A channel only applies when evidence replies are on.")
        if plan_channel is not None and plan_posts is not None:
            raise CoachError("Give either a plan channel or `plan_posts: off`, not both.")
        schedule_options = (plan_channel, plan_posts, plan_time, timezone, week, recap, recap_time)

        async def work() -> str:
            # The schedule first: its values are checked and saved in one transaction, so a refused one leaves
            # the evidence setting unchanged too.
            if any(option is not None for option in schedule_options):
                schedule = await self._community.configure(
                    guild_id,
                    channel_id=plan_channel.id if plan_channel is not None else None,
                    posts_off=plan_posts is not None,
                    plan_time=plan_time,
                    timezone=timezone,
                    week=week,
                    recap=None if recap is None else recap.value == "on",
                    recap_time=recap_time,
                )
            else:
                schedule = await self._community.schedule(guild_id)
            if evidence_replies is None:
                config = await self._guild_config.get(guild_id)
            else:
                config = await self._guild_config.set_evidence_replies(
                    guild_id, evidence_replies.value == "on", channel.id if channel is not None else None
                )
            evidence = describe_config(config, message_content=self._message_content)
            return f"{evidence}\n{describe_schedule(schedule)}"

        await answer(interaction, work(), lambda text: Answer(content=text))

    @config.autocomplete("timezone")
    async def timezone_autocomplete(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        """IANA time zones containing what was typed (at most 25)."""
        return [Choice(name=name, value=name) for name in timezone_names(current)]

    @config.autocomplete("week")
    async def week_autocomplete(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        """The seed's week, twice a week, or what was typed."""
        options = [
            Choice(name="Mon lower · Tue push · Wed pull (the seed's week)", value="mon:lower tue:push wed:pull"),
            Choice(name="Mon–Sat: lower, push, pull twice", value="twice"),
        ]
        if current.strip():
            options.insert(0, Choice(name=current[:100], value=current[:100]))
        return options
