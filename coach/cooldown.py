"""A keyed cooldown: at most one use per key per window (e.g. one evidence reply per channel per minute)."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable


class Cooldown:
    """Grants one use per key per ``seconds``; pure and clock-injected so tests need no sleeping."""

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic, max_keys: int = 10_000) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last: dict[Hashable, float] = {}
        self._max_keys = max_keys

    def retry_after(self, key: Hashable) -> float:
        """Seconds until the key may be used again (0 when it may be used now)."""
        last = self._last.get(key)
        if last is None:
            return 0.0
        return max(0.0, self.seconds - (self._clock() - last))

    def try_acquire(self, key: Hashable) -> bool:
        """Use the key if its window has passed; False (and nothing recorded) otherwise."""
        if self.retry_after(key) > 0:
            return False
        if len(self._last) >= self._max_keys:
            # Drop expired keys so a bot in thousands of channels doesn't grow without bound.
            now = self._clock()
            self._last = {k: t for k, t in self._last.items() if now - t < self.seconds}
        self._last[key] = self._clock()
        return True

    def release(self, key: Hashable) -> None:
        """Forget the key's last use (it was taken for something that then didn't happen)."""
        self._last.pop(key, None)


class RateLimit:
    """At most ``count`` uses per key in any ``seconds`` (a sliding window); pure and clock-injected."""

    def __init__(
        self, count: int, seconds: float, *, clock: Callable[[], float] = time.monotonic, max_keys: int = 10_000
    ) -> None:
        self.count = count
        self.seconds = seconds
        self._clock = clock
        self._uses: dict[Hashable, list[float]] = {}
        self._max_keys = max_keys

    def try_acquire(self, key: Hashable) -> bool:
        """Use the key if it has had fewer than ``count`` uses in the window; False (nothing recorded) otherwise."""
        now = self._clock()
        recent = [t for t in self._uses.get(key, ()) if now - t < self.seconds]
        if len(recent) >= self.count:
            self._uses[key] = recent
            return False
        if key not in self._uses and len(self._uses) >= self._max_keys:
            self._uses = {k: v for k, v in self._uses.items() if v and now - v[-1] < self.seconds}
        recent.append(now)
        self._uses[key] = recent
        return True
