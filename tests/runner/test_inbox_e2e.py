"""Issue 11 end to end: the commands against the sandbox, as an operator runs them: a stray file from another
store, a re-export after posting decided with `correct`, and a sign-in failure fixed in the store file."""
from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fleet_builder import write_fleet
from git_repo import commit_all
from runner_fakes import SETTLED, age_file

from pipeline.cli.main import cli
from pipeline.ledger import Ledger

TODAY = "2026-11-28"


class Fleet:
    def __init__(self, root: Path, sandbox: Any) -> None:
        self.root, self.sandbox = root, sandbox
        self.env = {**sandbox.env(), "KASSASYNC_SECRET_KEY": "inbox-e2e-test-key-0123456789", "KASSASYNC_DATABASE_URL": ""}

    def run(self, *args: str) -> Any:
        result = CliRunner().invoke(cli, ["--stores", str(self.root / "stores"), "--inbox", str(self.root / "inbox"),
                                          "--state-dir", str(self.root / "state"), *args, "--today", TODAY],
                                    env=self.env)
        assert result.exit_code in (0, 1), result.output + repr(result.exception)
        return result

    def vouchers(self, tenant: str) -> list[dict[str, Any]]:
        return self.sandbox.posted_vouchers(tenant)  # type: ignore[no-any-return]


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    from pipeline.config import load_stores
    from pipeline.sandbox.seed import seed_from_stores
    from pipeline.sandbox.testing import running_sandbox

    write_fleet(tmp_path, stores=2, vouchers_per_store=2, per_file=1, tenant_base=3200000)
    configs, _ = load_stores(tmp_path / "stores")
    with running_sandbox(tmp_path / "sandbox", seed_from_stores(list(configs.values()), today=date(2026, 11, 28)),
                         rate_limit=0) as sandbox:
        yield Fleet(tmp_path, sandbox)


def _doubled(content: bytes) -> bytes:
    """The same day file with every amount doubled: still balanced, other amounts (a re-export)."""
    def double(match: re.Match[bytes]) -> bytes:
        return match[1] + f"{Decimal(match[2].decode()) * 2:.2f}".encode()
    return re.sub(rb"(#TRANS \d+ \{\} )(-?\d+\.\d\d)", double, content)


def test_a_stray_file_is_quarantined_with_the_store_it_belongs_to(fleet: Fleet) -> None:
    stray = fleet.root / "inbox" / "cafe-000" / "Z100_from_the_other_till.se"
    shutil.copy(fleet.root / "inbox" / "cafe-001" / "Z100.se", stray)
    age_file(stray, SETTLED)
    result = fleet.run("sync", "--all")
    assert result.exit_code == 1  # before: posted into cafe-000's books, exit 0
    assert "KS314" in result.output and "in: cafe-000/Z100_from_the_other_till.se, line 7" in result.output
    note = (fleet.root / "inbox" / "quarantine" / "cafe-000" / "Z100_from_the_other_till.se.why.txt").read_text()
    assert "store cafe-001" in note and str(fleet.root / "inbox" / "cafe-001") in note
    assert "Café 1 AB" in note and "Café 0 AB" in note
    assert len(fleet.vouchers("3200000")) == 2 and len(fleet.vouchers("3200001")) == 2  # each till's own days


