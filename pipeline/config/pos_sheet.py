"""The POS settings sheet: what a store enters in the till, built from its StoreConfig (pure data for a template)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pipeline.config.model import ArticleGroupRow, StoreConfig


@dataclass(frozen=True)
class SheetRow:
    """One line of the sheet: a POS account and the Fortnox account it ends up on."""

    label: str
    pos_account: int
    fortnox_account: int
    fortnox_name: str


@dataclass(frozen=True)
class GroupLine:
    group: str
    revenue: SheetRow
    vat: SheetRow | None
    vat_rate: str
    valid: str

    @property
    def vat_text(self) -> str:
        """The POS VAT account, with the Fortnox account it is booked on where they differ."""
        if self.vat is None:
            return "-"
        if self.vat.fortnox_account == self.vat.pos_account:
            return str(self.vat.pos_account)
        return f"{self.vat.pos_account} (F {self.vat.fortnox_account})"


def sheet_context(config: StoreConfig, on: date) -> dict[str, Any]:
    """Everything the pos_sheet template shows, for the article group rows in force on `on`."""
    current, coming = [], []
    for group, rows in config.article_groups.items():
        for row in rows:
            line = _group_line(config, group, row)
            if row.covers(on):
                current.append(line)
            elif row.valid_from and row.valid_from > on:
                coming.append((row.valid_from, line))
    in_force = {line.group for line in current}
    missing = sorted(group for group in config.article_groups if group not in in_force)
    return {
        "config": config,
        "on": on,
        "payments": [_row(config, name, account) for name, account in config.payment_methods.items()],
        "rounding": _row(config, "Öresutjämning", config.rounding_account) if config.rounding_account else None,
        "invoiced": [_row(config, "Fakturerat", a) for a in config.invoiced_sales_accounts
                     if a not in config.payment_methods.values()],
        "groups": current,
        "coming": [line for _, line in sorted(coming, key=lambda item: (item[0], item[1].group))],
        "groups_without_row": missing,
        "accounts": sorted(config.accounts.items()),
        "invoices": config.invoices if config.invoice_sync else None,
        # guard clearing: the POS accounts of the "Faktura" tender, which must land on the clearing account
        "clearing_pos": [str(a) for a in config.invoiced_sales_accounts],
        "till_payment": config.invoices.till_payment_account if config.invoices else None,
        "matching": [_MATCHED_BY[key] for key in config.invoices.customer_matching] if config.invoices else [],
    }


_MATCHED_BY = {"pos_id": "the POS customer number (kassasync remembers each match)",
               "org_number": "organisation number", "email": "e-mail"}


def _row(config: StoreConfig, label: str, account: int) -> SheetRow:
    target = config.fortnox_account(account)
    return SheetRow(label, account, target, config.accounts.get(target, "(not declared)"))


def _group_line(config: StoreConfig, group: str, row: ArticleGroupRow) -> GroupLine:
    vat = _row(config, "moms", row.vat_account) if row.vat_account is not None else None
    start = row.valid_from.isoformat() if row.valid_from else ""
    end = row.valid_until.isoformat() if row.valid_until else ""
    valid = "always" if not (start or end) else f"{start or '…'} – {end or 'until further notice'}"
    rate = f"{row.vat_rate.normalize():f} %"
    return GroupLine(group, _row(config, group, row.revenue), vat, rate, valid)
