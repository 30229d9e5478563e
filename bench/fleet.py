"""Benchmark of the fleet: `kassasync worker` processes syncing N stores (one day each) from one PostgreSQL,
against a sandbox (its own process) with latency. Not a test: it prints figures.

The store files are a git checkout, as a deployment keeps them. Three runs, each on a fresh schema in the
PostgreSQL server and a fresh sandbox: one worker (cold), two workers with the same concurrency each (cold,
other stores), then the two workers' next day (warm). For each it prints the wall time from the first job's
start to the last job's end (procrastinate's event times, so the processes' start-up and the idle check are
left out; the whole process time is printed beside it), the floor (requests x latency / total concurrency)
and their ratio (target <= 1.5), the Fortnox API requests per store-day (targets: cold <= 2, as the embedded
runner's, see bench/sync.py; warm <= 1.2), and the CPU of the workers, the sandbox and PostgreSQL (when it
runs on this machine) with the wall time that CPU alone needs here: all of it spread over the machine's cores,
or one worker's on its one core, whichever is longer. Then the throughput of two workers over one (target
>= 1.8).

The embedded runner's figure (SQLite, one process) is bench/sync.py's: `bench/sync.py --stores 500
--latency-ms 150`.

    .venv/bin/python bench/fleet.py [--stores 2000] [--latency-ms 150] [--concurrency 16]
        [--database-url postgresql://postgres@127.0.0.1:5432/test]
"""
from __future__ import annotations

import argparse
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "runner"))  # the fleet builder the fault tests use
sys.path.insert(0, str(ROOT / "tests"))  # the PostgreSQL test server's helpers
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from fleet_builder import write_fleet  # noqa: E402
from postgres_server import schema_url  # noqa: E402
from sync import (  # noqa: E402
    BENCH_SECRET_KEY,
    FIRST_DAY,
    KINDS,
    api_requests,
    proc_stat,
    process_cpu_ms,
    start_sandbox,
    write_next_day,
)

from pipeline.ledger import migrate  # noqa: E402
from pipeline.ledger.opening import engine_for  # noqa: E402
from pipeline.sandbox.testing import SandboxHandle  # noqa: E402

TODAY = "2026-11-28"


@dataclass
class Run:
    label: str
    stores: int
    workers: int
    jobs_seconds: float  # first job started .. last job ended
    process_seconds: float  # the worker processes, start to exit
    requests: int
    operations: dict[str, int]
    posted: int
    worker_cpu: float  # seconds, every worker process
    sandbox_cpu: float | None  # seconds, the sandbox's process
    database_cpu: float | None  # seconds, the PostgreSQL server's processes (when it runs on this machine)


@contextmanager
def schema(server: str) -> Iterator[str]:
    """An empty schema of the bench's own, upgraded as an operator would (`kassasync db upgrade`); dropped after."""
    name = f"ksbench_{secrets.token_hex(4)}"
    admin = engine_for(server)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    url = schema_url(server, name)
    engine = engine_for(url)
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def commit_stores(stores: Path) -> None:
    """The store files as a deployment keeps them (docs/fleet.md): a git checkout, so that each job's two git
    calls (the store file's commit, recorded on its vouchers) are in the figures."""
    git = ["git", "-C", str(stores), "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "the fleet's store files"]):
        subprocess.run([*git, *args], check=True)


def kassasync(root: Path, env: dict[str, str], *args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "--stores", str(root / "stores"), "--inbox", str(root / "inbox"),
            "--state-dir", str(root / "state"), "-q", *args]


def run_fleet(label: str, root: Path, handle: SandboxHandle, sandbox_pid: int, url: str, *, stores: int,
              workers: int, concurrency: int) -> Run:
    env = {**os.environ, **handle.env(), "KASSASYNC_DATABASE_URL": url, "KASSASYNC_SECRET_KEY": BENCH_SECRET_KEY}
    before = _last_job(url)
    subprocess.run(kassasync(root, env, "enqueue", "--all"), env=env, check=True, stdout=subprocess.DEVNULL)
    handle.reset_request_counts()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    sandbox_before = process_cpu_ms(sandbox_pid)
    database_before = postgres_cpu()
    started = time.perf_counter()
    processes = [subprocess.Popen(kassasync(root, env, "worker", "--today", TODAY, "--until-idle", "--concurrency",
                                            str(concurrency)), env=env, stderr=subprocess.PIPE, text=True)
                 for _ in range(workers)]
    for process in processes:
        _, err = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"a worker failed:\n{err[-3000:]}")
    process_seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    sandbox_after = process_cpu_ms(sandbox_pid)
    sandbox_cpu = (sandbox_after - sandbox_before) / 1000 if sandbox_before is not None and sandbox_after else None
    database_after = postgres_cpu()
    database_cpu = database_after - database_before if database_before is not None and database_after else None
    requests, operations = api_requests(handle)
    engine = engine_for(url)
    with engine.connect() as conn:
        first, last = conn.execute(sa.text(
            "SELECT min(e.at) FILTER (WHERE e.type = 'started'), "
            "max(e.at) FILTER (WHERE e.type IN ('succeeded', 'failed')) "
            "FROM procrastinate_events e JOIN procrastinate_jobs j ON j.id = e.job_id "
            "WHERE j.task_name = 'kassasync.sync_store' AND j.id > :before"), {"before": before}).one()
        posted = conn.execute(sa.text("SELECT count(*) FROM vouchers WHERE state = 'posted'")).scalar_one()
    engine.dispose()
    return Run(label, stores, workers, (last - first).total_seconds(), process_seconds, requests, operations,
               int(posted), worker_cpu, sandbox_cpu, database_cpu)


