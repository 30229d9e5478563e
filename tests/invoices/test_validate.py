"""Checks on a PosInvoice before any Fortnox call, and the totals model (with hypothesis properties)."""
from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from invoice_builders import invoice, row, sie_settings, store_config

from pipeline.invoices import (
    InvoiceKind,
    InvoiceTotals,
    PosCustomer,
    TillPayment,
    VatTotal,
    totals_from_rows,
    validate_invoice,
)

D = Decimal


def _rules(made, **settings) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.rule for f in validate_invoice(made, store_config(), sie_settings(**settings))]


def test_a_plain_invoice_passes() -> None:
    assert _rules(invoice(row(), row("Kaffe", "2", "45.50", "12", account=None, group="LIVS"))) == []


def test_rows_that_do_not_give_the_stated_net() -> None:
    made = invoice(row())
    wrong = dataclasses.replace(made, totals=InvoiceTotals((VatTotal(D(25), D(90), D("22.50")),), D(0), D("112.50")))
    [found] = validate_invoice(wrong, store_config(), sie_settings())
    assert found.rule == "KS503" and found.invoice == "5001"
    assert found.message == "invoice 5001: the rows at 25 % VAT add up to 100.00 but the invoice states net 90 at that rate"
    assert found.location.path == "inbox/kartbutiken/invoices/f.csv" and found.location.line == 2


def test_vat_off_beyond_rounding_is_ks304_and_by_an_ore_a_warning() -> None:
    made = invoice(row())
    off = dataclasses.replace(made, totals=InvoiceTotals((VatTotal(D(25), D(100), D(20)),), D(0), D(120)))
    assert _rules(off) == ["KS304"]
    ore = dataclasses.replace(made, totals=InvoiceTotals((VatTotal(D(25), D(100), D("25.01")),), D(0), D("125.01")))
    assert _rules(ore) == ["KS505"]


def test_ks304_can_be_switched_off_by_the_store() -> None:
    made = invoice(row())
    off = dataclasses.replace(made, totals=InvoiceTotals((VatTotal(D(25), D(100), D(20)),), D(0), D(120)))
    config = store_config(rules_disable=frozenset({"KS304"}))
    # what is left is the warning that Fortnox will compute another VAT (and the invoice stop after POST)
    assert [f.rule for f in validate_invoice(off, config, sie_settings())] == ["KS505"]


def test_unknown_accounts_groups_and_rates() -> None:
    assert _rules(invoice(row(account=3999))) == ["KS507"]
    assert _rules(invoice(row(account=None, group="GODIS"))) == ["KS507"]
    assert _rules(invoice(row(rate="12"))) == ["KS507"]  # 3051's article group is 25 %
    assert _rules(invoice(row(account=None))) == ["KS507"]


def test_clearing_mode_does_not_need_revenue_accounts() -> None:
    made = invoice(row(account=3999))
    assert _rules(made, guard="clearing", clearing_account=1518) == []


def test_shape_problems() -> None:
    assert _rules(invoice(row(quantity="-1"))) == ["KS511"]  # an invoice that pays out
    assert _rules(invoice(row(), kind=InvoiceKind.CREDIT)) == ["KS511"]  # a credit that charges
    assert _rules(invoice(row(), row(included=True))) == ["KS511"]  # mixed price basis
    assert _rules(invoice(row(), rows=())) == ["KS511", "KS503"]  # no rows, but totals
    assert _rules(invoice(row(rate="12.5"))) == ["KS511", "KS507"]  # Fortnox takes whole percent
    credit = invoice(row(quantity="-1"), number="5002", kind=InvoiceKind.CREDIT, credit_of="5001")
    assert _rules(credit) == []
    assert _rules(dataclasses.replace(credit, credit_of="5002")) == ["KS511"]  # credits itself
    assert _rules(invoice(row(), due_date=date(2026, 3, 1))) == ["KS511"]


