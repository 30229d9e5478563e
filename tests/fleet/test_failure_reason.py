"""Why a fleet job failed, as the worker keeps it for `status`: the store's own words, kassasync's errors named as
such, secrets redacted, and the notes pruned with their jobs."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from pipeline.errors import UserError
from pipeline.fleet.engine import REASON_LENGTH, StoreFailed, failure_reason
from pipeline.ledger import Ledger, now
from pipeline.ledger.tables import job_failures


def test_a_stores_failure_is_told_in_its_own_words() -> None:
    assert failure_reason(StoreFailed("the store file has 2 error(s) (fix them)")) == \
        "the store file has 2 error(s) (fix them)"
    assert failure_reason(UserError("store `x` not found", "create stores/x.yaml")) == \
        "store `x` not found (create stores/x.yaml)"


def test_an_unexpected_error_is_named_as_kassasyncs_with_secrets_redacted() -> None:
    reason = failure_reason(RuntimeError("sent Authorization: Bearer abcdef123456789"))
    assert reason.startswith("RuntimeError: sent Authorization: [REDACTED]")
    assert "abcdef123456789" not in reason and "the worker's log has its traceback" in reason


def test_a_long_reason_is_cut_to_its_limit() -> None:
    reason = failure_reason(StoreFailed("x" * 5000))
    assert len(reason) == REASON_LENGTH and reason.endswith("…")


def test_a_failure_is_kept_once_and_pruned_with_its_job(tmp_path: Path) -> None:
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    try:
        ledger.record_job_failure(7, "cafe-000", "kassasync.sync_store", "first")
        ledger.record_job_failure(7, "cafe-000", "kassasync.sync_store", "second")
        with ledger.engine.connect() as conn:
            assert conn.execute(sa.select(job_failures.c.job_id, job_failures.c.reason)).all() == [(7, "first")]
        assert ledger.prune_job_failures(now() - timedelta(days=1)) == 0
        assert ledger.prune_job_failures(now() + timedelta(days=1)) == 1
    finally:
        ledger.close()
