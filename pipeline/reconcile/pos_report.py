"""The POS's own account report (kontorapport) for a month, read from the file the till exports: `--pos-report`.

Two shapes are read; amounts are debit minus credit (SIE's sign: sales negative, payments positive):
- CSV, one account per line: a header row naming the account column (`konto`, `kontonr`, `account`) and either
  one amount column (`belopp`, `saldo`, `summa`, `amount`, `total`) or `debet` and `kredit` (`debit`, `credit`);
  or no header, the account first and the amount last. `;`, `,` or tab between fields; a decimal comma or point,
  spaces or a point as thousands separator. Lines whose account is not a number (a total line) are left out.
- SIE: the month's #PSALDO lines (without objects); else the #VER/#TRANS rows dated in the month; else, for a file
  whose #RAR 0 is the month, #RES per result account and #UB minus #IB per balance account.
The POS's accounts become Fortnox accounts through the store file's `account_map`, as the day files' do.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pipeline.config.model import StoreConfig
from pipeline.errors import UserError
from pipeline.reconcile.model import Month

ACCOUNT_HEADERS = ("konto", "kontonr", "kontonummer", "account", "account number", "accountnumber")
AMOUNT_HEADERS = ("belopp", "saldo", "summa", "amount", "total", "balance")
DEBIT_HEADERS, CREDIT_HEADERS = ("debet", "debit"), ("kredit", "credit")
_ACCOUNT = re.compile(r"^\d{4}$")
_FORMATS = "CSV (account;amount, or account;debit;credit, with a header row) or SIE (#PSALDO, #VER/#TRANS, #RES/#UB/#IB)"


@dataclass(frozen=True)
class PosReport:
    path: str
    shape: str  # what was read: "CSV", "SIE #PSALDO", ...
    amounts: dict[int, Decimal]  # Fortnox account -> debit minus credit


def read_pos_report(path: Path, config: StoreConfig, month: Month) -> PosReport:
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot read the POS report: {exc.strerror or exc}",
                        "check the path given to --pos-report") from exc
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"#":
        shape, amounts = _sie(path, content, month)
    else:
        shape, amounts = "CSV", _csv(path, content)
    if not amounts:
        raise UserError(f"{path}: no account totals found in the POS report",
                        f"export the POS's account report (kontorapport) for {month} as {_FORMATS}")
    mapped: dict[int, Decimal] = {}
    for account, amount in amounts.items():
        target = config.fortnox_account(account)
        mapped[target] = mapped.get(target, Decimal(0)) + amount
    return PosReport(str(path), shape, mapped)


def _text(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):  # Excel in Sweden writes Windows-1252 unless told otherwise
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def _csv(path: Path, content: bytes) -> dict[int, Decimal]:
    text = _text(content)
    lines = [line for line in text[:4096].splitlines() if line.strip()]
    # `;` first: a Swedish export writes decimal commas, so a comma on every line says nothing by itself
    delimiter = next((d for d in (";", "\t", ",") if lines and all(d in line for line in lines)), ";")
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    columns: tuple[int, int | None, int | None] | None = None  # account, amount or debit, credit
    amounts: dict[int, Decimal] = {}
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if columns is None:
            columns = _header(cells, f"{path}:{number}")
            if columns is not None:
                continue
            if not _ACCOUNT.match(cells[0]):
                raise UserError(f"{path}:{number}: the POS report's first line is neither a header nor an account line",
                                f"give the columns a header ({ACCOUNT_HEADERS[0]};{AMOUNT_HEADERS[0]}), as {_FORMATS}")
            columns = (0, len(cells) - 1, None)
        account_at, first, second = columns
        if account_at >= len(cells) or not _ACCOUNT.match(cells[account_at]):
            continue  # a total or a heading between the accounts
        try:
            if second is None:
                amount = _amount(cells[first if first is not None else -1])
            else:
                amount = _amount(cells[first or 0]) - _amount(cells[second])
        except (IndexError, InvalidOperation) as exc:
            raise UserError(f"{path}:{number}: account {cells[account_at]} has no amount the report can read "
                            f"({';'.join(cells)})", "amounts are numbers with a decimal comma or point, e.g. "
                            "-1234,50") from exc
        account = int(cells[account_at])
        amounts[account] = amounts.get(account, Decimal(0)) + amount
    return amounts


def _header(cells: list[str], where: str) -> tuple[int, int | None, int | None] | None:
    names = [c.lower() for c in cells]

    def find(options: tuple[str, ...]) -> int | None:
        return next((i for i, name in enumerate(names) if name in options), None)

    account = find(ACCOUNT_HEADERS)
    if account is None:
        return None
    amount, debit, credit = find(AMOUNT_HEADERS), find(DEBIT_HEADERS), find(CREDIT_HEADERS)
    if debit is not None and credit is not None:
        return account, debit, credit
    if amount is None:
        raise UserError(f"{where}: the POS report's header ({';'.join(cells)}) names no amount column",
                        f"name it {AMOUNT_HEADERS[0]} (or give {DEBIT_HEADERS[0]} and {CREDIT_HEADERS[0]})")
    return account, amount, None


def _amount(text: str) -> Decimal:
    cleaned = text.replace("\u2212", "-").replace("\xa0", "").replace(" ", "").replace("kr", "")
    if "," in cleaned and "." in cleaned:  # the last one is the decimal separator
        thousands = "." if cleaned.rfind(",") > cleaned.rfind(".") else ","
        cleaned = cleaned.replace(thousands, "")
    if cleaned == "":
        return Decimal(0)
    return Decimal(cleaned.replace(",", "."))


def _sie(path: Path, content: bytes, month: Month) -> tuple[str, dict[int, Decimal]]:
    from pipeline.sie import read_sie

    document = read_sie(content, name=str(path))
    if document.rejected:
        raise UserError(f"the POS report cannot be read: {document.rejection_reason}",
                        "export the account report from the POS again")
    period = f"{month.year:04d}{month.month:02d}"
    amounts: dict[int, Decimal] = {}

    def add(account: str, amount: Decimal) -> None:
        if _ACCOUNT.match(account):
            amounts[int(account)] = amounts.get(int(account), Decimal(0)) + amount

    saldo = [b for b in document.balances if b.kind == "PSALDO" and b.year == 0 and not b.objects]
    if saldo:
        for balance in saldo:
            if balance.period == period:
                add(balance.account, balance.amount)
        return "SIE #PSALDO", amounts
    if document.vouchers:
        for voucher in document.vouchers:
            if voucher.date.year == month.year and voucher.date.month == month.month:
                for row in voucher.rows:
                    add(row.account, row.amount)
        return "SIE #VER/#TRANS", amounts
    year = next((y for y in document.financial_years if y.year == 0), None)
    if year is None or (year.start, year.end) != (month.first, month.last):
        covers = f"{year.start} to {year.end}" if year else "no period (#RAR 0 is missing)"
        raise UserError(f"{path}: the POS report's balances cover {covers}, not {month}",
                        f"export the account report for {month.first} to {month.last}")
    for balance in document.balances:
        if balance.year != 0 or balance.objects:
            continue
        if balance.kind == "RES" or (balance.kind == "UB" and balance.account < "3000"):
            add(balance.account, balance.amount)
        elif balance.kind == "IB" and balance.account < "3000":
            add(balance.account, -balance.amount)
    return "SIE #RES/#UB/#IB", amounts
