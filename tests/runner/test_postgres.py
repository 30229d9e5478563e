"""The ledger, the store lock and a store's sync on PostgreSQL (the test server: tests/postgres_server.py)."""
from __future__ import annotations

import asyncio
import time
from datetime import date
from pathlib import Path

from runner_fakes import SETTLED, FakeFortnox, age_file, day_file, may_rows, store_config

from pipeline.ledger import Ledger, VoucherRecord
from pipeline.runner.inbox import Inbox
from pipeline.runner.locks import store_lock
from pipeline.runner.store_sync import SyncOptions, sync_store


def test_ledger_and_sync_on_postgres(postgres_ledger_url: str, tmp_path: Path) -> None:
    ledger = Ledger.open(postgres_ledger_url)
    try:
        store = f"pg-{int(time.time() * 1000)}"
        record = VoucherRecord(key=f"{store}/k", store=store, business_date=date(2026, 5, 4), file_digest="d" * 64,
                               ver_id="v", marker="KS-x", source="[]", state="planned")
        assert ledger.add_vouchers([record, record], None) == 1
        ledger.mark_pending([record.key], None)
        ledger.mark_posted(record.key, series="F", number=1, year=1)
        assert ledger.store_days(store)[0].state == "posted"
        with store_lock(ledger, tmp_path, store) as first, store_lock(ledger, tmp_path, store) as second:
            assert first and not second  # the advisory lock keeps a second runner out

        config = store_config(store=f"{store}-s")
        inbox = Inbox(tmp_path / "inbox")
        inbox.store_dir(config.store).mkdir(parents=True)
        (inbox.store_dir(config.store) / "z.se").write_bytes(day_file([("64", date(2026, 5, 4), may_rows())]))
        age_file(inbox.store_dir(config.store) / "z.se", SETTLED)
        fortnox = FakeFortnox(drop_after_commit={1})
        options = SyncOptions(today=date(2026, 11, 28))
        result = asyncio.run(sync_store(config, ledger=ledger, inbox=inbox, open_client=fortnox.opener(),
                                        options=options, run_id=None, state_dir=tmp_path))
        assert (result.posted, result.found, len(fortnox.posted)) == (1, 1, 1)
    finally:
        ledger.close()
