"""Benchmark: `kassasync plan --all` for 200 generated stores against the sandbox with 50 ms latency per request.

Prints wall time and requests per store (target: at most 12; stores planned concurrently). Usage:
    .venv/bin/python bench/plan.py [--stores 200] [--latency-ms 50] [--concurrency 32]
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "examples" / "stores" / "hamnens-delikatesser.yaml"
TODAY = date(2026, 11, 28)


def org_number(n: int) -> str:
    """A valid-looking Swedish organisation number (Luhn check digit), unique per n."""
    body = f"55{n:07d}"
    total = 0
    for i, ch in enumerate(body):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return f"{body[:6]}-{body[6:]}{(10 - total % 10) % 10}"


def generate(stores_dir: Path, count: int) -> None:
    """`count` store files made from the example delicatessen, each with its own id, tenant and org number."""
    shutil.copytree(ROOT / "examples" / "stores" / "_profiles", stores_dir / "_profiles")
    text = TEMPLATE.read_text(encoding="utf-8")
    for n in range(count):
        store = f"bench-{n:03d}"
        body = re.sub(r"(?m)^store: .*$", f"store: {store}", text)
        body = re.sub(r"(?m)^name: .*$", f"name: Bänkbutik {n} AB", body)
        body = re.sub(r'(?m)^org_number: .*$', f'org_number: "{org_number(n)}"', body)
        body = re.sub(r'(?m)^(\s+tenant_id: ).*$', rf'\g<1>"{2000000 + n}"', body)
        (stores_dir / f"{store}.yaml").write_text(body, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()

    from pipeline.config import load_stores
    from pipeline.sandbox.seed import seed_from_stores
    from pipeline.sandbox.testing import running_sandbox

    work = Path(tempfile.mkdtemp(prefix="kassasync-bench-plan-"))
    stores_dir = work / "stores"
    stores_dir.mkdir()
    generate(stores_dir, args.stores)
    configs, diags = load_stores(stores_dir)
    errors = [d for d in diags if d.is_error]
    if errors or len(configs) != args.stores:
        print("generated store files are invalid:", *(d.render() for d in errors[:5]), sep="\n", file=sys.stderr)
        return 1
    seed = seed_from_stores(list(configs.values()), drift=True, today=TODAY)
    with running_sandbox(work / "sandbox", seed=seed, today=TODAY, latency_ms=args.latency_ms) as sandbox:
        env = {**os.environ, **sandbox.env(), "KASSASYNC_HOME": str(work / "state")}
        command = [str(ROOT / ".venv" / "bin" / "kassasync"), "--stores", str(stores_dir), "-q", "plan", "--all",
                   "--concurrency", str(args.concurrency), "--format", "json", "--today", TODAY.isoformat()]
        sandbox.reset_request_counts()
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        counts = sandbox.admin("GET", "/requests")["requests"]
    per_store = [int(counts.get(str(int(c.tenant_id)), 0)) for c in configs.values() if c.tenant_id]
    changes = done.stdout.count('"kind":')
    print(f"plan --all: {args.stores} stores, sandbox latency {args.latency_ms:.0f} ms, "
          f"concurrency {args.concurrency}, exit code {done.returncode}")
    print(f"  wall time: {wall:.2f} s ({wall / args.stores * 1000:.1f} ms per store)")
    print(f"  requests per store: mean {sum(per_store) / len(per_store):.1f}, max {max(per_store)}, "
          f"min {min(per_store)} (target <= 12; API requests, the token request not counted)")
    print(f"  changes planned: {changes} ({changes / args.stores:.1f} per store, drift seed)")
    if done.returncode not in (0, 2):
        print(done.stderr[-2000:], file=sys.stderr)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
