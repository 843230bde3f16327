"""The server's schedule in Discord: the plan of the day and the weekly recap posted on time, training-day
reminder DMs, and /recap. A thin adapter over coach.community.CommunityService.

A ``discord.ext.tasks`` loop ticks every ``SCHEDULE_TICK_SECONDS``; each tick asks the service what is due
for the servers this process serves (its shards' guilds), claims each post in the database, then posts it.
The claim makes a post happen once: another process, a restart or the next tick finds it taken. A post that
failed for a reason that may pass (Discord 5xx, a network error) gives its claim back and is tried again;
one that can't be made (the channel is gone, the bot may not post there) is logged and not retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands, tasks

from coach.community import PLAN, REMINDER, CommunityService, DuePost, DueReminder, Recap
from coach.errors import CoachError
from coach.schedule import WEEKDAY_NAMES, format_clock
from runtime.respond import Answer, answer
from runtime.tree import NO_MENTIONS

log = logging.getLogger(__name__)

# /recap per member: at most once in this many seconds.
RECAP_COOLDOWN_S = 10.0
# Longest a closing bot waits for a tick in progress to stop.
UNLOAD_WAIT_S = 5.0
# A scheduled post's key: the server (or member, for a reminder), the kind and the local date.
Claim = tuple[int, str, date]
# The plan of a day as /plan posts it (embeds and the Start workout / My numbers buttons), from the plan cog.
PlanMessage = Callable[[str, int], tuple[list[discord.Embed], discord.ui.View]]
REMINDERS_OFF = (
    "ℹ️ Your training-day reminders are **off**: I couldn't send you a DM (your DMs may be closed to this "
    "server's members). Open them and turn reminders back on with `/settings reminder:HH:MM`."
)


def recap_embed(recap: Recap) -> discord.Embed:
    """The weekly recap: opted-in members' consistency, and their totals. No weights, no leaderboard of loads."""
    lines = []
    for member in recap.members:
        line = f"<@{member.member_id}> — {member.streak.describe()}"
        line += f" · {member.hard_sets} sets"
        if member.pre_pairs:
            line += f" · {member.pre_pairs} 🔥"
        if member.prs:
            line += f" · {member.prs} PR" + ("s" if member.prs != 1 else "")
        lines.append(line)
    if not lines:
        lines.append("No member who logs sets here has turned on `/settings recap:on` yet, so there is no one to show.")
    embed = discord.Embed(
        title=f"📊 Weekly recap — week of {recap.week_of:%a %d %b}",
        description="\n".join(lines)[:4096],
        colour=discord.Colour.teal(),
    )
    if recap.members:
        embed.add_field(
            name="Together",
            value=f"{recap.hard_sets} sets · {recap.pre_pairs} 🔥 pre-exhaust pairs · {recap.prs} PRs",
            inline=False,
        )
    embed.set_footer(
        text="Consistency, not loads: sessions against each member's weekly target and weeks in a row that met "
        "it. Only members who turned on /settings recap:on appear or count."
    )
    return embed


