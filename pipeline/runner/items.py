"""Pure helpers of the runner: idempotency keys, markers, and the JSON kept in the ledger (source, payload)."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

from pipeline.config.model import StoreConfig
from pipeline.fortnox.models import VoucherDraft, VoucherRowDraft
from pipeline.mapping import MappingResult, map_day, map_voucher
from pipeline.runner import markers
from pipeline.sie.model import SieTransaction, SieVoucher


def idempotency_key(store: str, business_date: date, file_digest: str, ver_id: str) -> str:
    """Store, business date, source file (content digest) and #VER id: one Z-report, whatever the file's name."""
    return f"{store}/{business_date.isoformat()}/{file_digest[:16]}/{ver_id}"


def marker(key: str, kind: str = markers.Z_REPORT) -> str:
    """What the voucher carries in Comments so it can be found in Fortnox (pipeline/runner/markers.py)."""
    return markers.marker(key, kind)


def comments(key: str, kind: str = markers.Z_REPORT) -> str:
    """The voucher's whole Comments: its marker and key (pipeline/runner/markers.py)."""
    return markers.comments(key, kind)


def file_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# Source: the SIE vouchers a ledger row came from, so --retry-failed re-maps without re-reading the file.
def source_json(vouchers: list[SieVoucher]) -> str:
    return json.dumps([{
        "series": v.series, "number": v.number, "date": v.date.isoformat(), "text": v.text, "line": v.line,
        "rows": [{"account": r.account, "amount": str(r.amount), "text": r.text, "line": r.line} for r in v.rows],
    } for v in vouchers], ensure_ascii=False)


def source_vouchers(text: str) -> list[SieVoucher]:
    return [SieVoucher(series=v["series"], number=v["number"], date=date.fromisoformat(v["date"]), text=v["text"],
                       line=v["line"], rows=[SieTransaction(account=r["account"], amount=Decimal(r["amount"]),
                                                            text=r["text"], line=r["line"]) for r in v["rows"]])
            for v in json.loads(text)]


def map_source(vouchers: list[SieVoucher], config: StoreConfig, business_date: date, *, today: date) -> MappingResult:
    """The one call that maps a ledger item: per Z-report, or the day's Z-reports merged (`voucher.per: day`)."""
    if len(vouchers) != 1:  # grouped per day when the file was read; kept so, whatever the config says now
        return map_day(vouchers, config, business_date, today=today)
    return map_voucher(vouchers[0], config, business_date, today=today)


# Payload: the Fortnox voucher as posted (without the marker), and its digest.
_DRAFT_FIELDS = tuple(f.name for f in dataclasses.fields(VoucherDraft) if f.name not in ("rows", "comments"))
_ROW_FIELDS = tuple(f.name for f in dataclasses.fields(VoucherRowDraft))


def payload_json(draft: VoucherDraft) -> str:
    # field by field rather than dataclasses.asdict, which deep-copies every Decimal (a third of the mapping's time)
    data: dict[str, Any] = {name: getattr(draft, name) for name in _DRAFT_FIELDS}
    data["transaction_date"] = draft.transaction_date.isoformat()
    data["rows"] = [{name: getattr(row, name) for name in _ROW_FIELDS} for row in draft.rows]
    return json.dumps(data, default=str, ensure_ascii=False, sort_keys=True)


def payload_digest(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()


def draft_from_payload(payload: str, key: str, kind: str = markers.Z_REPORT) -> VoucherDraft:
    """The voucher to post, with the current version of its marker in Comments."""
    data: dict[str, Any] = json.loads(payload)
    rows = tuple(VoucherRowDraft(**{**row, "debit": Decimal(row["debit"]), "credit": Decimal(row["credit"])})
                 for row in data.pop("rows"))
    data["transaction_date"] = date.fromisoformat(data["transaction_date"])
    return VoucherDraft(rows=rows, comments=comments(key, kind), **data)


def group_by_item(vouchers: list[SieVoucher], per: str) -> list[tuple[str, date, list[SieVoucher]]]:
    """The ledger items of one file: (#VER id, business date, its vouchers); ids made unique within the file."""
    if per == "day":
        days: dict[date, list[SieVoucher]] = {}
        for voucher in vouchers:
            days.setdefault(voucher.date, []).append(voucher)
        return [("day", day, group) for day, group in sorted(days.items())]
    items: list[tuple[str, date, list[SieVoucher]]] = []
    seen: dict[str, int] = {}
    for voucher in vouchers:
        ver_id = voucher.voucher_id
        seen[ver_id] = seen.get(ver_id, 0) + 1
        if seen[ver_id] > 1:  # the same #VER id twice in one file: both are kept, told apart
            ver_id = f"{ver_id}#{seen[ver_id]}"
        items.append((ver_id, voucher.date, [voucher]))
    return items
