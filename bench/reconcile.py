"""Benchmark of `kassasync reconcile`: Fortnox API requests per store-month, as the sandbox counts them.

N stores (default 200) with a month of Z-reports each (default 30 days, October 2026) are synced into a sandbox
in its own process; then `kassasync reconcile --all --month 2026-10` runs as a user runs it, four times:

1. the ledger knows every voucher (it posted them and kept Fortnox's answers): target <= 1 + vouchers / 500
   per store-month, the voucher list alone;
2. after the ledger was lost and rebuilt from Fortnox (`ledger rebuild`): its rows carry no amounts, so each
   voucher is read once (and kept), plus the financial years the rebuilt ledger has not cached;
3. the same month again: the rows read in run 2 were kept, so the list alone again;
4. with --verify-rows (what sync.yml runs on the 3rd): every voucher read, one request each.

Each run prints the requests per store-month, in all and by kind, and the wall time (not a target: the machine
is shared, and the sandbox answers at once).

    .venv/bin/python bench/reconcile.py [--stores 200] [--days 30]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "runner"))  # the fleet builder the fault tests use
sys.path.insert(0, str(ROOT / "bench"))

from fleet_builder import write_fleet  # noqa: E402
from sync import BENCH_SECRET_KEY, api_requests, start_sandbox  # noqa: E402

TODAY = date(2026, 11, 28)
FIRST_DAY = date(2026, 10, 1)
MONTH = "2026-10"
KINDS = {"sublist_vouchers": "lists", "get_voucher": "reads", "list_financial_years": "years"}


def kassasync(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", "--stores", str(root / "stores"), "--inbox",
                           str(root / "inbox"), "--state-dir", str(root / "state"), *args, "--today",
                           TODAY.isoformat()], env=env, capture_output=True, text=True, check=False)


def reconcile_run(title: str, root: Path, env: dict[str, str], handle: object, stores: int, vouchers: int,
                  *extra: str) -> None:
    handle.reset_request_counts()  # type: ignore[attr-defined]
    started = time.perf_counter()
    done = kassasync(root, env, "reconcile", "--all", "--month", MONTH, "--format", "json", *extra)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"reconcile exited {done.returncode}: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    agreed = report["totals"]["agreed"]
    total, by_kind = api_requests(handle)  # type: ignore[arg-type]
    kinds = {name: by_kind.get(op, 0) / stores for op, name in KINDS.items()}
    other = {op: n for op, n in by_kind.items() if op not in KINDS}
    print(f"{title}: {agreed} of {stores} store(s) agree")
    print(f"  requests/store-month {total / stores:6.2f}   (target for a ledger that knows every voucher: <= "
          f"1 + {vouchers}/500 = {1 + vouchers / 500:.2f})")
    print("  per store-month      " + ", ".join(f"{n:.2f} {name}" for name, n in kinds.items())
          + (f"; other {other}" if other else ""))
    print(f"  wall time            {wall:6.2f} s   ({stores} stores; not a target)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=200)
    parser.add_argument("--days", type=int, default=30)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kassasync-bench-reconcile-") as tmp:
        root = Path(tmp)
        write_fleet(root, stores=options.stores, vouchers_per_store=options.days, per_file=options.days,
                    first_day=FIRST_DAY, tenant_base=5000000)
        process, handle = start_sandbox(root, latency_ms=0)
        try:
            env = {**os.environ, **handle.env(), "KASSASYNC_SECRET_KEY": BENCH_SECRET_KEY}
            started = time.perf_counter()
            synced = kassasync(root, env, "--settle-seconds", "0", "sync", "--all", "--json")
            if synced.returncode != 0:
                raise SystemExit(f"sync exited {synced.returncode}: {synced.stderr[-2000:]}")
            posted = json.loads(synced.stdout)["totals"]["posted"]
            print(f"bench/reconcile.py: {options.stores} stores x {options.days} days ({MONTH}); sync posted "
                  f"{posted} vouchers in {time.perf_counter() - started:.1f} s")
            reconcile_run("1. the ledger knows every voucher", root, env, handle, options.stores, options.days)
            for extra in ("-wal", "-shm", ""):
                Path(f"{root / 'state' / 'ledger.sqlite3'}{extra}").unlink(missing_ok=True)
            rebuilt = kassasync(root, env, "ledger", "rebuild")
            if rebuilt.returncode != 0:
                raise SystemExit(f"ledger rebuild exited {rebuilt.returncode}: {rebuilt.stderr[-2000:]}")
            reconcile_run("2. after the ledger was lost and rebuilt", root, env, handle, options.stores, options.days)
            reconcile_run("3. the same month again", root, env, handle, options.stores, options.days)
            reconcile_run("4. --verify-rows", root, env, handle, options.stores, options.days, "--verify-rows")
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
