"""The comparison (pure): the till, the ledger and Fortnox for one store and month, account by account, and every
difference with its cause and fix.

How Fortnox's vouchers are told apart:
- kassasync's: the ledger's row by the voucher's number, else its marker (of this store). One per key; a second
  voucher with the same marker is the Z-report twice, unless it mirrors the first (a reversal that kept the
  Comments).
- a reversal: a voucher whose rows are exactly the mirror of one of kassasync's vouchers of the month (Fortnox's
  Ändringsverifikation). It is counted: Fortnox's books no longer hold that day.
- booked by hand: no marker. Listed, and counted only with `--include-manual`.
- a marker of another store (or one whose key cannot be read): counted, and listed.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from pipeline.config.model import StoreConfig
from pipeline.ledger import VoucherRecord
from pipeline.reconcile import model as m
from pipeline.reconcile.fortnox_side import Entry, FortnoxMonth
from pipeline.reconcile.pos_report import PosReport
from pipeline.reconcile.till import Till, TillReport, payload_net
from pipeline.runner.corrections import is_correction

Net = dict[int, Decimal]


@dataclass
class _Sorted:
    """Fortnox's vouchers of the month, told apart (see the module docstring)."""

    ours: list[Entry] = field(default_factory=list)  # one per kassasync key
    twice: list[tuple[Entry, Entry]] = field(default_factory=list)  # (the first, the second)
    reversals: list[tuple[Entry, Entry]] = field(default_factory=list)  # (kassasync's voucher, its reversal)
    manual: list[Entry] = field(default_factory=list)
    strangers: list[Entry] = field(default_factory=list)

    def counted(self, include_manual: bool) -> list[Entry]:
        return [*self.ours, *(e for _, e in self.twice), *(e for _, e in self.reversals), *self.strangers,
                *(self.manual if include_manual else ())]


def compare(config: StoreConfig, month: m.Month, first: date, last: date, till: Till,
            records: Sequence[VoucherRecord], fortnox: FortnoxMonth, *, include_manual: bool = False,
            pos: PosReport | None = None) -> m.StoreMonth:
    store = config.store
    result = m.StoreMonth(store, config.name, month, first, last, include_manual=include_manual,
                          pos_report=pos.path if pos else None)
    found = _sort(store, fortnox.entries)
    out: list[m.Difference] = []
    out += _ours(config, found)
    out += _not_in_fortnox(config, records, fortnox.entries, first, last)
    out += _ledger_states(config, records, found)
    out += _no_voucher(config, till, records, found)
    till_days = till.by_day()
    fortnox_days = _by_day((e.day, e.net) for e in found.counted(include_manual))
    ledger_days = _by_day((r.business_date, fortnox.ledger_net[r.key]) for r in records
                          if r.state == "posted" and r.key in fortnox.ledger_net)
    result.accounts = _accounts(config, till_days, ledger_days, fortnox_days, pos)
    out += [_manual(store, entry, include_manual) for entry in found.manual]
    out += _account_differences(store, result.accounts, out)
    if pos is not None:
        out += _pos_differences(config, result.accounts, till_days, first, last, pos)
    order = {kind: n for n, kind in enumerate(m.KINDS)}
    result.differences = sorted(out, key=lambda d: (order[d.kind], d.day or date.min, d.voucher or "", d.key or ""))
    result.counts = m.Counts(
        till_reports=len(till.reports), till_files=till.files,
        ledger_posted=sum(1 for r in records if r.state == "posted"), fortnox_vouchers=len(fortnox.entries),
        fortnox_kassasync=len(found.ours) + len(found.twice), manual=len(found.manual),
        read_one_by_one=fortnox.read_one_by_one)
    return result


def _sort(store: str, entries: Sequence[Entry]) -> _Sorted:
    found = _Sorted()
    by_key: dict[str, list[Entry]] = {}
    loose: list[Entry] = []
    for entry in sorted(entries, key=lambda e: (e.listed.year, e.listed.voucher_series, e.listed.voucher_number)):
        key = entry.key_of(store)
        if key is not None:
            by_key.setdefault(key, []).append(entry)
        elif entry.found:
            found.strangers.append(entry)
        else:
            loose.append(entry)
    for same in by_key.values():
        first = next((e for e in same if e.record is not None and _is_recorded(e)), same[0])
        found.ours.append(first)
        for other in same:
            if other is first:
                continue
            if _mirrors(other.net, first.net):
                found.reversals.append((first, other))
            else:
                found.twice.append((first, other))
    reversed_already = {id(original) for original, _ in found.reversals}
    for entry in loose:
        original = next((o for o in found.ours if id(o) not in reversed_already and _mirrors(entry.net, o.net)), None)
        if original is None:
            found.manual.append(entry)
        else:
            reversed_already.add(id(original))
            found.reversals.append((original, entry))
    return found


