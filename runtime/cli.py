"""The command line: ``pre-exhaust-coach`` (installed console script) and ``python bot.py`` (checkout).

pre-exhaust-coach                 # run the bot (needs DISCORD_TOKEN in the environment or ./.env)
pre-exhaust-coach --offline       # no Discord account needed: a terminal prompt talks to the same bot
pre-exhaust-coach --sync          # sync slash commands even when they look unchanged
pre-exhaust-coach --backup PATH   # consistent copy of the SQLite database (safe while the bot runs)

Configuration comes from coach.settings.Settings only: the environment, falling back to ``.env`` in
the current directory; data (the default SQLite file) goes under COACH_DATA_DIR, ``./data`` by default.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from catalog import DataFileError
from coach.errors import ConfigError
from coach.settings import Settings

log = logging.getLogger(__name__)


class RedactSecrets(logging.Filter):
    """Replace any secret (token, database password) that reaches a log record with asterisks."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place; never drops a record."""
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "**********")
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            for secret in self._secrets:
                record.exc_text = record.exc_text.replace(secret, "**********")
        return True


def configure_logging(settings: Settings) -> None:
    """Log to stderr at LOG_LEVEL, with secrets redacted; the only place logging is configured."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(settings.secrets()))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # discord.py is chatty at DEBUG (every gateway frame); keep it one notch quieter than ours.
    # aiosqlite logs every statement with its parameters at DEBUG: members' notes don't belong in logs.
    if settings.log_level == "DEBUG":
        logging.getLogger("discord.gateway").setLevel(logging.INFO)
        logging.getLogger("aiosqlite").setLevel(logging.INFO)
    # Alembic announces every plugin and migration step at INFO; only its warnings matter to operators.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description="Pre-Exhaust Coach, a Discord bot for pre-exhaust training. Settings come from the "
        "environment and ./.env (see .env.example)."
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="try the bot without Discord: a local emulator and a terminal prompt (commands also read from stdin)",
    )
    parser.add_argument(
        "--sync", action="store_true", help="sync slash commands even if they haven't changed since the last sync"
    )
    parser.add_argument(
        "--backup",
        metavar="PATH",
        type=Path,
        help="write a consistent copy of the SQLite database to PATH and exit (safe while the bot runs)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status (2 for configuration problems)."""
    args = parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    configure_logging(settings)
    try:
        if args.backup is not None:
            from db.backup import backup_database

            report = asyncio.run(backup_database(settings.database_url, args.backup))
            print(report.summary())
            return 0
        if args.offline:
            from runtime import loop
            from runtime.offline import run_offline

            return loop.run(run_offline(settings), settings.event_loop)
        settings.require_token()  # fail fast, before opening the database or the network
        from runtime import loop
        from runtime.runner import run

        return loop.run(run(settings, force_sync=args.sync), settings.event_loop)
    except ConfigError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    except DataFileError as exc:
        print(f"error: a data file is invalid: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        if exc.filename is not None:
            # A file problem (data directory not writable, a volume mounted read-only): name the path.
            print(f"error: {exc.strerror or exc.__class__.__name__}: {exc.filename}", file=sys.stderr)
            return 2
        # Network trouble (no route to Discord, proxy down): say so plainly, secrets can't be in an OSError.
        print(f"error: could not reach Discord ({exc.__class__.__name__}: {exc}).", file=sys.stderr)
        return 1
    except Exception:
        # Logged, not left to the interpreter: an exception's text can quote DATABASE_URL (SQLAlchemy 2.0's
        # "Could not parse URL from string '…'" does), and only the log handler redacts secrets.
        log.critical("stopped by an unexpected error", exc_info=True)
        return 1
