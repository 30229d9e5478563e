"""Reads of the ledger for `status`, the HTML report and a run's counts: per store and day, the state, the first
problem and its fix, Fortnox's numbers; the stores known; where each failure comes from."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from pipeline.ledger.connection import LedgerBase
from pipeline.ledger.records import DayStatus, ProblemFile, day_state, problem_line
from pipeline.ledger.tables import STATES, files, vouchers

_COUNTED_STATES = ("posted", "failed", "pending", "planned", "held")  # skipped counts only in the total
_STATE_COUNTS = [sa.func.sum(sa.case((vouchers.c.state == state, 1), else_=0)).label(state)
                 for state in _COUNTED_STATES]
_PROBLEM_RANK = {"failed": 0, "held": 1, "pending": 2}


class StatusReads(LedgerBase):
    def stores(self) -> list[str]:
        with self._connect(begin=False) as conn:
            found = set(conn.execute(sa.select(vouchers.c.store).distinct()).scalars())
            found |= set(conn.execute(sa.select(files.c.store).distinct()).scalars())
        return sorted(found)

    def store_days(self, store: str | None = None, *, from_date: date | None = None, to_date: date | None = None,
                   references_from: date | None = None) -> list[DayStatus]:
        """Per store and business date: the day's state, and the first failure's code, message and fix.

        The states are counted in the database and only the columns status shows are read (not the SIE
        source or the Fortnox payload), so a fleet with a year of history stays quick: only failed and
        uncertain vouchers are read one by one, and the posted vouchers' Fortnox numbers only from
        `references_from` on (what the status grid and JSON show).
        """
        v = vouchers.c
        counts = (sa.select(v.store, v.business_date, sa.func.count().label("total"), *_STATE_COUNTS)
                  .group_by(v.store, v.business_date).order_by(v.store, v.business_date))
        details = (sa.select(v.store, v.business_date, v.state, v.error_code, v.error_message, v.error_hint,
                             v.error_permanent)
                   .where(sa.or_(v.state.in_(("failed", "held")),
                                 sa.and_(v.state == "pending", v.error_message.is_not(None))))
                   .order_by(v.store, v.business_date, v.key))
        posted = (sa.select(v.store, v.business_date, v.series, v.number, v.year)
                  .where(v.state == "posted").order_by(v.store, v.business_date, v.key))
        filters = [v.store == store] if store else []
        filters += [v.business_date >= from_date] if from_date else []
        filters += [v.business_date <= to_date] if to_date else []
        counts, details, posted = (q.where(*filters) for q in (counts, details, posted))
        if references_from:
            posted = posted.where(v.business_date >= references_from)
        first_problem: dict[tuple[str, date], Any] = {}
        references: dict[tuple[str, date], list[str]] = {}
        with self._connect(begin=False) as conn:
            for row in conn.execute(details):
                key = (row.store, row.business_date)
                # a failure wins over a held re-export, which wins over an uncertain post
                rank = _PROBLEM_RANK[row.state]
                if key not in first_problem or rank < _PROBLEM_RANK[first_problem[key].state]:
                    first_problem[key] = row
            for ref in conn.execute(posted):
                references.setdefault((ref.store, ref.business_date), []).append(
                    f"{ref.series} {ref.number} (year {ref.year})")
            rows = conn.execute(counts).all()
        return [_day(store_id, day, counted, first_problem.get((store_id, day)), references.get((store_id, day), ()))
                for store_id, day, *counted in rows]

    def last_posted_day(self, store: str) -> date | None:
        with self._connect(begin=False) as conn:
            return conn.execute(sa.select(sa.func.max(vouchers.c.business_date)).where(
                vouchers.c.store == store, vouchers.c.state == "posted")).scalar()

    def last_posted_days(self, stores: Iterable[str]) -> dict[str, date]:
        """`last_posted_day` for many stores in one query (stores with nothing posted are left out)."""
        query = (sa.select(vouchers.c.store, sa.func.max(vouchers.c.business_date))
                 .where(vouchers.c.store.in_(list(stores)), vouchers.c.state == "posted").group_by(vouchers.c.store))
        with self._connect(begin=False) as conn:
            return {store: day for store, day in conn.execute(query) if day is not None}

    def counts(self, store: str | None = None) -> dict[str, int]:
        query = sa.select(vouchers.c.state, sa.func.count()).group_by(vouchers.c.state)
        if store:
            query = query.where(vouchers.c.store == store)
        with self._connect(begin=False) as conn:
            found = {state: int(n) for state, n in conn.execute(query)}
        return {state: found.get(state, 0) for state in STATES}

    def problem_files(self, store: str | None = None, keys: Iterable[str] | None = None) -> list[ProblemFile]:
        """Where each failed or held voucher comes from (its day file and line), by store and keys (optional)."""
        v = vouchers.c
        query = (sa.select(v.key, v.store, v.business_date, v.state, v.error_code, v.findings, v.source, files.c.path)
                 .select_from(vouchers.outerjoin(files, sa.and_(files.c.store == v.store,
                                                                files.c.digest == v.file_digest)))
                 .where(v.state.in_(("failed", "held"))).order_by(v.store, v.business_date, v.key))
        if store:
            query = query.where(v.store == store)
        if keys is not None:
            query = query.where(v.key.in_(list(keys)))
        with self._connect(begin=False) as conn:
            return [ProblemFile(row.key, row.store, row.business_date, row.state, row.path,
                                problem_line(row.error_code, row.findings, row.source)) for row in conn.execute(query)]


def _day(store: str, day: date, counted: list[int], problem: Any, references: Sequence[str]) -> DayStatus:
    total, *per_state = (int(n) for n in counted)
    found = dict(zip(_COUNTED_STATES, per_state, strict=True))
    return DayStatus(
        store=store, business_date=day, state=day_state(state for state, n in found.items() if n), vouchers=total,
        posted=found["posted"], failed=found["failed"], held=found["held"],
        error_code=problem.error_code if problem else None,
        error_message=problem.error_message if problem else None,
        error_hint=problem.error_hint if problem else None,
        error_permanent=problem.error_permanent if problem else None,
        fortnox=tuple(references))
