"""Both SIE invoice-journal shapes through sync: text only (Visma's FAKT.SI and a journal of several invoices in
its shape) and object dimensions 8 and 10 with rounding rows (Mamut's export), against the sandbox."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from invoice_fleet import CORPUS, REPO, invoice_fleet

VISMA_STORE = r"""version: 1
store: kartan
name: Kartbutiken AB
org_number: "{org}"
start_date: {start}
fortnox: {{tenant_id: "3700011", voucher_series: F}}
invoice_sync: true
pos: {{include_invoiced_in_account_report: false, invoiced_sales_accounts: [1512]}}
accounts: {{1510: Kundfordringar, 1512: Fakturerat, 1910: Kassa, 2611: Moms 25, 2621: Moms 12, 3051: Varor 25,
            3052: Varor 12, 3740: Öresutjämning}}
article_groups:
  VAROR: {{revenue: 3051, vat_account: 2611, vat_rate: 25}}
  LIVS: {{revenue: 3052, vat_account: 2621, vat_rate: 12}}
payment_methods: {{Kontant: 1910}}
rounding_account: 3740
rules: {{disable: [KS111]}}
invoices:
  adapter: sie
  sie: {{text_pattern: '{pattern}'}}
  guard: unticked
"""
VISMA_PATTERN = (r"Faktnr: (?P<invoice>\d+), (?:Kreditering av (?P<original>\d+), )?Kundnr: (?P<customer>\d+), "
                 r"Namn: (?P<name>.+)")


def _corpus(name: str) -> Path:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"the shared SIE corpus file {name} (../shared/sie-corpus) is not present")
    return path


def test_a_visma_shaped_journal_of_several_invoices_and_a_partial_credit(tmp_path: Path) -> None:
    store = VISMA_STORE.format(org="556677-8899", start="2026-01-01", pattern=VISMA_PATTERN)
    # the journal's 894 rounds to whole kronor (a 3740 row), as this company's invoices do in Fortnox
    with invoice_fleet(tmp_path, store, tenant={"invoice_rounding": "whole"}) as fleet:
        fleet.put("kartan", "FAKT_110.SI", (REPO / "tests" / "fixtures" / "invoices" / "visma_journal.si").read_bytes())
        result = fleet.sync("kartan")
        assert result["state"] == "ok", result
        made = result["invoices"]
        assert (made["invoices"], made["credits"], made["customers_created"]) == (3, 1, 2), made
        invoices = {i["ExternalInvoiceReference1"]: i for i in fleet.documents("invoices", "3700011")}
        credit = invoices["KS1.kartan.C.893"]
        # 893 credits 2000 of 891's 8000: not a full credit, so a new invoice with negative quantities that
        # names its original, not Fortnox's PUT /credit
        assert credit["Credit"] == "false" and credit["Total"] == -2000.0
        assert credit["ExternalInvoiceReference2"] == "KS1.kartan.I.891"
        assert credit["Remarks"] == "Kreditering av faktura 891"
        assert invoices["KS1.kartan.I.891"]["CreditInvoiceReference"] == "0"
        assert all(i["Booked"] for i in invoices.values())
        assert [(r["AccountNumber"], r["VAT"]) for r in invoices["KS1.kartan.I.892"]["InvoiceRows"]] == [
            (3051, 25), (3052, 12)]


def test_vismas_own_fakt_si_stops_at_the_missing_customer_number(tmp_path: Path) -> None:
    """The real Visma journal names the customer by name only: nothing to match by (KS508), said with the fix;
    the file stays in the inbox until the POS exports the customer number."""
    store = VISMA_STORE.format(org="555555-5555", start="2011-01-01",
                               pattern=r"Faktnr: (?P<invoice>\d+), Namn: (?P<name>.+)")
    with invoice_fleet(tmp_path, store, today=date(2011, 3, 5)) as fleet:
        fleet.put("kartan", "FAKT.SI", _corpus("FAKT.SI").read_bytes())
        result = fleet.sync("kartan")
        assert result["state"] == "failed"
        [failure] = result["invoices"]["failures"]
        assert failure["code"] == "KS508" and failure["key"] == "KS1.kartan.I.891"
        assert failure["file"] == "kartan/invoices/FAKT.SI" and "customer number" in failure["hint"]
        assert fleet.documents("invoices", "3700011") == []
        assert (tmp_path / "inbox" / "kartan" / "invoices" / "FAKT.SI").is_file()


MAMUT_STORE = """version: 1
store: mamut
name: Mamut_SIE
org_number: "555555-5555"
start_date: 2010-01-01
fortnox: {tenant_id: "3700012", voucher_series: F}
invoice_sync: true
pos: {include_invoiced_in_account_report: false, invoiced_sales_accounts: [1512]}
accounts: {1510: Kundfordringar, 1512: Fakturerat, 1910: Kassa, 2611: Moms 25, 3051: Varor 25, 3740: Öresutjämning}
article_groups:
  VAROR: {revenue: 3051, vat_account: 2611, vat_rate: 25}
