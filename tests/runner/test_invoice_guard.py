"""The double-booking guard at runtime, both modes: `unticked` holds a day file that books invoiced sales (KS305,
pointing at the invoice stream); `clearing` posts them to the clearing account, each invoice clears it, and
status shows the running balance and its age."""
from __future__ import annotations

import json
from pathlib import Path

from invoice_fleet import (
    CSV_FIRST,
    CSV_HEADER,
    INVOICED_DAY_ROWS,
    TENANT,
    day_file,
    invoice_fleet,
    store_yaml,
)

INVOICED_DAY = INVOICED_DAY_ROWS
ONE_INVOICE = CSV_HEADER + CSV_FIRST.splitlines(keepends=True)[1]


def test_unticked_holds_a_day_file_with_invoiced_sales_and_points_at_the_invoice_stream(tmp_path: Path) -> None:
    with invoice_fleet(tmp_path) as fleet:
        fleet.put("bokhandeln", "dag_20261124.se", day_file("2026-11-24", INVOICED_DAY), folder="")
        fleet.put("bokhandeln", "fakturor.csv", ONE_INVOICE)
        result = fleet.sync()
        [held] = result["failures"]
        assert held["code"] == "KS305" and held["business_date"] == "2026-11-24"
        assert "bokhandeln/invoices/" in held["message"] and "booked twice" in held["message"]
        assert "untick" in held["hint"] and "guard: clearing" in held["hint"]
        assert [v for v in fleet.sandbox.posted_vouchers(TENANT) if v["reference_type"] == "MANUAL"] == []
        # the invoice itself carries the sale: revenue and VAT
        [invoice] = fleet.documents("invoices")
        assert invoice["Booked"] and [(r["AccountNumber"], r["VAT"]) for r in invoice["InvoiceRows"]] == [(3003, 6)]


def _status(fleet: object, *args: str) -> dict[str, object]:
    out = fleet.run("status", "--store", "bokhandeln", "--format", "json", *args).stdout  # type: ignore[attr-defined]
    return json.loads(out)["stores"][0]  # type: ignore[no-any-return]


def test_clearing_parks_the_tender_and_each_invoice_clears_it(tmp_path: Path) -> None:
    with invoice_fleet(tmp_path, store_yaml(guard="clearing", extra="  clearing_open_days: 2\n")) as fleet:
        fleet.put("bokhandeln", "dag_20261124.se", day_file("2026-11-24", INVOICED_DAY), folder="")
        result = fleet.sync()
        assert result["state"] == "ok" and result["posted"] == 1, result
        [day] = [v for v in fleet.sandbox.posted_vouchers(TENANT) if v["reference_type"] == "MANUAL"]
        assert (1518, 2490.0) in [(r["Account"], r["Debit"]) for r in day["rows"]]  # 1512 -> the clearing account
        clearing = _status(fleet)["invoices"]["clearing"]  # type: ignore[index]
        assert (clearing["balance"], clearing["open_since"], clearing["needs_attention"]) == (
            "2490.00", "2026-11-24", True)  # four days open, two allowed
        fleet.put("bokhandeln", "fakturor.csv", ONE_INVOICE)
        assert fleet.sync()["invoices"]["invoices"] == 1
        [invoice] = fleet.documents("invoices")
        # the invoice only moves the receivable: one row on the clearing account, no VAT (the day voucher has it)
        assert [(r["AccountNumber"], r["VAT"], r["Price"]) for r in invoice["InvoiceRows"]] == [(1518, 0, 2490.0)]
        assert (invoice["Total"], invoice["TotalVAT"], invoice["Booked"]) == (2490.0, 0.0, True)
        status = _status(fleet)
        assert status["invoices"]["clearing"]["balance"] == "0.00"  # type: ignore[index]
        assert not status["invoices"]["needs_attention"]  # type: ignore[index]
        text = fleet.run("status", "--store", "bokhandeln").output
        assert "clearing         account 1518: 0.00" in text
