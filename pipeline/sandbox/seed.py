"""Sandbox seed files: the demo tenant, seeds built from store files, and the YAML loader (format version 1)."""
from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from pipeline.config.model import StoreConfig
from pipeline.sandbox.bas import bas_description

log = logging.getLogger("kassasync.sandbox")

SEED_VERSION = 1
DEMO_CLIENT_ID = "kassasync-demo"
DEMO_CLIENT_SECRET = "kassasync-demo-secret"
DEMO_TENANT_ID = "1000001"
DEMO_REDIRECT_URI = "http://127.0.0.1:8400/callback"  # the default loopback port of `kassasync connect`
# Every scope the pipeline uses; the demo client may ask for any of them.
ALL_SCOPES = ["bookkeeping", "companyinformation", "costcenter", "customer", "invoice", "settings"]


COST_CENTER_SETTINGS = ("ALLOWED", "MANDATORY", "NOTALLOWED")


class SeedError(ValueError):
    """A seed file that cannot be used; the message says where and what to fix."""


def demo_client() -> dict[str, Any]:
    return {
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
        "redirect_uri": DEMO_REDIRECT_URI,
        "scopes": list(ALL_SCOPES),
        "service_accounts": True,
    }


def demo_consent() -> dict[str, Any]:
    """The demo client's consent to a tenant: every scope, service account allowed."""
    return {"client_id": DEMO_CLIENT_ID, "scopes": list(ALL_SCOPES), "service_account": True}


def _calendar_year(year: int) -> dict[str, Any]:
    return {"from": date(year, 1, 1).isoformat(), "to": date(year, 12, 31).isoformat()}


def demo_seed(today: date | None = None) -> dict[str, Any]:
    """The documented demo tenant 1000001: last and this calendar year, the BAS chart, series A, B and F."""
    year = (today or date.today()).year
    return {
        "version": SEED_VERSION,
        "clients": [demo_client()],
        "tenants": [{
            "tenant_id": DEMO_TENANT_ID,
            "company": {"name": "Kassasync Demo AB", "organization_number": "559999-0001",
                        "address": "Storgatan 1", "zip_code": "111 22", "city": "Stockholm"},
            "chart": "bas",
            "financial_years": [_calendar_year(year - 1), _calendar_year(year)],
            "voucher_series": [
                {"code": "A", "description": "Redovisning", "manual": True},
                {"code": "B", "description": "Kundfakturor", "manual": False},
                {"code": "C", "description": "Kundinbetalningar", "manual": False},
                {"code": "F", "description": "Kassa", "manual": True},
            ],
            "cost_centers": [{"code": "CENT", "description": "Centrum"},
                             {"code": "SODER", "description": "Söder", "active": False}],
            "locked_period": None,
            "consents": [demo_consent()],
        }],
    }


def _store_accounts(config: StoreConfig) -> dict[int, str]:
    """Every Fortnox account the store books to: its `accounts` plus the mapped POS accounts."""
    wanted = dict(config.accounts)
    pos_accounts: list[int] = list(config.payment_methods.values()) + list(config.invoiced_sales_accounts)
    for rows in config.article_groups.values():
        for row in rows:
            pos_accounts.append(row.revenue)
            if row.vat_account is not None:
                pos_accounts.append(row.vat_account)
    if config.rounding_account is not None:
        pos_accounts.append(config.rounding_account)
    for pos in pos_accounts:
        number = config.fortnox_account(pos)
        wanted.setdefault(number, bas_description(number) or f"Konto {number}")
    return wanted


