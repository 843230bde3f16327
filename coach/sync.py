"""Sync application commands only when they changed, so restarts don't burn Discord's rate limit."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def fingerprint(commands: Sequence[Mapping[str, Any]]) -> str:
    """A stable hash of command payloads (order-independent)."""
    canonical = json.dumps(sorted(commands, key=lambda c: (c.get("type", 1), c["name"])), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


class SyncState:
    """Remembers the fingerprint last synced per application and scope, in a small JSON file."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def get(self, key: str) -> str | None:
        """The fingerprint stored for this scope, if any."""
        return self._read().get(key)

    def put(self, key: str, value: str) -> None:
        """Store a fingerprint atomically (a crash mid-write must not corrupt the file)."""
        data = self._read()
        data[key] = value
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self._path)


def scope_key(application_id: int, guild_id: int | None) -> str:
    """The state key for a sync target: one guild, or global."""
    return f"{application_id}:{'guild:' + str(guild_id) if guild_id else 'global'}"
