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


class _SlowFortnox(FakeFortnox):
    """Fortnox as far away as the real one: each store holds its lock while it waits."""

    async def authenticate(self, *, offline: bool = False) -> bool:
        await asyncio.sleep(0.05)
        return await super().authenticate(offline=offline)


def test_a_run_of_many_stores_on_postgres_has_a_connection_for_every_lock(postgres_ledger_url: str,
                                                                           tmp_path: Path) -> None:
    # 24 stores, 8 at a time: up to 16 hold their store lock (a connection each) beside the ledger's threads,
    # more than SQLAlchemy's default pool of 5 + 10 gives; the run stalled on its event loop before.
    from pipeline.cli.sync import run_sync
    from pipeline.settings import Settings

    settings = Settings.from_env(stores_dir=tmp_path / "stores", inbox_dir=tmp_path / "inbox",
                                 state_dir=tmp_path / "state", env={"KASSASYNC_DATABASE_URL": postgres_ledger_url})
    prefix = f"pg{int(time.time() * 1000) % 100000}"
    configs = [store_config(store=f"{prefix}-{n}") for n in range(24)]
    inbox = Inbox(settings.inbox_dir)
    for n, config in enumerate(configs):
        inbox.store_dir(config.store).mkdir(parents=True)
        path = inbox.store_dir(config.store) / "z.se"
        path.write_bytes(day_file([(str(100 + n), date(2026, 5, 4), may_rows())]))
        age_file(path, SETTLED)
    fortnox = _SlowFortnox()
    summary = run_sync(settings, configs, SyncOptions(today=date(2026, 11, 28)), concurrency=8,
                       show_progress=False, opener=fortnox.opener())
    assert summary.ok and [s.posted for s in summary.stores] == [1] * 24
    assert len(fortnox.posted) == 24