def _is_recorded(entry: Entry) -> bool:
    r, v = entry.record, entry.listed
    return r is not None and (r.year, r.series, r.number) == (v.year, v.voucher_series, v.voucher_number)


def _mirrors(one: Net, other: Net) -> bool:
    accounts = {a for a, x in one.items() if x} | {a for a, x in other.items() if x}
    return bool(accounts) and all(one.get(a, Decimal(0)) == -other.get(a, Decimal(0)) for a in accounts)


def _by_day(items: Iterable[tuple[date, Net]]) -> dict[date, Net]:
    days: dict[date, Net] = {}
    for day, net in items:
        into = days.setdefault(day, {})
        for account, amount in net.items():
            into[account] = into.get(account, Decimal(0)) + amount
    return days


def _ours(config: StoreConfig, found: _Sorted) -> list[m.Difference]:
    store, out = config.store, []
    rebuild = f"run `kassasync ledger rebuild --store {store} --from {{day}}`"
    for entry in found.ours:
        record, key = entry.record, entry.key_of(store)
        if record is None:
            out.append(m.Difference(m.NOT_IN_LEDGER, entry.day, f"{entry.where} of {entry.day} carries kassasync's "
                       "marker, and the ledger does not know it", "posted through another ledger (one restored from a "
                       "backup, or a second runner with a ledger of its own), or the ledger lost it",
                       rebuild.format(day=entry.day), voucher=entry.where, key=key, amount=entry.total))
        elif record.state == "pending":
            out.append(m.Difference(m.PENDING, entry.day, f"{entry.where} of {entry.day} is in Fortnox; the ledger "
                       "still says its POST's outcome is unknown", "a sync was interrupted or lost the answer",
                       f"run `kassasync sync --store {store}`: it finds the voucher by its marker and records it "
                       "(nothing is posted twice)", voucher=entry.where, key=key, amount=entry.total))
        elif record.state != "posted" or not _is_recorded(entry):
            says = (record.state if record.state != "posted" else
                    f"it is posted as {record.series} {record.number} (year {record.year})")
            out.append(m.Difference(m.NOT_IN_LEDGER, entry.day, f"{entry.where} of {entry.day} is in Fortnox; the "
                       f"ledger says {says}", "the ledger and Fortnox disagree",
                       rebuild.format(day=entry.day), voucher=entry.where, key=key, amount=entry.total))
        else:
            changes = _changes(entry)
            if changes:
                out.append(m.Difference(
                    m.CHANGED, entry.day, f"{entry.where} of {entry.day} was changed in Fortnox after it was posted: "
                    + "; ".join(changes), "someone changed the voucher in Fortnox (Ändra: rows struck and rows added)",
                    "if the change is right, the day file is not: nothing to do in Fortnox, and the difference stays "
                    "in this report; if it is wrong, change the voucher back in Fortnox (or reverse it and book the "
                    "day again by hand). The figures here use the voucher as Fortnox holds it now",
                    tuple(sorted(_differing(_expected(entry) or {}, entry.net))), entry.where, key, entry.total))
    for first, second in found.twice:
        out.append(m.Difference(m.TWICE, second.day, f"{first.where} and {second.where} carry the same marker: the "
                   f"Z-report of {first.day} is in Fortnox twice", "posted twice (through two ledgers), or the "
                   "voucher was copied in Fortnox", "reverse one of them in Fortnox with an Ändringsverifikation "
                   "(a voucher cannot be deleted), then run reconcile again", voucher=second.where,
                   key=second.key_of(store), amount=second.total))
    for original, reversal in found.reversals:
        out.append(m.Difference(m.REVERSED, original.day, f"{original.where} of {original.day} is reversed by "
                   f"{reversal.where} ({reversal.day}): together they book nothing", "someone reversed the voucher "
                   "in Fortnox (Ändringsverifikation)", "if the day was booked again by hand, run reconcile with "
                   "--include-manual to count that voucher; if the reversal is a mistake, book the day again in "
                   "Fortnox (kassasync never posts a Z-report twice)", tuple(sorted(a for a, x in original.net.items()
                                                                                  if x)),
                   original.where, original.key_of(store), original.total))
    for entry in found.strangers:
        keys = ", ".join(mk.key or f"a marker whose key cannot be read ({mk.hash})" for mk in entry.found)
        out.append(m.Difference(m.NOT_IN_LEDGER, entry.day, f"{entry.where} of {entry.day} carries kassasync's "
                   f"marker of {keys}, not of store {store}", "another store's voucher in this company's Fortnox, "
                   "or Comments edited by hand", f"check fortnox.tenant_id of the store named in the marker; run "
                   f"`kassasync ledger check --store {store} --from {entry.day} --to {entry.day}`",
                   voucher=entry.where, amount=entry.total))
    return out


