"""A day file as the vouchers it would become (or its findings), as plain JSON data: `sie map` and golden tests."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pipeline.config.model import StoreConfig
from pipeline.fortnox.models import VoucherDraft
from pipeline.mapping import MappingResult
from pipeline.runner import items
from pipeline.runner.ingest import read_day_file


def preview_file(config: StoreConfig, path: Path, today: date) -> dict[str, Any]:
    """The file read and mapped for a store, as JSON-ready data; posts and records nothing."""
    vouchers, why = read_day_file(path.read_bytes(), str(path))
    if vouchers is None:
        return {"path": str(path), "rejected": True, "reason": why, "vouchers": []}
    mapped = []
    for ver_id, day, group in items.group_by_item(vouchers, config.voucher_per):
        result = items.map_source(group, config, day, today=today)
        mapped.append(_voucher_json(str(path), ver_id, day, result))
    return {"path": str(path), "rejected": False, "reason": None, "vouchers": mapped}


def _voucher_json(path: str, ver_id: str, day: date, result: MappingResult) -> dict[str, Any]:
    draft = result.draft
    return {
        "ver_id": ver_id, "business_date": day.isoformat(),
        "outcome": "post" if draft else ("skip" if result.skipped else "error"),
        "voucher": _draft_json(draft) if draft else None,
        "errors": sum(1 for f in result.findings if f.is_error),
        "findings": [{**f.to_json(), "rendered": f.to_diagnostic(path).render()} for f in result.findings],
    }


def _draft_json(draft: VoucherDraft) -> dict[str, Any]:
    return {"voucher_series": draft.voucher_series, "transaction_date": draft.transaction_date.isoformat(),
            "description": draft.description, "cost_center": draft.cost_center,
            "rows": [{"account": r.account, "debit": str(r.debit), "credit": str(r.credit),
                      "cost_center": r.cost_center} for r in draft.rows],
            "total": str(draft.total_debit)}
