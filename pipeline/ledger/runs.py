"""The ledger's `runs` table: one row per `kassasync sync`, from its start to its summary; and `job_failures`: why
each failed fleet job failed."""
from __future__ import annotations

import json
import os
import socket
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from pipeline.ledger.connection import LedgerBase
from pipeline.ledger.records import now
from pipeline.ledger.tables import job_failures, runs


class RunLog(LedgerBase):
    def start_run(self, options: dict[str, Any]) -> int:
        with self._connect() as conn:
            result = conn.execute(runs.insert().values(
                started_at=now(), host=socket.gethostname(), pid=os.getpid(),
                options=json.dumps(options, default=str), state="running"))
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish_run(self, run_id: int, *, posted: int, failed: int, skipped: int, summary: str) -> None:
        with self._connect() as conn:
            conn.execute(runs.update().where(runs.c.id == run_id).values(
                finished_at=now(), state="finished", posted=posted, failed=failed, skipped=skipped,
                summary=summary))

    def interrupt_runs(self) -> int:
        """This process's runs still `running` become `interrupted` (Ctrl-C): they will never finish."""
        with self._connect() as conn:
            result = conn.execute(runs.update().where(
                runs.c.state == "running", runs.c.host == socket.gethostname(), runs.c.pid == os.getpid(),
            ).values(finished_at=now(), state="interrupted"))
            return int(result.rowcount or 0)

    def last_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        with self._connect(begin=False) as conn:
            rows = conn.execute(runs.select().order_by(runs.c.id.desc()).limit(limit))
            return [dict(r._mapping) for r in rows]

    def record_job_failure(self, job_id: int, store: str, task: str, reason: str) -> None:
        """Why a fleet job failed (the engine keeps only that it did); a job that fails again keeps its first."""
        try:
            with self._connect() as conn:
                conn.execute(job_failures.insert().values(job_id=job_id, store=store, task=task, failed_at=now(),
                                                          reason=reason))
        except sa.exc.IntegrityError:  # recorded already: the first reason stands
            pass

    def prune_job_failures(self, before: datetime) -> int:
        """Forgets the failures recorded before `before` (their jobs are pruned too)."""
        with self._connect() as conn:
            return int(conn.execute(job_failures.delete().where(job_failures.c.failed_at < before)).rowcount or 0)
