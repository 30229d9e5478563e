"""Turns (stores, ledger days, ledger files, last plan, today) into a StatusModel; pure, no I/O, no clock.

Decisions (documented in docs/report.md):
- A business day is due the day after: today and later are "not yet due" unless something already arrived.
- "Missing" means no day file arrived for a day between the store's start_date and yesterday. Once a store
  has delivered, only days from its first delivered day on count as missing; the days between start_date
  and the first file are one "before first file" gap, said once (old days are usually a backfill question,
  not a nightly alarm). A store that has never delivered has its whole range since start_date missing.
- A quarantined file whose name holds a date (`Z412_20261123.se`, `2026-11-23.si`) makes that day "failed"
  with the quarantine note as the reason; a quarantined file without a date in its name is listed apart.
- `planned` vouchers (read, not posted yet) and `pending` ones (outcome being checked) both show as waiting.
- A re-export after posting (`held`, KS312) makes its day "re-export held": it needs a decision
  (`kassasync correct`), so the store needs attention.
- A day before start_date that a day file arrived for is "before start" (never posted unless a person asks,
  KS306), never missing; it does not count as the store's first delivered day either.
- A file still in the inbox (not read by a sync yet) whose name holds a date makes that day waiting, not
  missing: the file did arrive. The ledger's view of a day wins over the file's name.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta

from pipeline.ledger import DayStatus, FileRecord
from pipeline.report.model import (
    BEFORE_START,
    FAILED,
    HELD,
    MISSING,
    NOT_STARTED,
    NOT_YET_DUE,
    PENDING,
    POSTED,
    SKIPPED,
    DayCell,
    DayRange,
    PlanRecord,
    SettlingFile,
    StatusModel,
    StoreInfo,
    StoreStatus,
    UndatedFile,
)

DEFAULT_WINDOW = 14
_LEDGER_STATES = {"posted": POSTED, "failed": FAILED, "held": HELD, "pending": PENDING, "planned": PENDING,
                  "skipped": SKIPPED}
Where = Mapping[tuple[str, date], tuple[str, int]]  # (store, business date) -> (day file, line) of its problem
_DATE_IN_NAME = re.compile(r"(?<!\d)(20\d\d)-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?!\d)")


def date_in_name(name: str) -> date | None:
    """The business date a day file's name carries (yyyymmdd or yyyy-mm-dd), if any."""
    for match in _DATE_IN_NAME.finditer(name):
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:  # 2026-02-30 and the like: not a date, keep looking
            continue
    return None


def to_ranges(days: Iterable[date]) -> list[DayRange]:
    """Consecutive days folded into ranges, oldest first."""
    ranges: list[DayRange] = []
    for day in sorted(set(days)):
        if ranges and ranges[-1].last + timedelta(days=1) == day:
            ranges[-1] = DayRange(ranges[-1].first, day)
        else:
            ranges.append(DayRange(day, day))
    return ranges


def window_days(today: date, days: int) -> tuple[date, ...]:
    """The `days` business days ending today, oldest first."""
    return tuple(today - timedelta(days=n) for n in range(days - 1, -1, -1))


def cell_from_ledger(day: DayStatus, where: tuple[str, int] | None = None,
                     start_date: date | None = None) -> DayCell:
    state = _LEDGER_STATES.get(day.state, PENDING)
    message, fix = day.error_message, day.error_hint
    if state == PENDING and not message:
        message = "read, not posted yet: the next sync posts it"
    if state == SKIPPED and start_date is not None and day.business_date < start_date:
        state = BEFORE_START
        message = (f"a day file arrived for {day.business_date}, before start_date {start_date}: not posted (KS306)")
        fix = (f"nothing to do if the day is booked another way; to post it after all: `kassasync sync "
               f"--retry-failed --store {day.store} --date {day.business_date}`")
    file, line = where or (None, 0)
    return DayCell(day=day.business_date, state=state, vouchers=day.vouchers, posted=day.posted,
                   failed=day.failed, code=day.error_code, message=message, fix=fix,
                   permanent=day.error_permanent, fortnox=day.fortnox, file=file, line=line)


def unread_cell(store: str, day: date, name: str, settling: str | None = None) -> DayCell:
    if settling:
        return DayCell(day=day, state=PENDING, message=f"day file {name} is in the inbox, {settling}",
                       fix="nothing to do: a sync reads it once it has settled", file=f"{store}/{name}")
    return DayCell(day=day, state=PENDING, message=f"day file {name} is in the inbox, not read yet",
                   fix=f"the next sync reads it; `kassasync sync --store {store}` reads it now", file=f"{store}/{name}")


def missing_cell(store: str, day: date) -> DayCell:
    return DayCell(day=day, state=MISSING, message=f"no day file arrived for {day.isoformat()}",
                   fix=(f"check that the POS closed the day (Z-report) and wrote its SIE file, and that the file "
                        f"reached the inbox folder {store}/; the next sync reads it"))


