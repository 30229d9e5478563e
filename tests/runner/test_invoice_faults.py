"""The invoice stream under faults: answers lost after Fortnox committed (customers, invoices, credits, bookkeeping,
payments), 503s, and runners killed with SIGKILL at random moments. Fortnox must end up with each POS invoice
once, each credit note once, each till payment once, and no customer twice."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from invoice_fleet import CSV_HEADER, CSV_SECTION, TODAY, settled, store_yaml

from pipeline.config import load_stores
from pipeline.sandbox.seed import seed_from_stores
from pipeline.sandbox.testing import SandboxHandle, running_sandbox

STORES = 6
TENANT_BASE = 3710000
# three customers per store: one found by org number, one by e-mail, one by its POS id alone
CUSTOMERS = [("401", "Orienteringsklubben", "802400-1231", ""), ("402", "Anna Lind", "", "anna@example.se"),
             ("403", "Kalle Berg", "", "")]


def _org(n: int) -> str:
    """A valid organisation number (Luhn) per store: validate checks the check digit."""
    base = f"55640{n:04d}"
    for digit in range(10):
        digits = base + str(digit)
        total = sum(v // 10 + v % 10 for v in (int(c) * (2 if i % 2 == 0 else 1) for i, c in enumerate(digits)))
        if total % 10 == 0:
            return f"{digits[:6]}-{digits[6:]}"
    raise AssertionError(base)


def _row(number: int, kind: str, original: str, day: str, customer: tuple[str, str, str, str], quantity: int,
         paid: str = "") -> str:
    pos_id, name, org, email = customer
    total = f"{quantity * 249},00"
    payment = f"{day};{paid};Kort" if paid else ";;"
    return (f"{number};{kind};{original};{day};{pos_id};{name};{org};{email};Karta;BOCKER;{quantity};249,00;"
            f"{total};{payment}\n")


def _write(root: Path) -> dict[str, dict[str, Any]]:
    """The stores, their invoice files, and what Fortnox should end up holding per tenant."""
    (root / "stores").mkdir()
    expected: dict[str, dict[str, Any]] = {}
    for n in range(STORES):
        store, tenant = f"bok-{n:02d}", str(TENANT_BASE + n)
        (root / "stores" / f"{store}.yaml").write_text(
            store_yaml(store, org=_org(n), tenant=tenant, section=CSV_SECTION), encoding="utf-8")
        first = "".join(_row(100 + i, "Faktura", "", "2026-11-24", CUSTOMERS[i % 3], 1 + i,
                             "100,00" if i % 4 == 1 else "") for i in range(8))
        # 100 credited in full (Fortnox's PUT /credit), 101 in part (a new invoice with negative quantities)
        second = (_row(900, "Kredit", "100", "2026-11-26", CUSTOMERS[0], 1)
                  + _row(901, "Kredit", "101", "2026-11-26", CUSTOMERS[1], 1)
                  + "".join(_row(200 + i, "Faktura", "", "2026-11-26", CUSTOMERS[i % 3], 2) for i in range(4)))
        folder = root / "inbox" / store / "invoices"
        folder.mkdir(parents=True)
        for name, body in (("a.csv", first), ("b.csv", second)):
            (folder / name).write_text(CSV_HEADER + body, encoding="utf-8")
            settled(folder / name)
        references = ({f"KS1.{store}.I.{100 + i}" for i in range(8)} | {f"KS1.{store}.I.{200 + i}" for i in range(4)}
                      | {f"KS1.{store}.C.900", f"KS1.{store}.C.901"})
        expected[tenant] = {"store": store, "references": references, "payments": 2,
                            "customers": {f"KS1.{store}.customer.{c[0]}" for c in CUSTOMERS}}
    return expected


def _command(root: Path) -> list[str]:
    return [sys.executable, "-m", "pipeline", "--stores", str(root / "stores"), "--inbox", str(root / "inbox"), "-q",
            "sync", "--all", "--json", "--today", TODAY]


def _env(root: Path, sandbox: SandboxHandle) -> dict[str, str]:
    return {**os.environ, **sandbox.env(), "KASSASYNC_HOME": str(root / "state")}


def _finish(root: Path, sandbox: SandboxHandle, runs: int = 10) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for _ in range(runs):
        done = subprocess.run(_command(root), env=_env(root, sandbox), capture_output=True, text=True, timeout=300)
        assert done.returncode in (0, 1), done.stderr[-3000:]
        summary = json.loads(done.stdout)
        left = [s["invoices"] for s in summary["stores"]]
        if all(i["pending"] == 0 and i["planned"] == 0 and i["failed"] == 0 for i in left):
            return summary
    return summary


def _assert_exactly_once(sandbox: SandboxHandle, expected: dict[str, dict[str, Any]]) -> Counter[str]:
    dropped: Counter[str] = Counter()
    for tenant, want in expected.items():
        invoices = [i for i in sandbox.documents("invoices", tenant) if not i.get("Cancelled")]
        references = Counter(i["ExternalInvoiceReference1"] for i in invoices)
        assert set(references) == want["references"], (want["store"], references)
        assert max(references.values()) == 1, (want["store"], references)
        assert all(i["Booked"] for i in invoices), want["store"]
        by_reference = {i["ExternalInvoiceReference1"]: i for i in invoices}
        full = by_reference[f"KS1.{want['store']}.C.900"]
        assert full["Credit"] == "true"  # Fortnox's own credit invoice, made once
        assert by_reference[f"KS1.{want['store']}.C.901"]["Credit"] == "false"
        customers = Counter(c.get("ExternalReference") for c in sandbox.documents("customers", tenant))
        assert set(customers) == want["customers"] and max(customers.values()) == 1, (want["store"], customers)
        payments = sandbox.documents("invoicepayments", tenant)
        assert len(payments) == want["payments"] and all(p["Booked"] for p in payments), (want["store"], payments)
        for kind in ("invoices", "customers", "invoicepayments"):
            dropped[kind] += sum(d["dropped"] for d in sandbox.documents(kind, tenant))
    return dropped


@pytest.mark.slow
def test_every_invoice_credit_payment_and_customer_once_despite_faults_and_kills(tmp_path: Path) -> None:
    expected = _write(tmp_path)
    configs, diagnostics = load_stores(tmp_path / "stores")
    assert len(configs) == STORES, [d.render() for d in diagnostics if d.is_error]
    seed = seed_from_stores(list(configs.values()), today=date(2026, 11, 28))
    with running_sandbox(tmp_path / "sandbox", seed, today=date(2026, 11, 28), drop_after_commit_rate=0.25,
                         error_rate=0.05, rate_limit=0, fault_seed=16) as sandbox:
        rng = random.Random(16)
        kills = 0
        for _run in range(6):
            process = subprocess.Popen(_command(tmp_path), env=_env(tmp_path, sandbox), stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            try:
                process.wait(timeout=rng.uniform(0.6, 2.0))
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
                kills += 1
        summary = _finish(tmp_path, sandbox)
        assert all(s["invoices"]["state"] == "ok" for s in summary["stores"]), [s["invoices"] for s in summary["stores"]]
        assert kills >= 2
        dropped = _assert_exactly_once(sandbox, expected)
        assert dropped["invoices"] > 0 and dropped["customers"] > 0  # the faults really happened
    assert not list((tmp_path / "inbox").glob("bok-*/invoices/*.csv"))  # every file archived
