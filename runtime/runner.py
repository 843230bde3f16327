"""Start-up and shutdown: endpoints, database, the bot's lifetime and signals."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

import discord
import yarl
from discord.gateway import DiscordWebSocket
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from catalog import Catalog, load_catalog
from coach.errors import ConfigError
from coach.evidence import EvidenceBase, load_evidence
from coach.settings import Settings
from db.engine import create_engine, make_session_factory
from db.migrate import upgrade_to_head
from runtime.client import CoachBot
from runtime.respond import drain_interactions

log = logging.getLogger(__name__)

# Seconds a SIGTERM/SIGINT waits for interactions in flight; below Docker's and systemd's kill timeouts.
SHUTDOWN_GRACE_S = 8.0


def apply_endpoints(settings: Settings) -> None:
    """Point discord.py at a REST proxy or emulator when DISCORD_API_BASE / DISCORD_GATEWAY_URL are set."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base
    if settings.discord_gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def build_bot(
    settings: Settings,
    engine: AsyncEngine,
    *,
    catalog: Catalog,
    evidence: EvidenceBase,
    sync_commands: bool = True,
    force_sync: bool = False,
) -> CoachBot:
    """The bot with every dependency handed in (tests build it the same way)."""
    return CoachBot(
        settings=settings,
        catalog=catalog,
        evidence=evidence,
        engine=engine,
        session_factory=make_session_factory(engine),
        sync_commands=sync_commands,
        force_sync=force_sync,
    )


@contextlib.asynccontextmanager
async def running_bot(
    settings: Settings,
    *,
    catalog: Catalog | None = None,
    evidence: EvidenceBase | None = None,
    sync_commands: bool = True,
    force_sync: bool = False,
) -> AsyncIterator[CoachBot]:
    """Open the database (migrated to head), build the bot, and close both on the way out."""
    # Both are validated here, so a bad YAML entry stops start-up before anything connects.
    catalog = catalog or load_catalog()
    evidence = evidence or load_evidence()
    apply_endpoints(settings)
    try:
        engine = create_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL is not a database URL. Use e.g. sqlite+aiosqlite:///data/coach.db or "
            "postgresql+asyncpg://user:password@host/db (see .env.example)."
        ) from None
    try:
        try:
            await upgrade_to_head(engine)
        except (OSError, DBAPIError) as exc:
            # The message is built from the exception type and the backend only: driver messages can
            # quote the URL, and with it the password.
            raise ConfigError(
                f"Could not open the {engine.dialect.name} database ({type(exc).__name__}). Check DATABASE_URL "
                "and that the database server is running and reachable."
            ) from None
        bot = build_bot(
            settings, engine, catalog=catalog, evidence=evidence, sync_commands=sync_commands, force_sync=force_sync
        )
        async with bot:
            yield bot
    finally:
        await engine.dispose()


async def run(settings: Settings, *, force_sync: bool = False) -> int:
    """Run the bot until SIGINT/SIGTERM; raise ConfigError for problems the operator must fix."""
    token = settings.require_token()
    loop = asyncio.get_running_loop()
    async with running_bot(settings, force_sync=force_sync) as bot:
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        runner = asyncio.create_task(bot.start(token), name="discord-client")
        stopper = asyncio.create_task(stop.wait(), name="signal-wait")
        try:
            done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if stopper in done:
                # bot.close() closes the HTTP session: replies still being worked on would be lost, and a
                # member who saw "thinking…" would never get an answer. Finish them first, within a bound.
                log.info("shutdown requested; finishing interactions in flight")
                await drain_interactions(SHUTDOWN_GRACE_S)
                log.info("closing the gateway and the database")
                await bot.close()
            await runner
        except discord.LoginFailure:
            raise ConfigError(
                "Discord rejected DISCORD_TOKEN (401 Unauthorized). Reset the token in the Developer Portal "
                "(Application > Bot > Reset Token) and put the new one in .env."
            ) from None
        except discord.PrivilegedIntentsRequired:
            raise ConfigError(
                "Discord refused a privileged intent. Enable it under Application > Bot > Privileged Gateway "
                "Intents, or turn off the setting that needs it."
            ) from None
        finally:
            stopper.cancel()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
    return 0
