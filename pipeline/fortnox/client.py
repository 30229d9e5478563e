"""FortnoxClient: the typed, per-tenant Fortnox API client every stage uses (implements `FortnoxApi`)."""
from __future__ import annotations

from datetime import date
from typing import Any

import httpx2

from pipeline.fortnox import convert
from pipeline.fortnox.auth import TokenProvider
from pipeline.fortnox.errormap import RequestContext
from pipeline.fortnox.invoicing import InvoicingCalls
from pipeline.fortnox.models import (
    Account,
    CompanyInformation,
    CostCenter,
    FinancialYear,
    Voucher,
    VoucherDraft,
    VoucherSeries,
)
from pipeline.fortnox.session import ApiSession
from pipeline.fortnox.throttle import RetryPolicy, SlidingWindow

PAGE_LIMIT = 500  # Fortnox's maximum page size (§3.1): a 1200-account chart takes 3 calls


class FortnoxClient(InvoicingCalls):
    """One tenant's Fortnox. `financialyear` is sent on every call where Fortnox accepts it (§8)."""

    def __init__(self, http: httpx2.AsyncClient, api_url: str, auth: TokenProvider, throttle: SlidingWindow, *,
                 store: str | None = None, tenant_id: str | None = None, policy: RetryPolicy | None = None,
                 owns_http: bool = True, **session_options: Any) -> None:
        self.store = store
        self.tenant_id = tenant_id or auth.tenant_id
        self._session = ApiSession(http, api_url, auth, throttle, store=store, policy=policy, **session_options)
        self._http, self._owns_http = http, owns_http
        self._years: dict[int, FinancialYear] = {}  # seen financial years, for hints that name the dates
        self._center_settings: dict[int, dict[int, str]] = {}  # year id -> account -> CostCenterSettings

    async def authenticate(self, *, offline: bool = False) -> bool:
        """Gets the access token now (from memory, the token store, a refresh or the token endpoint), so that
        the first API call need not wait for it. `offline`: only from memory or the token store, never a
        call; returns whether there is one."""
        if offline:
            return self._session.auth.has_token()
        await self._session.auth.access_token(self._http)
        return True

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    def _ctx(self, operation: str, year_id: int | None = None, **kw: Any) -> RequestContext:
        year = self._years.get(year_id) if year_id is not None else None
        return RequestContext(operation=operation, store=self.store, year=year, year_id=year_id, **kw)

    async def _list(self, path: str, key: str, ctx: RequestContext,
                    params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every item of a paginated list: pages 1..@TotalPages at the largest page size."""
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            data = await self._session.call("GET", path, ctx, params={**(params or {}), "limit": PAGE_LIMIT,
                                                                      "page": page})
            items.extend(data.get(key) or [])
            meta = data.get("MetaInformation") or {}
            total_pages = int(meta.get("@TotalPages") or 1)
            if page >= total_pages:
                return items
            page += 1

    # Company and financial years

    async def company_information(self) -> CompanyInformation:
        data = await self._session.call("GET", "/companyinformation", self._ctx("read company information"))
        return convert.company_information(data.get("CompanyInformation") or {})

    async def financial_years(self, on: date | None = None) -> list[FinancialYear]:
        params = {"date": on.isoformat()} if on else None
        items = await self._list("/financialyears", "FinancialYears", self._ctx("list financial years", day=on),
                                 params)
        years = sorted((convert.financial_year(i) for i in items), key=lambda y: y.from_date)
        self._years.update((y.id, y) for y in years)
        return years

    async def financial_year_for(self, day: date) -> FinancialYear | None:
        """The financial year covering a date, or None (then the year must be created first)."""
        return next((y for y in await self.financial_years(day) if y.covers(day)), None)

    async def create_financial_year(self, from_date: date, to_date: date,
                                    accounting_method: str = "ACCRUAL") -> FinancialYear:
        body = {"FinancialYear": {"FromDate": from_date.isoformat(), "ToDate": to_date.isoformat(),
                                  "AccountingMethod": accounting_method}}
        data = await self._session.call("POST", "/financialyears",
                                        self._ctx(f"create financial year {from_date}..{to_date}"), body=body)
        year = convert.financial_year(data.get("FinancialYear") or {})
        self._years[year.id] = year
        return year

    # Accounts

    async def accounts(self, year_id: int) -> list[Account]:
        items = await self._list("/accounts", "Accounts", self._ctx("list accounts", year_id),
                                 {"financialyear": year_id})
        return [convert.account(i) for i in items]

    async def create_account(self, year_id: int, number: int, description: str, active: bool = True) -> Account:
        body = {"Account": {"Number": number, "Description": description, "Active": active}}
        data = await self._session.call("POST", "/accounts",
                                        self._ctx(f"create account {number}", year_id, accounts=(number,)),
                                        params={"financialyear": year_id}, body=body)
        return convert.account(data.get("Account") or {})

    async def update_account(self, year_id: int, number: int, *, active: bool | None = None,
                             description: str | None = None) -> Account:
        fields: dict[str, Any] = {}
        if active is not None:
            fields["Active"] = active
        if description is not None:
            fields["Description"] = description
        data = await self._session.call("PUT", f"/accounts/{number}",
                                        self._ctx(f"update account {number}", year_id, accounts=(number,)),
                                        params={"financialyear": year_id}, body={"Account": fields})
        return convert.account(data.get("Account") or {})

    # Voucher series and cost centers

    async def voucher_series(self, year_id: int) -> list[VoucherSeries]:
        items = await self._list("/voucherseries", "VoucherSeriesCollection",
                                 self._ctx("list voucher series", year_id), {"financialyear": year_id})
        return [convert.voucher_series(i) for i in items]

    async def create_voucher_series(self, year_id: int, code: str, description: str,
                                    manual: bool = True) -> VoucherSeries:
        body = {"VoucherSeries": {"Code": code, "Description": description, "Manual": manual}}
        data = await self._session.call("POST", "/voucherseries",
                                        self._ctx(f"create voucher series {code}", year_id, series=code),
                                        params={"financialyear": year_id}, body=body)
        return convert.voucher_series(data.get("VoucherSeries") or {})

    async def update_voucher_series(self, year_id: int, code: str, *, manual: bool,
                                    description: str) -> VoucherSeries:
        # Code and Description go with every PUT: the OpenAPI document requires Code, and a maintained client
        # (the C# SDK) always sends the whole series.
        body = {"VoucherSeries": {"Code": code, "Description": description, "Manual": manual}}
        data = await self._session.call("PUT", f"/voucherseries/{code}",
                                        self._ctx(f"update voucher series {code}", year_id, series=code),
                                        params={"financialyear": year_id}, body=body)
        return convert.voucher_series(data.get("VoucherSeries") or {})

    async def cost_centers(self) -> list[CostCenter]:
        items = await self._list("/costcenters", "CostCenters", self._ctx("list cost centers"))
        return [convert.cost_center(i) for i in items]

    async def create_cost_center(self, code: str, description: str) -> CostCenter:
        data = await self._session.call("POST", "/costcenters",
                                        self._ctx(f"create cost center {code}", cost_center=code),
                                        body={"CostCenter": {"Code": code, "Description": description}})
        return convert.cost_center(data.get("CostCenter") or {})

    async def locked_period(self) -> date | None:
        """The last locked date, or None when no period is locked."""
        data = await self._session.call("GET", "/settings/lockedperiod", self._ctx("read the locked period"))
        return convert.day((data.get("LockedPeriod") or {}).get("EndDate"))

    # Vouchers

    async def cost_center_settings(self, year_id: int) -> dict[int, str]:
        """Each account's CostCenterSettings in a year, read once per client (one listing of the chart)."""
        if year_id not in self._center_settings:
            self._center_settings[year_id] = {a.number: a.cost_center_settings for a in await self.accounts(year_id)}
        return self._center_settings[year_id]

    async def create_voucher(self, year_id: int, voucher: VoucherDraft) -> Voucher:
        """Posts once; on a timeout, dropped connection or 5xx raises `UncertainOutcome` (never retried).

        A voucher with a cost center gets it on the rows whose account allows one (the year's chart is read
        once per client for that); a voucher without one costs no extra request.
        """
        if voucher.cost_center or any(row.cost_center for row in voucher.rows):
            voucher = convert.fit_cost_centers(voucher, await self.cost_center_settings(year_id))
        ctx = self._ctx(f"post voucher \u201c{voucher.description}\u201d ({voucher.transaction_date}, "
                        f"series {voucher.voucher_series})", year_id,
                        accounts=tuple(sorted({r.account for r in voucher.rows})), series=voucher.voucher_series,
                        day=voucher.transaction_date, cost_center=voucher.cost_center or next(
                            (r.cost_center for r in voucher.rows if r.cost_center), None))
        data = await self._session.call("POST", "/vouchers", ctx, params={"financialyear": year_id},
                                        body=convert.voucher_body(voucher))
        return convert.voucher(data.get("Voucher") or {})

    async def vouchers(self, year_id: int, *, series: str | None = None, from_date: date | None = None,
                       to_date: date | None = None) -> list[Voucher]:
        """Vouchers of a year (no rows), optionally one series and a date range (both ends inclusive)."""
        path = f"/vouchers/sublist/{series}" if series else "/vouchers"
        params = {"financialyear": year_id, "fromdate": from_date.isoformat() if from_date else None,
                  "todate": to_date.isoformat() if to_date else None}
        items = await self._list(path, "Vouchers", self._ctx("list vouchers", year_id, series=series), params)
        found = [convert.voucher(i) for i in items]
        # Filter here too: whether Fortnox honours fromdate/todate on the sublist is not documented.
        return [v for v in found if (from_date is None or v.transaction_date >= from_date)
                and (to_date is None or v.transaction_date <= to_date)]

    async def voucher(self, year_id: int, series: str, number: int) -> Voucher:
        data = await self._session.call("GET", f"/vouchers/{series}/{number}",
                                        self._ctx(f"read voucher {series}{number}", year_id, series=series),
                                        params={"financialyear": year_id})
        return convert.voucher(data.get("Voucher") or {})
