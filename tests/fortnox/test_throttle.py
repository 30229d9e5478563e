"""The per-tenant sliding window (25 requests per 5 s) and the retry backoff, on a fake clock."""
from __future__ import annotations

import asyncio
import random

from pipeline.fortnox.throttle import RetryPolicy, SlidingWindow, throttle_for


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_never_more_than_25_in_any_5_seconds() -> None:
    fake = FakeTime()
    window = SlidingWindow(clock=fake.clock, sleep=fake.sleep)
    stamps: list[float] = []

    async def burst() -> None:
        for _ in range(80):
            await window.acquire()
            stamps.append(fake.now)
            fake.now += 0.01  # each request takes a little time

    asyncio.run(burst())
    for i, start in enumerate(stamps):
        assert sum(1 for t in stamps[i:] if t < start + 5.0) <= 25
    assert stamps[24] - stamps[0] < 1.0  # the first 25 go at once: a sliding window, not a fixed pace
    assert fake.slept  # and then it waited


def test_penalise_pauses_every_client_of_the_tenant() -> None:
    fake = FakeTime()
    window = SlidingWindow(clock=fake.clock, sleep=fake.sleep)
    window.penalise(7.0)
    asyncio.run(window.acquire())
    assert fake.now >= 1007.0


def test_one_throttle_per_tenant() -> None:
    assert throttle_for("api|1000001") is throttle_for("api|1000001")
    assert throttle_for("api|1000001") is not throttle_for("api|1000002")


def test_backoff_is_jittered_and_capped() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    rng = random.Random(1)
    delays = [policy.backoff(n, rng) for n in range(1, 8)]
    assert all(0.5 <= d <= 8.0 for d in delays) and delays[-1] >= 4.0
    assert len({round(policy.backoff(3, rng), 6) for _ in range(10)}) > 1
