"""The invoices: section as a typed model (from_mapping), and the proposed set-up rules (KS13x)."""
from __future__ import annotations

import pytest
from invoice_builders import CSV_COLUMNS, store_config

from pipeline.invoices import InvoiceSettingsError, from_mapping, setup_problems


def _problems(section: dict) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    with pytest.raises(InvoiceSettingsError) as caught:
        from_mapping(section)
    return [(p.key, p.message) for p in caught.value.problems]


def test_sie_section_with_defaults() -> None:
    settings = from_mapping({"adapter": "sie", "guard": "unticked",
                             "sie": {"text_pattern": r"Faktnr: (?P<invoice>\d+)"}, "payment_terms": 30})
    assert settings.adapter == "sie" and settings.receivable_account == 1510
    assert settings.customer_matching == ("pos_id", "org_number", "email")
    assert settings.payment_terms == "30" and settings.csv is None
    assert settings.sie.text_pattern is not None and settings.sie.text_pattern.pattern == r"Faktnr: (?P<invoice>\d+)"


def test_csv_section() -> None:
    settings = from_mapping({"adapter": "csv", "guard": "clearing", "clearing_account": "1518",
                             "customer_matching": ["org_number", "pos_id"],
                             "csv": {"columns": CSV_COLUMNS, "encoding": "cp1252", "date_format": "%d.%m.%Y",
                                     "credit_values": ["K"]}})
    assert settings.clearing_account == 1518 and settings.customer_matching == ("org_number", "pos_id")
    assert settings.csv is not None
    assert (settings.csv.delimiter, settings.csv.decimal_comma, settings.csv.encoding) == (";", True, "cp1252")
    assert settings.csv.columns["unit_price"] == "À-pris"


def test_every_problem_is_reported_at_once_with_its_key() -> None:
    found = _problems({"guard": "maybe", "receivable_account": 151, "customer_matching": ["pos_id", "name"],
                       "sie": {"text_pattern": "Faktnr: (\\d+"}, "extra": 1,
                       "csv": {"delimiter": ";;", "encoding": "klingon", "date_format": "%Q",
                               "columns": {"invoice_number": "Nr", "colour": "Färg"}}})
    keys = [key for key, _message in found]
    assert keys == ["invoices.extra", "invoices.adapter", "invoices.sie.text_pattern",
                    "invoices.csv.columns.colour", "invoices.csv.columns.invoice_date",
                    "invoices.csv.columns.quantity", "invoices.csv.columns.unit_price",
                    "invoices.csv.columns.account", "invoices.csv.columns.vat_rate", "invoices.csv.delimiter",
                    "invoices.csv.encoding", "invoices.csv.date_format", "invoices.receivable_account",
                    "invoices.guard", "invoices.customer_matching"]
    messages = dict(found)
    assert messages["invoices.guard"] == "expected one of unticked, clearing, got 'maybe'"
    assert messages["invoices.customer_matching"] == "unknown key(s) name; known: pos_id, org_number, email"
    assert messages["invoices.sie.text_pattern"].startswith("not a valid regular expression")


def test_guard_is_required_and_clearing_needs_its_account() -> None:
    assert [k for k, _m in _problems({"adapter": "sie"})] == ["invoices.guard"]
    assert _problems({"adapter": "sie", "guard": "clearing"}) == [
        ("invoices.clearing_account", "missing: guard: clearing needs the clearing account the day's invoiced "
                                      "sales are parked on (a BAS 1518-like account)")]


def test_pattern_must_name_the_invoice_and_only_known_groups() -> None:
    found = _problems({"adapter": "sie", "guard": "unticked", "sie": {"text_pattern": r"(?P<kund>\d+)"}})
    assert [m for _k, m in found] == ["needs a named group for the invoice number: (?P<invoice>...)",
                                      "unknown group(s) kund; known: invoice, customer, name, original"]


def test_csv_adapter_needs_its_section_and_credit_values_need_a_kind_column() -> None:
    assert _problems({"adapter": "csv", "guard": "unticked"}) == [
        ("invoices.csv", "missing: the csv adapter needs a csv: section with at least columns:")]
    columns = {k: v for k, v in CSV_COLUMNS.items() if k != "kind"}
    assert _problems({"adapter": "csv", "guard": "unticked", "csv": {"columns": columns, "credit_values": ["K"]}}) == [
        ("invoices.csv.credit_values", "credit_values needs a kind column in columns:")]


def _rules(config_changes: dict, **section: object) -> list[tuple[str, tuple]]:  # type: ignore[type-arg]
    settings = from_mapping({"adapter": "sie", "guard": "unticked", **section})
    return [(p.rule, p.path) for p in setup_problems(store_config(**config_changes), settings)]


def test_an_unticked_setup_passes() -> None:
    assert _rules({}) == []


def test_invoice_sync_without_a_section() -> None:
    [problem] = setup_problems(store_config(), None)
    assert (problem.rule, problem.path, problem.severity.value) == ("KS130", ("invoice_sync",), "error")
    assert setup_problems(store_config(invoice_sync=False), None) == []
    assert _rules({"invoice_sync": False}) == [("KS137", ("invoices",))]


def test_clearing_account_is_never_the_receivable_account() -> None:
    found = _rules({"include_invoiced_in_account_report": True, "account_map": {1512: 1510}}, guard="clearing",
                   clearing_account=1510)
    assert ("KS131", ("invoices", "clearing_account")) in found
    assert _rules({}, till_payment_account=1510) == [("KS131", ("invoices", "till_payment_account"))]


def test_clearing_setup_that_fits() -> None:
    assert _rules({"include_invoiced_in_account_report": True, "account_map": {1512: 1518}}, guard="clearing",
                  clearing_account=1518) == []


def test_clearing_setups_that_would_book_a_sale_twice_or_never() -> None:
    # the POS leaves invoiced sales out, and they land on 1512, not on the clearing account
    assert _rules({}, guard="clearing", clearing_account=1518) == [
        ("KS134", ("pos", "include_invoiced_in_account_report")),
        ("KS133", ("pos", "invoiced_sales_accounts", 0))]
    assert _rules({"include_invoiced_in_account_report": True, "invoiced_sales_accounts": ()}, guard="clearing",
                  clearing_account=1518) == [("KS133", ("pos", "invoiced_sales_accounts"))]
    # a clearing account that is also the till's card account
    found = _rules({"include_invoiced_in_account_report": True, "account_map": {1512: 1932}}, guard="clearing",
                   clearing_account=1932)
    assert found == [("KS132", ("invoices", "clearing_account"))]


def test_rounding_and_receivable_class() -> None:
    assert _rules({"rounding_account": None}) == [("KS135", ("invoices", "rounding_account"))]
    assert _rules({"rounding_account": None}, rounding_account=3740) == []
    assert _rules({}, receivable_account=2440) == [("KS136", ("invoices", "receivable_account"))]
