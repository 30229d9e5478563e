"""`kassasync ledger rebuild` and `ledger check`: the ledger set right from Fortnox, or compared with it.

Fortnox is the source of truth. Every voucher kassasync posts carries its marker and idempotency key in Comments
(markers.py), so the ledger's posted records (store, business date, Z-report, series and number) can always
be read back from one voucher list per financial year and series.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from pipeline.config.model import StoreConfig
from pipeline.fortnox.models import FinancialYear
from pipeline.fortnox.protocol import FortnoxApi
from pipeline.ledger import FoundVoucher, Ledger, Mark, VoucherRecord, now
from pipeline.runner import lookup


@dataclass
class Rebuilt:
    """One store's rebuild: what Fortnox holds and what the ledger now records."""

    store: str
    first: date
    last: date
    found: int = 0
    added: list[str] = field(default_factory=list)
    corrected: list[tuple[str, str]] = field(default_factory=list)  # (key, state before)
    twice: list[str] = field(default_factory=list)  # descriptions of markers on more than one voucher
    unreadable: list[str] = field(default_factory=list)  # vouchers whose marker's key cannot be read
    read_one_by_one: int = 0
    mark: Mark | None = None


@dataclass(frozen=True)
class Checked:
    """One store's check: how many vouchers Fortnox holds with its marker, and every difference."""

    store: str
    held: int
    differences: list[Difference]


@dataclass(frozen=True)
class Difference:
    """One way the ledger and Fortnox disagree, with the fix."""

    store: str
    business_date: date | None
    key: str | None
    message: str
    hint: str


async def fortnox_years(client: FortnoxApi, first: date, last: date) -> list[FinancialYear]:
    return [y for y in await client.financial_years() if y.from_date <= last and y.to_date >= first]


async def rebuild_store(config: StoreConfig, ledger: Ledger, client: FortnoxApi, first: date, last: date,
                        series: Iterable[str] = ()) -> Rebuilt:
    """Every voucher of the store with kassasync's marker from `first` to `last` recorded `posted` with Fortnox's
    series and number; the store's mark grown over the range (unless a marker could not be read)."""
    sightings = await lookup.look_up(client, await fortnox_years(client, first, last),
                                     {config.voucher_series, *series}, first, last)
    found = sightings.of_store(config.store)
    unreadable = sightings.unreadable()
    recorded = ledger.record_found(config.store, found, None if unreadable else (first, last), now=now())
    return Rebuilt(config.store, first, last, found=len(found), added=recorded.added, corrected=recorded.corrected,
                   twice=[_twice(group) for group in sightings.twice()],
                   unreadable=[seen.describe() for seen in unreadable], read_one_by_one=sightings.read_one_by_one,
                   mark=recorded.mark)


async def check_store(config: StoreConfig, ledger: Ledger, client: FortnoxApi, first: date, last: date,
                      series: Iterable[str] = ()) -> Checked:
    """The store's vouchers in Fortnox (by marker) and in the ledger from `first` to `last`, compared."""
    codes = {config.voucher_series, *series}
    sightings = await lookup.look_up(client, await fortnox_years(client, first, last), codes, first, last)
    in_fortnox = {item.key: item for item in sightings.of_store(config.store)}
    in_ledger = {r.key: r for r in ledger.store_vouchers(config.store, from_date=first, to_date=last)}
    store = config.store
    out: list[Difference] = []
    for key, item in sorted(in_fortnox.items(), key=lambda kv: (kv[1].business_date, kv[0])):
        rebuild = f"run `kassasync ledger rebuild --store {store} --from {item.business_date}`"
        record = in_ledger.get(key)
        if record is None:
            out.append(Difference(store, item.business_date, key, f"in Fortnox as {_where(item)}, not in the ledger",
                                  rebuild))
        elif record.state != "posted":
            out.append(Difference(store, item.business_date, key, f"in Fortnox as {_where(item)}, but the ledger "
                                  f"says {record.state}", rebuild))
        elif (record.series, record.number, record.year) != (item.series, item.number, item.year):
            out.append(Difference(store, item.business_date, key, f"the ledger says posted as {_recorded(record)}, "
                                  f"Fortnox has it as {_where(item)}", rebuild))
    for key, record in sorted(in_ledger.items(), key=lambda kv: (kv[1].business_date, kv[0])):
        if key in in_fortnox or record.state not in ("posted", "pending"):
            continue
        if record.series and record.series not in codes:
            out.append(Difference(store, record.business_date, key, f"the ledger says posted as {_recorded(record)}, "
                                  f"in a series this check did not look in ({', '.join(sorted(codes))})",
                                  f"check again with `--series {record.series}` (the store's series was "
                                  f"{record.series} then)"))
        elif record.state == "pending":
            out.append(Difference(store, record.business_date, key, "pending in the ledger (its POST's outcome is "
                                  "unknown), and Fortnox has no voucher with its marker",
                                  f"nothing to do: the next `kassasync sync --store {store}` looks again and posts it"))
        else:
            out.append(Difference(store, record.business_date, key, f"the ledger says posted as {_recorded(record)}, "
                                  "but Fortnox has no voucher with its marker in series "
                                  f"{', '.join(sorted(codes))}", f"look at voucher {_recorded(record)} in Fortnox: if "
                                  "it is not this Z-report, or the store's fortnox.tenant_id points at another "
                                  "company, fix that; if the voucher was never there, run `kassasync ledger rebuild "
                                  f"--store {store} --from {record.business_date}` and then sync"))
    for group in sightings.twice():
        out.append(Difference(store, group[0].voucher.transaction_date, group[0].marker.key, _twice(group),
                              "reverse all but one of them with a correction voucher in Fortnox (vouchers cannot "
                              "be deleted)"))
    for seen in sightings.unreadable():
        out.append(Difference(store, seen.voucher.transaction_date, None, f"voucher {seen.describe()} carries "
                              "kassasync's marker, but the text after it is not the key the marker stands for",
                              "someone edited its Comments in Fortnox: compare the voucher with the day file; the "
                              "runner still recognises it by the marker"))
    return Checked(store, len(in_fortnox), out)


def _twice(group: list[lookup.Seen]) -> str:
    return (f"the marker {group[0].marker.hash} ({group[0].marker.key or 'key unreadable'}) is on "
            f"{len(group)} vouchers in Fortnox: {', '.join(seen.describe() for seen in group)}")


def _where(item: FoundVoucher) -> str:
    return f"{item.series} {item.number} (year {item.year})"


def _recorded(record: VoucherRecord) -> str:
    return f"{record.series} {record.number} (year {record.year})"
