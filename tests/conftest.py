"""Shared fixtures: settings on a temporary SQLite file, the real catalog, the real bot and its harness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest

from catalog import Catalog, load_catalog
from coach.evidence import EvidenceBase, load_evidence
from coach.settings import Settings
from db.engine import create_engine
from db.migrate import upgrade_to_head
from emulator import payloads
from emulator.driver import Harness
from runtime.client import CoachBot
from runtime.runner import build_bot

APPLICATION_ID = 1_300_000_000_000_000_001
BOT_USER_ID = 1_300_000_000_000_000_002


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The real catalog files, loaded once."""
    return load_catalog()


@pytest.fixture(scope="session")
def evidence() -> EvidenceBase:
    """The real evidence base, loaded once."""
    return load_evidence()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at a fresh SQLite file in a temporary data directory."""
    return Settings(
        discord_token=None,
        database_url=f"sqlite+aiosqlite:///{(tmp_path / 'coach.db').as_posix()}",
        data_dir=tmp_path,
    )


@pytest.fixture
async def bot(settings: Settings, catalog: Catalog, evidence: EvidenceBase) -> AsyncIterator[CoachBot]:
    """The real bot with its real cogs and tree, logged in to nothing (no sync, no gateway)."""
    engine = create_engine(settings.database_url)
    await upgrade_to_head(engine)
    client = build_bot(settings, engine, catalog=catalog, evidence=evidence, sync_commands=False)
    # What login() would do: bind the loop, know who we are, then run the real setup_hook.
    await client._async_setup_hook()
    client._connection.user = discord.ClientUser(
        state=client._connection,
        data=payloads.user(BOT_USER_ID, "coach", bot=True),  # type: ignore[arg-type]
    )
    client._connection.application_id = APPLICATION_ID
    await client.setup_hook()
    try:
        yield client
    finally:
        await client.close()
        await engine.dispose()


@pytest.fixture
async def harness(bot: CoachBot, monkeypatch: pytest.MonkeyPatch) -> Harness:
    """Raw gateway payloads in, captured REST calls out."""
    h = Harness(bot, application_id=APPLICATION_ID, bot_user_id=BOT_USER_ID)
    h.install(monkeypatch)
    await h.create_guild()
    return h
