"""Shared builders for the invoice tests: a store with invoice sync, its settings, and invoices from a few values."""
from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipeline.config.model import ArticleGroupRow, StoreConfig
from pipeline.invoices import (
    InvoiceKind,
    InvoiceRow,
    InvoiceSettings,
    PosCustomer,
    PosInvoice,
    SourceRef,
    from_mapping,
    totals_from_rows,
)

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "invoices"
CORPUS = REPO.parent / "shared" / "sie-corpus" / "byrokrat__accounting"

VISMA_PATTERN = (r"Faktnr: (?P<invoice>\d+), (?:Kreditering av (?P<original>\d+), )?Kundnr: (?P<customer>\d+), "
                 r"Namn: (?P<name>.+)")
CSV_COLUMNS = {
    "invoice_number": "Fakturanr", "invoice_date": "Fakturadatum", "due_date": "Förfallodatum", "kind": "Typ",
    "credit_of": "Avser faktura", "customer_id": "Kundnr", "customer_name": "Kundnamn", "org_number": "Orgnr",
    "email": "E-post", "street": "Adress", "postcode": "Postnr", "city": "Ort", "country": "Land", "text": "Text",
    "article_group": "Artikelgrupp", "account": "Konto", "quantity": "Antal", "unit_price": "À-pris",
    "vat_rate": "Moms %", "vat_included": "Inkl moms", "total": "Att betala", "rounding": "Öresavrundning",
    "payment_amount": "Betalt i kassan", "payment_tender": "Betalsätt", "payment_date": "Betaldatum",
}


def corpus_file(name: str) -> Path:
    """A file of the shared SIE corpus, or skip the test when this checkout has none."""
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"the shared SIE corpus file {name} (../shared/sie-corpus) is not present")
    return path


def store_config(**changes: Any) -> StoreConfig:
    """Kartbutiken: 25 % and 12 % goods, VAT-free sales on 3054, till tenders, rounding on 3740."""
    config = StoreConfig(
        store="kartbutiken", name="Kartbutiken AB", org_number="556677-8899", start_date=date(2010, 1, 1),
        voucher_series="F", invoice_sync=True, include_invoiced_in_account_report=False,
        invoiced_sales_accounts=(1512,),
        accounts={a: str(a) for a in (1510, 1512, 1518, 1910, 1925, 1932, 2611, 2621, 3051, 3052, 3054, 3740)},
        article_groups={"VAROR": (ArticleGroupRow(3051, 2611, Decimal(25)),),
                        "LIVS": (ArticleGroupRow(3052, 2621, Decimal(12)),),
                        "MOMSFRI": (ArticleGroupRow(3054, None, Decimal(0)),)},
        payment_methods={"Kontant": 1910, "Kort": 1932, "Swish": 1925}, rounding_account=3740,
    )
    return dataclasses.replace(config, **changes)


def sie_settings(pattern: str | None = VISMA_PATTERN, **extra: Any) -> InvoiceSettings:
    section: dict[str, Any] = {"adapter": "sie", "guard": "unticked", "payment_terms": "30", **extra}
    if pattern is not None:
        section["sie"] = {"text_pattern": pattern}
    return from_mapping(section)


def csv_settings(**csv: Any) -> InvoiceSettings:
    section = {"columns": dict(CSV_COLUMNS), "delimiter": ";", "decimal_comma": True, "encoding": "cp1252",
               "credit_values": ["K"], **csv}
    return from_mapping({"adapter": "csv", "guard": "unticked", "csv": section})


def row(text: str = "Termos", quantity: str = "1", price: str = "100.00", rate: str = "25", *,
        included: bool = False, account: int | None = 3051, group: str | None = None) -> InvoiceRow:
    return InvoiceRow(text=text, quantity=Decimal(quantity), unit_price=Decimal(price), vat_rate=Decimal(rate),
                      vat_included=included, account=account, article_group=group, line=7)


def invoice(*rows: InvoiceRow, number: str = "5001", kind: InvoiceKind = InvoiceKind.INVOICE,
            rounding: str = "0", customer: PosCustomer | None = None, **changes: Any) -> PosInvoice:
    """An invoice whose totals are what its rows give (so it validates unless a test changes something)."""
    rows = rows or (row(),)
    made = PosInvoice(store="kartbutiken", number=number, kind=kind, invoice_date=date(2026, 3, 10),
                      customer=customer or PosCustomer(pos_id="2001", name="Café Ängen AB",
                                                       org_number="559123-4567"),
                      rows=tuple(rows), totals=totals_from_rows(rows, Decimal(rounding)),
                      source=SourceRef("inbox/kartbutiken/invoices/f.csv", "csv", 2, 3))
    return dataclasses.replace(made, **changes)
