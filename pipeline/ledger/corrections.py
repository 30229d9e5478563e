"""The ledger's `corrections` table: decisions on re-exports after posting (KS312), made by `correct` or by the
store file's `corrections: post`, with the correction voucher to post."""
from __future__ import annotations

from typing import Any

from pipeline.ledger.connection import LedgerBase
from pipeline.ledger.records import VoucherRecord, now
from pipeline.ledger.tables import corrections, vouchers
from pipeline.ledger.vouchers import insert_vouchers


class CorrectionLog(LedgerBase):
    def decide_correction(self, held: VoucherRecord, correction: VoucherRecord | None, *, decision: str,
                          reason: str | None, by: str) -> bool:
        """A held re-export decided (`held`: its row as it ends, skipped), with its correction voucher to post
        (`planned`) and the decision row, in one transaction; False when it was no longer held (decided by
        another process meanwhile)."""
        stamp = now()
        with self._connect() as conn:
            done = conn.execute(vouchers.update().where(vouchers.c.key == held.key, vouchers.c.state == "held").values(
                state=held.state, error_code=held.error_code, error_message=held.error_message,
                error_hint=held.error_hint, error_permanent=held.error_permanent, updated_at=stamp))
            if done.rowcount != 1:
                return False
            if correction is not None:
                insert_vouchers(conn, [correction], None, stamp)
            conn.execute(corrections.insert().values(
                key=held.key, store=held.store, business_date=held.business_date, decision=decision,
                correction_key=correction.key if correction else None, reason=reason, decided_by=by,
                decided_at=stamp))
        return True

    def correction_decisions(self, store: str) -> list[dict[str, Any]]:
        """The store's decisions on re-exports, newest first."""
        with self._connect(begin=False) as conn:
            rows = conn.execute(corrections.select().where(corrections.c.store == store)
                                .order_by(corrections.c.decided_at.desc()))
            return [dict(r._mapping) for r in rows]