def test_a_re_export_is_decided_with_correct(fleet: Fleet) -> None:
    assert fleet.run("sync", "--all").exit_code == 0
    for store in ("cafe-000", "cafe-001"):
        again = fleet.root / "inbox" / store / "Z100_igen.se"
        again.write_bytes(_doubled((fleet.root / "inbox" / "archive" / store / "2026" / "Z100.se").read_bytes()))
        age_file(again, SETTLED)
    text = fleet.run("sync", "--all")
    assert text.exit_code == 1  # needs attention; before: skipped, exit 0
    lines = [line for line in text.output.splitlines() if line.startswith("sync: ")]
    assert "sync: cafe-000: 0 posted, 0 failed, 1 held, 0 pending, 0 skipped; files 1 read; attention" in lines
    table = next(line for line in text.output.splitlines() if line.startswith("cafe-000 "))
    assert table.split()[1:6] == ["0", "0", "0", "1", "0"]  # posted, found, failed, held, pending: as above
    assert "kassasync correct --store cafe-000 --date 2026-10-01" in text.output
    status = json.loads(fleet.run("status", "--format", "json").output)
    assert [len(s["held"]) for s in status["stores"]] == [1, 1]
    assert status["stores"][0]["held"][0]["file"] == "cafe-000/Z100_igen.se"

    shown = fleet.run("correct", "--store", "cafe-000", "--date", "2026-10-01")
    assert shown.exit_code == 0 and "post a correction voucher to series F" in shown.output
    assert "Fortnox holds: F 1 (year" in shown.output and "--yes" in shown.output
    markdown = fleet.run("correct", "--store", "cafe-000", "--date", "2026-10-01", "--format", "markdown").output
    assert "| Account | Cost center | In Fortnox | New export | Debit | Credit |" in markdown
    proposal = json.loads(fleet.run("correct", "--store", "cafe-000", "--date", "2026-10-01", "--format",
                                    "json").output)
    rows = proposal["corrections"][0]["rows"]
    posted = fleet.run("correct", "--store", "cafe-000", "--date", "2026-10-01", "--yes")
    assert posted.exit_code == 0, posted.output
    first, fix = sorted(fleet.vouchers("3200000"), key=lambda v: v["number"])[0::2]
    assert fix["description"].startswith("Rättelse: ") and fix["comments"].startswith("KS2-C-")
    assert sorted((int(r["Account"]), f"{float(r['Debit']):.2f}", f"{float(r['Credit']):.2f}") for r in fix["rows"]) \
        == sorted((r["account"], f"{Decimal(r['debit']):.2f}", f"{Decimal(r['credit']):.2f}") for r in rows)
    assert first["comments"] != fix["comments"]
    again = fleet.run("correct", "--store", "cafe-000", "--date", "2026-10-01", "--yes")
    assert again.exit_code == 1 and "posted as a correction voucher" in str(again.exception)  # decided once
    assert len(fleet.vouchers("3200000")) == 3

    dismissed = fleet.run("correct", "--store", "cafe-001", "--date", "2026-10-01", "--dismiss", "--reason",
                          "the first export was right")
    assert dismissed.exit_code == 0 and len(fleet.vouchers("3200001")) == 2
    assert fleet.run("sync", "--all").exit_code == 0
    status = json.loads(fleet.run("status", "--format", "json").output)
    assert [(s["held"], s["failed"]) for s in status["stores"]] == [([], []), ([], [])]


def test_a_sign_in_failure_says_what_to_check_and_a_plain_sync_after_the_fix_posts(fleet: Fleet) -> None:
    assert fleet.run("sync", "--all", "--to", "2026-10-01").exit_code == 0  # day 2 read, waits; the year is known
    store_file = fleet.root / "stores" / "cafe-000.yaml"
    right = store_file.read_text(encoding="utf-8")
    store_file.write_text(right.replace('tenant_id: "3200000"', 'tenant_id: "3299999"'), encoding="utf-8")
    broken = fleet.run("sync", "--store", "cafe-000")
    assert broken.exit_code == 1
    assert "0 voucher(s) posted, 1 failed" in broken.output  # the day, failed on the store's sign-in
    assert "fortnox.tenant_id" in broken.output and "consent" in broken.output
    assert "kassasync sync --retry-failed --store cafe-000" in broken.output
    assert "again --service-account" not in broken.output  # the garbled hint of before
    store_file.write_text(right, encoding="utf-8")
    fixed = fleet.run("sync", "--store", "cafe-000")  # plain sync: before, the stale failure stayed
    assert fixed.exit_code == 0, fixed.output
    assert len(fleet.vouchers("3200000")) == 2


def test_each_voucher_records_the_git_commit_of_its_store_file(fleet: Fleet) -> None:
    stores = fleet.root / "stores"  # a git checkout the deployment updates
    first = commit_all(stores)
    edited = stores / "cafe-001.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "# not committed yet\n", encoding="utf-8")
    assert fleet.run("sync", "--all").exit_code == 0
    ledger = Ledger.open(f"sqlite:///{fleet.root / 'state' / 'ledger.sqlite3'}")
    try:
        assert {v.store_commit for v in ledger.store_vouchers("cafe-000")} == {first}
        assert {v.store_commit for v in ledger.store_vouchers("cafe-001")} == {f"{first}-dirty"}
        second = commit_all(stores, "cafe-000 changed")
        again = fleet.root / "inbox" / "cafe-000" / "Z100_igen.se"
        again.write_bytes(_doubled((fleet.root / "inbox" / "archive" / "cafe-000" / "2026" / "Z100.se").read_bytes()))
        age_file(again, SETTLED)
        assert fleet.run("sync", "--store", "cafe-000").exit_code == 1  # the re-export, held
        proposal = json.loads(fleet.run("correct", "--store", "cafe-000", "--date", "2026-10-01", "--format",
                                        "json").output)
        assert proposal["corrections"][0]["store_commit"] == second
        assert fleet.run("correct", "--store", "cafe-000", "--date", "2026-10-01", "--yes").exit_code == 0
        correction = next(v for v in ledger.store_vouchers("cafe-000") if v.key.endswith("/correction"))
        assert correction.state == "posted" and correction.store_commit == second
    finally:
        ledger.close()
