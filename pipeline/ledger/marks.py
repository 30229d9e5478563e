"""What the ledger knows of Fortnox: per store, the reconciled-through mark, and the vouchers found there by marker.

The mark says: for every business day from `from_date` on, the ledger knows each voucher Fortnox holds with
kassasync's marker for this store. A day before `from_date` (and every day of a store without a mark: a new
ledger, a new store) is looked up in Fortnox before its first POST. `through_date` is the last day that was
looked up, or whose post is recorded.

How the mark is set and why days after `through_date` are covered too:
- It is set, or moved to earlier days, only by a look-up that succeeded (every voucher in the range listed,
  read where the list leaves out Comments, each marker's key readable), in the same transaction as the
  vouchers found there are recorded `posted`. A look-up that sets a mark reaches the run's `today`.
- No kassasync posts a day after its own `today` (a future business date is refused, KS307). So when the mark
  was set, Fortnox could hold nothing for a day after its `through_date` that the look-up did not see; from
  then on every post for the store goes through this ledger, `pending` before the POST.
- `through_date` moves forward over the days whose posts are recorded (and over later look-ups).
What the mark cannot know: posts made through another ledger after it was set (a ledger restored from a
backup, two runners with a ledger each). After restoring a backup, run `kassasync ledger rebuild`.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

import sqlalchemy as sa

from pipeline.ledger.connection import LedgerBase
from pipeline.ledger.records import FoundVoucher, Mark, Recorded
from pipeline.ledger.tables import reconciled, vouchers


class MarkLog(LedgerBase):
    """The Ledger's methods for marks and found vouchers."""

    def marks(self, stores: Iterable[str] | None = None) -> dict[str, Mark]:
        """The stores' marks (every store's when None): one query for a whole run."""
        query = sa.select(reconciled.c.store, reconciled.c.from_date, reconciled.c.through_date)
        if stores is not None:
            query = query.where(reconciled.c.store.in_(list(stores)))
        with self._connect(begin=False) as conn:
            return {store: Mark(first, last) for store, first, last in conn.execute(query)}

    def record_found(self, store: str, found: Sequence[FoundVoucher], looked_up: tuple[date, date] | None,
                     *, now: datetime) -> Recorded:
        """The vouchers Fortnox holds recorded `posted` with its series and number (rows it lacks are added), and
        then, when `looked_up` is given, the mark grown over that range: one transaction, so the mark never
        covers a day whose vouchers are not recorded."""
        outcome = Recorded()
        keys = [f.key for f in found]
        columns = (vouchers.c.key, vouchers.c.state, vouchers.c.series, vouchers.c.number, vouchers.c.year)
        with self._connect() as conn:
            known = {row.key: row for start in range(0, len(keys), 500)  # a rebuild of years: within SQL's limits
                     for row in conn.execute(sa.select(*columns).where(vouchers.c.key.in_(keys[start:start + 500])))}
            for item in found:
                row = known.get(item.key)
                if row is None:
                    conn.execute(vouchers.insert().values(**_new_row(store, item, now)))
                    outcome.added.append(item.key)
                elif (row.state, row.series, row.number, row.year) != ("posted", item.series, item.number, item.year):
                    conn.execute(vouchers.update().where(vouchers.c.key == item.key).values(
                        state="posted", series=item.series, number=item.number, year=item.year, updated_at=now,
                        posted_at=now, error_code=None, error_message=None, error_hint=None, error_permanent=None))
                    outcome.corrected.append((item.key, row.state))
                else:
                    outcome.unchanged += 1
            outcome.mark = self._grow_mark(conn, store, looked_up, now)
        return outcome

    def advance_mark(self, store: str, through: date, *, now: datetime) -> None:
        """`through_date` moves on to a day whose posts are recorded (nothing without a mark)."""
        with self._connect() as conn:
            conn.execute(reconciled.update().where(reconciled.c.store == store, reconciled.c.through_date < through)
                         .values(through_date=through, updated_at=now))

    @staticmethod
    def _grow_mark(conn: sa.Connection, store: str, looked_up: tuple[date, date] | None, now: datetime) -> Mark | None:
        row = conn.execute(sa.select(reconciled.c.from_date, reconciled.c.through_date)
                           .where(reconciled.c.store == store)).first()
        mark = Mark(row.from_date, row.through_date) if row else None
        if looked_up is None:
            return mark
        if mark is None:
            grown = Mark(*looked_up)
            conn.execute(reconciled.insert().values(store=store, from_date=grown.from_date,
                                                    through_date=grown.through_date, updated_at=now))
            return grown
        joined = mark.joined(*looked_up)
        if joined is None or joined == mark:
            return mark
        conn.execute(reconciled.update().where(reconciled.c.store == store).values(
            from_date=joined.from_date, through_date=joined.through_date, updated_at=now))
        return joined


def _new_row(store: str, item: FoundVoucher, now: datetime) -> dict[str, object]:
    """A ledger row for a voucher only Fortnox knew: what its key and Fortnox tell (no SIE rows, no payload).
    The key is `store/date/file digest (16 hex)/#VER id`; the file, if it comes back, lends its whole digest."""
    parts = item.key.split("/", 3)
    ver_id = parts[3] if len(parts) > 3 else item.kind  # a key not of that shape: its marker's kind letter
    return dict(key=item.key, store=store, business_date=item.business_date,
                file_digest=parts[2] if len(parts) > 2 else "", ver_id=ver_id, marker=item.marker, source="[]", payload=None, payload_digest=None, state="posted",
                series=item.series, number=item.number, year=item.year, attempts=0, run_id=None, created_at=now,
                updated_at=now, posted_at=now)