def test_customer_keys() -> None:
    nameless = PosCustomer(pos_id="7")
    assert _rules(invoice(row(), customer=nameless)) == ["KS516"]
    assert _rules(invoice(row(), customer=PosCustomer(name="Karl"))) == ["KS508"]
    assert _rules(invoice(row(), customer=PosCustomer(name="Karl", email="k@x.se"))) == []
    assert _rules(invoice(row(), customer=PosCustomer(pos_id="7", name="Karl")),
                  customer_matching=["org_number"]) == ["KS508"]


def test_till_payments() -> None:
    def paid(amount: str, when: date = date(2026, 3, 10), tender: str = "Kort") -> TillPayment:
        return TillPayment("5001", InvoiceKind.INVOICE, when, tender, D(amount), None, 4)

    assert _rules(invoice(row(), payments=(paid("125.00"),))) == []
    assert _rules(invoice(row(), payments=(paid("100.00"), paid("25.01")))) == ["KS513"]
    assert _rules(invoice(row(), payments=(paid("-10"),))) == ["KS513"]
    early = validate_invoice(invoice(row(), payments=(paid("10", date(2026, 3, 9)),)), store_config(), sie_settings())
    assert [(f.rule, f.location.line) for f in early] == [("KS512", 4)]
    assert _rules(invoice(row(), payments=(paid("10", tender="Check"),))) == ["KS507"]
    assert _rules(invoice(row(), payments=(paid("10", tender="Check"),)), till_payment_account=1518) == []


def test_vat_included_totals_round_per_rate() -> None:
    totals = totals_from_rows([row(quantity="3", price="79.90", rate="12", included=True),
                               row(quantity="1", price="249", rate="25", included=True)], D("0.30"))
    assert [(v.rate, v.net, v.vat) for v in totals.vat] == [(D(25), D("199.20"), D("49.80")),
                                                            (D(12), D("214.02"), D("25.68"))]
    assert totals.gross == D("489.00")


_money = st.decimals(min_value=D("-9999.99"), max_value=D("99999.99"), places=2)
_rows = st.lists(st.builds(
    lambda q, p, rate, included, group: row(quantity=str(q), price=str(p), rate=str(rate), included=included,
                                            account=None, group=group),
    st.integers(min_value=1, max_value=50), st.decimals(min_value=D("0.01"), max_value=D("9999.99"), places=2),
    st.just(0), st.booleans(), st.just("MOMSFRI")) | st.builds(
    lambda q, p, included, pick: row(quantity=str(q), price=str(p), rate=pick[1], included=included,
                                     account=None, group=pick[0]),
    st.integers(min_value=1, max_value=50), st.decimals(min_value=D("0.01"), max_value=D("9999.99"), places=2),
    st.booleans(), st.sampled_from([("VAROR", "25"), ("LIVS", "12")])), min_size=1, max_size=8)


@settings(deadline=None)  # no wall-clock limit: the machine is shared
@given(_rows, st.decimals(min_value=D("-0.49"), max_value=D("0.50"), places=2))
def test_generated_totals_always_balance(rows: list, rounding: Decimal) -> None:  # type: ignore[type-arg]
    totals = totals_from_rows(rows, rounding)
    assert totals.net + totals.vat_amount + totals.rounding == totals.gross
    assert all(v.vat == v.vat.quantize(D("0.01")) for v in totals.vat)


@settings(deadline=None)  # no wall-clock limit: the machine is shared
@given(_rows, st.booleans())
def test_generated_invoices_with_one_price_basis_validate(rows: list, included: bool) -> None:  # type: ignore[type-arg]
    same_basis = [dataclasses.replace(r, vat_included=included) for r in rows]
    made = invoice(*same_basis)
    assert [f.rule for f in validate_invoice(made, store_config(), sie_settings()) if f.is_error] == []
    credit = invoice(*[dataclasses.replace(r, quantity=-r.quantity) for r in same_basis], kind=InvoiceKind.CREDIT)
    assert credit.totals.gross == -made.totals.gross
    assert [f.rule for f in validate_invoice(credit, store_config(), sie_settings()) if f.is_error] == []
