"""A day file's vouchers as ledger rows: mapped now, and checked against the same Z-report from other files.

The same Z-report can arrive twice: a copy (KS308, skipped), a new export before the first was posted
(KS313, the newer one replaces it), or a new export after it was posted (KS312, a re-export: held until a
person decides, see corrections.py and `kassasync correct`).
"""
from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import date

from pipeline.config.model import StoreConfig
from pipeline.ledger import VoucherRecord
from pipeline.mapping import MappingResult
from pipeline.runner import items
from pipeline.runner.corrections import correction_payload
from pipeline.sie.model import SieVoucher


def plan_records(config: StoreConfig, digest: str, vouchers: list[SieVoucher], *, today: date,
                 others: Sequence[VoucherRecord] = (), same_file: Collection[str] = (),
                 twins: set[str] | None = None) -> tuple[list[VoucherRecord], list[VoucherRecord]]:
    """The file's ledger rows, mapped now (so the status page shows mapping errors before anything is posted).

    `others`: the store's ledger rows on the same dates. The same Z-report from another file is never posted
    twice: identical rows are skipped (KS308); other rows for a Z-report already posted, or maybe posted,
    are held (KS312: a Fortnox voucher cannot be changed; the difference is a correction voucher, posted
    only by a decision); an earlier export that was never posted is replaced by the newer one (KS313).
    `same_file`: digests of earlier versions of this very file (changed in place): there even a #VER without
    a number is the same Z-report. `twins` collects the keys of earlier rows a KS308 skip stands behind.
    Returns (this file's rows, the earlier rows it replaces, now marked skipped).
    """
    records: list[VoucherRecord] = []
    replaced: list[VoucherRecord] = []
    for ver_id, day, group in items.group_by_item(vouchers, config.voucher_per):
        key = items.idempotency_key(config.store, day, digest, ver_id)
        result = items.map_source(group, config, day, today=today)
        record = VoucherRecord(key=key, store=config.store, business_date=day, file_digest=digest, ver_id=ver_id,
                               marker=items.marker(key), source=items.source_json(group), state="planned",
                               store_commit=config.revision)
        record = apply_mapping(record, result)
        # o.key != key: a row rebuilt from Fortnox (ledger rebuild) carries only the first 16 digits of this
        # very file's digest until the file is read again: it is this voucher, not an earlier export
        earlier = [o for o in [*others, *records] if o.file_digest != digest and o.key != key
                   and o.business_date == day and o.ver_id == ver_id and o.state != "skipped"]
        twin = next((o for o in earlier if record.state == "planned" and o.payload_digest == record.payload_digest
                     and o.state in ("posted", "pending", "planned")), None)
        booked = [o for o in earlier if o.state in ("posted", "pending")]
        identified = _identified(ver_id) or any(o.file_digest in same_file for o in earlier)
        if twin:
            record = _skip(record, "KS308", twin, "is already in the ledger from another file: not posted twice",
                           "nothing to do: the POS exported the same day twice")
            if twins is not None:
                twins.add(twin.key)
        elif booked and identified:
            record = held(config, record, booked)
            replaced += [_skip(o, "KS313", record, "was exported again before a decision was made: the newer "
                               "export is held instead", "nothing to do: decide on the newer export")
                         for o in earlier if o.state == "held"]
        elif identified:
            replaced += [_skip(o, "KS313", record, "was exported again before it was posted: the newer file "
                               "replaces this one", "nothing to do: the newer export is posted instead")
                         for o in earlier if o.state in ("planned", "failed", "held")]
        records.append(record)
    return records, replaced


def held(config: StoreConfig, record: VoucherRecord, booked: Sequence[VoucherRecord]) -> VoucherRecord:
    """A re-export of a Z-report Fortnox holds (or may hold): held for a decision, or skipped when its amounts
    are what Fortnox holds already, account by account."""
    day = record.business_date.isoformat()
    first = booked[0]
    shown = f"Fortnox {first.series} {first.number}" if first.number is not None else f"key {first.key}"
    what = f"the Z-report {first.ver_id} of {day} is already posted ({shown}); this new export has other amounts"
    hint = (f"look at the correction voucher with `kassasync correct --store {config.store} --date {day}`, then "
            f"post it (`--yes`) or dismiss it (`--dismiss --reason \"...\"`)")
    if any(o.state == "pending" for o in booked):
        what = (f"the Z-report {first.ver_id} of {day} may already be in Fortnox (its outcome is being checked); "
                "this new export has other amounts")
        hint = "run `kassasync sync` first, so the earlier voucher's outcome is known; then " + hint
    elif (record.payload is not None and all(o.payload for o in booked)
          and correction_payload([o.payload or "" for o in booked], record.payload) is None):
        return _skip(record, "KS308", first, "is already posted with the same amount on every account: not posted "
                     "twice", "nothing to do: the POS exported the same day again")
    if record.state == "failed":
        what += f", and it does not map cleanly ({record.error_code} {record.error_message})"
    return replace(record, state="held", error_code="KS312", error_message=what, error_hint=hint,
                   error_permanent=None)


def _identified(ver_id: str) -> bool:
    """A numbered Z-report (or a store's whole day) can be recognised in another file; a bare #VER cannot."""
    return not ver_id.startswith("line")


def remapped_by(record: VoucherRecord, config: StoreConfig) -> VoucherRecord:
    """The record about to be mapped again with `config`: it carries the commit of that store file, where known."""
    return replace(record, store_commit=config.revision or record.store_commit)


def apply_mapping(record: VoucherRecord, result: MappingResult) -> VoucherRecord:
    """The record after (re-)mapping: planned with a payload, failed with the first error, or skipped."""
    findings = json.dumps([f.to_json() for f in result.findings], ensure_ascii=False) if result.findings else None
    if result.draft is not None:
        payload = items.payload_json(result.draft)
        return replace(record, state="planned", payload=payload, payload_digest=items.payload_digest(payload),
                       findings=findings, error_code=None, error_message=None, error_hint=None,
                       error_permanent=None)
    first = (result.errors or result.findings)[0]
    extra = len(result.errors) - 1
    message = first.message + (f" (and {extra} more finding{'s' if extra > 1 else ''})" if extra > 0 else "")
    state = "skipped" if result.skipped else "failed"
    # a future date fixes itself with time; every other mapping error needs a person and --retry-failed
    permanent = None if state == "skipped" else first.rule != "KS307"
    return replace(record, state=state, payload=None, payload_digest=None, findings=findings,
                   error_code=first.rule, error_message=message, error_hint=first.hint, error_permanent=permanent)


def _skip(record: VoucherRecord, rule: str, other: VoucherRecord, what: str, hint: str) -> VoucherRecord:
    return replace(record, state="skipped", error_code=rule, error_permanent=None, error_hint=hint,
                   error_message=f"the Z-report {other.ver_id} of {other.business_date} {what} "
                                 f"(file {other.file_digest[:12]})")
