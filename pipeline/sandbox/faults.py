"""Fault injection settings and the per-client-and-tenant sliding-window rate limiter."""
from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class Faults:
    """What goes wrong on purpose. Rates are shares between 0 and 1 of the requests they apply to."""

    latency_ms: float = 0.0  # added to every /3 and /oauth-v1 request
    jitter_ms: float = 0.0  # plus a uniform random 0..jitter
    error_rate: float = 0.0  # /3 requests answered 500 or 503 before doing anything
    html_error_rate: float = 0.0  # /3 requests answered with an HTML error page (502/503, text/html)
    drop_after_commit_rate: float = 0.0  # changes (vouchers, invoices, customers, payments) that commit, then lose the connection
    token_outage: bool = False  # /oauth-v1/token answers 503 with an HTML page
    token_error_rate: float = 0.0  # share of token requests answered like an outage
    list_without_comments: bool = False  # voucher list items leave out Comments (as older Fortnox docs show them)
    rate_limit: int = 25  # requests per window per client and tenant; 0 switches the limit off
    rate_window_s: float = 5.0

    def update(self, values: dict[str, Any]) -> None:
        """Set the named fields (admin endpoint, CLI flags); an unknown name or a value out of range is a
        ValueError that says what is allowed, and nothing is changed."""
        known = {f.name: f for f in fields(self)}
        checked: dict[str, Any] = {}
        for name, value in values.items():
            if name not in known:
                raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(known))}")
            checked[name] = _checked(name, getattr(self, name), value)
        for name, value in checked.items():
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# The largest value each numeric setting takes: beyond these a sandbox is not slow or strict, it is stuck.
_LIMITS = {"latency_ms": 60_000.0, "jitter_ms": 60_000.0, "rate_limit": 1_000_000, "rate_window_s": 3600.0}


def _checked(name: str, current: object, value: object) -> object:
    """`value` as the type of the field's current value, within its range."""
    if isinstance(current, bool):
        if not isinstance(value, bool) and value not in (0, 1):
            raise ValueError(f"{name} must be true or false, got {value!r}")
        return bool(value)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if name.endswith("_rate"):
        low, high = 0.0, 1.0
    else:
        low, high = (0.001 if name == "rate_window_s" else 0.0), float(_LIMITS.get(name, 1e6))
    if not low <= number <= high:
        raise ValueError(f"{name} must be between {low:g} and {high:g}, got {value!r}")
    if isinstance(current, int):
        if number != int(number):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        return int(number)
    return number


class Dice:
    """Seedable randomness for faults, so a test can make a fault happen on a known request."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)

    def hit(self, rate: float) -> bool:
        return rate >= 1.0 or (rate > 0.0 and self._random.random() < rate)

    def uniform(self, low: float, high: float) -> float:
        return self._random.uniform(low, high)

    def choice(self, options: list[int]) -> int:
        return self._random.choice(options)


class RateLimiter:
    """Fortnox's limit: at most N requests in any window of W seconds, per (client id, tenant)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, int], deque[float]] = {}

    def allow(self, key: tuple[str, int], now: float, limit: int, window: float) -> bool:
        if limit <= 0:
            return True
        stamps = self._seen.setdefault(key, deque())
        while stamps and stamps[0] <= now - window:
            stamps.popleft()
        if len(stamps) >= limit:
            return False  # rejected requests do not count: the budget refills as the window slides
        stamps.append(now)
        return True

    def reset(self) -> None:
        self._seen.clear()
