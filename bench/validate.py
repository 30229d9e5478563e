"""Benchmark: `kassasync validate` vs `check-jsonschema` on the same 2,000 generated store files.

Run: .venv/bin/python bench/validate.py [--files 2000] [--repeat N] [--keep DIR]
Prints both wall-clock times (the best of N runs each, alternating) and the ratio; the target is ours
<= a quarter of check-jsonschema's.
"""
from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline.config.rules import luhn_ok

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SCHEMA = ROOT / "schemas" / "store.schema.json"
GROUPS = [("MAT", 3210, 2620, 12), ("LASK", 3320, 2620, 12), ("OL", 3340, 2610, 25), ("VIN", 3350, 2610, 25),
          ("BOCKER", 3003, 2630, 6), ("PRESENT", 3050, 2610, 25), ("TOBAK", 3060, 2610, 25)]


def org_number(n: int) -> str:
    base = f"55{n:07d}"
    for check in range(10):
        digits = base + str(check)
        if luhn_ok(digits):
            return f"{digits[:6]}-{digits[6:]}"
    raise AssertionError


def store_text(n: int, rng: random.Random) -> str:
    groups = rng.sample(GROUPS, k=rng.randint(3, len(GROUPS)))
    lines = ["# yaml-language-server: $schema=../schemas/store.schema.json", "version: 1",
             f"store: butik-{n:05d}", f"name: Butik {n} AB", f'org_number: "{org_number(n)}"',
             "extends: kassa-standard", f"start_date: 2026-{rng.randint(1, 12):02d}-01", "",
             "fortnox:", f'  tenant_id: "{2000000 + n}"', "  voucher_series: F", f"  cost_center: B{n:05d}",
             "", "accounts:"]
    lines += [f"  {revenue}: Försäljning {name.lower()}" for name, revenue, _, _ in groups]
    lines += ["", "article_groups:"]
    for name, revenue, vat, rate in groups:
        if name in ("MAT", "LASK"):
            lines += [f"  {name}:", f"    - {{until: 2026-03-31, revenue: {revenue}, vat_account: 2620, vat_rate: 12}}",
                      f"    - {{from: 2026-04-01, revenue: {revenue}, vat_account: 2630, vat_rate: 6}}"]
        else:
            lines.append(f"  {name}: {{revenue: {revenue}, vat_account: {vat}, vat_rate: {rate}}}")
    lines += ["", "voucher:", "  per: " + rng.choice(["z-report", "day"]),
              '  description: "Dagskassa {{ date }} {{ store.name }} Z {{ z_report }}"', "",
              "rules:", "  disable: []", ""]
    return "\n".join(lines)


def generate(target: Path, count: int) -> list[Path]:
    rng = random.Random(20261128)
    (target / "_profiles").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "stores" / "_profiles" / "kassa-standard.yaml", target / "_profiles")
    paths = []
    for n in range(count):
        path = target / f"butik-{n:05d}.yaml"
        path.write_text(store_text(n, rng), encoding="utf-8")
        paths.append(path)
    return paths


def timed(command: list[str]) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done.returncode, (done.stdout + done.stderr).strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each tool; the best is reported")
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="kassasync-bench-"))
    stores = work / "stores"
    if stores.exists():
        shutil.rmtree(stores)
    paths = generate(stores, args.files)
    ours_runs, theirs_runs = [], []
    for _ in range(max(1, args.repeat)):  # alternating, so both see the same background load
        ours_runs.append(timed([str(BIN / "kassasync"), "validate", str(stores)]))
        theirs_runs.append(timed([str(BIN / "check-jsonschema"), "--schemafile", str(SCHEMA), *map(str, paths)]))
    ours, our_rc, our_out = min(ours_runs)
    theirs, their_rc, their_out = min(theirs_runs)
    print(f"files:                 {len(paths)}")
    print(f"kassasync validate:    {ours:7.2f} s  ({ours / len(paths) * 1000:.2f} ms/file, exit {our_rc}: "
          f"{our_out.splitlines()[-1] if our_out else ''})")
    print(f"check-jsonschema:      {theirs:7.2f} s  ({theirs / len(paths) * 1000:.2f} ms/file, exit {their_rc}: "
          f"{their_out.splitlines()[-1] if their_out else ''})")
    print(f"ratio ours/theirs:     {ours / theirs:.3f}  (target <= 0.25)")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