def _store_tenant(config: StoreConfig, drift: bool, year: int) -> dict[str, Any]:
    accounts = _store_accounts(config)
    account_entries: dict[int, dict[str, Any]] = {
        number: {"description": text, "active": True} for number, text in sorted(accounts.items())
    }
    years = [_calendar_year(year - 1), _calendar_year(year)] + ([] if drift else [_calendar_year(year + 1)])
    series = config.voucher_series
    series_entries = [{"code": "A", "description": "Redovisning", "manual": True}]
    if series != "A":
        series_entries.append({"code": series, "description": "Kassa" if series == "F" else f"Kassa {series}",
                               "manual": True})
    if config.invoice_sync:  # bookkeeping an invoice or a payment makes a voucher in these (as in Fortnox)
        series_entries += [{"code": code, "description": text, "manual": False}
                           for code, text in (("B", "Kundfakturor"), ("C", "Kundinbetalningar"))
                           if code != series]
    if drift:
        # Realistic drift: someone deactivated an account and unticked "Manuell kontering" on the series.
        first = min(config.accounts or accounts)
        account_entries[first]["active"] = False
        for entry in series_entries:
            if entry["code"] == series:
                entry["manual"] = False
        # ... and, where the store books a cost center, said that its card or cash account takes none: the
        # runner must leave the cost center off those rows or Fortnox refuses every voucher.
        payments = sorted({config.fortnox_account(a) for a in config.payment_methods.values()} - {first})
        if config.cost_center and payments:
            account_entries[payments[-1]]["cost_center_settings"] = "NOTALLOWED"
    tenant: dict[str, Any] = {
        "tenant_id": str(config.tenant_id),
        "store": config.store,
        "company": {"name": config.name, "organization_number": config.org_number},
        "chart": "bas",
        "accounts": account_entries,
        "financial_years": years,
        "voucher_series": series_entries,
        "cost_centers": [],
        "locked_period": None,
        "consents": [demo_consent()],
    }
    if config.cost_center:
        tenant["cost_centers"].append({"code": config.cost_center, "description": f"{config.name}"[:200]})
    if config.invoices is not None and config.invoices.payment_terms:
        tenant["terms_of_payment"] = [{"code": config.invoices.payment_terms}]
    return tenant


def seed_from_stores(configs: list[StoreConfig], *, drift: bool = False, today: date | None = None) -> dict:
    """A seed with one tenant per store (id = the store's tenant_id), matching its YAML or drifted from it."""
    year = (today or date.today()).year
    tenants: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for config in sorted(configs, key=lambda c: c.store):
        if not config.tenant_id:
            log.warning("store %s has no fortnox.tenant_id; it gets no sandbox tenant", config.store)
            continue
        if str(config.tenant_id) in seen:
            raise SeedError(f"stores {seen[str(config.tenant_id)]} and {config.store} share tenant id "
                            f"{config.tenant_id}; give each store its own fortnox.tenant_id")
        seen[str(config.tenant_id)] = config.store
        tenants.append(_store_tenant(config, drift, year))
    return {"version": SEED_VERSION, "clients": [demo_client()], "tenants": tenants}


def load_seed(path: Path) -> dict[str, Any]:
    """Read and check a seed YAML file; SeedError names the file and the item that is wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SeedError(f"{path}: cannot read the seed file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise SeedError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return normalise_seed(data)
    except SeedError as exc:
        raise SeedError(f"{path}: {exc}") from exc


def dump_seed(seed: dict[str, Any]) -> str:
    header = "# kassasync sandbox seed, format version 1 (see docs/sandbox.md)\n"
    return header + yaml.safe_dump(seed, allow_unicode=True, sort_keys=False)


def _date(value: Any, where: str) -> str:
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError as exc:
        raise SeedError(f"{where}: {value!r} is not a date; write it as YYYY-MM-DD") from exc


def _accounts(raw: Any, where: str) -> dict[int, dict[str, Any]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SeedError(f"{where}: accounts must be a mapping of account number to description")
    result: dict[int, dict[str, Any]] = {}
    for key, value in raw.items():
        try:
            number = int(key)
        except (TypeError, ValueError) as exc:
            raise SeedError(f"{where}: account {key!r} is not a number") from exc
        if not 1000 <= number <= 9999:
            raise SeedError(f"{where}: account {number} must have four digits (1000-9999)")
        if isinstance(value, str):
            value = {"description": value}
        if not isinstance(value, dict):
            raise SeedError(f"{where}: account {number} needs a description")
        text = value.get("description") or bas_description(number) or f"Konto {number}"
        result[number] = {"description": str(text), "active": bool(value.get("active", True))}
        setting = value.get("cost_center_settings")
        if setting is not None:
            if setting not in COST_CENTER_SETTINGS:
                raise SeedError(f"{where}: account {number}: cost_center_settings must be one of "
                                + ", ".join(COST_CENTER_SETTINGS))
            result[number]["cost_center_settings"] = setting
    return result


def _series(raw: Any, where: str) -> list[dict[str, Any]]:
    result = []
    for item in raw or []:
        if not isinstance(item, dict) or not item.get("code"):
            raise SeedError(f"{where}: every voucher series needs a code")
        result.append({"code": str(item["code"]), "description": str(item.get("description", item["code"])),
                       "manual": bool(item.get("manual", True))})
    return result


def _cost_centers(raw: Any, where: str) -> list[dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for item in raw or []:
        if not isinstance(item, dict) or not item.get("code"):
            raise SeedError(f"{where}: every cost center needs a code")
        code = str(item["code"])
        if code in result:
            raise SeedError(f"{where}: cost center {code} is listed twice")
        result[code] = {"code": code, "description": str(item.get("description", code)),
                        "active": bool(item.get("active", True))}
    return list(result.values())


def _terms(raw: Any, where: str) -> list[dict[str, Any]]:
    """Payment terms beyond a fresh company's (0, 10, 15, 20 and 30 days): code, description, days."""
    result = []
    for item in raw or []:
        if not isinstance(item, dict) or not str(item.get("code") or "").strip():
            raise SeedError(f"{where}: every payment term needs a code")
        code = str(item["code"])
        days = item.get("days", int(code) if code.isdigit() else 0)
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 366:
            raise SeedError(f"{where}: payment term {code}: days must be a whole number from 0 to 366")
        result.append({"code": code, "description": str(item.get("description") or f"{days} dagar netto"),
                       "days": days})
    return result


