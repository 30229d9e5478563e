"""Fortnox bodies: invoice with account rows, both guard modes, credits (PUT /credit or a new invoice), payments."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from invoice_builders import FIXTURES, invoice, row, sie_settings, store_config

from pipeline.invoices import (
    CreditPath,
    FortnoxOriginal,
    InvoiceKind,
    TillPayment,
    compare_totals,
    find_payment,
    invoice_body,
    payment_account,
    payment_body,
    plan_credit,
    read_invoice_file,
)

D = Decimal


def test_invoice_body_from_a_sie_journal() -> None:
    config, settings = store_config(account_map={3051: 3041}), sie_settings()
    read = read_invoice_file(FIXTURES / "visma_journal.si", config, settings)
    made = next(i for i in read.invoices if i.number == "892")
    assert invoice_body(made, "17", config, settings) == {"Invoice": {
        "CustomerNumber": "17", "InvoiceDate": "2026-03-04", "InvoiceType": "INVOICE",
        "ExternalInvoiceReference1": "KS1.kartbutiken.I.892", "YourOrderNumber": "892", "VATIncluded": False,
        "TermsOfPayment": "30",
        "InvoiceRows": [
            {"AccountNumber": 3041, "VAT": 25, "Price": 800.0, "DeliveredQuantity": "1",
             "Description": "Försäljn varor 25% sv"},
            {"AccountNumber": 3052, "VAT": 12, "Price": 600.0, "DeliveredQuantity": "1",
             "Description": "Försäljn varor 12% sv"}]}}


def test_article_group_rows_vat_included_due_date_and_long_numbers() -> None:
    made = invoice(row("Kaffe\tbryggmalet", "3", "79.90", "12", included=True, account=None, group="LIVS"),
                   number="2026-000000000000000000000000001", due_date=date(2026, 4, 9))
    body = invoice_body(made, "17", store_config(), sie_settings())["Invoice"]
    assert body["VATIncluded"] is True and body["DueDate"] == "2026-04-09" and "TermsOfPayment" not in body
    assert body["YourOrderNumber"] == "2026-0000000000000000000000000"  # Fortnox keeps 30 characters
    assert body["InvoiceRows"] == [{"AccountNumber": 3052, "VAT": 12, "Price": 79.9, "DeliveredQuantity": "3",
                                    "Description": "Kaffe bryggmalet"}]


def test_a_row_finer_than_two_decimals_is_sent_as_one_at_its_amount() -> None:
    made = invoice(row("Tyg", "1.255", "19.99"))
    [sent] = invoice_body(made, "17", store_config(), sie_settings())["Invoice"]["InvoiceRows"]
    assert sent == {"AccountNumber": 3051, "VAT": 25, "Price": 25.09, "DeliveredQuantity": "1",
                    "Description": "Tyg (1.255 à 19.99)"}


def test_clearing_mode_sends_one_row_on_the_clearing_account() -> None:
    settings = sie_settings(guard="clearing", clearing_account=1518)
    made = invoice(row(), row("Kaffe", "2", "45.50", "12", account=None, group="LIVS"), rounding="-0.04")
    body = invoice_body(made, "17", store_config(), settings)["Invoice"]
    assert body["VATIncluded"] is False
    assert body["InvoiceRows"] == [{"AccountNumber": 1518, "VAT": 0, "Price": 226.88, "DeliveredQuantity": "1",
                                    "Description": "Faktura 5001 från kassan"}]


def _credit(**changes: object):  # type: ignore[no-untyped-def]
    return invoice(row(quantity="-1"), number="5003", kind=InvoiceKind.CREDIT, **({"credit_of": "5001"} | changes))


def _original(**changes: object) -> FortnoxOriginal:
    data = {"DocumentNumber": 41, "Booked": True, "Cancelled": False, "CreditInvoiceReference": 0, "Total": 125.0,
            "TotalVAT": 25.0} | changes
    return FortnoxOriginal.from_json(data)


def test_full_credit_of_a_booked_invoice_uses_the_credit_endpoint() -> None:
    config, settings = store_config(), sie_settings()
    plan = plan_credit(_credit(), "17", config, settings, _original(), invoice(row()))
    assert (plan.path, plan.original_document) == (CreditPath.CREDIT_ENDPOINT, 41)
    assert plan.body == {"Invoice": {"ExternalInvoiceReference1": "KS1.kartbutiken.C.5003", "YourOrderNumber": "5003",
                                     "InvoiceDate": "2026-03-10",
                                     "ExternalInvoiceReference2": "KS1.kartbutiken.I.5001"}}


def test_any_other_credit_is_a_new_invoice_with_negative_quantities() -> None:
    config, settings = store_config(), sie_settings()
    cases = {
        "the original is not in Fortnox": (_credit(), None),
        "the original (Fortnox 41) is not booked": (_credit(), _original(Booked=False)),
        "the original (Fortnox 41) is cancelled": (_credit(), _original(Cancelled=True)),
        "the original is already credited by Fortnox invoice 44": (_credit(), _original(CreditInvoiceReference="44")),
        "not a full credit: it credits 125.00 of the original's 250.00": (_credit(), _original(Total=250)),
        "not a full credit: its VAT -25.00 does not reverse the original's 30.00": (_credit(), _original(TotalVAT=30)),
        "the POS names no original invoice": (_credit(credit_of=None), None),
    }
    for reason, (credit, original) in cases.items():
        plan = plan_credit(credit, "17", config, settings, original)
        assert (plan.path, plan.reason) == (CreditPath.NEW_INVOICE, reason)
        body = plan.body["Invoice"]
        assert body["InvoiceRows"][0]["DeliveredQuantity"] == "-1"
        assert body["ExternalInvoiceReference1"] == "KS1.kartbutiken.C.5003"
    refers = plan_credit(_credit(), "17", config, settings, None).body["Invoice"]
    assert (refers["ExternalInvoiceReference2"], refers["Remarks"]) == ("KS1.kartbutiken.I.5001",
                                                                        "Kreditering av faktura 5001")


def test_credit_whose_rates_differ_from_the_original_is_not_full() -> None:
    original_pos = invoice(row(price="112.00", rate="12", account=3052))
    plan = plan_credit(_credit(), "17", store_config(), sie_settings(), _original(), original_pos)
    assert plan.reason == "not a full credit: its net and VAT per rate do not reverse the original's"


def test_payment_body_account_and_lookup() -> None:
    config, settings = store_config(account_map={1932: 1581}), sie_settings()
    paid = TillPayment("5001", InvoiceKind.INVOICE, date(2026, 3, 9), "Kort", D("200.00"), None, 4)
    account = payment_account(paid, config, settings)
    assert account == 1581
    body = payment_body(paid, 41, date(2026, 3, 10), account)
    assert body == {"InvoicePayment": {"InvoiceNumber": 41, "Amount": 200.0, "PaymentDate": "2026-03-10",
                                       "ModeOfPaymentAccount": 1581}}
    assert payment_account(paid, config, sie_settings(till_payment_account=1518)) == 1518
    existing = [{"InvoiceNumber": 41, "Amount": 200.0, "PaymentDate": "2026-03-11"},
                {"InvoiceNumber": 41, "Amount": 200.0, "PaymentDate": "2026-03-10", "Number": 7}]
    assert find_payment(existing, paid, 41, date(2026, 3, 10)) == existing[1]
    assert find_payment(existing[:1], paid, 41, date(2026, 3, 10)) is None


def test_compare_totals_stops_an_ore_difference() -> None:
    made = invoice(row(price="79.36"), rounding="-0.20")
    settings = sie_settings()
    assert compare_totals(made, {"DocumentNumber": 41, "Total": 99.0, "TotalVAT": 19.84}, settings) == []
    [found] = compare_totals(made, {"DocumentNumber": 41, "Total": 99.0, "TotalVAT": 19.85}, settings)
    assert found.rule == "KS515" and "TotalVAT 19.85, the POS invoice 19.84" in found.message
    clearing = sie_settings(guard="clearing", clearing_account=1518)
    assert compare_totals(made, {"Total": 99.0, "TotalVAT": 0}, clearing) == []


@settings(deadline=None)  # no wall-clock limit: the machine is shared
@given(st.lists(st.tuples(st.integers(1, 40), st.decimals(D("0.01"), D("5000"), places=2),
                          st.sampled_from(["25", "12"])), min_size=1, max_size=6))
def test_rows_sent_give_the_invoice_net(lines: list[tuple[int, Decimal, str]]) -> None:
    made = invoice(*[row(quantity=str(q), price=str(p), rate=r, account=3051 if r == "25" else 3052)
                     for q, p, r in lines])
    rows = invoice_body(made, "17", store_config(), sie_settings())["Invoice"]["InvoiceRows"]
    sent = sum((D(r["DeliveredQuantity"]) * D(str(r["Price"])) for r in rows), D(0))
    assert sent == made.totals.net
