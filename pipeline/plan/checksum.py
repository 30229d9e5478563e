"""The plan checksum: sha256 of the canonical JSON of a plan and the part of the live state it was made from.

The live part is what the store file mentions (its accounts, series, cost center) plus the company, the
financial years and the locked period: a change to anything else in the tenant does not void a reviewed plan,
a change to anything the plan depends on does.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from pipeline.config.model import StoreConfig
from pipeline.plan.diff import norm_text
from pipeline.plan.model import Plan, StorePlan
from pipeline.plan.snapshot import LiveSnapshot


def canonical_json(value: object) -> str:
    """Sorted keys, no whitespace, UTF-8 as is: the same data always gives the same bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def relevant_live_state(config: StoreConfig, snap: LiveSnapshot) -> dict[str, object]:
    """The slice of the snapshot the plan depends on, normalised the way the diff compares it."""
    years = []
    for state in snap.years:
        accounts = {}
        for number in sorted(config.managed_accounts):
            live = state.accounts.get(number)
            accounts[str(number)] = None if live is None else {
                "description": norm_text(live.description), "active": live.active,
                "cost_center_settings": live.cost_center_settings}
        series = state.series.get(config.voucher_series.strip())
        years.append({
            "id": state.year.id, "accounts": accounts,
            "series": None if series is None else {"code": series.code, "manual": series.manual},
        })
    center = None
    if config.cost_center and snap.cost_centers is not None:
        live_center = snap.cost_centers.get(config.cost_center.strip())
        center = None if live_center is None else {"code": live_center.code, "active": live_center.active}
    company = snap.company
    return {
        "company": {"name": company.company_name, "org_number": company.organization_number,
                    "database_number": company.database_number},
        "financial_years": [[y.id, y.from_date.isoformat(), y.to_date.isoformat()] for y in snap.financial_years],
        "locked_through": snap.locked_through.isoformat() if snap.locked_through else None,
        "years": years,
        "cost_center": center,
    }


def store_checksum(plan: StorePlan, live: dict[str, object] | None) -> str:
    """sha256 over the store's plan (without its checksum) and the live slice (None when it could not be read)."""
    document = {"plan": plan.to_json(with_checksum=False), "live": live}
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def plan_checksum(stores: Iterable[StorePlan]) -> str:
    """The checksum of a whole plan: over each store's id and checksum, in store order."""
    pairs = sorted((s.store, s.checksum) for s in stores)
    return hashlib.sha256(canonical_json(pairs).encode("utf-8")).hexdigest()


def assemble(stores: Iterable[StorePlan]) -> Plan:
    ordered = tuple(sorted(stores, key=lambda s: s.store))
    return Plan(stores=ordered, checksum=plan_checksum(ordered))