def _tenant(raw: Any, index: int) -> dict[str, Any]:
    if not isinstance(raw, dict) or "tenant_id" not in raw:
        raise SeedError(f"tenant #{index + 1}: needs a tenant_id")
    tid = str(raw["tenant_id"])
    if not (tid.isascii() and tid.isdigit()) or len(tid) > 18 or int(tid) == 0:
        raise SeedError(f"tenant {tid}: tenant_id must be 1 to 18 digits")
    where = f"tenant {tid}"
    years = []
    for n, year in enumerate(raw.get("financial_years") or []):
        fy_where = f"{where} financial year #{n + 1}"
        if not isinstance(year, dict):
            raise SeedError(f"{fy_where}: write it as {{from: YYYY-MM-DD, to: YYYY-MM-DD}}")
        entry: dict[str, Any] = {"from": _date(year.get("from"), fy_where), "to": _date(year.get("to"), fy_where),
                 "accounting_method": str(year.get("accounting_method", "ACCRUAL"))}
        if "accounts" in year:
            entry["accounts"] = _accounts(year["accounts"], fy_where)
        if "voucher_series" in year:
            entry["voucher_series"] = _series(year["voucher_series"], fy_where)
        years.append(entry)
    company = dict(raw.get("company") or {})
    company.setdefault("name", f"Företag {tid}")
    company.setdefault("organization_number", "")
    locked = raw.get("locked_period")
    rounding = str(raw.get("invoice_rounding", "none"))
    if rounding not in ("none", "whole"):
        raise SeedError(f"{where}: invoice_rounding must be none (öre) or whole (whole kronor)")
    return {
        "tenant_id": tid,
        **({"store": str(raw["store"])} if raw.get("store") else {}),
        "company": {k: str(v) for k, v in company.items()},
        "chart": str(raw.get("chart", "bas")),
        "accounts": _accounts(raw.get("accounts"), where),
        "financial_years": years,
        "voucher_series": _series(raw.get("voucher_series"), where),
        "cost_centers": _cost_centers(raw.get("cost_centers"), where),
        "locked_period": None if locked is None else _date(locked, f"{where} locked_period"),
        "invoice_rounding": rounding,
        "terms_of_payment": _terms(raw.get("terms_of_payment"), where),
        "consents": [{"client_id": str(c["client_id"]), "scopes": [str(s) for s in c.get("scopes", ALL_SCOPES)],
                      "service_account": bool(c.get("service_account", True))} for c in raw.get("consents") or []],
    }


def normalise_seed(data: Any) -> dict[str, Any]:
    """Check a seed mapping and fill defaults; the demo client is always present."""
    if not isinstance(data, dict):
        raise SeedError("a seed is a mapping with `version`, `clients` and `tenants`")
    if data.get("version", SEED_VERSION) != SEED_VERSION:
        raise SeedError(f"seed version {data.get('version')!r} is not supported; use version: 1")
    clients = [demo_client()]
    for raw in data.get("clients") or []:
        if not isinstance(raw, dict) or not raw.get("client_id") or not raw.get("client_secret"):
            raise SeedError("every client needs client_id and client_secret")
        client = {"client_id": str(raw["client_id"]), "client_secret": str(raw["client_secret"]),
                  "redirect_uri": raw.get("redirect_uri"), "scopes": [str(s) for s in raw.get("scopes", ALL_SCOPES)],
                  "service_accounts": bool(raw.get("service_accounts", True))}
        clients = [c for c in clients if c["client_id"] != client["client_id"]] + [client]
    tenants = [_tenant(raw, n) for n, raw in enumerate(data.get("tenants") or [])]
    return {"version": SEED_VERSION, "clients": clients, "tenants": tenants}