def _expected(entry: Entry) -> Net | None:
    """The rows the voucher had when it was posted (or last read), as the ledger knows them."""
    if entry.posted_as is not None:
        return entry.posted_as.net()
    if entry.record is not None and entry.record.payload:
        return payload_net(entry.record.payload)
    return None


def _changes(entry: Entry) -> list[str]:
    """What differs between the voucher as posted and as Fortnox holds it now."""
    changes: list[str] = []
    v, before = entry.listed, entry.posted_as
    if before is not None:
        if v.description != before.description:
            changes.append(f"description \"{before.description}\" is now \"{v.description}\"")
        if v.transaction_date != before.transaction_date:
            changes.append(f"date {before.transaction_date} is now {v.transaction_date}")
    elif entry.record is not None and entry.record.payload:
        sent = json.loads(entry.record.payload)
        if v.description != sent["description"]:
            changes.append(f"description \"{sent['description']}\" is now \"{v.description}\"")
    if not entry.found and (v.comments is not None or entry.read is not None):
        changes.append("its Comments no longer carry kassasync's marker")
    expected = _expected(entry)
    if entry.read is not None and expected is not None:
        for account in sorted(_differing(expected, entry.net)):
            changes.append(f"account {account} {m.money(expected.get(account, Decimal(0)))} is now "
                           f"{m.money(entry.net.get(account, Decimal(0)))}")
        struck = sum(1 for row in entry.read.rows if row.removed)
        if struck and not _differing(expected, entry.net):
            changes.append(f"{struck} row(s) struck and booked again with the same amounts")
    return changes


def _differing(one: Net, other: Net) -> set[int]:
    return {a for a in set(one) | set(other) if one.get(a, Decimal(0)) != other.get(a, Decimal(0))}


def _not_in_fortnox(config: StoreConfig, records: Sequence[VoucherRecord], entries: Sequence[Entry], first: date,
                    last: date) -> list[m.Difference]:
    listed = {(e.listed.year, e.listed.voucher_series, e.listed.voucher_number) for e in entries}
    keys = {e.record.key for e in entries if e.record is not None}
    out = []
    for record in records:
        if record.state != "posted" or record.key in keys or (record.year, record.series, record.number) in listed:
            continue
        where = f"{record.series} {record.number} (year {record.year})"
        out.append(m.Difference(m.NOT_IN_FORTNOX, record.business_date, f"the ledger says the Z-report "
                   f"{record.ver_id} of {record.business_date} is posted as {where}; Fortnox's series {record.series} "
                   f"has no such voucher from {first} to {last}", "the voucher was deleted in Fortnox (the last one of "
                   "a series can be) or dated into another month, or the store's fortnox.tenant_id points at another "
                   "company", f"look for {where} in Fortnox; if it is gone, book the day again from its day file (or "
                   f"run `kassasync ledger check --store {config.store} --from {record.business_date} --to "
                   f"{record.business_date}`, which says more)", voucher=where, key=record.key))
    return out


