"""SIE voucher + store config + business date -> the Fortnox voucher to post, or findings. Pure: no I/O."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pipeline.config.model import StoreConfig
from pipeline.fortnox.models import VoucherDraft, VoucherRowDraft
from pipeline.mapping.describe import describe
from pipeline.mapping.findings import DISABLEABLE, Finding
from pipeline.mapping.vat import check_vat
from pipeline.sie.model import SieVoucher

ORE = Decimal("0.01")


@dataclass(frozen=True)
class MappingResult:
    draft: VoucherDraft | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def skipped(self) -> bool:
        """Nothing to post and nothing to fix (before start_date, empty day, duplicate)."""
        return self.draft is None and not self.errors


def map_voucher(voucher: SieVoucher, config: StoreConfig, business_date: date, *, today: date) -> MappingResult:
    """One Z-report (#VER) -> one Fortnox voucher, or the findings that stop it."""
    return _map([voucher], config, business_date, today=today)


def map_day(vouchers: Sequence[SieVoucher], config: StoreConfig, business_date: date, *,
            today: date) -> MappingResult:
    """`voucher.per: day`: a business date's Z-reports merged into one voucher, one row per account."""
    return _map(list(vouchers), config, business_date, today=today)


def _map(vouchers: list[SieVoucher], config: StoreConfig, business_date: date, *, today: date) -> MappingResult:
    line = vouchers[0].line if vouchers else 0
    findings = _date_findings(config, business_date, today, line)
    if findings:
        return MappingResult(None, findings)
    amounts: dict[int, Decimal] = {}
    for voucher in vouchers:
        findings += _source_findings(voucher, config, amounts)
    findings += check_vat(amounts, config, business_date, line)
    findings = [f for f in findings if not (f.rule in DISABLEABLE and f.rule in config.rules_disable)]
    rows = _rows(vouchers, amounts, config, merge=len(vouchers) != 1)
    findings += _draft_findings(rows, config, line, check_balance=not any(f.rule == "KS301" for f in findings))
    if any(f.is_error for f in findings):
        return MappingResult(None, findings)
    if len(rows) < 2:
        return MappingResult(None, [*findings, Finding(
            "KS309", f"nothing to post on {business_date}: fewer than two rows with an amount",
            "nothing to do: a day without sales needs no voucher", line)])
    numbers = [v.number for v in vouchers if v.number]
    text = next((v.text.strip() for v in vouchers if v.text and v.text.strip()), "")
    description = describe(config, business_date=business_date, z_report=", ".join(numbers), voucher_text=text,
                           count=len(vouchers))
    draft = VoucherDraft(voucher_series=config.voucher_series, transaction_date=business_date,
                         description=description, rows=tuple(rows), cost_center=config.cost_center)
    return MappingResult(draft, findings)


def _date_findings(config: StoreConfig, day: date, today: date, line: int) -> list[Finding]:
    if day < config.start_date:
        return [Finding("KS306", f"business date {day} is before start_date {config.start_date} of store "
                        f"{config.store}: not posted", "nothing to do if the day is booked another way; to post "
                        f"it after all: `kassasync sync --retry-failed --store {config.store} --date {day}`", line)]
    if day > today:
        return [Finding("KS307", f"business date {day} is in the future (today is {today})",
                        "check the POS's date and clock; the file is posted once the date is today or earlier "
                        "(run `kassasync sync --retry-failed`)", line)]
    return []


def _pos_account(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _source_findings(voucher: SieVoucher, config: StoreConfig, amounts: dict[int, Decimal]) -> list[Finding]:
    """Checks on the file's own rows (POS accounts), adding their totals per account to `amounts`."""
    findings: list[Finding] = []
    label = f"Z-report {voucher.number}" if voucher.number else f"#VER at line {voucher.line}"
    if voucher.balance != 0:
        findings.append(Finding("KS301", f"{label} ({voucher.date}) does not balance: the rows sum to "
                                f"{voucher.balance} instead of 0.00",
                                "re-export the day from the POS; if it still does not balance, the POS's "
                                "account settings (Kontoplan) miss an account for one of the day's amounts",
                                voucher.line))
    for row in voucher.rows:
        account = _pos_account(row.account)
        if account is None:
            findings.append(Finding("KS310", f"{label}: account {row.account!r} is not a number",
                                    "give it a four-digit account in the POS, or map it in account_map",
                                    row.line or voucher.line))
            continue
        amounts[account] = amounts.get(account, Decimal(0)) + row.amount
        # Guard clearing expects these rows: the day's "Faktura" tender parked on the clearing account, which
        # the invoices clear. Guard unticked (and invoice_sync without an invoices: section) must not see them.
        if (config.invoice_sync and config.invoice_guard != "clearing" and account in config.invoiced_sales_accounts
                and row.amount != 0):
            findings.append(Finding(
                "KS305", f"{label} books {row.amount} on invoiced-sales account {account} while invoice_sync "
                "is on: the sale would be booked twice, once by this day's voucher and once by its invoice, which "
                f"the invoice stream posts from the inbox folder {config.store}/invoices/; the day is held",
                "in the POS untick \"include invoiced in account report\" (pos.include_invoiced_in_account_report"
                f": false) and export the day again; or keep it ticked with invoices.guard: clearing in "
                f"stores/{config.store}.yaml (docs/invoices.md, the guard), or set invoice_sync: false",
                row.line or voucher.line))
    return findings


def _rows(vouchers: list[SieVoucher], amounts: dict[int, Decimal], config: StoreConfig,
          merge: bool) -> list[VoucherRowDraft]:
    """Fortnox rows: one per SIE row for a single Z-report, one per Fortnox account when merging a day."""
    pairs: list[tuple[int, Decimal, str | None]] = []
    if merge:
        merged: dict[int, Decimal] = {}
        for account, amount in amounts.items():
            target = config.fortnox_account(account)
            merged[target] = merged.get(target, Decimal(0)) + amount
        pairs = [(a, merged[a], None) for a in sorted(merged)]
    else:
        for voucher in vouchers:
            for row in voucher.rows:
                pos = _pos_account(row.account)
                if pos is not None:
                    pairs.append((config.fortnox_account(pos), row.amount, row.text))
    rows = []
    for account, amount, text in pairs:
        amount = amount.quantize(ORE) if amount == amount.quantize(ORE) else amount
        if amount == 0:
            continue
        rows.append(VoucherRowDraft(account=account, debit=amount if amount > 0 else Decimal("0.00"),
                                    credit=-amount if amount < 0 else Decimal("0.00"),
                                    cost_center=config.cost_center,
                                    transaction_information=(text or None) and text[:100]))
    return rows


def _draft_findings(rows: list[VoucherRowDraft], config: StoreConfig, line: int, *,
                    check_balance: bool) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[int] = set()
    for row in rows:
        if row.account in seen:
            continue
        seen.add(row.account)
        if not 1000 <= row.account <= 9999:
            findings.append(Finding("KS310", f"account {row.account} is not a four-digit Fortnox account",
                                    f"map it to a Fortnox account under account_map in stores/{config.store}.yaml",
                                    line))
        elif row.account not in config.accounts:
            findings.append(Finding(
                "KS303", f"account {row.account} is not declared for store {config.store}",
                f"add {row.account} under accounts: in stores/{config.store}.yaml (and run `kassasync apply` so it "
                "is active in Fortnox), or map the POS account to a declared one under account_map", line))
        if row.debit != row.debit.quantize(ORE) or row.credit != row.credit.quantize(ORE):
            findings.append(Finding("KS302", f"account {row.account}: amount {row.debit or row.credit} has more "
                                    "than two decimals", "set the POS to write amounts in öre", line))
    debit = sum((r.debit for r in rows), Decimal(0))
    credit = sum((r.credit for r in rows), Decimal(0))
    if check_balance and debit != credit:
        findings.append(Finding("KS302", f"the Fortnox voucher does not balance: debit {debit}, credit {credit}",
                                "re-export the day from the POS; a voucher is posted only when it balances to "
                                "the öre", line))
    return findings
