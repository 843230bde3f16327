"""The bot object: owns its resources, wires services into cogs, syncs commands when they change."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import discord
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from catalog import Catalog
from coach.community import CommunityService
from coach.cooldown import Cooldown
from coach.evidence import EvidenceBase, EvidenceMatcher
from coach.exercise_search import ExerciseIndex
from coach.guild_config import GuildConfigService
from coach.importer import ImportService, parser_process
from coach.insight import InsightService
from coach.logbook import LogbookService
from coach.planner import Planner
from coach.settings import Settings
from coach.storage import Storage
from coach.workout import WorkoutService
from runtime.attachments import AttachmentFetcher
from runtime.respond import UnhandledComponents
from runtime.sync import SyncState, fingerprint, scope_key
from runtime.tree import NO_MENTIONS, CoachTree
from runtime.watchdog import LoopWatchdog

log = logging.getLogger(__name__)

# One unprompted evidence answer per channel per minute stops a flood of identical replies.
EVIDENCE_REPLY_COOLDOWN_S = 60.0
# A member's mentions: one full answer per this many seconds (then one short "asked a moment ago").
MENTION_COOLDOWN_S = 10.0


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def freeze_startup_objects() -> None:
    """Take everything built at start-up out of the garbage collector's full scans (once per process).

    Start-up leaves ~160 000 objects that live as long as the process (catalog, cogs, discord.py,
    SQLAlchemy, matplotlib). Every full collection re-scanned them all with the event loop stopped:
    ~100 ms pauses, seen as /progress and /stats p99s and event-loop stalls in the benchmark
    (``python -m bench``). Frozen, a full collection takes ~10 ms.
    """
    if gc.get_freeze_count() == 0:
        gc.collect()  # garbage frozen now would never be freed
        gc.freeze()


class CoachBot(commands.AutoShardedBot):
    """Pre-Exhaust Coach. Everything it needs comes in through the constructor."""

    def __init__(
        self,
        *,
        settings: Settings,
        catalog: Catalog,
        evidence: EvidenceBase,
        engine: AsyncEngine,
        session_factory: async_sessionmaker[AsyncSession],
        sync_commands: bool = True,
        force_sync: bool = False,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        # No count lets Discord recommend one; a large deployment splits shards across processes.
        shards: dict[str, Any] = {"shard_count": settings.shard_count}
        if settings.shard_ids is not None:
            shards["shard_ids"] = list(settings.shard_ids)
        intents = discord.Intents.default()
        # Privileged: only requested when the operator enabled it in the portal and in settings.
        intents.message_content = settings.message_content_intent
        super().__init__(
            # Slash commands only; a mention prefix keeps discord.ext happy without reading message content.
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            tree_cls=CoachTree,
            allowed_mentions=NO_MENTIONS,
            **shards,
        )
        self.settings = settings
        self.catalog = catalog
        self.evidence = evidence
        self.engine = engine
        self.session_factory = session_factory
        self.clock = clock
        self.planner = Planner(catalog)
        # Which chat messages ask about the evidence: built once, from the catalog's exercises.
        self.evidence_matcher = EvidenceMatcher(catalog)
        self.guild_config = GuildConfigService(session_factory)
        # One storage (SQLite's writer queue) and one exercise index for every service.
        storage = Storage(session_factory)
        self.storage = storage
        index = ExerciseIndex(catalog)
        cap = settings.max_sets_per_member
        self.logbook = LogbookService(session_factory, catalog, clock=clock, storage=storage, index=index, max_sets=cap)
        self.insight = InsightService(session_factory, catalog, clock=clock, storage=storage, index=index, max_sets=cap)
        self.community = CommunityService(
            session_factory, catalog, clock=clock, storage=storage, index=index, max_sets=cap, insight=self.insight
        )
        self.workouts = WorkoutService(
            session_factory, catalog, clock=clock, storage=storage, index=index, max_sets=cap,
            planner=self.planner, insight=self.insight, community=self.community,
        )  # fmt: skip
        # Exports are parsed in a worker process the bot owns (started on the first import, shut down on close).
        self.parser = parser_process(catalog)
        self.importer = ImportService(
            session_factory, catalog, clock=clock, storage=storage, index=index, max_sets=cap, parser=self.parser
        )
        self._sync_commands = sync_commands
        self._force_sync = force_sync
        self.synced: bool | None = None
        self.attachments = AttachmentFetcher(settings.discord_cdn_base)
        self.watchdog = LoopWatchdog()

    async def setup_hook(self) -> None:
        """Load cogs with their dependencies, sync commands if the tree changed, then start the loop watchdog."""
        await self.add_cogs()
        # Every interaction gets an answer: presses on buttons nothing handles any more included.
        self.add_listener(UnhandledComponents().on_interaction, "on_interaction")
        if self._sync_commands:
            self.synced = await self.sync_commands_if_changed(force=self._force_sync)
        # Watched from here on: start-up's imports and migrations block the loop by nature, before anyone waits.
        self.watchdog.start()

    async def close(self) -> None:
        """Log out and close what the bot owns (attachment downloads, the loop watchdog, the parser process,
        the database writer)."""
        try:
            await super().close()
        finally:
            await self.storage.close()
            await self.attachments.close()
            await self.watchdog.stop()
            self.parser.shutdown(wait=False, cancel_futures=True)

    async def add_cogs(self) -> None:
        """Register every cog; dependencies are passed explicitly, never looked up globally."""
        from cogs.config import ConfigCog
        from cogs.evidence import EvidenceCog
        from cogs.insight import InsightCog
        from cogs.logbook import LogbookCog
        from cogs.plan import PlanCog
        from cogs.privacy import PrivacyCog
        from cogs.schedule import ScheduleCog
        from cogs.workout import WorkoutCog

        workouts = WorkoutCog(self, self.workouts, clock=self.clock)
        await self.add_cog(workouts)
        plans = PlanCog(self, self.planner, self.insight, clock=self.clock, start_button=workouts.start_button)
        await self.add_cog(plans)
        tick = self.settings.schedule_tick_seconds
        await self.add_cog(ScheduleCog(self, self.community, plans.plan_message, clock=self.clock, tick_seconds=tick))
        await self.add_cog(
            EvidenceCog(
                self,
                self.evidence,
                self.guild_config,
                self.insight,
                self.evidence_matcher,
                cooldown=Cooldown(EVIDENCE_REPLY_COOLDOWN_S),
                member_cooldown=Cooldown(MENTION_COOLDOWN_S),
            )
        )
        await self.add_cog(LogbookCog(self, self.logbook))
        await self.add_cog(PrivacyCog(self, self.logbook, self.importer, self.attachments))
        await self.add_cog(InsightCog(self.insight, self.logbook, self.community))
        await self.add_cog(
            ConfigCog(self.guild_config, self.community, message_content=self.settings.message_content_intent)
        )

    async def sync_commands_if_changed(self, *, force: bool = False) -> bool:
        """Sync to DEV_GUILD_ID (instant) or globally, skipping when the stored hash matches."""
        guild = discord.Object(id=self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = [cmd.to_dict(self.tree) for cmd in self.tree.get_commands(guild=guild)]
        digest = fingerprint(payload)
        if self.application_id is None:
            raise RuntimeError("commands can only be synced once logged in (application_id unknown)")
        key = scope_key(self.application_id, self.settings.dev_guild_id)
        state = SyncState(self.session_factory)
        if not force and await state.get(key) == digest:
            log.info("application commands unchanged since the last sync (%s); not syncing", key)
            return False
        synced = await self.tree.sync(guild=guild)
        await state.put(key, digest)
        log.info("synced %d application commands to %s", len(synced), "guild" if guild else "all servers")
        return True

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands here: chat is handled by cog listeners only (so a mention isn't a command)."""

    async def on_ready(self) -> None:
        """Log readiness once the gateway session is up."""
        user = self.user
        loop = type(asyncio.get_running_loop())
        log.info(
            "ready as %s (id %s) in %d server(s); event loop %s.%s",
            user, user.id if user else "?", len(self.guilds), loop.__module__, loop.__name__,
        )  # fmt: skip
        with self.watchdog.expected():  # one deliberate full collection at start-up
            freeze_startup_objects()