def _ledger_states(config: StoreConfig, records: Sequence[VoucherRecord], found: _Sorted) -> list[m.Difference]:
    in_fortnox = {e.record.key for e in found.ours if e.record is not None}
    sync = f"run `kassasync sync --store {config.store}`"
    out = []
    for record in records:
        if record.state == "held":
            out.append(m.Difference(m.HELD, record.business_date, record.error_message or "a re-export is held",
                       "the POS exported the day again after it was posted, with other amounts",
                       record.error_hint or f"`kassasync correct --store {config.store} --date {record.business_date}`",
                       key=record.key))
        elif is_correction(record.key) and record.state in ("planned", "pending", "failed"):
            why = f" ({record.error_code} {record.error_message})" if record.state == "failed" else ""
            out.append(m.Difference(m.CORRECTION, record.business_date, f"the correction voucher of the Z-report "
                       f"{record.ver_id} of {record.business_date} is decided and not in Fortnox yet{why}",
                       "a correction is posted by the next sync after the decision",
                       record.error_hint if record.state == "failed" and record.error_hint else sync, key=record.key))
        elif record.state == "pending" and record.key not in in_fortnox:
            out.append(m.Difference(m.PENDING, record.business_date, f"the outcome of the POST of {record.key} is not "
                       "known yet, and Fortnox's list does not show it", "a sync was interrupted or lost the answer",
                       f"{sync}: it looks for the voucher first and posts it only if Fortnox does not have it",
                       key=record.key))
    return out


def _no_voucher(config: StoreConfig, till: Till, records: Sequence[VoucherRecord], found: _Sorted) -> list[m.Difference]:
    """Z-reports with sales in the till and no voucher of kassasync's for them in Fortnox."""
    covered = set()
    for entry in found.ours:
        key = entry.key_of(config.store) or ""
        parts = key.split("/", 3)
        if len(parts) == 4:
            covered.add((parts[1], parts[3].removesuffix("/correction")))
    by_key = {r.key: r for r in records}
    out = []
    for report in till.reports:
        if (report.business_date.isoformat(), report.ver_id) in covered or not any(report.amounts.values()):
            continue
        record = by_key.get(report.key) or next((r for r in records if r.business_date == report.business_date
                                                 and r.ver_id == report.ver_id), None)
        if record is not None and record.state == "posted":
            continue  # said as "posted, not in Fortnox"
        cause, fix = _why_not_posted(config, report, record)
        total = sum((x for x in report.amounts.values() if x > 0), Decimal(0))
        out.append(m.Difference(m.NO_VOUCHER, report.business_date, f"the Z-report {report.ver_id.lstrip(':')} of "
                   f"{report.business_date} ({report.file}, line {report.line}) has sales of {m.money(total)}, and "
                   "Fortnox has no voucher for it", cause, fix, tuple(sorted(a for a, x in report.amounts.items() if x)),
                   key=report.key, amount=total))
    return out


def _why_not_posted(config: StoreConfig, report: TillReport, record: VoucherRecord | None) -> tuple[str, str]:
    sync = f"run `kassasync sync --store {config.store}`"
    if record is None:
        return (f"the day file was never read by `kassasync sync` ({report.how})",
                f"{sync}; if it waits to settle, check that the till has finished writing it")
    if record.state == "failed":
        return (f"it failed: {record.error_code} {record.error_message}", record.error_hint or sync)
    if record.state == "held":
        return (record.error_message or "held", record.error_hint or sync)
    if record.state in ("planned", "pending"):
        return ("it is read and not posted yet" if record.state == "planned" else
                "its POST's outcome is being checked", sync)
    return (f"it was skipped: {record.error_code} {record.error_message}", record.error_hint or "nothing to do")


def _accounts(config: StoreConfig, till: Mapping[date, Net], ledger: Mapping[date, Net], fortnox: Mapping[date, Net],
              pos: PosReport | None) -> list[m.AccountLine]:
    def total(days: Mapping[date, Net], account: int) -> Decimal:
        return sum((net.get(account, Decimal(0)) for net in days.values()), Decimal(0))

    accounts = {a for days in (till, ledger, fortnox) for net in days.values() for a in net}
    accounts |= set(pos.amounts) if pos else set()
    lines = []
    for account in sorted(accounts):
        days = tuple(m.DayAmounts(day, till.get(day, {}).get(account, Decimal(0)),
                                  fortnox.get(day, {}).get(account, Decimal(0)))
                     for day in sorted(set(till) | set(fortnox))
                     if till.get(day, {}).get(account, Decimal(0)) != fortnox.get(day, {}).get(account, Decimal(0)))
        lines.append(m.AccountLine(account, config.accounts.get(account, ""), total(till, account),
                                   total(ledger, account), total(fortnox, account),
                                   pos.amounts.get(account, Decimal(0)) if pos else None, days))
    return [line for line in lines if line.till or line.ledger or line.fortnox or line.pos_report]


