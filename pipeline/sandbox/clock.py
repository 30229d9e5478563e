"""The sandbox's clock: real time plus an offset that tests and the admin endpoint can move."""
from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta


class Clock:
    """Wall-clock time shifted by `offset` seconds; token lifetimes and `today` both read it."""

    def __init__(self, offset: float = 0.0, today: date | None = None) -> None:
        self.offset = offset
        if today is not None:
            self.set_today(today)

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def today(self) -> date:
        return datetime.fromtimestamp(self.now(), tz=UTC).date()

    def set_today(self, day: date) -> None:
        """Move the clock so that `today()` is `day`, keeping the time of day."""
        current = self.today()
        self.offset += (day - current) / timedelta(seconds=1)

    def stamp(self) -> str:
        """Fortnox's datetime format, `YYYY-MM-DD HH:MM:SS`."""
        return datetime.fromtimestamp(self.now(), tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
