"""A clock the test moves by hand, for services and bots that take ``clock=`` (aware UTC datetimes)."""

from __future__ import annotations

from datetime import datetime, timedelta


class Clock:
    """Returns ``now`` when called; the test moves it with ``advance`` or ``set``."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        """Move forward by a ``timedelta(**kwargs)``."""
        self.now += timedelta(**kwargs)

    def set(self, now: datetime) -> None:
        """Jump to ``now``."""
        self.now = now
