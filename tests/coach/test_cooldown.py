"""The keyed cooldown grants exactly one use per key per window."""

from __future__ import annotations

from coach.cooldown import Cooldown, RateLimit


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_use_per_window_per_key() -> None:
    clock = FakeClock()
    cooldown = Cooldown(60, clock=clock)
    granted = [cooldown.try_acquire("chan-1") for _ in range(1000)]
    assert granted.count(True) == 1
    assert granted[0]
    assert cooldown.try_acquire("chan-2")
    clock.now += 59.9
    assert not cooldown.try_acquire("chan-1")
    assert 0 < cooldown.retry_after("chan-1") <= 0.11
    clock.now += 0.2
    assert cooldown.try_acquire("chan-1")


def test_expired_keys_are_pruned() -> None:
    clock = FakeClock()
    cooldown = Cooldown(10, clock=clock, max_keys=100)
    for i in range(100):
        cooldown.try_acquire(i)
    clock.now += 11
    assert cooldown.try_acquire("new")
    assert len(cooldown._last) == 1


def test_rate_limit_allows_a_burst_per_window() -> None:
    now = [0.0]
    limit = RateLimit(3, 10, clock=lambda: now[0])
    assert [limit.try_acquire("c") for _ in range(4)] == [True, True, True, False]
    assert limit.try_acquire("other")
    now[0] = 10.5
    assert limit.try_acquire("c")


def test_a_released_cooldown_can_be_used_again() -> None:
    cooldown = Cooldown(60, clock=lambda: 0.0)
    assert cooldown.try_acquire("m")
    cooldown.release("m")
    assert cooldown.try_acquire("m")
