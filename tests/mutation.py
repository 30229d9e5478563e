"""`make mutation`: mutmut over the modules that hold the rules, then the mutation score of each module.

The modules are `only_mutate` in pyproject.toml's [tool.mutmut]. A mutant counts as caught when a test
failed on it (killed) or it made a test hang (timeout); it is missed when every test still passed
(survived) or no test reached it. The score is caught / all mutants. `--keep` reuses mutmut's results in
mutants/ for code that did not change (faster, but results from before a test was added stay).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AIM = 85.0
CAUGHT = frozenset({"killed", "timeout"})


def modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    return [path.removesuffix(".py").replace("/", ".") for path in config["only_mutate"]]


def main(argv: list[str]) -> int:
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    if "--keep" not in argv:
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    run = subprocess.run([mutmut, "run"], cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
    results = subprocess.run([mutmut, "results", "--all", "true"], cwd=ROOT, check=False,
                             capture_output=True, text=True)
    if run.returncode != 0 or results.returncode != 0:
        print(f"mutmut failed (run exit {run.returncode}): {results.stderr.strip()[-2000:]}")
        return 1
    counts: dict[str, Counter[str]] = {module: Counter() for module in modules()}
    for line in results.stdout.splitlines():
        name, _, status = line.strip().rpartition(": ")
        module = next((m for m in counts if name.startswith(m + ".")), None)
        if module is not None:
            counts[module][status] += 1
    print(f"{'module':<28} {'mutants':>7} {'caught':>6} {'missed':>6} {'score':>7}")
    below = []
    for module, count in counts.items():
        total = sum(count.values())
        caught = sum(n for status, n in count.items() if status in CAUGHT)
        score = 100.0 * caught / total if total else 0.0
        print(f"{module:<28} {total:>7} {caught:>6} {total - caught:>6} {score:>6.1f} %")
        if score < AIM:
            below.append(module)
    print(f"aim: at least {AIM:.0f} % each" + (f"; below it: {', '.join(below)}" if below else "; met"))
    print("each missed mutant: .venv/bin/mutmut results, then .venv/bin/mutmut show <name>")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
