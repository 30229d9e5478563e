"""The ledger and the store lock on PostgreSQL (KASSASYNC_DATABASE_URL): a throwaway cluster, or the URL in
KASSASYNC_TEST_DATABASE_URL; skipped where neither is available."""
from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from runner_fakes import SETTLED, FakeFortnox, age_file, day_file, may_rows, store_config

from pipeline.ledger import Ledger, VoucherRecord
from pipeline.runner.inbox import Inbox
from pipeline.runner.locks import store_lock
from pipeline.runner.store_sync import SyncOptions, sync_store


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    if os.environ.get("KASSASYNC_TEST_DATABASE_URL"):
        yield os.environ["KASSASYNC_TEST_DATABASE_URL"]
        return
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("no PostgreSQL here (initdb/pg_ctl not found; set KASSASYNC_TEST_DATABASE_URL to use a server)")
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'kassasync[postgres]')")
    base = Path(tempfile.mkdtemp(prefix="kassasync-pg-"))  # not under pytest's 0700 tree: postgres must reach it
    data, port = base / "data", _free_port()
    prefix: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run the throwaway cluster as `postgres`
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser: cannot start a PostgreSQL cluster")
        prefix = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, "postgres")
        base.chmod(0o777)
    run = {"capture_output": True, "text": True, "timeout": 120}
    created = subprocess.run([*prefix, initdb, "-D", str(data), "-U", "kassasync", "--auth=trust", "-E", "UTF8"],
                             **run)  # type: ignore[call-overload]
    if created.returncode:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"initdb failed: {created.stderr.strip()[:200]}")
    started = subprocess.run([*prefix, pg_ctl, "-D", str(data), "-l", str(base / "log"), "-w", "-o",
                              f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                             **run)  # type: ignore[call-overload]
    if started.returncode:
        pytest.skip(f"pg_ctl start failed: {started.stderr.strip()[:200]}")
    try:
        yield f"postgresql+psycopg://kassasync@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], **run)  # type: ignore
        shutil.rmtree(base, ignore_errors=True)


def test_ledger_and_sync_on_postgres(postgres_url: str, tmp_path: Path) -> None:
    from pipeline.ledger.opening import upgrade_url

    upgrade_url(postgres_url)  # `kassasync db upgrade`: a PostgreSQL ledger is never created by other commands
    ledger = Ledger.open(postgres_url)
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
