"""Decisions on re-exports after posting (KS312): what the correction voucher would be, and recording the choice.

A held re-export is decided by `kassasync correct --store S --date D` (`--yes` posts the correction voucher,
`--dismiss --reason` records that nothing is posted) or, for a store with `corrections: post`, by `sync` itself.
Either way the decision is one ledger transaction: the correction voucher goes in as `planned` (the runner
then posts it exactly once, pending first, like any voucher) and the re-export becomes `skipped`.
"""
from __future__ import annotations

import getpass
import json
import socket
from dataclasses import dataclass, replace
from datetime import date

from pipeline.config.model import StoreConfig
from pipeline.ledger import Ledger, VoucherRecord
from pipeline.mapping.findings import Finding
from pipeline.runner import items, markers
from pipeline.runner.corrections import RowDifference, correction_key, correction_payload, differences
from pipeline.runner.reconcile_records import stored_vouchers
from pipeline.runner.records import apply_mapping, remapped_by

AUTOMATIC = "corrections: post"  # decided_by when the store file decides


@dataclass(frozen=True)
class Proposal:
    """One held re-export: what Fortnox holds for its Z-report, the export as it maps now, and the difference."""

    held: VoucherRecord  # the re-export's ledger row (state held)
    booked: tuple[VoucherRecord, ...]  # the Z-report's vouchers in Fortnox (posted: the first, then corrections)
    pending: bool  # a voucher of this Z-report has an unknown outcome: decide after the next sync
    mapped: VoucherRecord  # the re-export mapped with the store file as it is now
    rows: tuple[RowDifference, ...]  # the correction voucher's rows (empty: no difference)
    payload: str | None  # the correction voucher (None when there is nothing to post, or it cannot be built)
    unknown: tuple[VoucherRecord, ...] = ()  # vouchers of `booked` whose amounts neither the ledger nor Fortnox gave

    @property
    def blocker(self) -> str | None:
        """Why `--yes` cannot post it now, or None."""
        if self.pending:
            return ("the outcome of an earlier voucher of this Z-report is still being checked: run "
                    f"`kassasync sync --store {self.held.store}` first")
        if self.unknown:  # recorded from Fortnox (a lost ledger) without rows, and Fortnox could not be asked
            shown = ", ".join(f"{r.series} {r.number}" for r in self.unknown)
            return (f"the ledger does not know the amounts of {shown} (it was recorded from Fortnox after the "
                    "ledger was lost), and they could not be read from Fortnox: run the command again when Fortnox "
                    "answers; or compare the new export with that voucher in Fortnox, book a correction by hand if "
                    "needed, and dismiss this one with `--dismiss --reason \"...\"`")
        if self.mapped.state != "planned":
            return f"the new export does not map cleanly: {self.mapped.error_code} {self.mapped.error_message}"
        if self.payload is None:
            return "the new export has the same amount on every account as Fortnox: there is nothing to post"
        return None

    @property
    def findings(self) -> list[Finding]:
        """The mapping's findings on the new export (as it maps now)."""
        return [Finding(f["rule"], f["message"], f["hint"], f.get("line", 0))
                for f in json.loads(self.mapped.findings or "[]")]


def proposals(ledger: Ledger, config: StoreConfig, day: date, *, today: date) -> list[Proposal]:
    """The held re-exports of one store and business date, each with its correction voucher."""
    on_day = ledger.store_vouchers(config.store, dates=[day])
    known = fortnox_amounts(ledger, config, rows_unknown(on_day))
    return [propose(config, record, on_day, today=today, known=known) for record in on_day if record.state == "held"]


def rows_unknown(on_day: list[VoucherRecord]) -> list[VoucherRecord]:
    """The posted vouchers of a day with a held re-export whose amounts the ledger's own row lacks (recorded from
    Fortnox by a look-up or `ledger rebuild`): a correction needs Fortnox's rows for them."""
    held = {r.ver_id for r in on_day if r.state == "held"}
    return [r for r in on_day if r.ver_id in held and r.state == "posted" and not r.payload]


def fortnox_amounts(ledger: Ledger, config: StoreConfig, records: list[VoucherRecord]) -> dict[str, str]:
    """Per key, the voucher's rows as Fortnox holds them (kept by a POST, `reconcile` or `correct`), in the shape
    of a ledger payload. A row without a cost centre gets the store's, as the mapping writes it: Fortnox leaves it
    off the rows of accounts that take none, and the difference must not move amounts between the two."""
    out: dict[str, str] = {}
    for key, voucher in stored_vouchers(ledger, [r.key for r in records]).items():
        out[key] = json.dumps({
            "voucher_series": voucher.series, "transaction_date": voucher.transaction_date.isoformat(),
            "description": voucher.description, "cost_center": config.cost_center,
            "rows": [{"account": row.account, "debit": str(row.debit), "credit": str(row.credit),
                      "cost_center": row.cost_center or config.cost_center, "description": None,
                      "transaction_information": None} for row in voucher.rows if not row.removed]},
            ensure_ascii=False, sort_keys=True)
    return out


