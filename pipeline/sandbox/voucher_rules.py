"""Fortnox's voucher rules as pure functions: shape and text checks, then checks against the year's chart."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pipeline.fortnox import codes, text
from pipeline.fortnox.models import MANDATORY, NOTALLOWED
from pipeline.sandbox.responses import Refusal

VOUCHER_FIELDS = frozenset({
    "@url", "ApprovalState", "Comments", "CostCenter", "Description", "Project", "ReferenceNumber",
    "ReferenceType", "TransactionDate", "VoucherNumber", "VoucherRows", "VoucherSeries", "Year",
})
ROW_FIELDS = frozenset({
    "Account", "CostCenter", "Credit", "Debit", "Description", "Project", "Quantity", "Removed",
    "TransactionInformation",
})
ORE = Decimal("0.01")
# [U] Fortnox publishes no row limit (its OpenAPI document says maxItems 2147483647); the sandbox takes 500
# rows, far more than a Z-report's voucher needs, so that a runaway voucher is refused, not stored.
MAX_ROWS = 500
# [U] Fortnox stores doubles; the sandbox refuses amounts of a trillion kronor or more (no Decimal overflow).
MAX_AMOUNT = Decimal(10) ** 12


class VoucherRejected(Exception):
    def __init__(self, code: Refusal, detail: str | None = None, fmt: dict[str, str] | None = None) -> None:
        super().__init__(f"{code.code} {code.message} {detail or ''}")
        self.code = code
        self.detail = detail
        self.fmt = fmt  # values for placeholders in the message, e.g. {date} of the locked period


@dataclass(frozen=True)
class RowIn:
    account: int
    debit: Decimal
    credit: Decimal
    description: str | None
    cost_center: str | None
    transaction_information: str | None
    quantity: float | None


@dataclass(frozen=True)
class VoucherIn:
    series: str
    transaction_date: date
    description: str
    comments: str | None
    cost_center: str | None
    rows: tuple[RowIn, ...]


@dataclass(frozen=True)
class YearFacts:
    """What the checks need to know about the target year, read from the database by the caller."""

    from_date: date
    to_date: date
    locked_until: date | None
    series_manual: bool | None  # None: the series does not exist in that year
    accounts: dict[int, tuple[str, bool]]  # number -> (description, active), for the accounts the rows use
    cost_centers: frozenset[str]  # the codes that exist
    inactive_centers: frozenset[str] = frozenset()  # of those, the inactive ones
    center_settings: dict[int, str] | None = None  # number -> CostCenterSettings (absent: ALLOWED)


def characters_ok(value: Any, where: str = "") -> None:
    """Every string in a request body, at any depth, holds only Fortnox's allowed characters (2000359)."""
    if isinstance(value, str):
        if not text.is_clean(value):
            raise VoucherRejected(codes.DISALLOWED_CHARACTERS, value[:100])
    elif isinstance(value, dict):
        for key, item in value.items():
            characters_ok(item, key)
    elif isinstance(value, list):
        for item in value:
            characters_ok(item, where)


def checked_text(body: dict[str, Any], name: str, max_len: int, required: bool = False) -> str | None:
    """A string field checked for presence, type and length (Fortnox's codes)."""
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise VoucherRejected(codes.INVALID_PARAMETER, f"{name} krävs")
        return None
    if not isinstance(value, str):
        raise VoucherRejected(codes.INVALID_PARAMETER, name)
    if len(value) > max_len:
        raise VoucherRejected(codes.TEXT_TOO_LONG, f"{name} får vara högst {max_len} tecken")
    return value


