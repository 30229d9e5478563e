"""StoreConfig: one store's validated configuration (store file format version 1), as plain data.

Built by `pipeline.config.load` from a store file (after `extends:` merging, schema and rules). Everything
downstream (pos-sheet, plan, mapping, runner) reads this, never the YAML.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the invoices layer reads its own section; the config layer only carries it
    from pipeline.invoices.settings import InvoiceSettings


def norm_org_number(text: str | None) -> str:
    """`556677-8899`, `5566778899` and `16556677-8899` are the same organisation number (the digits, without the
    `16` century prefix Skatteverket adds to make twelve)."""
    digits = "".join(ch for ch in (text or "") if ch.isdigit())
    return digits[-10:] if len(digits) == 12 else digits


@dataclass(frozen=True)
class ArticleGroupRow:
    """One effective-dated row of an article group: revenue and VAT accounts (POS numbers) and the rate."""

    revenue: int
    vat_account: int | None  # None for a 0 % group
    vat_rate: Decimal  # percent: 25, 12, 6, 0
    valid_from: date | None = None  # inclusive; None = since always
    valid_until: date | None = None  # inclusive; None = until further notice

    def covers(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


@dataclass(frozen=True)
class StoreConfig:
    store: str
    name: str
    org_number: str
    start_date: date
    voucher_series: str
    tenant_id: str | None = None
    cost_center: str | None = None
    invoice_sync: bool = False
    include_invoiced_in_account_report: bool = True
    invoiced_sales_accounts: tuple[int, ...] = ()
    accounts: dict[int, str] = field(default_factory=dict)  # Fortnox account -> description
    account_map: dict[int, int] = field(default_factory=dict)  # POS account -> Fortnox account
    article_groups: dict[str, tuple[ArticleGroupRow, ...]] = field(default_factory=dict)
    payment_methods: dict[str, int] = field(default_factory=dict)  # name -> POS account
    rounding_account: int | None = None  # POS account
    voucher_per: str = "z-report"  # "z-report" | "day"
    voucher_description: str = "Dagskassa {{ date }} {{ store.name }}"
    rules_disable: frozenset[str] = frozenset()
    require_orgnr: bool = False  # pos.require_orgnr: a day file without #ORGNR is quarantined, not posted
    corrections: str = "hold"  # "hold" | "post": what a re-export after posting becomes
    settle_seconds: int | None = None  # inbox.settle_seconds; None: the runner's default
    invoices: InvoiceSettings | None = None  # the `invoices:` section (pipeline.invoices.settings.from_mapping)
    path: Path | None = None  # the store file it came from
    # the git commit of the store file (`<sha>-dirty`: changed since; None: not in git); set by the runners from
    # the stores directory (pipeline.config.revision.with_revisions), never by the loader
    revision: str | None = None

    def fortnox_account(self, pos_account: int) -> int:
        """The Fortnox account for a POS account: `account_map` where it says so, the same number otherwise."""
        return self.account_map.get(pos_account, pos_account)

    def article_rows_on(self, day: date) -> dict[str, ArticleGroupRow]:
        """Each article group's row in force on a business date (groups with no row that day are left out)."""
        chosen: dict[str, ArticleGroupRow] = {}
        for group, rows in self.article_groups.items():
            for row in rows:
                if row.covers(day):
                    chosen[group] = row
                    break
        return chosen

    @property
    def invoice_guard(self) -> str | None:
        """How invoiced sales are kept from being booked twice: "unticked" | "clearing"; None without the
        invoice stream (then the POS checkbox alone decides, KS114)."""
        if not self.invoice_sync or self.invoices is None:
            return None
        return self.invoices.guard

    @property
    def managed_accounts(self) -> dict[int, str]:
        """The Fortnox accounts this store needs active (what `plan` manages)."""
        return dict(self.accounts)
