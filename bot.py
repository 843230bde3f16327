"""Pre-Exhaust Coach from a checkout: ``python bot.py`` is the installed ``pre-exhaust-coach`` command.

python bot.py             # run the bot (needs DISCORD_TOKEN in the environment or .env)
python bot.py --offline   # no Discord account needed: a terminal prompt talks to the same bot
python bot.py --sync      # sync slash commands even if they haven't changed since the last sync
python bot.py --backup PATH   # consistent copy of the SQLite database (safe while the bot runs)

The logic lives in runtime/cli.py, so a non-editable install (``pip install .``, the Docker image)
runs exactly this code as the ``pre-exhaust-coach`` console script.
"""

from __future__ import annotations

import sys

from runtime.cli import RedactSecrets, configure_logging, main, parse_args

__all__ = ["RedactSecrets", "configure_logging", "main", "parse_args"]

if __name__ == "__main__":
    sys.exit(main())
