"""The ledger's cache of each store's Fortnox financial years (so a daily run need not ask for them)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa

from pipeline.ledger import statements as sql
from pipeline.ledger.connection import LedgerBase
from pipeline.ledger.tables import financial_years


class YearCache(LedgerBase):
    def cached_years(self, store: str) -> list[tuple[int, date, date]]:
        with self._connect(begin=False) as conn:
            return [(int(r[0]), r[1], r[2]) for r in conn.execute(sql.SELECT_YEARS, {"store": store})]

    def cache_years(self, years: Sequence[tuple[str, int, date, date]]) -> None:
        """(store, year id, first day, last day) of financial years Fortnox named, in one transaction."""
        insert = sql.insert_years_ignoring_known(self.engine.dialect.name)
        if insert is None:
            for year in years:
                self.cache_year(*year)
            return
        with self._connect() as conn:
            conn.execute(insert, [{"store": store, "year_id": year_id, "from_date": first, "to_date": last}
                                  for store, year_id, first, last in years])

    def cache_year(self, store: str, year_id: int, from_date: date, to_date: date) -> None:
        try:
            with self._connect() as conn:
                conn.execute(sql.INSERT_YEAR, {"store": store, "year_id": year_id, "from_date": from_date,
                                               "to_date": to_date})
        except sa.exc.IntegrityError:  # another runner cached it first: the same year, nothing to do
            pass

    def all_cached_years(self) -> dict[str, list[tuple[int, date, date]]]:
        """Every store's cached financial years at once (one query per run instead of one per store)."""
        found: dict[str, list[tuple[int, date, date]]] = {}
        with self._connect(begin=False) as conn:
            for row in conn.execute(financial_years.select()):
                found.setdefault(row.store, []).append((int(row.year_id), row.from_date, row.to_date))
        return found

    def forget_years(self, store: str) -> None:
        with self._connect() as conn:
            conn.execute(financial_years.delete().where(financial_years.c.store == store))