def postgres_cpu() -> float | None:
    """CPU seconds (user + system) of the PostgreSQL server's processes on this machine, the backends that have
    ended included (the postmaster's reaped children); None where there is no /proc or no such process."""
    clock = os.sysconf("SC_CLK_TCK")
    processes: dict[int, tuple[int, list[str]]] = {}  # pid -> (parent, stat fields)
    try:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if (entry / "comm").read_text().strip() != "postgres":
                    continue
            except OSError:  # gone meanwhile
                continue
            fields = proc_stat(entry.name)
            if fields is not None:
                processes[int(entry.name)] = (int(fields[1]), fields)
    except OSError:
        return None
    if not processes:
        return None
    ticks = 0
    for parent, fields in processes.values():
        ticks += int(fields[11]) + int(fields[12])
        if parent not in processes:  # the postmaster: its ended backends' time too
            ticks += int(fields[13]) + int(fields[14])
    return ticks / clock


def _last_job(url: str) -> int:
    engine = engine_for(url)
    with engine.connect() as conn:
        last = conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM procrastinate_jobs")).scalar_one()
    engine.dispose()
    return int(last)


def report(run: Run, latency_ms: float, concurrency: int, target: str) -> None:
    total_concurrency = run.workers * concurrency
    floor = run.requests * latency_ms / 1000 / total_concurrency
    print(f"{run.label}: {run.workers} worker(s) x concurrency {concurrency}, {run.stores} stores, "
          f"{run.posted} vouchers posted in the ledger")
    print(f"  jobs' wall time      {run.jobs_seconds:8.2f} s   (first job started .. last job ended)")
    print(f"  processes' wall time {run.process_seconds:8.2f} s   (start-up and the idle check included)")
    print(f"  floor                {floor:8.2f} s   ({run.requests} requests x {latency_ms:g} ms / "
          f"{total_concurrency})")
    print(f"  ratio                {run.jobs_seconds / floor if floor else float('nan'):8.2f}     (target <= 1.5)")
    print(f"  requests/store-day   {run.requests / run.stores:8.2f}     ({target})")
    kinds = {name: sum(run.operations.get(op, 0) for op in ops) for name, ops in KINDS}
    print("  per store            " + ", ".join(f"{kinds[name] / run.stores:.2f} {name}" for name, _ in KINDS))
    print(f"  worker CPU           {run.worker_cpu:8.2f} s   ({run.worker_cpu / run.stores * 1000:.1f} ms per store, "
          f"all workers)")
    if run.sandbox_cpu is not None:
        print(f"  sandbox CPU          {run.sandbox_cpu:8.2f} s   ({run.sandbox_cpu / run.stores * 1000:.1f} ms per "
              "store, its own process)")
    if run.database_cpu is not None:
        print(f"  PostgreSQL CPU       {run.database_cpu:8.2f} s   ({run.database_cpu / run.stores * 1000:.1f} ms per "
              "store, the server's processes on this machine)")
    if run.sandbox_cpu is not None and run.database_cpu is not None:
        total = run.worker_cpu + run.sandbox_cpu + run.database_cpu
        cores = os.cpu_count() or 1
        bound = max(total / cores, run.worker_cpu / run.workers)  # a worker is one Python process: one core
        print(f"  CPU bound            {bound:8.2f} s   (the workers, the sandbox and PostgreSQL used {total:.2f} s of "
              f"CPU on {cores} cores, a worker {run.worker_cpu / run.workers:.2f} s on its one: no run here is faster)")
    print(f"  throughput           {run.stores / run.jobs_seconds:8.2f} stores/s   "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url", default=os.environ.get("KASSASYNC_TEST_DATABASE_URL")
                        or "postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(f"bench/fleet.py: {args.stores} stores, one day each, sandbox latency {args.latency_ms:g} ms, "
          f"concurrency {args.concurrency} per worker")
    runs: list[Run] = []
    for workers, tenant_base in ((1, 3000000), (2, 4000000)):
        with tempfile.TemporaryDirectory(prefix="kassasync-fleet-bench-") as tmp, schema(args.database_url) as url:
            root = Path(tmp)
            write_fleet(root, args.stores, 1, per_file=1, first_day=FIRST_DAY, tenant_base=tenant_base)
            commit_stores(root / "stores")
            process, handle = start_sandbox(root, args.latency_ms)
            try:
                cold = run_fleet("cold run (empty ledger)", root, handle, process.pid, url, stores=args.stores,
                                 workers=workers, concurrency=args.concurrency)
                report(cold, args.latency_ms, args.concurrency, "target <= 2")
                runs.append(cold)
                if workers == 2:
                    write_next_day(root, args.stores, 1, "day2")
                    warm = run_fleet("next day's run", root, handle, process.pid, url, stores=args.stores,
                                     workers=workers, concurrency=args.concurrency)
                    report(warm, args.latency_ms, args.concurrency, "target <= 1.2")
            finally:
                process.terminate()
                process.wait(timeout=30)
    one, two = runs
    ratio = (two.stores / two.jobs_seconds) / (one.stores / one.jobs_seconds)
    print(f"two workers over one: {ratio:.2f} x the throughput (target >= 1.8)")


if __name__ == "__main__":
    main()
