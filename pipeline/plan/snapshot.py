"""The live snapshot of one store's Fortnox: the few reads `plan` and `doctor` need, in about 8-12 requests."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from pipeline.fortnox.models import Account, CompanyInformation, CostCenter, FinancialYear, VoucherSeries
from pipeline.fortnox.protocol import FortnoxApi

log = logging.getLogger("kassasync.plan")


@dataclass(frozen=True)
class YearState:
    """One financial year's chart of accounts and voucher series, as Fortnox holds them."""

    year: FinancialYear
    accounts: dict[int, Account] = field(default_factory=dict)
    series: dict[str, VoucherSeries] = field(default_factory=dict)


@dataclass(frozen=True)
class LiveSnapshot:
    """What `plan` compares the store file with. `years` holds the year covering `today` and the next one."""

    today: date
    company: CompanyInformation
    financial_years: tuple[FinancialYear, ...]  # every year Fortnox has (to place a new one)
    current: YearState | None  # the year covering today (None: no such year)
    next: YearState | None  # the year after it, if it exists
    cost_centers: dict[str, CostCenter] | None  # None when the store uses none (not read)
    locked_through: date | None  # the last locked day (None: nothing locked)

    @property
    def years(self) -> tuple[YearState, ...]:
        return tuple(y for y in (self.current, self.next) if y is not None)


def current_and_next(years: list[FinancialYear], today: date) -> tuple[FinancialYear | None, FinancialYear | None]:
    """The year covering `today` and the one starting the day after it ends (either may be missing)."""
    current = next((y for y in sorted(years, key=lambda y: y.from_date) if y.covers(today)), None)
    if current is None:
        return None, None
    following = next((y for y in years if y.from_date == current.to_date + timedelta(days=1)), None)
    return current, following


async def year_state(api: FortnoxApi, year: FinancialYear) -> YearState:
    accounts = await api.accounts(year.id)
    series = await api.voucher_series(year.id)
    return YearState(
        year=year,
        accounts={a.number: a for a in accounts},
        series={s.code: s for s in series},
    )


async def take_snapshot(api: FortnoxApi, today: date, *, with_cost_centers: bool = True) -> LiveSnapshot:
    """Read one tenant's state. Requests run one after another (the throttle is per tenant; stores run in parallel).

    Requests: company information, financial years, locked period, cost centers (when wanted), and per year
    (current and next) the chart (one request per 500 accounts) and the series: 8 for two small charts.
    """
    company = await api.company_information()
    years = await api.financial_years()
    locked = await api.locked_period()
    centers = None
    if with_cost_centers:
        centers = {c.code: c for c in await api.cost_centers()}
    current, following = current_and_next(years, today)
    current_state = await year_state(api, current) if current else None
    next_state = await year_state(api, following) if following else None
    log.debug("snapshot of tenant %s: %d years, current %s, next %s", company.database_number, len(years),
              current.id if current else None, following.id if following else None)
    return LiveSnapshot(
        today=today, company=company, financial_years=tuple(sorted(years, key=lambda y: y.from_date)),
        current=current_state, next=next_state, cost_centers=centers, locked_through=locked,
    )
