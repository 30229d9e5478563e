"""Everything one sandbox server holds: database, clock, faults, rate limiter, token lifetimes, counters."""
from __future__ import annotations

import secrets
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.sandbox.clock import Clock
from pipeline.sandbox.db import Database
from pipeline.sandbox.faults import Dice, Faults, RateLimiter


@dataclass
class Lifetimes:
    """Token lifetimes in seconds (Fortnox: code 10 min, access token 1 h, refresh token 45 days)."""

    code_s: float = 600.0
    access_s: float = 3600.0
    refresh_s: float = 45 * 86400.0


@dataclass
class SandboxState:
    db: Database
    clock: Clock
    faults: Faults
    dice: Dice
    lifetimes: Lifetimes = field(default_factory=Lifetimes)
    limiter: RateLimiter = field(default_factory=RateLimiter)
    requests: Counter[int] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)  # the same requests by handler (list_vouchers, ...)
    dropped: set[tuple[int, int, str, int]] = field(default_factory=set)  # (tenant, year, series, number)
    # other changes whose answer was dropped: (tenant, kind, key), e.g. (1000103, "invoice", "7"), ("credit", "7")
    dropped_changes: set[tuple[int, str, str]] = field(default_factory=set)
    signing_key: bytes = b""
    lock: threading.Lock = field(default_factory=threading.Lock)
    _consents: dict[tuple[str, int], bool] = field(default_factory=dict)

    @classmethod
    def open(cls, data_dir: Path, clock: Clock | None = None, faults: Faults | None = None,
             fault_seed: int | None = None, lifetimes: Lifetimes | None = None) -> SandboxState:
        db = Database(data_dir)
        key = db.get_meta("signing_key")
        if key is None:  # one key per data dir, so tokens stay valid across a restart
            key = secrets.token_hex(32)
            db.set_meta("signing_key", key)
        return cls(db=db, clock=clock or Clock(), faults=faults or Faults(), dice=Dice(fault_seed),
                   lifetimes=lifetimes or Lifetimes(), signing_key=bytes.fromhex(key))

    def has_consent(self, client_id: str, tenant_id: int) -> bool:
        """Whether the consent still stands (cached: every /3 request asks; consents change rarely)."""
        key = (client_id, tenant_id)
        known = self._consents.get(key)
        if known is None:
            row = self.db.one("SELECT 1 FROM consents WHERE client_id = ? AND tenant_id = ?", key)
            known = self._consents[key] = row is not None
        return known

    def consents_changed(self) -> None:
        self._consents.clear()

    def count_request(self, tenant_id: int, operation: str = "") -> None:
        with self.lock:
            self.requests[tenant_id] += 1
            self.operations[operation] += 1

    def settings(self) -> dict[str, Any]:
        return {"faults": self.faults.as_dict(), "clock_offset_s": self.clock.offset,
                "today": self.clock.today().isoformat(),
                "lifetimes": asdict(self.lifetimes)}
