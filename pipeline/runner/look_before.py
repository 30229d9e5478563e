"""Looking in Fortnox before posting: the days a store's mark does not cover (before their first POST), and the
vouchers whose POST had an uncertain outcome (`pending`). Mixed into store_sync's poster.

Found vouchers are recorded `posted` with Fortnox's series and number and never posted again: those found for
uncovered days right away, together with the mark (pipeline/ledger/marks.py); those found after an uncertain POST with
the store's other posts, in its last trip to the ledger (until then they stay `pending`, and are looked up again).
"""
from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from pipeline.config.model import StoreConfig
from pipeline.fortnox.models import FinancialYear
from pipeline.fortnox.protocol import FortnoxApi
from pipeline.ledger import FoundVoucher, Ledger, Mark, VoucherRecord, now
from pipeline.runner import lookup, markers
from pipeline.runner.records import held
from pipeline.runner.worker import LedgerWorker

log = logging.getLogger("kassasync.runner")


class LookBefore:
    """What the poster (store_sync._Poster) knows how to look up; it provides these attributes."""

    config: StoreConfig
    ledger: Ledger
    client: FortnoxApi
    worker: LedgerWorker
    today: date
    years: list[FinancialYear] | None
    posted: list[tuple[str, str, int, int]]
    newest: date | None  # the newest business date posted or found by this run (the mark moves on over it)

    if TYPE_CHECKING:  # the poster's own
        async def year_for(self, day: date) -> FinancialYear | None: ...
        async def _load_years(self) -> None: ...
        def _counted(self, record: VoucherRecord, found: bool) -> None: ...

    async def look_up_uncovered(self, work: list[VoucherRecord]) -> list[VoucherRecord]:
        """The work without what Fortnox already holds, for the days the mark does not cover; those days are
        looked up first (one list per span of days, financial year and series). A `pending` voucher on a day
        looked up and not found there is posted without a second look."""
        mark = await self._mark()
        days = {r.business_date for r in work if mark is None or not mark.covers(r.business_date)}
        if not days:
            return work
        by_hash = {markers.key_hash(r.key): r for r in work}
        looked: set[str] = set()  # keys on days looked up: found in Fortnox, or known not to be there
        held: set[str] = set()  # keys found
        for span in lookup.spans(days, mark, self.today):
            inside = [r for r in work if span.first <= r.business_date <= span.last]
            sightings = await lookup.look_up(self.client, await self.years_between(span.first, span.last),
                                             self.series_of(inside), span.first, span.last)
            found = {item.key: item for item in sightings.of_store(self.config.store)}
            for digest, record in by_hash.items():  # the hash names the voucher even where the key is unreadable
                seen = sightings.first(digest)
                if seen is not None:
                    found[record.key] = seen.found(record.key)
            self._report(sightings)
            strangers = [s for s in sightings.unreadable() if s.marker.hash not in by_hash]
            recorded = await self.worker.run(
                self.ledger.record_found, self.config.store, list(found.values()),
                (span.first, span.last) if span.grows_mark and not strangers else None, now=now())
            log.info("%s: looked up %s..%s in Fortnox: %d voucher(s) with kassasync's marker, %d new to the ledger; "
                     "mark %s", self.config.store, span.first, span.last, len(found), len(recorded.added), recorded.mark)
            looked.update(r.key for r in inside)
            for record in work:
                if record.key in found and record.key not in held:
                    held.add(record.key)
                    self._counted(record, found=True)
            held |= await self._skip_posted_elsewhere([r for r in inside if r.key not in held], found.values())
        return [dataclasses.replace(r, state="planned") if r.key in looked and r.state == "pending" else r
                for r in work if r.key not in held]

    async def _skip_posted_elsewhere(self, records: list[VoucherRecord],
                                     found: Iterable[FoundVoucher]) -> set[str]:
        """The same Z-report found in Fortnox under another file's key (the POS exported the day again, and a
        lost ledger posted the other export) is not posted: held for a decision (KS312), as ingest holds it
        when the ledger knows the other export. Returns the keys held."""
        posted = {(item.business_date, item.key.split("/", 3)[-1]): item for item in found
                  if item.kind == markers.Z_REPORT}  # a correction voucher is no Z-report's twin
        kept: set[str] = set()
        for record in records:
            twin = posted.get((record.business_date, record.ver_id))
            if twin is None or markers.kind_of(record.marker) != markers.Z_REPORT or record.ver_id.startswith("line"):
                continue  # a bare #VER (line…) cannot be told apart across files
            booked = await self.worker.run(self.ledger.voucher, twin.key)  # recorded by the look-up just now
            assert booked is not None, twin.key
            decided = held(self.config, record, [booked])
            await self.worker.run(
                self.ledger.update_voucher, record.key, state=decided.state, error_code=decided.error_code,
                error_permanent=None, error_message=decided.error_message, error_hint=decided.error_hint)
            kept.add(record.key)
        return kept

    async def reconcile(self, records: list[VoucherRecord]) -> list[VoucherRecord]:
        """After uncertain outcomes: the ones Fortnox holds (by marker) are counted posted (recorded with the
        store's other posts); returns the ones it does not hold."""
        groups: dict[int, list[VoucherRecord]] = {}
        missing: list[VoucherRecord] = []
        for record in records:
            year = await self.year_for(record.business_date)
            if year is None:  # no year, so the POST cannot have succeeded
                missing.append(record)
            else:
                groups.setdefault(year.id, []).append(record)
        for year_id, group in groups.items():
            year = next(y for y in self.years or () if y.id == year_id)
            dates = {r.business_date for r in group}
            sightings = await lookup.look_up(self.client, [year], self.series_of(group), min(dates), max(dates), dates)
            self._report(sightings)
            for record in group:
                seen = sightings.first(markers.key_hash(record.key))
                if seen is None:
                    missing.append(record)
                    continue
                v = seen.voucher
                self.posted.append((record.key, v.voucher_series, v.voucher_number, v.year))
                self._counted(record, found=True)
        return missing

    async def years_between(self, first: date, last: date) -> list[FinancialYear]:
        """The financial years that overlap first..last: from the ledger's cache when it spans them, else every
        year from Fortnox at once (one request, which also spares the POSTs' own look-up)."""
        await self._load_years()
        assert self.years is not None
        if not spanned(self.years, first, last):
            for year in await self.client.financial_years():
                if all(known.id != year.id for known in self.years):
                    self.years.append(year)
                    self.worker.cache_year(self.config.store, year.id, year.from_date, year.to_date)
        return [y for y in self.years if y.from_date <= last and y.to_date >= first]

    def series_of(self, records: Iterable[VoucherRecord]) -> set[str]:
        """The store's voucher series, and any other its vouchers were mapped to (a series changed in the YAML)."""
        return {self.config.voucher_series} | {json.loads(r.payload).get("voucher_series", self.config.voucher_series)
                                               for r in records if r.payload}

    async def _mark(self) -> Mark | None:
        marks = self.worker.marks
        if marks is None:  # a store synced on its own (tests): its mark from the ledger
            marks = await self.worker.run(self.ledger.marks, [self.config.store])
        return marks.get(self.config.store)

    def _report(self, sightings: lookup.Sightings) -> None:
        for twice in sightings.twice():  # should never happen; if it does, a person must reverse one
            log.error("%s: a voucher is in Fortnox %d times with the same marker %s: %s; reverse all but one with a "
                      "correction voucher in Fortnox", self.config.store, len(twice), twice[0].marker.hash,
                      ", ".join(s.describe() for s in twice))
        for seen in sightings.unreadable():
            log.warning("%s: voucher %s carries kassasync's marker, but the key after it does not match it; the "
                        "days around it stay uncovered and are looked up again. Run `kassasync ledger check`.",
                        self.config.store, seen.describe())


def spanned(years: list[FinancialYear], first: date, last: date) -> bool:
    """Whether every day from first to last falls in one of the years."""
    day = first
    for year in sorted(years, key=lambda y: y.from_date):
        if year.from_date <= day <= year.to_date:
            if year.to_date >= last:
                return True
            day = date.fromordinal(year.to_date.toordinal() + 1)
    return False