payment_methods: {Kontant: 1910}
rounding_account: 3740
rules: {disable: [KS111]}
invoices:
  adapter: sie
  # the voucher text names customers that have no #OBJEKT line: "30076 MANGO Internetcafe, 14"
  sie: {text_pattern: '^(?P<customer>\\d+) (?P<name>.+), (?P<invoice>\\d+)$'}
  guard: unticked
"""


def _mamut_subset(wanted: set[str]) -> bytes:
    """The Mamut export's header and the #VER blocks of the invoices asked for (its dims 8 and 10 name them)."""
    text = _corpus("MAMUT_SIE4_EXPORT.SE").read_bytes().decode("cp437")
    head, *blocks = text.split("#VER")
    kept = [b for b in blocks if any(f'10 "{n}"' in b for n in wanted)]
    return (head + "".join("#VER" + b for b in kept)).encode("cp437")


def test_mamuts_dimension_journal_rounding_and_credit_notes(tmp_path: Path) -> None:
    """Invoice 12 carries an öre rounding row (0.50) that a company without invoice rounding does not make: it
    is created, left unbooked and stopped with KS515. Invoice 14 has none and is booked; credit note 90001
    names no original, so it is a new invoice with negative quantities. Customers come from dimension 8 and
    their #OBJEKT names, created once each."""
    with invoice_fleet(tmp_path, MAMUT_STORE, today=date(2010, 6, 30)) as fleet:
        fleet.put("mamut", "MAMUT.SE", _mamut_subset({"12", "14", "90001"}))
        result = fleet.sync("mamut")
        made = result["invoices"]
        assert (made["invoices"], made["credits"], made["failed"]) == (1, 1, 1), made
        [stopped] = made["failures"]
        assert stopped["code"] == "KS515" and stopped["key"] == "KS1.mamut.I.12"
        assert "376312.5" in stopped["message"] and "376313.00" in stopped["message"]
        invoices = {i["ExternalInvoiceReference1"]: i for i in fleet.documents("invoices", "3700012")}
        assert not invoices["KS1.mamut.I.12"]["Booked"] and invoices["KS1.mamut.I.14"]["Booked"]
        assert invoices["KS1.mamut.C.90001"]["Total"] == -2500.0 and invoices["KS1.mamut.C.90001"]["Booked"]
        names = sorted(c["Name"] for c in fleet.documents("customers", "3700012"))
        assert names == ["MANGO Internetcafe", "Svenska Mässan i Göteborg"]
        # sync again: 12 is not created a second time, and stays stopped until the rounding is settled
        again = fleet.sync("mamut")["invoices"]
        assert (again["failed"], again["invoices"], again["found"]) == (1, 0, 0)
        assert len(fleet.documents("invoices", "3700012")) == 3


def test_with_whole_krona_rounding_in_fortnox_the_mamut_rounding_invoice_is_booked(tmp_path: Path) -> None:
    with invoice_fleet(tmp_path, MAMUT_STORE, today=date(2010, 6, 30), tenant={"invoice_rounding": "whole"}) as fleet:
        fleet.put("mamut", "MAMUT.SE", _mamut_subset({"12", "13"}))
        made = fleet.sync("mamut")["invoices"]
        assert (made["invoices"], made["failed"]) == (2, 0), made
        twelve = next(i for i in fleet.documents("invoices", "3700012") if i["ExternalInvoiceReference1"].endswith(".12"))
        assert (twelve["RoundOff"], twelve["Total"], twelve["Booked"]) == (0.5, 376313.0, True)
