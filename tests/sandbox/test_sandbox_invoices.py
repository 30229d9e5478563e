"""The sandbox's invoices, customers and invoice payments: Fortnox's rules as far as they are known."""
from __future__ import annotations

from typing import Any

import pytest
from sandbox_helpers import run, token

from pipeline.sandbox.invoice_money import Line, ocr, totals

ROW = {"AccountNumber": 3001, "Price": 100, "DeliveredQuantity": "2", "VAT": 25}


async def _customer(client: Any, headers: dict[str, str], **fields: Any) -> str:
    made = await client.post("/3/customers", headers=headers, json={"Customer": {"Name": "Kund AB", **fields}})
    assert made.status_code == 201, made.text
    return str(made.json()["Customer"]["CustomerNumber"])


async def _invoice(client: Any, headers: dict[str, str], customer: str, **fields: Any) -> dict[str, Any]:
    body = {"CustomerNumber": customer, "InvoiceDate": "2026-11-20", "InvoiceRows": [ROW], **fields}
    made = await client.post("/3/invoices", headers=headers, json={"Invoice": body})
    assert made.status_code == 201, made.text
    return made.json()["Invoice"]  # type: ignore[no-any-return]


def _code(response: Any) -> int:
    return int(response.json()["ErrorInformation"]["code"])


def _message(response: Any) -> str:
    return str(response.json()["ErrorInformation"]["message"])


