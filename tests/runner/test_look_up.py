"""Looking in Fortnox before the first POST of a day the ledger's mark does not cover, and after an uncertain POST:
one list per span of days, financial year and series; vouchers read one by one only where the list has no
Comments, and then only those of the same series and dates."""
from __future__ import annotations

import asyncio
import dataclasses
from datetime import date, datetime, timedelta
from pathlib import Path

from runner_fakes import day_file, may_rows
from test_store_sync import TODAY, World

from pipeline.fortnox.models import FinancialYear, Voucher
from pipeline.ledger import FoundVoucher, Mark
from pipeline.runner import items, lookup, markers
from pipeline.runner.rebuild import check_store, rebuild_store

D1, D2, D3 = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)
NOW = datetime(2026, 11, 28, 3, 0)


def _posted_elsewhere(world: World, number: str, day: date, scale: int = 1) -> tuple[str, bytes]:
    """A day file a lost ledger posted: its voucher is in Fortnox, with the marker and key it would carry."""
    content = day_file([(number, day, may_rows(scale))])
    key = items.idempotency_key("deli", day, items.file_digest(content), f":{number}")
    world.fortnox.posted.append(Voucher("F", len(world.fortnox.posted) + 1, 1, day, f"Dagskassa {day}",
                                        markers.comments(key)))
    return key, content


def test_spans_group_close_days_and_reach_today_or_the_mark() -> None:
    day = date(2026, 11, 1)
    assert lookup.spans([day, day + timedelta(days=3)], None, TODAY) == [lookup.Span(day, TODAY, True)]
    far = date(2026, 3, 1)  # a file from long ago: its own span, the newest group sets the mark
    assert lookup.spans([far, day], None, TODAY) == [lookup.Span(far, far, False), lookup.Span(day, TODAY, True)]
    mark = Mark(date(2026, 11, 10), date(2026, 11, 27))
    assert lookup.spans([day], mark, TODAY) == [lookup.Span(day, date(2026, 11, 9), True)]  # the mark moves back
    assert lookup.spans([far], mark, TODAY) == [lookup.Span(far, far, False)]  # too far: the mark stays
    assert mark.covers(date(2026, 12, 31)) and not mark.covers(date(2026, 11, 9))


def test_a_new_ledger_looks_once_before_posting_and_records_what_it_finds(tmp_path: Path) -> None:
    world = World(tmp_path)
    key, content = _posted_elsewhere(world, "64", D1)
    world.drop("z1.se", content)  # put back after the ledger was lost
    world.drop("z2.se", day_file([("65", D2, may_rows(2))]))  # new
    result = world.sync()
    assert (result.posted, result.found) == (2, 1)
    assert world.fortnox.lists == 1 and world.fortnox.posts == 1  # one look-up for both days, one POST
    assert world.fortnox.requests == 3  # and the financial years
    found = world.ledger.voucher(key)
    assert (found.state, found.series, found.number, found.year) == ("posted", "F", 1, 1)
    assert world.ledger.marks()["deli"] == Mark(D1, TODAY)
    # the next day: covered by the mark, no look-up
    world.fortnox.requests = world.fortnox.lists = 0
    world.drop("z3.se", day_file([("66", D3, may_rows())]))
    assert world.sync().posted == 1 and (world.fortnox.requests, world.fortnox.lists) == (1, 0)
    assert len(world.fortnox.posted) == 3


def test_vouchers_found_for_days_not_at_hand_are_recorded_so_their_files_are_never_posted(tmp_path: Path) -> None:
    world = World(tmp_path)
    later_key, later_file = _posted_elsewhere(world, "66", D3)  # posted by the lost ledger, file not back yet
    world.drop("z1.se", day_file([("64", D1, may_rows())]))
    world.sync()
    assert world.ledger.voucher(later_key).state == "posted"
    world.fortnox.requests = 0
    world.drop("z3.se", later_file)  # now it comes back, on a day the mark covers
    result = world.sync()
    assert (result.posted, world.fortnox.requests) == (0, 0)
    assert len(world.fortnox.posted) == 2
    assert (world.inbox.root / "archive" / "deli" / "2026" / "z3.se").exists()
    assert world.ledger.voucher(later_key).file_digest == items.file_digest(later_file)  # the file's whole digest


def test_another_export_of_a_z_report_a_lost_ledger_posted_is_not_posted_again(tmp_path: Path) -> None:
    world = World(tmp_path)
    _posted_elsewhere(world, "64", D1, scale=2)  # the POS's second export of the day, posted before the loss
    world.drop("z1.se", day_file([("64", D1, may_rows())]))  # the first export comes back
    result = world.sync()
    assert (result.posted, world.fortnox.posts, result.held, result.state) == (0, 0, 1, "attention")
    (kept,) = [r for r in world.ledger.store_vouchers("deli") if r.state == "held"]
    assert kept.error_code == "KS312" and "already posted (Fortnox F 1)" in (kept.error_message or "")
    assert "kassasync correct --store deli" in (kept.error_hint or "")
    # the ledger knows only the number of the voucher Fortnox holds, not its rows: `correct` says so
    from pipeline.runner.decisions import proposals

    (proposal,) = proposals(world.ledger, world.config, D1, today=TODAY)
    assert proposal.payload is None and "does not know the amounts of F 1" in (proposal.blocker or "")


