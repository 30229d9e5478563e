"""A day file as the vouchers it would become (or its findings), as plain JSON data: `sie map` and golden tests."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pipeline.config.model import StoreConfig
from pipeline.fortnox.models import VoucherDraft
from pipeline.mapping import MappingResult
from pipeline.runner import items
from pipeline.runner.dayfile import OrgOwner, belongs, read_day_file


def preview_file(config: StoreConfig, path: Path, today: date, *, owner: OrgOwner | None = None) -> dict[str, Any]:
    """The file read and mapped for a store, as JSON-ready data; posts and records nothing. A file of another
    company (KS314) is `rejected` as sync would quarantine it; a warning (KS315) goes in `findings`."""
    day = read_day_file(path.read_bytes(), str(path))
    if day.vouchers is None:
        return {"path": str(path), "rejected": True, "reason": day.why, "code": "KS311", "findings": [],
                "vouchers": []}
    belonging = belongs(config, day, owner=owner)
    found = [_finding_json(str(path), belonging)] if belonging else []
    if belonging is not None and belonging.is_error:
        return {"path": str(path), "rejected": True, "reason": found[0]["rendered"], "code": belonging.rule,
                "findings": found, "vouchers": []}
    mapped = []
    for ver_id, business_date, group in items.group_by_item(day.vouchers, config.voucher_per):
        result = items.map_source(group, config, business_date, today=today)
        mapped.append(_voucher_json(str(path), ver_id, business_date, result))
    return {"path": str(path), "rejected": False, "reason": None, "code": None, "findings": found, "vouchers": mapped}


def _finding_json(path: str, finding: Any) -> dict[str, Any]:
    return {**finding.to_json(), "rendered": finding.to_diagnostic(path).render()}


def _voucher_json(path: str, ver_id: str, day: date, result: MappingResult) -> dict[str, Any]:
    draft = result.draft
    return {
        "ver_id": ver_id, "business_date": day.isoformat(),
        "outcome": "post" if draft else ("skip" if result.skipped else "error"),
        "voucher": _draft_json(draft) if draft else None,
        "errors": sum(1 for f in result.findings if f.is_error),
        "findings": [_finding_json(path, f) for f in result.findings],
    }


def _draft_json(draft: VoucherDraft) -> dict[str, Any]:
    return {"voucher_series": draft.voucher_series, "transaction_date": draft.transaction_date.isoformat(),
            "description": draft.description, "cost_center": draft.cost_center,
            "rows": [{"account": r.account, "debit": str(r.debit), "credit": str(r.credit),
                      "cost_center": r.cost_center} for r in draft.rows],
            "total": str(draft.total_debit)}