class ScheduleCog(commands.Cog):
    """Scheduled posts, reminders and /recap."""

    def __init__(
        self,
        bot: commands.Bot | commands.AutoShardedBot,
        community: CommunityService,
        plan_message: PlanMessage,
        *,
        clock: Callable[[], datetime],
        tick_seconds: float,
    ) -> None:
        self._bot = bot
        self._community = community
        self._plan_message = plan_message
        self._clock = clock
        self._tick_seconds = tick_seconds
        # Members whose reminders went off since they last used a command (refreshed every tick).
        self._to_tell: set[int] = set()
        # Posts this process has claimed or found claimed: later ticks skip them without a database write.
        self._handled: set[Claim] = set()

    async def cog_load(self) -> None:
        """Start ticking (after the gateway is ready, see ``_before``)."""
        self.ticker.change_interval(seconds=self._tick_seconds)
        self.ticker.start()

    async def cog_unload(self) -> None:
        """Stop ticking, and wait for a tick in progress to unwind while the database is still open (the bot
        closes its storage and engine right after its cogs)."""
        self.ticker.cancel()
        task = self.ticker.get_task()
        if task is not None and not task.done():
            await asyncio.wait({task}, timeout=UNLOAD_WAIT_S)

    @tasks.loop(seconds=30)
    async def ticker(self) -> None:
        """One tick; a failure is logged and the loop carries on."""
        try:
            await self.tick()
        except Exception:
            log.exception("schedule tick failed")

    @ticker.before_loop
    async def _before(self) -> None:
        await self._bot.wait_until_ready()

    async def tick(self) -> int:
        """Post what is due now for this process's servers; returns how many posts and reminders went out."""
        now = self._clock()
        owned = {guild.id for guild in self._bot.guilds}
        sent = 0
        for post in await self._community.due(now, owned):
            sent += await self._post(post)
        for reminder in await self._community.reminders_due(now, owned):
            sent += await self._remind(reminder)
        self._to_tell = await self._community.failed_reminders()
        return sent

    async def _post(self, post: DuePost) -> int:
        key = (post.guild_id, post.kind, post.due.local_date)
        if key in self._handled:
            return 0
        # The message is built before the claim: a failure here (the database, a bug) leaves nothing claimed.
        if post.kind == PLAN and post.day is not None:
            embeds, view = self._plan_message(post.day, post.due.local_date.isocalendar().week)
            message: dict[str, Any] = {"content": self._plan_header(post), "embeds": embeds, "view": view}
        else:
            message = {"embed": recap_embed(await self._community.recap(post.guild_id))}
        if not await self._claim(key, late=post.due.late):
            return 0
        sent = await self._send(key, post.channel_id, message)
        if sent is None:
            return 0
        await self._community.posted(post.guild_id, post.kind, post.due.local_date, sent.id)
        log.info(
            "posted the %s for guild %s (%s, late: %s)", post.kind, post.guild_id, post.due.local_date, post.due.late
        )
        return 1

    async def _send(self, key: Claim, channel_id: int, message: dict[str, Any]) -> discord.Message | None:
        """Send a claimed post; on a failure that may pass the claim goes back (tried next tick), else it stays."""
        target, kind, _ = key
        try:
            channel = self._bot.get_channel(channel_id) or await self._bot.fetch_channel(channel_id)
            if not isinstance(channel, discord.abc.Messageable):
                log.warning("scheduled %s for %s: channel %s can't take messages", kind, target, channel_id)
                return None
            return await channel.send(**message, allowed_mentions=NO_MENTIONS)
        except (discord.Forbidden, discord.NotFound):
            log.warning("scheduled %s for %s can't be posted in channel %s; not retried", kind, target, channel_id)
        except (discord.DiscordServerError, aiohttp.ClientConnectionError):
            log.warning("scheduled %s for %s failed (Discord or the network); trying again next tick", kind, target)
            await self._give_back(key)
        except TimeoutError:
            # Discord may have taken it: trying again could post it twice, which is worse than once late.
            log.warning("scheduled %s for %s timed out and may have been posted; not retried", kind, target)
        except discord.HTTPException as refused:
            log.warning("Discord refused the scheduled %s for %s (%s); not retried", kind, target, refused.status)
        except Exception:
            log.exception("scheduled %s for %s failed unexpectedly; trying again next tick", kind, target)
            await self._give_back(key)
        return None

    async def _claim(self, key: Claim, *, late: bool) -> bool:
        """Claim a post in the database; either way later ticks of this process skip it without a write."""
        claimed = await self._community.claim(*key, late=late)
        self._handled.add(key)
        return claimed

    async def _give_back(self, key: Claim) -> None:
        target, kind, local_date = key
        await self._community.release(target, kind, local_date)
        self._handled.discard(key)

    def _plan_header(self, post: DuePost) -> str:
        weekday = WEEKDAY_NAMES[post.due.local_date.weekday()]
        text = f"🗓️ **Plan of the day — {weekday}: {post.day}.** Press **Start workout** for your own card."
        if post.due.late:
            text += f"\n⏰ Posted late: I was offline at {format_clock(post.due.scheduled.time())}."
        return text

    async def _remind(self, reminder: DueReminder) -> int:
        key = (reminder.member_id, REMINDER, reminder.due.local_date)
        if key in self._handled:
            return 0
        embeds, view = self._plan_message(reminder.day, reminder.due.local_date.isocalendar().week)
        if not await self._claim(key, late=reminder.due.late):
            return 0
        try:
            user = self._bot.get_user(reminder.member_id) or await self._bot.fetch_user(reminder.member_id)
            await user.send(
                content=f"💪 **{reminder.day.title()} day today** — your plan, with its Start workout button:",
                embeds=embeds[:1],
                view=view,
                allowed_mentions=NO_MENTIONS,
            )
        except discord.Forbidden:
            # DMs closed: once, quietly. Reminders go off and the member hears why at their next command.
            log.info("reminder DM to user %s refused; reminders switched off", reminder.member_id)
            await self._community.reminder_failed(reminder.member_id)
            return 0
        except (discord.DiscordServerError, aiohttp.ClientConnectionError):
            await self._give_back(key)
            return 0
        except (discord.HTTPException, TimeoutError):
            log.warning("reminder DM to user %s failed; not retried today", reminder.member_id)
            return 0
        return 1

    @commands.Cog.listener()
    async def on_app_command_completion(self, interaction: discord.Interaction[Any], command: Any) -> None:
        """After a command of a member whose reminders went off: tell them once, privately."""
        member = interaction.user.id
        if member not in self._to_tell or not interaction.response.is_done():
            return
        self._to_tell.discard(member)
        try:
            await interaction.followup.send(REMINDERS_OFF, ephemeral=True, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            self._to_tell.add(member)  # next command, then
            return
        await self._community.told(member)

    @app_commands.command(name="recap", description="This week in this server: consistency of members who share it.")
    @app_commands.guild_only()
    # It replays each opted-in member's history: once per member per RECAP_COOLDOWN_S, like the charts.
    @app_commands.checks.cooldown(1, RECAP_COOLDOWN_S, key=lambda i: i.user.id)
    async def recap(self, interaction: discord.Interaction[Any]) -> None:
        """The current week's recap, privately."""
        guild_id = interaction.guild_id
        if guild_id is None:
            # guild_only only hides the command in DMs; a forged or stale payload still gets an answer.
            raise CoachError("That only works in a server, not in DMs.")
        await answer(interaction, self._community.recap(guild_id), lambda r: Answer(embed=recap_embed(r)))
