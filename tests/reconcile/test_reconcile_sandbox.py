"""`kassasync reconcile` as a user runs it, against the sandbox: exit codes and formats, vouchers changed, reversed
and booked by hand through the sandbox's admin endpoints, a month after `ledger rebuild`, and the outcome in
`status` and on the HTML page."""
from __future__ import annotations

import json
from pathlib import Path

from test_ledger_loss import Fleet, open_fleet

TENANT = 3700000


def test_a_month_through_the_command(tmp_path: Path) -> None:
    sandbox_context, expected = open_fleet(tmp_path, stores=2, vouchers=3, tenant_base=TENANT)
    with sandbox_context as sandbox:
        fleet = Fleet(tmp_path, sandbox, expected)
        assert fleet.sync().ok
        sandbox.reset_request_counts()
        clean = fleet.cli_result("reconcile", "--all", "--month", "2026-11", "--format", "json")
        assert clean.exit_code == 0, clean.output
        data = json.loads(clean.output)
        assert data["totals"] == {"stores": 2, "reconciled": 2, "agreed": 2, "with_differences": 0, "only_manual": 0,
                                  "not_reconciled": 0}
        assert sandbox.admin("GET", "/requests")["operations"] == {"sublist_vouchers": 2}  # one list per store

        year = sandbox.posted_vouchers(TENANT)[0]["year"]
        sandbox.book_by_hand(TENANT + 1, {"VoucherSeries": "F", "TransactionDate": "2026-11-21",
                                          "Description": "Bankavgift", "VoucherRows": [
                                              {"Account": 3740, "Debit": 45}, {"Account": 1910, "Credit": 45}]})
        manual = fleet.cli_result("reconcile", "--all", "--month", "2026-11", "--detailed-exitcode")
        assert manual.exit_code == 2, manual.output
        assert 'store cafe-000 "Café 0 AB", 2026-11 (2026-11-01 to 2026-11-27): ✓' in manual.output
        assert "booked by hand: F 4 (year" in manual.output and "1 with differences (1 only vouchers booked by " \
            "hand)" in manual.output
        assert fleet.cli_result("reconcile", "--all", "--month", "2026-11").exit_code == 1

        sandbox.reverse_voucher(TENANT, year, "F", 1)
        sandbox.change_voucher(TENANT, year, "F", 2, [{"Account": 1932, "Debit": 100}, {"Account": 3010, "Credit": 100}])
        plain = fleet.cli_result("reconcile", "--store", "cafe-000", "--month", "2026-11")
        assert plain.exit_code == 1 and "reversed in Fortnox: F 1" in plain.output
        assert "changed in Fortnox" not in plain.output  # the list does not show a change of rows
        verified = fleet.cli_result("reconcile", "--store", "cafe-000", "--month", "2026-11", "--verify-rows",
                                    "--format", "markdown")
        assert verified.exit_code == 1 and "**changed in Fortnox** 2026-11-21: F 2 (year" in verified.output

        status = fleet.cli_result("status")
        assert "reconciled       2026-11 ✗" in status.output and "reconciled       2026-11 ✗ 1 difference " \
            "(vouchers booked by hand only)" in status.output
        page = tmp_path / "site"
        assert fleet.cli_result("report", "--out", str(page)).exit_code == 0
        html = (page / "index.html").read_text(encoding="utf-8")
        assert 'data-reconciled="differs"' in html and "reversed in Fortnox" in html


def test_a_month_after_a_ledger_rebuild_agrees(tmp_path: Path) -> None:
    sandbox_context, expected = open_fleet(tmp_path, stores=1, vouchers=3, tenant_base=TENANT + 10)
    with sandbox_context as sandbox:
        fleet = Fleet(tmp_path, sandbox, expected)
        assert fleet.sync().ok
        fleet.lose_ledger("deleted")
        assert fleet.cli_result("ledger", "rebuild").exit_code == 0
        sandbox.reset_request_counts()
        first = fleet.cli_result("reconcile", "--all", "--month", "2026-11", "--format", "json")
        assert first.exit_code == 0, first.output
        assert json.loads(first.output)["stores"][0]["counts"]["read_one_by_one"] == 3  # rows rebuilt without them
        operations = sandbox.admin("GET", "/requests")["operations"]
        assert operations == {"list_financial_years": 1, "sublist_vouchers": 1, "get_voucher": 3}  # years: cached now
        sandbox.reset_request_counts()
        again = fleet.cli_result("reconcile", "--all", "--month", "2026-11")
        assert again.exit_code == 0 and "0 read one by one" in again.output  # the rows read were kept
        assert sandbox.admin("GET", "/requests")["operations"] == {"sublist_vouchers": 1}


def test_usage_errors(tmp_path: Path) -> None:
    sandbox_context, expected = open_fleet(tmp_path, stores=2, vouchers=1, tenant_base=TENANT + 20)
    with sandbox_context as sandbox:
        fleet = Fleet(tmp_path, sandbox, expected)
        for args, message in [
            (["--all", "--month", "2026-13"], "is not a month"),
            (["--all", "--month", "2026-12"], "has no business day before today"),
            (["--all", "--store", "cafe-000", "--month", "2026-11"], "--store and --all both given"),
            (["--all", "--month", "2026-11", "--pos-report", "x.csv"], "--pos-report is one store's"),
            (["--month", "2026-11"], "say which stores"),
        ]:
            result = fleet.cli_result("reconcile", *args)
            assert result.exit_code == 1 and message in str(result.exception), (args, result.exception)
