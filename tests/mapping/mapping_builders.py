"""Shared builders for mapping tests: a store like the delicatessen example, and SIE vouchers from tuples."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from pipeline.config.model import ArticleGroupRow, StoreConfig
from pipeline.sie.model import SieTransaction, SieVoucher


def voucher(day: date, rows: list[tuple[str, str]], number: str = "64", line: int = 10) -> SieVoucher:
    return SieVoucher(series="", number=number, date=day, text=f" nr. {number}", line=line,
                      rows=[SieTransaction(account=a, amount=Decimal(x), line=line + 2 + i)
                            for i, (a, x) in enumerate(rows)])


def deli_config() -> StoreConfig:
    food = (ArticleGroupRow(3210, 2620, Decimal(12), valid_until=date(2026, 3, 31)),
            ArticleGroupRow(3210, 2630, Decimal(6), valid_from=date(2026, 4, 1)))
    return StoreConfig(
        store="deli", name="Deli AB", org_number="556000-0000", start_date=date(2026, 2, 1),
        voucher_series="F", cost_center="DELI",
        accounts={a: str(a) for a in (1512, 1910, 1925, 1932, 2611, 2621, 2631, 3210, 3340, 3740)},
        account_map={2610: 2611, 2620: 2621, 2630: 2631},
        article_groups={"MAT": food, "OL": (ArticleGroupRow(3340, 2610, Decimal(25)),)},
        payment_methods={"Kort": 1932, "Kontant": 1910}, rounding_account=3740,
        voucher_description="Dagskassa {{ date }} {{ store.name }} Z {{ z_report }}",
    )