def _account_differences(store: str, accounts: Sequence[m.AccountLine],
                         found: Sequence[m.Difference]) -> list[m.Difference]:
    """Accounts whose month total differs between the till and Fortnox, one difference per set of days that
    explains them (a reversed day moves every account of its voucher: said once, with each account's figures)."""
    by_day: dict[date, set[str]] = {}
    for difference in found:
        if difference.day is not None:
            by_day.setdefault(difference.day, set()).add(difference.title)
    groups: dict[tuple[date, ...], list[m.AccountLine]] = {}
    for line in accounts:
        if line.till != line.fortnox:
            groups.setdefault(tuple(d.day for d in line.days), []).append(line)
    out = []
    for days, lines in groups.items():
        figures = "; ".join(f"account {line.account}{' ' + line.name if line.name else ''}: the till "
                            f"{m.money(line.till)}, Fortnox {m.money(line.fortnox)}, difference {m.money(line.difference)}"
                            for line in lines)
        if len(lines) == 1:
            explain = "; ".join(f"{d.day} (till {m.money(d.till)}, Fortnox {m.money(d.fortnox)}"
                                + (f": {', '.join(sorted(by_day[d.day]))})" if d.day in by_day else ")")
                                for d in lines[0].days)
        else:
            explain = "; ".join(f"{day}" + (f" ({', '.join(sorted(by_day[day]))})" if day in by_day else "")
                                for day in days)
        explained = all(day in by_day for day in days)
        out.append(m.Difference(m.ACCOUNT, days[0] if len(days) == 1 else None, figures,
                   "the day(s) that explain it: " + explain,
                   "see the differences of those days" if explained else "compare those days' vouchers in Fortnox "
                   f"with the day files (`kassasync sie map --store {store} FILE` shows what a file maps to)",
                   tuple(line.account for line in lines),
                   amount=sum((line.difference for line in lines), Decimal(0)) if len(lines) == 1 else None))
    return out


def _pos_differences(config: StoreConfig, accounts: Sequence[m.AccountLine], till: Mapping[date, Net], first: date,
                     last: date, pos: PosReport) -> list[m.Difference]:
    without = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    without = [day for day in without if day not in till]
    missing = (", ".join(str(d) for d in without[:10]) + (f" and {len(without) - 10} more" if len(without) > 10 else "")
               if without else "none")
    out = []
    for line in accounts:
        if line.pos_report is None or line.pos_report == line.till:
            continue
        out.append(m.Difference(m.POS_REPORT, None, f"account {line.account}: the POS's account report "
                   f"{m.money(line.pos_report)}, the day files {m.money(line.till)}, difference "
                   f"{m.money(line.pos_report - line.till)}", "the till did not export every day, or the report "
                   f"covers another period; days from {first} to {last} without a day file: {missing}",
                   f"export the missing day(s) from the POS (its Z-report as a SIE file) into the inbox folder "
                   f"{config.store}/, run `kassasync sync`, then reconcile again", (line.account,),
                   amount=line.pos_report - line.till))
    return out


def _manual(store: str, entry: Entry, counted: bool) -> m.Difference:
    accounts = tuple(sorted(a for a, x in entry.net.items() if x))
    kept = ("it is counted in Fortnox's figures here (--include-manual)" if counted else
            "it is kept out of the comparison; `--include-manual` counts it")
    return m.Difference(m.MANUAL, entry.day, f"{entry.where} of {entry.day} \"{entry.listed.description}\": "
                        f"{m.money(entry.total)} on account(s) {', '.join(str(a) for a in accounts)}, without "
                        "kassasync's marker", "booked by hand in Fortnox, in the series kassasync posts to",
                        f"nothing to do if it belongs there ({kept}); if it books the till's sales of a day, that day "
                        f"is in Fortnox twice for store {store}: reverse one of the two", accounts, entry.where,
                        amount=entry.total)
