"""Reads and writes of the invoice stream's ledger tables (invoice_tables.py), beside the voucher ledger.

Every write is its own committed transaction; `pending` (before each create) is committed with a full sync,
as the voucher ledger's own `mark_pending`, so that it survives a power cut too.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from pipeline.ledger.facade import Ledger
from pipeline.ledger.invoice_records import DocRecord, PaymentRecord
from pipeline.ledger.invoice_tables import (
    invoice_customers,
    invoice_docs,
    invoice_files,
    invoice_payments,
)
from pipeline.ledger.records import now

_DOC_FIELDS = [f.name for f in fields(DocRecord)]
_PAYMENT_FIELDS = [f.name for f in fields(PaymentRecord)]


@dataclass(frozen=True)
class InvoiceFileRecord:
    store: str
    digest: str
    path: str
    name: str
    state: str
    note: str | None
    invoice_count: int


class InvoiceLedger:
    """The invoice tables of one ledger database (created by the ledger's migrations, revision 0006_invoices)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.engine = ledger.engine

    @contextlib.contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def _durable(self) -> Iterator[sa.Connection]:
        """A commit that must survive a power cut (SQLite syncs its WAL to disk for it)."""
        with self.engine.connect() as conn:
            if self.ledger.is_sqlite:
                conn.exec_driver_sql("PRAGMA synchronous=FULL")
                conn.commit()
            try:
                yield conn
                conn.commit()
            finally:
                if self.ledger.is_sqlite:
                    conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
                    conn.commit()

    # files --------------------------------------------------------------------------------------------
    def files(self, store: str, *, digests: Iterable[str] | None = None,
              state: str | None = None) -> list[InvoiceFileRecord]:
        f = invoice_files.c
        query = sa.select(f.store, f.digest, f.path, f.name, f.state, f.note, f.invoice_count).where(f.store == store)
        if digests is not None:
            query = query.where(f.digest.in_(list(digests)))
        if state is not None:
            query = query.where(f.state == state)
        with self.engine.connect() as conn:
            return [InvoiceFileRecord(*row) for row in conn.execute(query.order_by(f.first_seen_at, f.name))]

    def all_quarantined(self) -> list[InvoiceFileRecord]:
        f = invoice_files.c
        query = sa.select(f.store, f.digest, f.path, f.name, f.state, f.note, f.invoice_count).where(
            f.state == "quarantined")
        with self.engine.connect() as conn:
            return [InvoiceFileRecord(*row) for row in conn.execute(query.order_by(f.store, f.name))]

    def record_file(self, store: str, digest: str, path: str, name: str, state: str, *, note: str | None = None,
                    invoice_count: int = 0) -> None:
        stamp = now()
        values = dict(path=path, name=name, state=state, note=note, invoice_count=invoice_count, updated_at=stamp)
        where = (invoice_files.c.store == store, invoice_files.c.digest == digest)
        with self._write() as conn:
            if conn.execute(sa.select(invoice_files.c.digest).where(*where)).first():
                conn.execute(invoice_files.update().where(*where).values(**values))
            else:
                conn.execute(invoice_files.insert().values(store=store, digest=digest, first_seen_at=stamp, **values))

    # documents ----------------------------------------------------------------------------------------
    def docs(self, store: str | None = None, *, source_ids: Iterable[str] | None = None,
             states: Iterable[str] | None = None, file_digest: str | None = None) -> list[DocRecord]:
        d = invoice_docs.c
        query = sa.select(*(d[name] for name in _DOC_FIELDS))
        if store is not None:
            query = query.where(d.store == store)
        if source_ids is not None:
            query = query.where(d.source_id.in_(list(source_ids)))
        if states is not None:
            query = query.where(d.state.in_(list(states)))
        if file_digest is not None:
            query = query.where(d.file_digest == file_digest)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(d.store, d.invoice_date, d.kind.desc(), d.number))
            return [DocRecord(**_decimal_total(dict(row._mapping))) for row in rows]

    def doc(self, source_id: str) -> DocRecord | None:
        found = self.docs(source_ids=[source_id])
        return found[0] if found else None

    def add_docs(self, records: Sequence[DocRecord]) -> None:
        """New documents (a source id already known is left as it is: the caller decides about re-exports)."""
        stamp = now()
        self._insert_new(invoice_docs.c.source_id, [{**{n: getattr(r, n) for n in _DOC_FIELDS}, "created_at": stamp,
                                                     "updated_at": stamp} for r in records])

    def _insert_new(self, key: sa.Column[Any], rows: list[dict[str, Any]]) -> None:
        """Inserts the rows whose key the table does not hold yet, in one transaction."""
        if not rows:
            return
        with self._write() as conn:
            known = set(conn.execute(sa.select(key).where(key.in_([r[key.name] for r in rows]))).scalars())
            fresh = [r for r in rows if r[key.name] not in known]
            if fresh:
                conn.execute(key.table.insert(), fresh)

    def update_doc(self, source_id: str, **values: Any) -> None:
        values["updated_at"] = now()
        with self._write() as conn:
            conn.execute(invoice_docs.update().where(invoice_docs.c.source_id == source_id).values(**values))

    def mark_doc_pending(self, source_id: str, **values: Any) -> None:
        """Committed (synced) BEFORE a create: from here on the document may exist in Fortnox."""
        with self._durable() as conn:
            conn.execute(invoice_docs.update().where(invoice_docs.c.source_id == source_id).values(
                state="pending", attempts=invoice_docs.c.attempts + 1, updated_at=now(), **values))

    # customers ----------------------------------------------------------------------------------------
    def customers(self, store: str) -> dict[str, str]:
        """POS customer id -> Fortnox CustomerNumber, for the matches and creations this store has made."""
        c = invoice_customers.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(c.pos_id, c.customer_number).where(
                c.store == store, c.state == "known", c.customer_number.is_not(None)))
            return {pos_id: number for pos_id, number in rows}

    def remember_customer(self, store: str, pos_id: str, customer_number: str, via: str) -> None:
        self._set_customer(store, pos_id, customer_number=customer_number, state="known", via=via)

    def customer_pending(self, store: str, pos_id: str) -> None:
        """Committed (synced) BEFORE POST /customers."""
        self._set_customer(store, pos_id, customer_number=None, state="pending", via="created", durable=True)

    def _set_customer(self, store: str, pos_id: str, *, durable: bool = False, **values: Any) -> None:
        where = (invoice_customers.c.store == store, invoice_customers.c.pos_id == pos_id)
        values["updated_at"] = now()
        with self._durable() if durable else self._write() as conn:
            if conn.execute(sa.select(invoice_customers.c.pos_id).where(*where)).first():
                conn.execute(invoice_customers.update().where(*where).values(**values))
            else:
                conn.execute(invoice_customers.insert().values(store=store, pos_id=pos_id, **values))

    # payments -----------------------------------------------------------------------------------------
    def payments(self, store: str | None = None, *, source_ids: Iterable[str] | None = None) -> list[PaymentRecord]:
        p = invoice_payments.c
        query = sa.select(*(p[name] for name in _PAYMENT_FIELDS))
        if store is not None:
            query = query.where(p.store == store)
        if source_ids is not None:
            query = query.where(p.source_id.in_(list(source_ids)))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(p.store, p.pay_date, p.key))
            return [PaymentRecord(**{**dict(row._mapping), "amount": Decimal(str(row.amount))}) for row in rows]

    def add_payments(self, records: Sequence[PaymentRecord]) -> None:
        stamp = now()
        self._insert_new(invoice_payments.c.key, [{**{n: getattr(r, n) for n in _PAYMENT_FIELDS},
                                                   "updated_at": stamp} for r in records])

    def update_payment(self, key: str, **values: Any) -> None:
        values["updated_at"] = now()
        with self._write() as conn:
            conn.execute(invoice_payments.update().where(invoice_payments.c.key == key).values(**values))

    def mark_payment_pending(self, key: str) -> None:
        """Committed (synced) BEFORE POST /invoicepayments."""
        with self._durable() as conn:
            conn.execute(invoice_payments.update().where(invoice_payments.c.key == key).values(
                state="pending", updated_at=now()))

    # status ---------------------------------------------------------------------------------------------
    def booked_totals(self, store: str) -> dict[date, Decimal]:
        """Per invoice date, the amounts to pay of the documents booked in Fortnox (credits negative)."""
        d = invoice_docs.c
        query = (sa.select(d.invoice_date, sa.func.sum(d.total)).where(d.store == store, d.state == "booked")
                 .group_by(d.invoice_date))
        with self.engine.connect() as conn:
            return {day: Decimal(str(total)) for day, total in conn.execute(query)}

    def booked_payments(self, store: str, account: int) -> dict[date, Decimal]:
        """Per payment date, the till payments booked in Fortnox on `account`."""
        p = invoice_payments.c
        query = (sa.select(p.pay_date, sa.func.sum(p.amount)).where(
            p.store == store, p.state == "booked", p.account == account).group_by(p.pay_date))
        with self.engine.connect() as conn:
            return {day: Decimal(str(total)) for day, total in conn.execute(query)}

    def stores(self) -> list[str]:
        with self.engine.connect() as conn:
            return sorted(set(conn.execute(sa.select(invoice_docs.c.store).distinct()).scalars())
                          | set(conn.execute(sa.select(invoice_files.c.store).distinct()).scalars()))


def _decimal_total(row: dict[str, Any]) -> dict[str, Any]:
    row["total"] = Decimal(str(row["total"])).quantize(Decimal("0.01"))
    return row
