"""An in-memory FortnoxApi for plan tests: one tenant's state, mutable, counting requests."""
from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from pipeline.config.model import StoreConfig
from pipeline.fortnox.models import Account, CompanyInformation, CostCenter, FinancialYear, VoucherSeries

Y2026 = FinancialYear(id=1, from_date=date(2026, 1, 1), to_date=date(2026, 12, 31))
Y2027 = FinancialYear(id=2, from_date=date(2027, 1, 1), to_date=date(2027, 12, 31))
TODAY = date(2026, 11, 28)

ACCOUNTS = {1910: "Kassa", 1925: "Swish", 1932: "Kort", 2611: "Utgående moms 25 %", 3740: "Öres- och kronutjämning"}


def store(**overrides: object) -> StoreConfig:
    base: dict[str, object] = dict(
        store="centrum", name="Övningskund AB – Centrum", org_number="555555-5555",
        start_date=date(2026, 1, 1), voucher_series="F", tenant_id="1234567", cost_center="CENT",
        accounts=dict(ACCOUNTS), path=Path("stores/centrum.yaml"),
    )
    base.update(overrides)
    return StoreConfig(**base)  # type: ignore[arg-type]


@dataclass
class FakeFortnox:
    """The state of one tenant. Every call counts as one request (charts are small: one page)."""

    tenant_id: str | None = "1234567"
    company: CompanyInformation = CompanyInformation("Övningskund AB", "555555-5555", 1234567)
    years: list[FinancialYear] = field(default_factory=lambda: [Y2026, Y2027])
    charts: dict[int, dict[int, Account]] = field(default_factory=dict)
    series: dict[int, dict[str, VoucherSeries]] = field(default_factory=dict)
    centers: dict[str, CostCenter] = field(default_factory=dict)
    locked: date | None = None
    requests: list[str] = field(default_factory=list)
    fail_with: Exception | None = None

    @classmethod
    def in_order(cls, accounts: dict[int, str] | None = None, **kw: object) -> FakeFortnox:
        """A tenant where everything the default store wants exists and is set up right."""
        fake = cls(**kw)  # type: ignore[arg-type]
        for y in fake.years:
            fake.charts[y.id] = {n: Account(n, d, True, y.id) for n, d in (accounts or ACCOUNTS).items()}
            fake.charts[y.id][1010] = Account(1010, "Balanserade utgifter", False, y.id)  # not the store's
            fake.series[y.id] = {"A": VoucherSeries("A", "Redovisning", True, y.id),
                                 "F": VoucherSeries("F", "Kassa", True, y.id)}
        fake.centers = {"CENT": CostCenter("CENT", "Centrum")}
        return fake

    def _hit(self, name: str) -> None:
        self.requests.append(name)
        if self.fail_with is not None:
            raise self.fail_with

    async def company_information(self) -> CompanyInformation:
        self._hit("companyinformation")
        return self.company

    async def financial_years(self, on: date | None = None) -> list[FinancialYear]:
        self._hit("financialyears")
        return [y for y in self.years if on is None or y.covers(on)]

    async def financial_year_for(self, day: date) -> FinancialYear | None:
        return next(iter(await self.financial_years(day)), None)

    async def create_financial_year(self, from_date: date, to_date: date,
                                    accounting_method: str = "ACCRUAL") -> FinancialYear:
        self._hit("create financialyear")
        year = FinancialYear(max(y.id for y in self.years) + 1, from_date, to_date, accounting_method)
        previous = max(self.years, key=lambda y: y.to_date)
        self.years.append(year)
        # Like Fortnox: the new year copies the previous year's chart and series settings.
        self.charts[year.id] = {n: replace(a, year=year.id) for n, a in self.charts.get(previous.id, {}).items()}
        self.series[year.id] = {c: replace(s, year=year.id) for c, s in self.series.get(previous.id, {}).items()}
        return year

    async def accounts(self, year_id: int) -> list[Account]:
        self._hit(f"accounts {year_id}")
        return list(self.charts.get(year_id, {}).values())

    async def create_account(self, year_id: int, number: int, description: str, active: bool = True) -> Account:
        self._hit(f"create account {number} {year_id}")
        account = Account(number, description, active, year_id)
        self.charts.setdefault(year_id, {})[number] = account
        return account

    async def update_account(self, year_id: int, number: int, *, active: bool | None = None,
                             description: str | None = None) -> Account:
        self._hit(f"update account {number} {year_id}")
        account = self.charts[year_id][number]
        account = replace(account, active=account.active if active is None else active,
                          description=description or account.description)
        self.charts[year_id][number] = account
        return account

    async def voucher_series(self, year_id: int) -> list[VoucherSeries]:
        self._hit(f"voucherseries {year_id}")
        return list(self.series.get(year_id, {}).values())

    async def create_voucher_series(self, year_id: int, code: str, description: str,
                                    manual: bool = True) -> VoucherSeries:
        self._hit(f"create series {code} {year_id}")
        created = VoucherSeries(code, description, manual, year_id)
        self.series.setdefault(year_id, {})[code] = created
        return created

    async def update_voucher_series(self, year_id: int, code: str, *, manual: bool,
                                    description: str) -> VoucherSeries:
        self._hit(f"update series {code} {year_id}")
        assert code and description, "Fortnox wants Code and Description in a series PUT"
        updated = replace(self.series[year_id][code], manual=manual, description=description)
        self.series[year_id][code] = updated
        return updated

    async def cost_centers(self) -> list[CostCenter]:
        self._hit("costcenters")
        return list(self.centers.values())

    async def create_cost_center(self, code: str, description: str) -> CostCenter:
        self._hit(f"create costcenter {code}")
        self.centers[code] = CostCenter(code, description)
        return self.centers[code]

    async def locked_period(self) -> date | None:
        self._hit("lockedperiod")
        return self.locked

    async def aclose(self) -> None:
        return None


def opener_for(fakes: dict[str, FakeFortnox]):  # type: ignore[no-untyped-def]
    """A ClientOpener that hands out each store's fake."""

    @asynccontextmanager
    async def open_fake(config: StoreConfig):  # type: ignore[no-untyped-def]
        yield fakes[config.store]

    return open_fake