def test_the_external_reference_filter_matches_the_start_of_the_value(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        customer = await _customer(client, headers)
        for reference in ("KS1.s.I.12", "KS1.s.I.123", "KS1.s.I.2"):
            await _invoice(client, headers, customer, ExternalInvoiceReference1=reference)
        found = await client.get("/3/invoices?externalinvoicereference1=KS1.s.I.12", headers=headers)
        return [i["ExternalInvoiceReference1"] for i in found.json()["Invoices"]]

    assert run(app, scenario) == ["KS1.s.I.12", "KS1.s.I.123"]


def test_credit_works_once_on_a_booked_invoice_and_links_both_ways(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        customer = await _customer(client, headers)
        number = (await _invoice(client, headers, customer))["DocumentNumber"]
        unbooked = await client.put(f"/3/invoices/{number}/credit", headers=headers)
        await client.put(f"/3/invoices/{number}/bookkeep", headers=headers)
        credit = await client.put(f"/3/invoices/{number}/credit", headers=headers)
        twice = await client.put(f"/3/invoices/{number}/credit", headers=headers)
        original = (await client.get(f"/3/invoices/{number}", headers=headers)).json()["Invoice"]
        change_booked = await client.put(f"/3/invoices/{number}", headers=headers, json={"Invoice": {"Remarks": "x"}})
        cancel_booked = await client.put(f"/3/invoices/{number}/cancel", headers=headers)
        return unbooked, credit.json()["Invoice"], twice, original, change_booked, cancel_booked

    unbooked, credit, twice, original, change_booked, cancel_booked = run(app, scenario)
    assert unbooked.status_code == 400 and "måste vara bokförd" in _message(unbooked)
    assert (credit["Credit"], credit["CreditInvoiceReference"], credit["Total"]) == ("true", "1", -250.0)
    assert credit["Booked"] is False and credit["InvoiceRows"][0]["DeliveredQuantity"] == "-2.00"
    assert original["CreditInvoiceReference"] == credit["DocumentNumber"]
    assert twice.status_code == 400 and "redan krediterad" in _message(twice)
    assert change_booked.status_code == 400 and "kan inte ändras" in _message(change_booked)
    assert cancel_booked.status_code == 400


def test_an_unbooked_invoice_can_be_changed_and_cancelled_but_not_booked_after(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        customer = await _customer(client, headers)
        number = (await _invoice(client, headers, customer, YourOrderNumber="X" * 40))["DocumentNumber"]
        changed = await client.put(f"/3/invoices/{number}", headers=headers, json={"Invoice": {
            "InvoiceRows": [{**ROW, "DeliveredQuantity": "3"}], "TermsOfPayment": "10"}})
        cancelled = await client.put(f"/3/invoices/{number}/cancel", headers=headers)
        booked = await client.put(f"/3/invoices/{number}/bookkeep", headers=headers)
        listed = await client.get("/3/invoices?filter=cancelled", headers=headers)
        return changed.json()["Invoice"], cancelled.status_code, booked, listed.json()["Invoices"]

    changed, cancelled, booked, listed = run(app, scenario)
    assert (changed["Total"], changed["DueDate"], len(changed["YourOrderNumber"])) == (375.0, "2026-11-30", 30)
    assert cancelled == 200 and booked.status_code == 400 and "makulerad" in _message(booked)
    assert [i["DocumentNumber"] for i in listed] == ["1"]


@pytest.mark.parametrize(("included", "whole", "want"), [
    (False, False, ("10.00", "2.50", "0", "12.50")),
    (True, False, ("10.00", "1.07", "0", "5.35")),  # 5.35 incl. 25 % VAT: VAT 1.07, net 4.28
    (True, True, ("10.00", "1.07", "-0.35", "5.00")),
])
def test_the_invoice_arithmetic_model(included: bool, whole: bool, want: tuple[str, ...]) -> None:
    from decimal import Decimal

    amount = Decimal("5.35") if included else Decimal("10.00")
    money = totals([Line(3001, 25, amount)], included, whole)
    _gross, vat, round_off, total = want
    assert (str(money.vat), str(money.round_off), str(money.total)) == (vat, round_off, total)


def test_ocr_is_the_number_a_length_digit_and_a_luhn_digit() -> None:
    assert (ocr(39), ocr(18), ocr(1)) == ("3947", "1842", "133")


def test_payments_need_a_booked_invoice_and_are_booked_once(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        customer = await _customer(client, headers)
        number = int((await _invoice(client, headers, customer))["DocumentNumber"])
        body = {"InvoicePayment": {"InvoiceNumber": number, "Amount": 100, "PaymentDate": "2026-11-21",
                                   "ModeOfPaymentAccount": 1910}}
        early = await client.post("/3/invoicepayments", headers=headers, json=body)
        await client.put(f"/3/invoices/{number}/bookkeep", headers=headers)
        made = (await client.post("/3/invoicepayments", headers=headers, json=body)).json()["InvoicePayment"]
        first = await client.put(f"/3/invoicepayments/{made['Number']}/bookkeep", headers=headers)
        again = await client.put(f"/3/invoicepayments/{made['Number']}/bookkeep", headers=headers)
        listed = await client.get(f"/3/invoicepayments?invoicenumber={number}", headers=headers)
        invoice = (await client.get(f"/3/invoices/{number}", headers=headers)).json()["Invoice"]
        missing = await client.get("/3/invoicepayments/99", headers=headers)
        return early, first.json()["InvoicePayment"], again, listed.json()["InvoicePayments"], invoice, missing

    early, first, again, listed, invoice, missing = run(app, scenario)
    assert early.status_code == 400 and "måste vara bokförd" in _message(early)
    assert first["Booked"] is True and first["VoucherSeries"] == "C"
    assert again.status_code == 400 and "redan bokförd" in _message(again)
    assert [(p["Number"], p["Amount"], p["Booked"]) for p in listed] == [("1", 100.0, True)]
    assert invoice["Balance"] == 150.0
    assert missing.status_code == 404


def test_customers_are_found_by_org_number_e_mail_and_name_and_duplicates_are_allowed(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        first = await _customer(client, headers, OrganisationNumber="556677-8899", Email="Info@Kund.se")
        second = await _customer(client, headers, Name="Kund AB Filial", OrganisationNumber="5566778899")
        by_org = await client.get("/3/customers?organisationnumber=556677-8899", headers=headers)
        by_mail = await client.get("/3/customers?email=info@kund.se", headers=headers)
        by_name = await client.get("/3/customers?name=filial", headers=headers)
        used = await client.post("/3/customers", headers=headers, json={"Customer": {"Name": "X",
                                                                                   "CustomerNumber": first}})
        return first, second, by_org.json(), by_mail.json(), by_name.json(), used

    first, second, by_org, by_mail, by_name, used = run(app, scenario)
    assert [c["CustomerNumber"] for c in by_org["Customers"]] == [first, second]
    assert [c["CustomerNumber"] for c in by_mail["Customers"]] == [first]
    assert [c["CustomerNumber"] for c in by_name["Customers"]] == [second]
    assert used.status_code == 400 and _code(used) == 2000637


def test_terms_of_payment_and_an_unknown_code(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        customer = await _customer(client, headers)
        terms = await client.get("/3/termsofpayments", headers=headers)
        unknown = await client.post("/3/invoices", headers=headers, json={"Invoice": {
            "CustomerNumber": customer, "TermsOfPayment": "45", "InvoiceRows": [ROW]}})
        return terms.json()["TermsOfPayments"], unknown

    terms, unknown = run(app, scenario)
    assert [t["Code"] for t in terms] == ["0", "10", "15", "20", "30"]
    assert unknown.status_code == 400 and "Betalningsvillkoret finns inte" in _message(unknown)


def test_a_dropped_answer_is_committed_and_listed_as_dropped(make_app: Any) -> None:
    app = make_app(drop_after_commit_rate=1.0)

    async def scenario(client: Any) -> Any:
        headers = await token(client)
        try:
            await client.post("/3/customers", headers=headers, json={"Customer": {"Name": "Kund AB"}})
        except Exception as exc:  # noqa: BLE001 - the in-process client meets the dropped connection
            dropped = type(exc).__name__
        listed = await client.get("/_sandbox/tenants/1000001/customers")
        return dropped, listed.json()["customers"]

    dropped, customers = run(app, scenario)
    assert dropped == "ConnectionDropped"
    assert [(c["Name"], c["dropped"]) for c in customers] == [("Kund AB", True)]
