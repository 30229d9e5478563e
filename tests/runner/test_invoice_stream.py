"""Issue 16 end to end: a store's POS invoices, a credit note and a till payment reach the sandbox through `sync`,
each once, whatever answers get lost, with customers matched (and stopped when ambiguous)."""
from __future__ import annotations

from pathlib import Path

import httpx2
from invoice_fleet import CSV_FIRST, CSV_SECOND, TENANT, InvoiceFleet, invoice_fleet


def _put_both(fleet: InvoiceFleet) -> None:
    fleet.put("bokhandeln", "fakturor_20261124.csv", CSV_FIRST)
    fleet.put("bokhandeln", "fakturor_20261126.csv", CSV_SECOND)


def _assert_each_once(fleet: InvoiceFleet) -> None:
    invoices = fleet.documents("invoices")
    live = [i for i in invoices if not i.get("Cancelled")]
    references = sorted(i["ExternalInvoiceReference1"] for i in live)
    assert references == ["KS1.bokhandeln.C.7003", "KS1.bokhandeln.I.7001", "KS1.bokhandeln.I.7002",
                          "KS1.bokhandeln.I.7004"]
    assert all(i["Booked"] for i in live)
    customers = fleet.documents("customers")
    assert sorted(c["ExternalReference"] for c in customers) == ["KS1.bokhandeln.customer.301",
                                                                 "KS1.bokhandeln.customer.302"]
    payments = fleet.documents("invoicepayments")
    assert [(p["Amount"], p["Booked"]) for p in payments] == [(200.0, True)]


def test_invoices_a_credit_and_a_till_payment_are_posted_once(tmp_path: Path) -> None:
    with invoice_fleet(tmp_path) as fleet:
        _put_both(fleet)
        first = fleet.sync()
        assert first["state"] == "ok", first
        made = first["invoices"]
        assert (made["invoices"], made["credits"], made["payments"], made["customers_created"]) == (3, 1, 1, 2)
        _assert_each_once(fleet)
        by_reference = {i["ExternalInvoiceReference1"]: i for i in fleet.documents("invoices")}
        credit, original = by_reference["KS1.bokhandeln.C.7003"], by_reference["KS1.bokhandeln.I.7001"]
        # a full credit of a booked original: Fortnox's own credit invoice (PUT /credit), linked both ways
        assert credit["Credit"] == "true" and credit["CreditInvoiceReference"] == original["DocumentNumber"]
        assert original["CreditInvoiceReference"] == credit["DocumentNumber"]
        assert credit["ExternalInvoiceReference2"] == "KS1.bokhandeln.I.7001" and credit["Total"] == -2490.0
        # 7004 found its customer through the POS id the ledger remembered from 7001: no third customer
        assert by_reference["KS1.bokhandeln.I.7004"]["CustomerNumber"] == original["CustomerNumber"]
        assert by_reference["KS1.bokhandeln.I.7002"]["Balance"] == 348.0
        archived = sorted(p.name for p in (tmp_path / "inbox" / "archive" / "bokhandeln" / "invoices" / "2026").iterdir())
        assert archived == ["fakturor_20261124.csv", "fakturor_20261126.csv"]
        again = fleet.sync()["invoices"]
        assert (again["invoices"], again["credits"], again["payments"], again["files_read"]) == (0, 0, 0, 0)
        _assert_each_once(fleet)


def test_every_lost_answer_still_posts_each_document_customer_and_payment_once(tmp_path: Path) -> None:
    """Every change commits and then loses its answer (customers, invoices, the credit, bookkeeping, the payment):
    each next step searches first, so nothing is made twice."""
    with invoice_fleet(tmp_path, drop_after_commit_rate=1.0) as fleet:
        _put_both(fleet)
        for _run in range(6):
            summary = fleet.sync()["invoices"]
            if summary["pending"] == 0 and summary["planned"] == 0 and summary["failed"] == 0:
                break
        _assert_each_once(fleet)
        assert all(c["dropped"] for c in fleet.documents("customers"))  # every customer's answer was lost
        assert sum(i["dropped"] for i in fleet.documents("invoices")) >= 3
        assert fleet.documents("invoicepayments")[0]["dropped"]


def test_a_lost_ledger_finds_everything_in_fortnox_and_posts_nothing_twice(tmp_path: Path) -> None:
    with invoice_fleet(tmp_path) as fleet:
        _put_both(fleet)
        assert fleet.sync()["state"] == "ok"
        fleet.lose_ledger()
        assert fleet.put_archived_back() == 2
        again = fleet.sync()
        assert again["state"] == "ok", again
        assert again["invoices"]["found"] == 4 and again["invoices"]["customers_created"] == 0
        _assert_each_once(fleet)


def test_two_customers_with_the_org_number_stop_that_customers_invoices(tmp_path: Path) -> None:
    with invoice_fleet(tmp_path) as fleet:
        headers = {"Authorization": f"Bearer {fleet.sandbox.token(TENANT)}"}
        for name in ("Stadsskogens OK", "Stadsskogens Orienteringsklubb"):
            httpx2.post(fleet.sandbox.api_url + "/customers", headers=headers,
                        json={"Customer": {"Name": name, "OrganisationNumber": "817605-2461"}}).raise_for_status()
        _put_both(fleet)
        result = fleet.sync()
        assert result["state"] == "failed"
        failures = {f["key"]: f for f in result["invoices"]["failures"]}
        # the customer's invoices and its credit note stop; the other customer's invoice is posted
        assert set(failures) == {"KS1.bokhandeln.I.7001", "KS1.bokhandeln.C.7003", "KS1.bokhandeln.I.7004"}
        first = failures["KS1.bokhandeln.I.7001"]
        assert first["code"] == "KS509" and "(1, 2)" in first["message"] and "merge" in first["hint"]
        assert first["file"] == "bokhandeln/invoices/fakturor_20261124.csv" and first["line"] == 2
        assert [i["ExternalInvoiceReference1"] for i in fleet.documents("invoices")] == ["KS1.bokhandeln.I.7002"]
        assert len(fleet.documents("customers")) == 3
        status = _status(fleet)
        assert "KS509" in status and "merge" in status


def _status(fleet: InvoiceFleet) -> str:
    return fleet.run("status", "--store", "bokhandeln").output  # type: ignore[no-any-return]


def test_the_invoice_stream_on_postgresql(postgres_ledger_url: str, tmp_path: Path) -> None:
    with invoice_fleet(tmp_path) as fleet:
        fleet.env["KASSASYNC_DATABASE_URL"] = postgres_ledger_url
        _put_both(fleet)
        assert fleet.sync()["state"] == "ok"
        again = fleet.sync()["invoices"]
        assert (again["invoices"], again["files_read"]) == (0, 0)
        _assert_each_once(fleet)
        assert "3 invoices, 1 credit note and 1 till payment booked" in _status(fleet)
