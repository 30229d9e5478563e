"""Each store's fleet jobs as `status`, `report` and the HTML pages show them: waiting, running, and failed since
the store's last job that succeeded, with why the last of those failed. Read from procrastinate's table (and the
ledger's `job_failures`, which the workers write) in the ledger's PostgreSQL with the ledger's own connection, so
these pages need neither the engine installed nor a worker running."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

# A store's jobs carry the lock store:<id> (engine.store_lock). A failed job counts until a later job of the same
# task succeeds for the store; its time is that of its last event.
_QUERY = sa.text("""
WITH store_jobs AS (
    SELECT substr(j.lock, 7) AS store, j.id, j.status, j.task_name
      FROM procrastinate_jobs j
     WHERE j.lock LIKE 'store:%' AND substr(j.lock, 7) = ANY(:stores)
), last_ok AS (
    SELECT store, task_name, max(id) AS id FROM store_jobs WHERE status = 'succeeded' GROUP BY store, task_name
), counted AS (
    SELECT s.store,
           count(*) FILTER (WHERE s.status = 'todo') AS waiting,
           count(*) FILTER (WHERE s.status = 'doing') AS running,
           count(*) FILTER (WHERE s.status = 'failed' AND s.id > coalesce(o.id, 0)) AS failed,
           max(e.at) FILTER (WHERE s.status = 'failed' AND s.id > coalesce(o.id, 0)) AS failed_at,
           max(s.id) FILTER (WHERE s.status = 'failed' AND s.id > coalesce(o.id, 0)) AS failed_job
      FROM store_jobs s
      LEFT JOIN last_ok o ON o.store = s.store AND o.task_name = s.task_name
      LEFT JOIN procrastinate_events e ON e.job_id = s.id AND e.type = 'failed'
     GROUP BY s.store
)
SELECT c.*, f.reason FROM counted c LEFT JOIN job_failures f ON f.job_id = c.failed_job
""")


@dataclass(frozen=True)
class StoreJobs:
    waiting: int = 0
    running: int = 0
    failed: int = 0  # failed since the store's last job of the same kind that succeeded
    failed_at: datetime | None = None
    reason: str | None = None  # why the last of those failed (None: not recorded, e.g. a worker before 0009)

    @property
    def text(self) -> str:
        parts = [f"{self.waiting} waiting", f"{self.running} running", f"{self.failed} failed"]
        text = ", ".join(parts)
        if self.failed:
            when = f" (last at {self.failed_at:%Y-%m-%d %H:%M} UTC)" if self.failed_at else ""
            why = self.reason or "the worker's log says why; `kassasync sync --store <id>` shows it too"
            text += f"{when}: {why}"
        return text

    def to_json(self) -> dict[str, object]:
        return {"waiting": self.waiting, "running": self.running, "failed": self.failed,
                "failed_at": self.failed_at.isoformat(timespec="seconds") if self.failed_at else None,
                "reason": self.reason}


def store_jobs(engine: sa.Engine, stores: Iterable[str]) -> dict[str, StoreJobs] | None:
    """Each store's jobs (a store with none: StoreJobs()); None where there is no job engine (SQLite, or a
    PostgreSQL ledger without the engine's tables)."""
    if engine.dialect.name != "postgresql":
        return None
    wanted = list(stores)
    with engine.connect() as conn:
        if conn.execute(sa.text("SELECT to_regclass('procrastinate_jobs')")).scalar() is None:
            return None
        rows = conn.execute(_QUERY, {"stores": wanted}).all()
    found = {row.store: StoreJobs(row.waiting, row.running, row.failed, _utc(row.failed_at), row.reason)
             for row in rows}
    return {store: found.get(store, StoreJobs()) for store in wanted}


def _utc(moment: datetime | None) -> datetime | None:
    """A timestamp with time zone as the ledger keeps times: naive UTC."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)