def propose(config: StoreConfig, record: VoucherRecord, on_day: list[VoucherRecord], *, today: date,
            known: dict[str, str] | None = None) -> Proposal:
    """The proposal for one held re-export (`on_day`: the store's ledger rows of its business date; `known`: the
    amounts, by key, of posted vouchers whose ledger row has none, from Fortnox)."""
    chain = tuple(r for r in on_day if r.ver_id == record.ver_id and r.state in ("posted", "pending"))
    mapped = apply_mapping(remapped_by(record, config), items.map_source(
        items.source_vouchers(record.source), config, record.business_date, today=today))
    booked = tuple(r for r in chain if r.state == "posted")
    pending = any(r.state == "pending" for r in chain)
    amounts = {r.key: r.payload or (known or {}).get(r.key) for r in booked}
    unknown = tuple(r for r in booked if not amounts[r.key])
    held_payloads = [amounts[r.key] or "" for r in booked]
    payload = rows = None
    if mapped.state == "planned" and mapped.payload is not None and not pending and not unknown:
        rows = differences(held_payloads, mapped.payload)
        payload = correction_payload(held_payloads, mapped.payload)
    return Proposal(record, booked, pending, mapped, tuple(rows or ()), payload, unknown)


def decided_by() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name (a container): the host alone says enough
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def release(ledger: Ledger, proposal: Proposal, *, by: str) -> VoucherRecord | None:
    """Records the decision to post the correction voucher; returns it (`planned`), or None when another
    process decided first. Raises ValueError when the proposal cannot be posted (see Proposal.blocker)."""
    if proposal.blocker or proposal.payload is None:
        raise ValueError(proposal.blocker or "nothing to post")
    held = proposal.held
    key = correction_key(held.key)
    correction = VoucherRecord(key=key, store=held.store, business_date=held.business_date,
                               file_digest=held.file_digest, ver_id=held.ver_id,
                               marker=items.marker(key, markers.CORRECTION),
                               source=held.source, state="planned", payload=proposal.payload,
                               payload_digest=items.payload_digest(proposal.payload),
                               store_commit=proposal.mapped.store_commit)
    numbers = ", ".join(f"{r.series} {r.number}" for r in proposal.booked if r.number is not None) or "Fortnox"
    done = replace(held, state="skipped", error_code="KS312", error_permanent=None,
                   error_message=f"a re-export of the Z-report {held.ver_id} of {held.business_date}: its difference "
                                 f"to {numbers} is posted as a correction voucher (decided by {by})",
                   error_hint="nothing to do")
    if not ledger.decide_correction(done, correction, decision="post", reason=None, by=by):
        return None
    return correction


def dismiss(ledger: Ledger, proposal: Proposal, *, reason: str, by: str) -> bool:
    """Records that nothing is posted for this re-export, and why; False when another process decided first."""
    held = proposal.held
    done = replace(held, state="skipped", error_code="KS312", error_permanent=None,
                   error_message=f"a re-export of the Z-report {held.ver_id} of {held.business_date} was dismissed "
                                 f"by {by}: {reason}", error_hint="nothing to do")
    return ledger.decide_correction(done, None, decision="dismiss", reason=reason, by=by)


def release_automatically(ledger: Ledger, config: StoreConfig, held: list[VoucherRecord], *,
                          today: date) -> tuple[list[VoucherRecord], list[VoucherRecord]]:
    """`corrections: post`: the correction vouchers of these held re-exports, released. Returns (released,
    still held: an earlier voucher's outcome is unknown, or the new export does not map; they wait)."""
    released: list[VoucherRecord] = []
    waiting: list[VoucherRecord] = []
    by_day: dict[date, list[VoucherRecord]] = {}
    for record in held:
        on_day = by_day.get(record.business_date)
        if on_day is None:
            on_day = by_day[record.business_date] = ledger.store_vouchers(config.store, dates=[record.business_date])
        proposal = propose(config, record, on_day, today=today,
                           known=fortnox_amounts(ledger, config, rows_unknown(on_day)))
        if proposal.payload is None and proposal.mapped.state == "planned" and not proposal.pending:
            dismiss(ledger, proposal, reason="the same amounts as Fortnox on every account", by=AUTOMATIC)
            continue
        if proposal.blocker:
            waiting.append(record)
            continue
        correction = release(ledger, proposal, by=AUTOMATIC)
        if correction is not None:
            released.append(correction)
    return released, waiting
