"""Write a (normalised) seed into the sandbox database; tenants that already exist keep their state."""
from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any

from pipeline.sandbox.bas import BAS_CHART, bas_cost_center_setting
from pipeline.sandbox.db import Database
from pipeline.sandbox.payments import DEFAULT_TERMS
from pipeline.sandbox.seed import normalise_seed

log = logging.getLogger("kassasync.sandbox")


def _company_json(tenant_id: int, company: dict[str, str]) -> str:
    info = {
        "Address": company.get("address", ""),
        "City": company.get("city", ""),
        "CompanyName": company.get("name", ""),
        "CountryCode": company.get("country_code", "SE"),
        "DatabaseNumber": tenant_id,
        "OrganizationNumber": company.get("organization_number", ""),
        "VisitAddress": company.get("visit_address", company.get("address", "")),
        "VisitCity": company.get("visit_city", company.get("city", "")),
        "VisitCountryCode": company.get("country_code", "SE"),
        "VisitZipCode": company.get("visit_zip_code", company.get("zip_code", "")),
        "ZipCode": company.get("zip_code", ""),
    }
    return json.dumps(info, ensure_ascii=False)


def _insert_year(conn: sqlite3.Connection, tenant: dict[str, Any], fy_id: int, year: dict[str, Any]) -> None:
    tid = int(tenant["tenant_id"])
    conn.execute("INSERT INTO financial_years VALUES (?, ?, ?, ?, ?, ?)",
                 (tid, fy_id, year["from"], year["to"], year.get("accounting_method", "ACCRUAL"),
                  "BAS 2026" if tenant.get("chart") == "bas" else None))
    chart: dict[int, tuple[str, bool, int | None, str]] = {}
    if tenant.get("chart") == "bas":
        chart = {number: (text, active, sru, bas_cost_center_setting(number))
                 for number, text, active, sru in BAS_CHART}
    for source in (tenant.get("accounts") or {}, year.get("accounts") or {}):
        for number, entry in source.items():
            _text, _active, sru, setting = chart.get(int(number), ("", False, None, bas_cost_center_setting(number)))
            chart[int(number)] = (entry["description"], entry["active"], sru,
                                  entry.get("cost_center_settings", setting))
    conn.executemany(
        "INSERT INTO accounts (tenant_id, year, number, description, active, sru, cost_center_settings) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(tid, fy_id, number, text, int(active), sru, setting)
         for number, (text, active, sru, setting) in sorted(chart.items())],
    )
    series = year.get("voucher_series", tenant.get("voucher_series") or [])
    conn.executemany(
        "INSERT INTO voucher_series (tenant_id, year, code, description, manual, next_number) VALUES (?,?,?,?,?,1)",
        [(tid, fy_id, s["code"], s["description"], int(s["manual"])) for s in series],
    )


def _insert_tenant(conn: sqlite3.Connection, tenant: dict[str, Any]) -> None:
    tid = int(tenant["tenant_id"])
    conn.execute("INSERT INTO tenants (tenant_id, company, locked_until) VALUES (?, ?, ?)",
                 (tid, _company_json(tid, tenant["company"]), tenant.get("locked_period")))
    for fy_id, year in enumerate(sorted(tenant["financial_years"], key=lambda y: y["from"]), start=1):
        _insert_year(conn, tenant, fy_id, year)
    conn.executemany("INSERT INTO cost_centers (tenant_id, code, description, active) VALUES (?, ?, ?, ?)",
                     [(tid, c["code"], c["description"], int(c.get("active", True)))
                      for c in tenant.get("cost_centers") or []])
    terms = {code: (text, days) for code, (text, days) in DEFAULT_TERMS.items()}
    terms.update({t["code"]: (t["description"], t["days"]) for t in tenant.get("terms_of_payment") or []})
    conn.executemany("INSERT INTO terms_of_payments VALUES (?, ?, ?, ?)",
                     [(tid, code, text, days) for code, (text, days) in sorted(terms.items())])
    conn.execute("INSERT OR REPLACE INTO invoice_settings VALUES (?, ?)", (tid, tenant.get("invoice_rounding", "none")))
    conn.executemany("INSERT OR REPLACE INTO consents VALUES (?, ?, ?, ?)",
                     [(c["client_id"], tid, " ".join(c["scopes"]), int(c["service_account"]))
                      for c in tenant.get("consents") or []])


def apply_seed(db: Database, seed: dict[str, Any]) -> list[str]:
    """Create the seed's clients and the tenants not yet in the database; returns the tenant ids created."""
    seed = normalise_seed(seed)
    created: list[str] = []
    with db.write() as conn:
        for client in seed["clients"]:
            conn.execute("INSERT OR REPLACE INTO clients VALUES (?, ?, ?, ?, ?)",
                         (client["client_id"], client["client_secret"], client.get("redirect_uri"),
                          " ".join(client["scopes"]), int(client["service_accounts"])))
        for tenant in seed["tenants"]:
            exists = conn.execute("SELECT 1 FROM tenants WHERE tenant_id = ?", (int(tenant["tenant_id"]),))
            if exists.fetchone() is not None:
                log.info("tenant %s already exists in the sandbox data; keeping its state", tenant["tenant_id"])
                continue
            _insert_tenant(conn, tenant)
            created.append(tenant["tenant_id"])
    return created
