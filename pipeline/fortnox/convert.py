"""Pure conversion between Fortnox's PascalCase JSON and the typed models; money in and out as Decimal."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from pipeline.fortnox.models import (
    ALLOWED,
    NOTALLOWED,
    Account,
    CompanyInformation,
    CostCenter,
    FinancialYear,
    Voucher,
    VoucherDraft,
    VoucherRow,
    VoucherSeries,
)

CENT = Decimal("0.01")
Json = dict[str, Any]


def money(value: object) -> Decimal:
    """A Fortnox number (a JSON float) as Decimal in öre, via its text so 0.1 stays 0.1."""
    if value is None or value == "":
        return Decimal(0)
    return Decimal(str(value)).quantize(CENT)


def money_out(value: Decimal) -> float:
    """Decimal to the JSON number Fortnox takes: rounded to öre first, so the float's repr is exact."""
    return float(value.quantize(CENT))


def day(value: object) -> date | None:
    if not value:
        return None
    return date.fromisoformat(str(value)[:10])


def _int(value: object, default: int = 0) -> int:
    if value is None or value == "":
        return default
    return int(str(value))


def _opt_str(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def company_information(obj: Json) -> CompanyInformation:
    return CompanyInformation(
        company_name=str(obj.get("CompanyName") or ""),
        organization_number=str(obj.get("OrganizationNumber") or ""),
        database_number=_int(obj.get("DatabaseNumber")),
    )


def financial_year(obj: Json) -> FinancialYear:
    from_date, to_date = day(obj.get("FromDate")), day(obj.get("ToDate"))
    if from_date is None or to_date is None:
        raise ValueError(f"financial year {obj.get('Id')} has no FromDate/ToDate")
    return FinancialYear(id=_int(obj.get("Id")), from_date=from_date, to_date=to_date,
                         accounting_method=str(obj.get("AccountingMethod") or "ACCRUAL"))


def account(obj: Json) -> Account:
    return Account(number=_int(obj.get("Number")), description=str(obj.get("Description") or ""),
                   active=bool(obj.get("Active", True)), year=_int(obj.get("Year")),
                   vat_code=_opt_str(obj.get("VATCode")),
                   cost_center_settings=str(obj.get("CostCenterSettings") or ALLOWED).upper())


def voucher_series(obj: Json) -> VoucherSeries:
    nxt = obj.get("NextVoucherNumber")
    return VoucherSeries(code=str(obj.get("Code") or ""), description=str(obj.get("Description") or ""),
                         manual=bool(obj.get("Manual", False)), year=_int(obj.get("Year")),
                         next_voucher_number=None if nxt is None else _int(nxt))


def cost_center(obj: Json) -> CostCenter:
    return CostCenter(code=str(obj.get("Code") or ""), description=str(obj.get("Description") or ""),
                      active=bool(obj.get("Active", True)))


def voucher_row(obj: Json) -> VoucherRow:
    return VoucherRow(account=_int(obj.get("Account")), debit=money(obj.get("Debit")),
                      credit=money(obj.get("Credit")), description=_opt_str(obj.get("Description")),
                      cost_center=_opt_str(obj.get("CostCenter")),
                      transaction_information=_opt_str(obj.get("TransactionInformation")),
                      removed=bool(obj.get("Removed", False)))


def voucher(obj: Json) -> Voucher:
    transaction_date = day(obj.get("TransactionDate"))
    if transaction_date is None:
        raise ValueError("voucher without TransactionDate")
    return Voucher(
        voucher_series=str(obj.get("VoucherSeries") or ""),
        voucher_number=_int(obj.get("VoucherNumber")),
        year=_int(obj.get("Year")),
        transaction_date=transaction_date,
        description=str(obj.get("Description") or ""),
        # absent (None) is not empty (""): list items may leave Comments out, and the marker look-up must know
        comments=None if "Comments" not in obj else str(obj.get("Comments") or ""),
        cost_center=_opt_str(obj.get("CostCenter")),
        rows=tuple(voucher_row(r) for r in obj.get("VoucherRows") or ()),
    )


def fit_cost_centers(draft: VoucherDraft, settings: dict[int, str]) -> VoucherDraft:
    """The draft with the cost center on every row whose account allows one, and on no other.

    `settings`: account -> CostCenterSettings of the voucher's year. Fortnox refuses a cost center on a
    NOTALLOWED account; the store's cost center (draft-wide) goes on each row instead of on the voucher head,
    so that it never lands on such a row by inheritance. A MANDATORY row without one is left for Fortnox to
    refuse (plan reports it as a blocker first).
    """
    rows = tuple(replace(row, cost_center=None if settings.get(row.account) == NOTALLOWED
                         else row.cost_center or draft.cost_center) for row in draft.rows)
    return replace(draft, rows=rows, cost_center=None)


def voucher_body(draft: VoucherDraft) -> Json:
    """The POST body for a voucher; optional fields are left out rather than sent empty."""
    rows = []
    for row in draft.rows:
        item: Json = {"Account": row.account, "Debit": money_out(row.debit), "Credit": money_out(row.credit)}
        if row.description:
            item["Description"] = row.description
        if row.cost_center or draft.cost_center:
            item["CostCenter"] = row.cost_center or draft.cost_center
        if row.transaction_information:
            item["TransactionInformation"] = row.transaction_information
        rows.append(item)
    body: Json = {"VoucherSeries": draft.voucher_series,
                  "TransactionDate": draft.transaction_date.isoformat(),
                  "Description": draft.description, "VoucherRows": rows}
    if draft.comments:
        body["Comments"] = draft.comments
    if draft.cost_center:
        body["CostCenter"] = draft.cost_center
    return {"Voucher": body}