def _money(row: dict[str, Any], name: str, where: str) -> Decimal:
    value = row.get(name, 0)
    if value is None:
        return Decimal(0)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise VoucherRejected(codes.INVALID_PARAMETER, f"{where}: {name}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise VoucherRejected(codes.INVALID_PARAMETER, f"{where}: {name}={value}") from exc
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise VoucherRejected(codes.INVALID_PARAMETER, f"{where}: {name}={value}")
    return amount.quantize(ORE, rounding=ROUND_HALF_UP)


def _row(raw: Any, index: int) -> RowIn:
    where = f"rad {index + 1}"
    if not isinstance(raw, dict):
        raise VoucherRejected(codes.INVALID_PARAMETER, where)
    for name in raw:
        if name not in ROW_FIELDS:
            raise VoucherRejected(codes.UNKNOWN_FIELD, f"{where}: {name}")
    account = raw.get("Account")
    if isinstance(account, bool) or not isinstance(account, int | str) or not str(account).isdigit() \
            or not 1000 <= int(account) <= 9999:
        raise VoucherRejected(codes.ACCOUNT_FORMAT, f"{where}: {str(account)[:20]}")
    quantity = raw.get("Quantity")
    return RowIn(
        account=int(account),
        debit=_money(raw, "Debit", where),
        credit=_money(raw, "Credit", where),
        description=checked_text(raw, "Description", 200),
        cost_center=checked_text(raw, "CostCenter", 6),
        transaction_information=checked_text(raw, "TransactionInformation", 100),
        quantity=float(quantity) if isinstance(quantity, int | float) and not isinstance(quantity, bool)
        and abs(quantity) < MAX_AMOUNT else None,
    )


def parse_voucher(body: dict[str, Any]) -> VoucherIn:
    """Shape, required fields, text lengths and row count; nothing that needs the database (the characters
    of every text are checked as the body is read, `api.read_body`)."""
    for name in body:
        if name not in VOUCHER_FIELDS:
            raise VoucherRejected(codes.UNKNOWN_FIELD, name)
    series = checked_text(body, "VoucherSeries", 10, required=True)
    description = checked_text(body, "Description", 200, required=True)
    raw_date = checked_text(body, "TransactionDate", 10, required=True)
    try:
        day = date.fromisoformat(str(raw_date))
    except ValueError as exc:
        raise VoucherRejected(codes.INVALID_PARAMETER, f"TransactionDate {raw_date}") from exc
    if checked_text(body, "Project", 20):
        raise VoucherRejected(codes.PROJECT_NOT_FOUND, str(body["Project"]))
    rows_raw = body.get("VoucherRows")
    if not isinstance(rows_raw, list) or len(rows_raw) < 2:
        raise VoucherRejected(codes.TOO_FEW_ROWS)
    if len(rows_raw) > MAX_ROWS:
        raise VoucherRejected(codes.TOO_MANY_ROWS, f"{len(rows_raw)} rader, högst {MAX_ROWS}")
    rows = tuple(_row(raw, n) for n, raw in enumerate(rows_raw))
    for n, raw in enumerate(rows_raw):
        if raw.get("Project"):
            raise VoucherRejected(codes.PROJECT_NOT_FOUND, f"rad {n + 1}: {raw['Project']}")
    return VoucherIn(series=str(series), transaction_date=day, description=str(description),
                     comments=checked_text(body, "Comments", 1000), cost_center=checked_text(body, "CostCenter", 6),
                     rows=rows)


def _check_cost_centers(voucher: VoucherIn, facts: YearFacts) -> None:
    """Cost centers exist and are active, and each row's account allows (or demands) the one it carries.

    [U] Whether a voucher-level CostCenter counts for every row is not documented: for NOTALLOWED it does
    here (the stricter reading), for MANDATORY only the row's own counts (also the stricter reading).
    """
    for code in [voucher.cost_center] + [row.cost_center for row in voucher.rows]:
        if code is None:
            continue
        if code not in facts.cost_centers:
            raise VoucherRejected(codes.COST_CENTER_NOT_FOUND, code)
        if code in facts.inactive_centers:
            raise VoucherRejected(codes.COST_CENTER_INACTIVE, fmt={"code": code})
    settings = facts.center_settings or {}
    for row in voucher.rows:
        setting = settings.get(row.account)
        if setting == NOTALLOWED and (row.cost_center or voucher.cost_center):
            raise VoucherRejected(codes.COST_CENTER_NOT_ALLOWED, fmt={"account": str(row.account)})
        if setting == MANDATORY and not row.cost_center:
            raise VoucherRejected(codes.COST_CENTER_REQUIRED, fmt={"account": str(row.account)})


def check_against_year(voucher: VoucherIn, facts: YearFacts) -> None:
    """The rules that need the year: date, locked period, series, accounts, cost centers, balance."""
    day = voucher.transaction_date
    if not facts.from_date <= day <= facts.to_date:
        raise VoucherRejected(codes.NO_FINANCIAL_YEAR, f"{day} ligger utanför räkenskapsåret "
                                                       f"{facts.from_date}–{facts.to_date}")
    if facts.locked_until is not None and day <= facts.locked_until:
        raise VoucherRejected(codes.LOCKED_PERIOD, str(day), {"date": facts.locked_until.isoformat()})
    if facts.series_manual is None:
        raise VoucherRejected(codes.SERIES_NOT_FOUND, voucher.series)
    if not facts.series_manual:
        raise VoucherRejected(codes.SERIES_NOT_MANUAL, voucher.series)
    for n, row in enumerate(voucher.rows):
        known = facts.accounts.get(row.account)
        if known is None:
            raise VoucherRejected(codes.ACCOUNT_IN_REQUEST_NOT_FOUND, f"rad {n + 1}: konto {row.account}")
        if not known[1]:
            raise VoucherRejected(codes.ACCOUNT_NOT_ACTIVE, f"rad {n + 1}", {"account": str(row.account)})
    _check_cost_centers(voucher, facts)
    debit = sum((row.debit for row in voucher.rows), Decimal(0))
    credit = sum((row.credit for row in voucher.rows), Decimal(0))
    if debit != credit:
        raise VoucherRejected(codes.VOUCHER_UNBALANCED, f"debet {debit} kredit {credit}")


def rows_json(voucher: VoucherIn, facts: YearFacts) -> list[dict[str, Any]]:
    """Rows as Fortnox returns them: Description defaults to the account's name (J4 sample)."""
    return [{
        "Account": row.account,
        "CostCenter": row.cost_center or voucher.cost_center or "",
        "Credit": float(row.credit),
        "Debit": float(row.debit),
        "Description": row.description or facts.accounts[row.account][0],
        "Project": "",
        "Quantity": row.quantity or 0.0,
        "Removed": False,
        "TransactionInformation": row.transaction_information or "",
    } for row in voucher.rows]
