"""When the fleet's periodic work runs, in Swedish time.

procrastinate reads a periodic task's cron in UTC. The nightly sync is meant at a Swedish hour
(KASSASYNC_SYNC_CRON, default 05:30 Europe/Stockholm) whatever the season, so the engine ticks at the cron's
minutes of every hour and the tick goes on only when the Swedish time matches the whole cron. Sweden's offsets
are whole hours, so the minutes agree in both clocks.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from croniter import croniter

from pipeline.errors import UserError

TIMEZONE = ZoneInfo("Europe/Stockholm")
DEFAULT_SYNC_CRON = "30 5 * * *"
RECONCILE_CRON = "30 6 3 * *"  # the month-end proof on the 3rd, after the night's sync (as sync.yml does)
TOKEN_CRON = "0 4 * * 1"  # refresh tokens older than 30 days, Mondays (a refresh token lives 45 days)
SWEEP_CRON = "* * * * *"  # the stalled-job sweep, every minute
PRUNE_CRON = "15 3 * * *"  # finished jobs older than 45 days deleted, daily (UTC)


@dataclass(frozen=True)
class LocalCron:
    """A five-field cron expression read in Swedish time."""

    expression: str

    @classmethod
    def parse(cls, expression: str, *, source: str) -> LocalCron:
        fields = expression.split()
        if len(fields) != 5 or not croniter.is_valid(expression):
            raise UserError(f"{source} {expression!r} is not a five-field cron expression",
                            "write minute hour day month weekday, e.g. '30 5 * * *' for 05:30 every day")
        if fields[0] == "*" or "/" in fields[0]:
            raise UserError(f"{source} {expression!r} runs more than once an hour",
                            "give the minute as a number or a list, e.g. '30 5 * * *'")
        return cls(" ".join(fields))

    @property
    def engine_cron(self) -> str:
        """The UTC cron procrastinate ticks on: the same minutes, every hour."""
        return f"{self.expression.split()[0]} * * * *"

    def due(self, timestamp: int) -> bool:
        """Whether the engine's tick at `timestamp` (seconds since the epoch) is the cron's time in Sweden."""
        local = datetime.fromtimestamp(timestamp, UTC).astimezone(TIMEZONE).replace(second=0, microsecond=0)
        return bool(croniter.match(self.expression, local.replace(tzinfo=None)))

    def local_day(self, timestamp: int) -> datetime:
        return datetime.fromtimestamp(timestamp, UTC).astimezone(TIMEZONE)


RECONCILE = LocalCron(RECONCILE_CRON)
TOKENS = LocalCron(TOKEN_CRON)