def cell_from_quarantine(store: str, day: date, record: FileRecord) -> DayCell:
    reason = (record.note or "it could not be read").strip().splitlines()[0]
    return DayCell(
        day=day, state=FAILED, code="quarantined",
        message=f"day file {record.name} could not be read: {reason}",
        fix=quarantine_fix(store, record.path), permanent=True)


def quarantine_fix(store: str, path: str) -> str:
    return (f"read the note {path}.why.txt: it says what is wrong and what to do (often: export the day again "
            f"from the POS); to release the file after the fix, move it back into the inbox folder {store}/, "
            "and the next sync reads it again")


def build_status(stores: Sequence[StoreInfo], days: Sequence[DayStatus], files: Sequence[FileRecord],
                 today: date, *, window: int = DEFAULT_WINDOW, plan: PlanRecord | None = None,
                 generated_at: datetime | None = None,
                 inbox: Mapping[str, Sequence[str]] | None = None, where: Where | None = None,
                 settling: Mapping[str, Sequence[SettlingFile]] | None = None) -> StatusModel:
    """The whole status: one StoreStatus per store (in the order given), the grid's window ending today.

    `inbox` maps a store id to the names of the day files waiting in its inbox folder; `where` names the day
    file and line of each failed or held day; `settling` lists per store the files not settled yet.
    """
    by_store: dict[str, list[DayStatus]] = {}
    for day in days:
        by_store.setdefault(day.store, []).append(day)
    files_by_store: dict[str, list[FileRecord]] = {}
    for record in files:
        files_by_store.setdefault(record.store, []).append(record)
    shown = window_days(today, window)
    result = tuple(
        store_status(info, by_store.get(info.store, []), files_by_store.get(info.store, []), today, shown,
                     plan, (inbox or {}).get(info.store, ()), where or {}, (settling or {}).get(info.store, ()))
        for info in stores)
    return StatusModel(today=today, window=shown, stores=result, plan=plan, generated_at=generated_at)


def store_status(info: StoreInfo, days: Sequence[DayStatus], files: Sequence[FileRecord], today: date,
                 shown: Sequence[date], plan: PlanRecord | None = None,
                 inbox_names: Sequence[str] = (), where: Where | None = None,
                 settling: Sequence[SettlingFile] = ()) -> StoreStatus:
    """One store: its cells in the window, and every failed, waiting and missing day of its history."""
    located = where or {}
    cells = {d.business_date: cell_from_ledger(d, located.get((info.store, d.business_date)), info.start_date)
             for d in days}
    undated: list[UndatedFile] = []
    for record in files:
        if record.state != "quarantined":
            continue
        day = date_in_name(record.name)
        if day is None:
            undated.append(UndatedFile(record.name, record.path, record.note))
        elif day not in cells:
            cells[day] = cell_from_quarantine(info.store, day, record)
    young = {f.name: f.reason for f in settling}
    for name in inbox_names:
        day = date_in_name(name)
        if day is not None and day not in cells:
            cells[day] = unread_cell(info.store, day, name, young.get(name))
    delivered = [d for d in cells if info.start_date is None or d >= info.start_date]
    first_file_day = min(delivered) if delivered else None
    start = info.start_date or first_file_day
    yesterday = today - timedelta(days=1)
    missing_from = _missing_from(start, first_file_day)
    missing = [] if missing_from is None else [
        missing_from + timedelta(days=n) for n in range((yesterday - missing_from).days + 1)
        if missing_from + timedelta(days=n) not in cells]
    not_started = None
    if start and first_file_day and start < first_file_day and start <= yesterday:
        not_started = DayRange(start, min(first_file_day - timedelta(days=1), yesterday))
    by_age = sorted(cells.values(), key=lambda c: c.day, reverse=True)
    posted = [c.day for c in cells.values() if c.state == POSTED]
    return StoreStatus(
        info=info,
        last_posted_day=max(posted) if posted else None,
        first_file_day=first_file_day,
        cells=tuple(_cell(info.store, day, cells, missing_from, today) for day in shown),
        failed=tuple(c for c in by_age if c.state == FAILED),
        held=tuple(c for c in by_age if c.state == HELD),
        before_start=tuple(c for c in by_age if c.state == BEFORE_START),
        settling=tuple(settling),
        pending=tuple(c for c in by_age if c.state == PENDING),
        missing=tuple(reversed(to_ranges(missing))),
        not_started=not_started,
        undated=tuple(undated),
        drift=plan.stores.get(info.store) if plan else None,
        posted_days=len(posted),
        inbox_files=len(inbox_names),
    )


def _missing_from(start: date | None, first_file_day: date | None) -> date | None:
    """The first day that counts as missing when no file came: see the module docstring."""
    if start is None:
        return None
    if first_file_day is None:
        return start
    return max(start, first_file_day)


def _cell(store: str, day: date, cells: dict[date, DayCell], missing_from: date | None, today: date) -> DayCell:
    if day in cells:
        return cells[day]
    if day >= today:
        return DayCell(day=day, state=NOT_YET_DUE)
    if missing_from is not None and day >= missing_from:
        return missing_cell(store, day)
    return DayCell(day=day, state=NOT_STARTED)
