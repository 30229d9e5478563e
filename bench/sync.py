"""Benchmark of `kassasync sync`: N stores, one day each, against a sandbox (its own process) with latency.

Three runs: a cold one (empty ledger), the next day's, and one after the ledger was lost (the file deleted,
both days' files put back in the inbox, and a third day's files beside them). For each it prints the wall
time, the floor (stores x requests per store x latency / concurrency), their ratio (target <= 2), and the
Fortnox API requests per store-day as the sandbox counted them, also by kind (financial years, voucher
lists, voucher reads, posts). Targets: cold <= 3 (the years, the look-up a new ledger owes every store, the
POST); next day <= 1.2; after the loss at most one list per store per 30 days of range, plus the posts.
The cold run fetches one access token per store (client credentials; not an API request, so not in the
count); the later runs start without the tokens held in memory, as a new process would, and find them in the
encrypted token store (KASSASYNC_SECRET_KEY is set, as in any deployment), valid until shortly before expiry.

The runner is the embedded one, in this process (one event loop, `--concurrency` stores at a time), as
`kassasync sync` runs it. Runner CPU is this process's; the sandbox's is its own.

    .venv/bin/python bench/sync.py [--stores 500] [--latency-ms 50] [--concurrency 16]
                                   [--expire-tokens] [--list-without-comments]
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "runner"))  # the fleet builder the fault tests use

from fleet_builder import write_fleet  # noqa: E402

from pipeline.cli.sync import run_sync  # noqa: E402
from pipeline.config import load_stores  # noqa: E402
from pipeline.runner.store_sync import SyncOptions  # noqa: E402
from pipeline.sandbox.seed import dump_seed, seed_from_stores  # noqa: E402
from pipeline.sandbox.testing import SandboxHandle  # noqa: E402
from pipeline.settings import Settings  # noqa: E402

TODAY = date(2026, 11, 28)
FIRST_DAY = date(2026, 11, 20)
BENCH_SECRET_KEY = "kassasync-bench-only-secret-key"  # encrypts the bench's own throwaway token store


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_sandbox(root: Path, latency_ms: float,
                  without_comments: bool = False) -> tuple[subprocess.Popen[bytes], SandboxHandle]:
    configs, _ = load_stores(root / "stores")
    seed = root / "seed.yaml"
    seed.write_text(dump_seed(seed_from_stores(list(configs.values()), today=TODAY)), encoding="utf-8")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--state-dir", str(root / "sandbox-state"), "sandbox", "serve",
         "--port", str(port), "--data", str(root / "sandbox"), "--seed", str(seed),
         "--latency-ms", str(latency_ms), *(["--list-without-comments"] if without_comments else [])],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    handle = SandboxHandle(base_url=f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    while True:
        try:
            handle.admin("GET", "/requests")
            return process, handle
        except Exception:  # noqa: BLE001 - not up yet
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the sandbox did not start") from None
            time.sleep(0.2)


def api_requests(handle: SandboxHandle) -> tuple[int, dict[str, int]]:
    """The /3 requests the sandbox counted since its counts were reset: in all, and by handler."""
    counted = handle.admin("GET", "/requests")
    return sum(int(v) for v in counted["requests"].values()), {k: int(v) for k, v in counted["operations"].items()}


def proc_stat(pid: int | str) -> list[str] | None:
    """A process's /proc/<pid>/stat fields after its name (field 1 is its parent, 11 and 12 its user and system
    clock ticks, 13 and 14 its ended children's); None where there is no such file."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def process_cpu_ms(pid: int) -> int | None:
    """CPU time (user + system) of another process, from /proc (None where there is no /proc)."""
    fields = proc_stat(pid)
    if fields is None:
        return None
    return int((int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK"))


def saved_tokens(state: Path) -> dict[str, int]:
    """The token store's cached access tokens and when each was written (ns)."""
    return {p.name: p.stat().st_mtime_ns for p in (state / "tokens").glob("*.access")}


def tokens_fetched(before: dict[str, int], after: dict[str, int]) -> int:
    """Access tokens fetched during a run: each one fetched is saved, encrypted, to the token store, so they are
    counted there."""
    return sum(1 for name, written in after.items() if before.get(name) != written)


def timed_run(root: Path, handle: SandboxHandle, concurrency: int,
              sandbox_pid: int) -> tuple[float, tuple[int, dict[str, int]], dict[str, int]]:
    env = {**os.environ, **handle.env(), "KASSASYNC_SECRET_KEY": BENCH_SECRET_KEY}
    settings = Settings.from_env(stores_dir=root / "stores", inbox_dir=root / "inbox", state_dir=root / "state",
                                 env=env)
    configs = [c for _, c in sorted(load_stores(root / "stores")[0].items())]
    handle.reset_request_counts()
    sandbox_cpu = process_cpu_ms(sandbox_pid)
    tokens_before = saved_tokens(root / "state")
    started, cpu = time.perf_counter(), time.process_time()
    summary = run_sync(settings, configs, SyncOptions(today=TODAY), concurrency=concurrency, show_progress=False)
    elapsed = time.perf_counter() - started
    totals = summary.totals()
    totals["cpu_ms"] = int((time.process_time() - cpu) * 1000)
    totals["token_calls"] = tokens_fetched(tokens_before, saved_tokens(root / "state"))
    sandbox_after = process_cpu_ms(sandbox_pid)
    totals["sandbox_cpu_ms"] = -1 if sandbox_cpu is None or sandbox_after is None else sandbox_after - sandbox_cpu
    return elapsed, api_requests(handle), totals


KINDS = (("years", ("list_financial_years",)), ("lists", ("list_vouchers", "sublist_vouchers")),
         ("reads", ("get_voucher",)), ("posts", ("create_voucher",)))


def report(label: str, stores: int, elapsed: float, counted: tuple[int, dict[str, int]], totals: dict[str, int],
           latency_ms: float, concurrency: int, target: str, days: int = 1) -> None:
    requests, operations = counted
    per_store = requests / stores
    floor = stores * per_store * latency_ms / 1000 / concurrency
    print(f"{label}: {totals['posted']} posted ({totals['found']} of them found in Fortnox), {totals['failed']} failed")
    print(f"  wall time            {elapsed:8.2f} s")
    print(f"  floor                {floor:8.2f} s   ({stores} stores x {per_store:.2f} requests x "
          f"{latency_ms:g} ms / {concurrency})")
    print(f"  ratio                {elapsed / floor if floor else float('nan'):8.2f}     (target <= 2)")
    print(f"  requests/store-day   {requests / (stores * days):8.2f}     ({stores} stores x {days} day(s); {target})")
    kinds = {name: sum(operations.get(op, 0) for op in ops) for name, ops in KINDS}
    other = requests - sum(kinds.values())
    print("  per store            " + ", ".join(f"{kinds[name] / stores:.2f} {name}" for name, _ in KINDS)
          + (f", {other / stores:.2f} other" if other else ""))
    print(f"  token calls          {totals['token_calls']:8d}     (access tokens fetched; not API requests)")
    print(f"  runner CPU           {totals['cpu_ms'] / 1000:8.2f} s   ({totals['cpu_ms'] / stores:.1f} ms per store, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    if totals["sandbox_cpu_ms"] >= 0:
        print(f"  sandbox CPU          {totals['sandbox_cpu_ms'] / 1000:8.2f} s   (its own process)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--expire-tokens", action="store_true",
                        help="the next day's run finds no cached access token (as 24 h later: they live 1 h)")
    parser.add_argument("--list-without-comments", action="store_true",
                        help="the sandbox's voucher lists leave out Comments: look-ups read each voucher")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="kassasync-bench-") as tmp:
        root = Path(tmp)
        write_fleet(root, args.stores, 1, per_file=1, first_day=FIRST_DAY)
        process, handle = start_sandbox(root, args.latency_ms, args.list_without_comments)
        try:
            print(f"bench/sync.py: {args.stores} stores, one day each, sandbox latency {args.latency_ms:g} ms, "
                  f"concurrency {args.concurrency}"
                  + (", voucher lists without Comments" if args.list_without_comments else ""))
            elapsed, counted, totals = timed_run(root, handle, args.concurrency, process.pid)
            report("cold run (empty ledger)", args.stores, elapsed, counted, totals, args.latency_ms,
                   args.concurrency, "target <= 3: the years, one look-up, the POST")
            write_next_day(root, args.stores, 1, "day2")
            forget_tokens(root / "state" / "tokens" if args.expire_tokens else None)
            elapsed, counted, totals = timed_run(root, handle, args.concurrency, process.pid)
            report("next day's run" + (" (cached access tokens expired)" if args.expire_tokens else ""), args.stores,
                   elapsed, counted, totals, args.latency_ms, args.concurrency, "target <= 1.2")
            lose_ledger(root)
            write_next_day(root, args.stores, 2, "day3")
            forget_tokens(None)
            elapsed, counted, totals = timed_run(root, handle, args.concurrency, process.pid)
            report("after ledger loss (2 days put back, 1 new)", args.stores, elapsed, counted, totals,
                   args.latency_ms, args.concurrency, "target: <= 1 list per store per 30 days, plus the posts",
                   days=3)
        finally:
            process.terminate()
            process.wait(timeout=30)


def forget_tokens(expired_in: Path | None) -> None:
    """The next day's run is a new process: without the access tokens this process holds in memory (those
    in the encrypted token store on disk stay, as they would for a new process, unless `expired_in` names
    the token store whose cached access tokens have expired by then)."""
    from pipeline.fortnox import auth

    auth._cc_cache.clear()
    for cached in (expired_in.glob("*.access") if expired_in else ()):
        cached.unlink()


def write_next_day(root: Path, stores: int, later: int, prefix: str) -> None:
    """A later day's files: the fleet written for FIRST_DAY + `later` (same stores, a new Z-report each)."""
    scratch = root / prefix
    write_fleet(scratch, stores, 1, per_file=1, first_day=FIRST_DAY + timedelta(days=later), seed=99 + later)
    for folder in (scratch / "inbox").iterdir():
        target = root / "inbox" / folder.name
        for path in folder.iterdir():
            shutil.copy2(path, target / f"{prefix}-{path.name}")  # with its time: written an hour ago, settled


def lose_ledger(root: Path) -> None:
    """The ledger file deleted (with its WAL), and every archived day file put back in its store's inbox."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{root / 'state' / 'ledger.sqlite3'}{suffix}").unlink(missing_ok=True)
    archive = root / "inbox" / "archive"
    for path in sorted(archive.rglob("*.se")):
        path.rename(root / "inbox" / path.relative_to(archive).parts[0] / path.name)


if __name__ == "__main__":
    main()
