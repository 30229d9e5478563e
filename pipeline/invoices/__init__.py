"""POS invoices: adapters (SIE 4I journals, CSV) -> PosInvoice -> checks -> Fortnox bodies and decisions. Pure."""
from __future__ import annotations

from pathlib import Path

from pipeline.config.model import StoreConfig
from pipeline.invoices.bodies import (
    CreditPath,
    CreditPlan,
    FortnoxOriginal,
    compare_totals,
    document_id,
    find_payment,
    invoice_body,
    payment_account,
    payment_body,
    plan_credit,
)
from pipeline.invoices.csv_adapter import read_csv_invoices
from pipeline.invoices.customers import (
    Action,
    CustomerDecision,
    CustomerSearch,
    customer_body,
    decide_customer,
)
from pipeline.invoices.findings import RULES, InvoiceFinding
from pipeline.invoices.model import (
    Address,
    InvoiceFile,
    InvoiceKind,
    InvoiceRow,
    InvoiceTotals,
    PosCustomer,
    PosInvoice,
    SourceRef,
    TillPayment,
    VatTotal,
    totals_from_rows,
)
from pipeline.invoices.rules import PROPOSED_RULES, SetupProblem, setup_problems
from pipeline.invoices.settings import (
    CsvSettings,
    InvoiceSettings,
    InvoiceSettingsError,
    SieSettings,
    from_mapping,
)
from pipeline.invoices.sie_adapter import read_sie_invoices
from pipeline.invoices.source_id import exact_hits, parse_source_id, source_id
from pipeline.invoices.validate import validate_invoice


def read_invoice_file(path: Path, config: StoreConfig, settings: InvoiceSettings) -> InvoiceFile:
    """One file from inbox/<store>/invoices/ through the store's adapter."""
    if settings.adapter == "csv":
        return read_csv_invoices(path, config, settings)
    return read_sie_invoices(path, config, settings)


__all__ = [
    "PROPOSED_RULES", "RULES", "Action", "Address", "CreditPath", "CreditPlan", "CsvSettings", "CustomerDecision",
    "CustomerSearch", "FortnoxOriginal", "InvoiceFile", "InvoiceFinding", "InvoiceKind", "InvoiceRow",
    "InvoiceSettings", "InvoiceSettingsError", "InvoiceTotals", "PosCustomer", "PosInvoice", "SetupProblem",
    "SieSettings", "SourceRef", "TillPayment", "VatTotal", "compare_totals", "customer_body", "decide_customer",
    "document_id", "exact_hits", "find_payment", "from_mapping", "invoice_body", "parse_source_id",
    "payment_account", "payment_body", "plan_credit", "read_csv_invoices", "read_invoice_file",
    "read_sie_invoices", "setup_problems", "source_id", "totals_from_rows", "validate_invoice",
]
