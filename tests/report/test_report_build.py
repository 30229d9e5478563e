"""The pure status model: day states, missing days, quarantined files, drift, from plain data."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from pipeline.ledger import DayStatus, FileRecord
from pipeline.report.build import build_status, date_in_name, store_status, to_ranges, window_days
from pipeline.report.model import DayRange, StoreInfo
from pipeline.report.plan_record import parse_plan

TODAY = date(2026, 11, 28)
SHOP = StoreInfo("shop", "Shop AB", date(2026, 11, 10))
STAMP = datetime(2026, 11, 28, 5, 0)


def day(n: int, state: str = "posted", **kw: object) -> DayStatus:
    values: dict[str, object] = {"vouchers": 1, "posted": 1 if state == "posted" else 0,
                                 "failed": 1 if state == "failed" else 0}
    values.update(kw)
    return DayStatus(store="shop", business_date=date(2026, 11, n), state=state, **values)  # type: ignore[arg-type]


def quarantined(name: str, note: str = "line 3: not an SIE label") -> FileRecord:
    return FileRecord(store="shop", digest=name, path=f"inbox/quarantine/shop/{name}", name=name,
                      state="quarantined", note=note, voucher_count=0, first_seen_at=STAMP, updated_at=STAMP)


def states(status, first: int, last: int) -> list[str]:  # type: ignore[no-untyped-def]
    by_day = {c.day: c.state for c in status.cells}
    return [by_day[date(2026, 11, n)] for n in range(first, last + 1)]


def shop(days: list[DayStatus], files: list[FileRecord] | None = None, info: StoreInfo = SHOP,  # type: ignore[no-untyped-def]
         inbox_names: tuple[str, ...] | list[str] = ()):
    return store_status(info, days, files or [], TODAY, window_days(TODAY, 28), inbox_names=inbox_names)


def test_posted_failed_missing_and_not_yet_due() -> None:
    status = shop([day(20), day(21, "failed", error_code="KS304", error_message="VAT 12 %", error_hint="set 6 %"),
                   day(23), day(24, "planned"), day(25, "pending")])
    assert states(status, 19, 28) == ["not_started", "posted", "failed", "missing", "posted", "pending",
                                      "pending", "missing", "missing", "not_yet_due"]
    assert status.last_posted_day == date(2026, 11, 23) and status.posted_days == 2
    assert [(c.day.day, c.code, c.fix) for c in status.failed] == [(21, "KS304", "set 6 %")]
    assert [str(r) for r in status.missing] == ["2026-11-26 – 2026-11-27", "2026-11-22"]
    assert status.missing_days == 3
    assert status.not_started == DayRange(date(2026, 11, 10), date(2026, 11, 19))
    assert [c.day.day for c in status.pending] == [25, 24]
    assert "not posted yet" in (status.pending[1].message or "")
    assert status.needs_attention


def test_a_store_that_never_delivered_is_missing_since_start_date() -> None:
    status = shop([])
    assert status.missing == (DayRange(date(2026, 11, 10), date(2026, 11, 27)),)
    assert status.not_started is None and status.first_file_day is None and status.last_posted_day is None
    assert states(status, 9, 10) == ["not_started", "missing"] and states(status, 28, 28) == ["not_yet_due"]


def test_a_store_starting_in_the_future_has_nothing_missing() -> None:
    status = shop([], info=StoreInfo("shop", "Shop AB", date(2026, 12, 1)))
    assert status.missing == () and not status.needs_attention
    assert set(states(status, 1, 27)) == {"not_started"}


def test_a_day_delivered_today_shows_its_state_not_not_yet_due() -> None:
    status = shop([day(27), day(28)])
    assert states(status, 27, 28) == ["posted", "posted"] and status.missing == ()


def test_quarantined_files_fail_their_day_or_are_listed_when_undated() -> None:
    status = shop([day(20), day(21)], [quarantined("Z9_20261122.se"), quarantined("Z8_20261121.se"),
                                       quarantined("export.se", "no #FLAGGA")])
    assert states(status, 21, 22) == ["posted", "failed"]  # the ledger's day wins over a bad second copy
    failed = status.failed[0]
    assert failed.code == "quarantined" and "Z9_20261122.se could not be read: line 3" in (failed.message or "")
    assert "inbox/quarantine/shop/Z9_20261122.se.why.txt" in (failed.fix or "")
    assert [f.name for f in status.undated] == ["export.se"]
    assert status.first_file_day == date(2026, 11, 20)


def test_ledger_only_store_counts_missing_from_its_first_day() -> None:
    status = shop([day(25)], info=StoreInfo("shop", "shop", None, configured=False))
    assert [str(r) for r in status.missing] == ["2026-11-26 – 2026-11-27"] and status.not_started is None


@pytest.mark.parametrize(("name", "expected"), [
    ("Z412_20261123.se", date(2026, 11, 23)), ("dagsrapport_2026-11-24.SI", date(2026, 11, 24)),
    ("kassa 20261131 20261130.se", date(2026, 11, 30)), ("export.se", None), ("Z120261123.se", None),
])
def test_date_in_name(name: str, expected: date | None) -> None:
    assert date_in_name(name) == expected


def test_ranges_and_window() -> None:
    days = [date(2026, 11, n) for n in (5, 1, 2, 3, 7, 3)]
    assert [str(r) for r in to_ranges(days)] == ["2026-11-01 – 2026-11-03", "2026-11-05", "2026-11-07"]
    assert window_days(TODAY, 3) == (TODAY - timedelta(days=2), TODAY - timedelta(days=1), TODAY)


def test_plan_drift_attaches_per_store_and_rejects_other_json() -> None:
    plan = parse_plan({"format": 1, "stores": [
        {"store": "shop", "status": "changes", "changes": [{"rule": "KS401", "summary": "activate account 3740"}],
         "warnings": [{"rule": "KS420", "message": "w", "fix": "f"}], "blockers": []}]}, "p.json", STAMP)
    model = build_status([SHOP, StoreInfo("other", "Other", None)], [], [], TODAY, window=7, plan=plan)
    drift = model.stores[0].drift
    assert drift is not None and drift.status == "changes" and drift.changes == 1
    assert [i.kind for i in drift.items] == ["change", "warning"] and drift.items[0].text == "activate account 3740"
    assert model.stores[1].drift is None and model.totals()["drifting_stores"] == 1
    with pytest.raises(ValueError, match="format"):
        parse_plan({"format": 2, "stores": []}, "p.json", None)
    with pytest.raises(ValueError):
        parse_plan([], "p.json", None)


def test_totals_count_every_store() -> None:
    model = build_status([SHOP], [day(26, "failed"), day(27, "pending")], [], TODAY, window=3)
    assert model.totals() == {"stores": 1, "attention": 1, "failed_days": 1, "held_days": 0, "missing_days": 0,
                              "pending_days": 1, "drifting_stores": 0}
    assert [c.state for c in model.stores[0].cells] == ["failed", "pending", "not_yet_due"]


def test_a_file_in_the_inbox_is_waiting_not_missing() -> None:
    status = shop([day(20), day(21, "failed")], info=SHOP, inbox_names=["Z9_20261121.se", "Z10_20261123.SE", "notes.se"])
    assert states(status, 21, 24) == ["failed", "missing", "pending", "missing"]
    unread = status.pending[0]
    assert "Z10_20261123.SE is in the inbox, not read yet" in (unread.message or "")
    assert "kassasync sync --store shop" in (unread.fix or "") and status.inbox_files == 3
