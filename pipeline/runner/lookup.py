"""Finding kassasync's vouchers in Fortnox by marker: one voucher list per financial year, series and date range;
where the list's items leave out Comments, each voucher of the same series on the dates in question is read.

Used before the first POST of a day the ledger's mark does not cover, after an uncertain POST (a `pending`
voucher), and by `kassasync ledger rebuild` and `ledger check`. Which case applies is read from the list
itself, item by item (the Comments key absent), never from configuration.
"""
from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from pipeline.fortnox.models import FinancialYear, Voucher
from pipeline.fortnox.protocol import FortnoxApi
from pipeline.ledger import FoundVoucher, Mark
from pipeline.runner import markers

log = logging.getLogger("kassasync.runner")
NEAR = timedelta(days=30)  # uncovered days this close together (or to the mark, or to today) are looked up at once


@dataclass(frozen=True)
class Seen:
    """A voucher in Fortnox and a marker in its Comments."""

    voucher: Voucher
    marker: markers.Marker

    def found(self, key: str | None = None) -> FoundVoucher:
        key = key or self.marker.key
        assert key is not None
        text = f"KS2-{self.marker.kind}-{self.marker.hash}" if self.marker.version == 2 else f"KS-{self.marker.hash}"
        v = self.voucher
        return FoundVoucher(key, self.marker.kind, text, v.transaction_date, v.voucher_series, v.voucher_number,
                            v.year)

    def describe(self) -> str:
        v = self.voucher
        return f"{v.voucher_series} {v.voucher_number} (year {v.year}, {v.transaction_date})"


@dataclass
class Sightings:
    """Every marker found by a look-up, by hash; `read_one_by_one`: vouchers read because the list left out Comments."""

    by_hash: dict[str, list[Seen]] = field(default_factory=dict)
    read_one_by_one: int = 0

    def add(self, seen: Seen) -> None:
        same = self.by_hash.setdefault(seen.marker.hash, [])
        if not any(s.voucher == seen.voucher for s in same):  # one voucher may carry the same marker twice
            same.append(seen)

    def first(self, digest: str) -> Seen | None:
        found = self.by_hash.get(digest)
        return min(found, key=lambda s: (s.voucher.year, s.voucher.voucher_series, s.voucher.voucher_number)) \
            if found else None

    def twice(self) -> list[list[Seen]]:
        """Markers on more than one voucher: a Z-report in Fortnox twice, which a person must reverse."""
        return [found for found in self.by_hash.values() if len(found) > 1]

    def unreadable(self) -> list[Seen]:
        """Markers whose key cannot be read back (the text after the marker is not the key its hash names)."""
        return [found[0] for found in self.by_hash.values() if found[0].marker.key is None]

    def of_store(self, store: str) -> list[FoundVoucher]:
        """The vouchers whose marker names a key of this store (the first of each, where one is there twice)."""
        out: list[FoundVoucher] = []
        for digest in self.by_hash:
            first = self.first(digest)
            if first is not None and first.marker.key is not None and first.marker.key.split("/", 1)[0] == store:
                out.append(first.found())
        return out


async def look_up(client: FortnoxApi, years: Sequence[FinancialYear], series: Iterable[str], first: date, last: date,
                  dates: Collection[date] | None = None) -> Sightings:
    """Every voucher with a kassasync marker in these series from `first` to `last` (both included): one list per
    financial year and series (Fortnox pages it by 500). Where an item has no Comments key, the voucher is read
    (GET) when its date is one of `dates` (None: any date of the range)."""
    sightings = Sightings()
    for year in years:
        lo, hi = max(first, year.from_date), min(last, year.to_date)
        if lo > hi:
            continue
        for code in sorted(set(series)):
            for voucher in await client.vouchers(year.id, series=code, from_date=lo, to_date=hi):
                if voucher.comments is None:  # this list leaves Comments out: the voucher itself has them
                    if dates is not None and voucher.transaction_date not in dates:
                        continue
                    voucher = await client.voucher(year.id, voucher.voucher_series, voucher.voucher_number)
                    sightings.read_one_by_one += 1
                for found in markers.read(voucher.comments):
                    sightings.add(Seen(voucher, found))
    return sightings


@dataclass(frozen=True)
class Span:
    """Days to look up at once; `grows_mark`: the look-up may set or extend the store's mark over all of them."""

    first: date
    last: date
    grows_mark: bool


def spans(days: Iterable[date], mark: Mark | None, today: date) -> list[Span]:
    """The look-ups for the uncovered days of a store's work: each group of days close together is one span.

    Without a mark, the newest group reaches to today and sets the mark: it must also see what a lost ledger may
    have posted after the newest day at hand. A group just before the mark's start reaches to it, so the mark
    moves back over it. Any other group is looked up on its own and leaves the mark as it is: a file from long
    ago costs a look-up of its own days, not of everything in between.
    """
    groups: list[list[date]] = []
    for day in sorted(set(days)):
        if groups and day - groups[-1][-1] <= NEAR:
            groups[-1].append(day)
        else:
            groups.append([day])
    out: list[Span] = []
    for group in groups:
        lo, hi = group[0], group[-1]
        if mark is None and group is groups[-1]:
            out.append(Span(lo, max(hi, today), True))
        elif mark is not None and mark.from_date - hi <= NEAR and hi < mark.from_date:
            out.append(Span(lo, mark.from_date - timedelta(days=1), True))
        else:
            out.append(Span(lo, hi, False))
    return out