def test_a_day_older_than_the_mark_is_looked_up_and_moves_the_mark_back(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.cover_from(D3)
    key, content = _posted_elsewhere(world, "64", D1)
    world.drop("z1.se", content)
    result = world.sync()
    assert (result.posted, result.found, world.fortnox.posts, world.fortnox.lists) == (1, 1, 0, 1)
    assert world.ledger.marks()["deli"] == Mark(D1, TODAY)


def test_without_comments_in_the_list_the_same_series_and_dates_are_read(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.fortnox.list_without_comments = True
    world.fortnox.posted.append(Voucher("F", 1, 1, date(2026, 11, 2), "booked by hand", ""))  # before the span
    key, content = _posted_elsewhere(world, "64", D1)
    world.fortnox.posted.append(Voucher("K", 1, 1, D1, "another series", ""))
    world.drop("z1.se", content)
    result = world.sync()
    assert (result.posted, result.found, world.fortnox.posts) == (1, 1, 0)
    assert world.fortnox.reads == [("F", 2)]  # only series F, only the span's days
    assert world.ledger.voucher(key).number == 2
    # an uncertain POST: read back only on its own date
    world.fortnox.reads.clear()
    world.fortnox.drop_after_commit = {world.fortnox.posts + 1}
    world.drop("z2.se", day_file([("65", D2, may_rows(2))]))
    result = world.sync()
    assert (result.posted, result.found, world.fortnox.posts) == (1, 1, 1)
    assert world.fortnox.reads == [("F", 4)]
    assert len(world.fortnox.posted) == 4


def test_a_pending_voucher_on_a_day_looked_up_is_posted_without_a_second_look(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.drop("z1.se", day_file([("64", D1, may_rows())]))
    world.sync(dry_run=True)
    world.cover_from(D1)
    world.sync()
    (record,) = world.ledger.store_vouchers("deli")
    world.ledger.update_voucher(record.key, state="pending")  # a crash between mark_pending and the POST ...
    world.fortnox.posted.clear()  # ... so Fortnox never got it; and the ledger's mark is lost with the ledger
    with world.ledger.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM reconciled")
    world.fortnox.lists = 0
    result = world.sync()
    assert (result.posted, result.found, world.fortnox.lists, len(world.fortnox.posted)) == (1, 0, 1, 1)


def test_a_marker_whose_key_cannot_be_read_leaves_the_days_uncovered(tmp_path: Path) -> None:
    world = World(tmp_path)
    edited = markers.comments("deli/2026-11-20/0123456789abcdef/:1").replace(":1", ":2")
    world.fortnox.posted.append(Voucher("F", 1, 1, D2, "edited by hand", edited))
    world.drop("z2.se", day_file([("65", D2, may_rows())]))
    assert world.sync().posted == 1
    assert "deli" not in world.ledger.marks()  # so the next run looks again, and matches by hash


def test_rebuild_and_check_against_the_fake(tmp_path: Path) -> None:
    world = World(tmp_path)
    key1, _ = _posted_elsewhere(world, "64", D1)
    key2, _ = _posted_elsewhere(world, "65", D2)
    config, ledger, fortnox = world.config, world.ledger, world.fortnox
    checked = asyncio.run(check_store(config, ledger, fortnox, D1, TODAY))
    differences = checked.differences
    assert checked.held == 2 and [d.key for d in differences] == [key1, key2]
    assert "not in the ledger" in differences[0].message
    assert differences[0].hint == "run `kassasync ledger rebuild --store deli --from 2026-11-20`"
    rebuilt = asyncio.run(rebuild_store(config, ledger, fortnox, date(2026, 2, 1), TODAY))
    assert (rebuilt.found, rebuilt.added, rebuilt.mark) == (2, [key1, key2], Mark(date(2026, 2, 1), TODAY))
    assert asyncio.run(check_store(config, ledger, fortnox, D1, TODAY)).differences == []
    # the same Z-report twice in Fortnox, a number the ledger has wrong, a voucher Fortnox does not have
    fortnox.posted.append(Voucher("F", 3, 1, D2, "a second copy", markers.comments(key2)))
    ledger.update_voucher(key1, number=9)
    ledger.record_found("deli", [], None, now=NOW)
    gone = "deli/2026-11-22/0123456789abcdef/:66"
    ledger.record_found("deli", [FoundVoucher(gone, "Z", markers.marker(gone), D3, "F", 7, 1)], None, now=NOW)
    differences = asyncio.run(check_store(config, ledger, fortnox, D1, TODAY)).differences
    messages = [d.message for d in differences]
    assert "the ledger says posted as F 9 (year 1), Fortnox has it as F 1 (year 1)" in messages
    assert any(m.startswith("the ledger says posted as F 7 (year 1), but Fortnox has no voucher") for m in messages)
    assert any("is on 2 vouchers in Fortnox: F 2 (year 1, 2026-11-21), F 3 (year 1, 2026-11-21)" in m
               for m in messages)
    assert len(differences) == 3
    ledger.update_voucher(gone, series="K")  # posted when the store used series K
    differences = asyncio.run(check_store(config, ledger, fortnox, D1, TODAY)).differences
    assert any(d.hint == "check again with `--series K` (the store's series was K then)" for d in differences)


def test_the_financial_years_are_asked_once_for_every_year_of_the_span(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.fortnox.years = [FinancialYear(1, date(2026, 1, 1), date(2026, 12, 31)),
                           FinancialYear(2, date(2025, 1, 1), date(2025, 12, 31))]
    world.config = dataclasses.replace(world.config, start_date=date(2025, 1, 1))
    food_at_12 = [("1932", "1470.00"), ("2620", "-120.00"), ("3210", "-1000.00"), ("2610", "-70.00"),
                  ("3340", "-280.00")]
    world.drop("z1.se", day_file([("64", date(2025, 12, 30), food_at_12)]))
    world.drop("z2.se", day_file([("65", date(2026, 1, 2), food_at_12)]))
    assert world.sync(today=date(2026, 1, 3)).posted == 2
    # one request for every year, one list per financial year of the span, two POSTs
    assert (world.fortnox.requests, world.fortnox.lists, world.fortnox.posts) == (5, 2, 2)
