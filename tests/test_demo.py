"""`make demo` end to end: the whole job against a drift-seeded sandbox, in a temporary directory."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_demo_runs_the_whole_job_and_posts_each_z_report_once(tmp_path: Path) -> None:
    out = tmp_path / "demo-out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORTNOX_", "KASSASYNC_"))}
    # Run from an empty folder: the demo finds its examples through the package, not the working directory.
    done = subprocess.run([sys.executable, "-m", "pipeline", "demo", "--out", str(out)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # 14 Z-reports and day reports in examples/inbox plus the corrected re-export (the failed export is replaced),
    # and the voucher someone booked by hand before the month-end reconciliation
    assert "vouchers in the sandbox: 15;" in done.stdout
    assert done.stdout.count("✓ Fortnox agrees with the till to the öre") == 2
    assert "booked by hand: F " in done.stdout and "Kassadifferens" in done.stdout
    assert "3 of 3 stores reconciled for 2026-11: 2 agree, 1 with differences (1 only vouchers booked by hand)" \
        in done.stdout
    # kartbutiken-uppsala's invoice stream: three invoices, one credit (PUT /credit of 7001) and a till payment
    assert ("customer invoices: 3 and 1 credit invoice(s), each booked once; till payments: 1; customers: 2"
            in done.stdout)
    assert "credit note 7003: -2490.00 SEK, Fortnox invoice 4, Fortnox's credit invoice of 1" in done.stdout
    assert "KS304" in done.stdout and "3 clean, 0 with changes, 0 blocked" in done.stdout
    page = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert "Hamnens Delikatesser AB" in page
    status = json.loads((out / "report" / "status.json").read_text(encoding="utf-8"))
    assert status["format"] == 1
    # nothing in the repository's examples was moved: the demo works on a copy
    assert sorted(p.name for p in (ROOT / "examples" / "inbox" / "hamnens-delikatesser").iterdir())[0] == "Z412_20261123.se"
