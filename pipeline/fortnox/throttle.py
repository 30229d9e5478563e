"""Per-tenant throttle (Fortnox allows 25 requests per 5 s, sliding, per client and tenant) and retry backoff.

One `SlidingWindow` per tenant per process, shared by every client of that tenant, so a run never meets a
429 in normal work (reference/fortnox-api.md §2). State is guarded by a thread lock and waiting is an
`asyncio.sleep`, so one throttle works across event loops (each `asyncio.run` gets a new loop).
"""
from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

LIMIT = 25
WINDOW_SECONDS = 5.0

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class SlidingWindow:
    """At most `limit` acquisitions in any `window` seconds."""

    def __init__(self, limit: int = LIMIT, window: float = WINDOW_SECONDS, *, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.limit, self.window = limit, window
        self._clock, self._sleep = clock, sleep
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    def _try(self) -> float:
        """Takes a slot and returns 0, or returns how long to wait for one."""
        with self._lock:
            now = self._clock()
            while self._stamps and self._stamps[0] <= now - self.window:
                self._stamps.popleft()
            if len(self._stamps) < self.limit:
                self._stamps.append(now)
                return 0.0
            return self._stamps[0] + self.window - now

    async def acquire(self) -> None:
        while (wait := self._try()) > 0:
            await self._sleep(wait + 0.001)

    def penalise(self, seconds: float) -> None:
        """After a 429, fill the window so every client of the tenant pauses, not only the one that was refused."""
        with self._lock:
            until = self._clock() + seconds - self.window
            self._stamps = deque([until] * self.limit)


_registry: dict[str, SlidingWindow] = {}
_registry_lock = threading.Lock()


def throttle_for(tenant_key: str) -> SlidingWindow:
    """The process-wide throttle of one tenant (created on first use)."""
    with _registry_lock:
        if tenant_key not in _registry:
            _registry[tenant_key] = SlidingWindow()
        return _registry[tenant_key]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait. Tests pass tiny delays; the defaults suit the real Fortnox."""

    attempts: int = 4  # reads and token calls on timeouts and 5xx
    base_delay: float = 1.0
    max_delay: float = 30.0
    rate_limit_attempts: int = 6  # 429s in a row before giving up
    rate_limit_delay: float = 5.0  # Fortnox's window; no header is relied on

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Full-jitter exponential backoff for attempt 1, 2, ...: so parallel runners do not retry in step."""
        cap = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return (rng or random).uniform(cap / 2, cap)

    def rate_limit_backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        cap = min(self.max_delay, self.rate_limit_delay * attempt)
        return (rng or random).uniform(cap * 0.8, cap * 1.2)
