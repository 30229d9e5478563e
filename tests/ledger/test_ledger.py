"""The ledger: vouchers, files, runs, day states for the status page, financial-year cache."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from pipeline.ledger import Ledger, VoucherRecord, day_state


def _ledger(tmp_path: Path) -> Ledger:
    return Ledger.open(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")


def _record(key: str, day: date, state: str = "planned") -> VoucherRecord:
    return VoucherRecord(key=key, store="s1", business_date=day, file_digest="d" * 64, ver_id=key,
                         marker="ks:" + key, source="{}", state=state)


def test_vouchers_move_through_states_and_days_summarise(tmp_path: Path) -> None:
    ledger = _ledger(tmp_path)
    run = ledger.start_run({"dry_run": False})
    day1, day2 = date(2026, 5, 1), date(2026, 5, 2)
    assert ledger.add_vouchers([_record("a", day1), _record("b", day2)], run) == 2
    assert ledger.add_vouchers([_record("a", day1)], run) == 0  # keyed: never twice
    ledger.mark_pending(["a", "b"], run)
    ledger.mark_posted("a", series="F", number=7, year=3)
    ledger.mark_failed("b", code="KS304", message="VAT does not match", hint="fix the POS", permanent=True)
    days = ledger.store_days("s1")
    assert [(d.business_date, d.state) for d in days] == [(day1, "posted"), (day2, "failed")]
    assert days[1].error_hint == "fix the POS" and days[0].fortnox == ("F 7 (year 3)",)
    assert ledger.last_posted_day("s1") == day1
    assert ledger.last_posted_days(["s1", "s2"]) == {"s1": day1}  # s2: nothing posted
    assert ledger.voucher("a").attempts == 1
    assert ledger.counts("s1")["failed"] == 1
    ledger.finish_run(run, posted=1, failed=1, skipped=0, summary="{}")
    assert ledger.last_runs(1)[0]["state"] == "finished"


def test_files_and_year_cache(tmp_path: Path) -> None:
    ledger = _ledger(tmp_path)
    ledger.record_file("s1", "abc", "inbox/s1/a.se", "a.se", "read", voucher_count=2)
    ledger.set_file_state("s1", "abc", "archived", path="inbox/archive/s1/2026/a.se")
    assert ledger.file("s1", "abc").state == "archived"
    assert [f.name for f in ledger.store_files("s1")] == ["a.se"]
    ledger.cache_year("s1", 3, date(2026, 1, 1), date(2026, 12, 31))
    assert ledger.cached_years("s1") == [(3, date(2026, 1, 1), date(2026, 12, 31))]
    ledger.forget_years("s1")
    assert ledger.cached_years("s1") == []
    year = ("s1", 3, date(2026, 1, 1), date(2026, 12, 31))
    ledger.cache_year(*year)  # cached first by another runner: the batch keeps it and adds the rest
    ledger.cache_years([year, ("s1", 4, date(2027, 1, 1), date(2027, 12, 31)), ("s2", 3, date(2026, 1, 1),
                                                                                  date(2026, 12, 31))])
    assert sorted(ledger.cached_years("s1")) == [(3, date(2026, 1, 1), date(2026, 12, 31)),
                                                 (4, date(2027, 1, 1), date(2027, 12, 31))]
    assert ledger.all_cached_years()["s2"] == [(3, date(2026, 1, 1), date(2026, 12, 31))]


def test_day_state_prefers_failures() -> None:
    assert day_state(["posted", "failed"]) == "failed"
    assert day_state(["posted", "pending"]) == "pending"
    assert day_state(["skipped"]) == "skipped"
    assert day_state(["posted", "skipped"]) == "posted"


def test_waiting_files_carry_their_vouchers_and_unposted_reads_only_what_counts_need(tmp_path: Path) -> None:
    ledger = _ledger(tmp_path)
    day1, day2 = date(2026, 5, 1), date(2026, 5, 2)
    ledger.add_file("s1", "d" * 64, "inbox/s1/a.se", "a.se", [_record("a", day1), _record("b", day2)], None)
    ledger.record_file("s1", "e" * 64, "inbox/s1/empty.se", "empty.se", "read")  # a file without vouchers
    ledger.record_file("s1", "f" * 64, "inbox/archive/s1/2026/old.se", "old.se", "archived")  # not waiting
    ledger.record_file("s2", "d" * 64, "inbox/s2/a.se", "a.se", "read")  # same content, another store
    ledger.mark_posted_many([("a", "F", 7, 3), ("b", "F", 8, 3)])
    ledger.mark_failed("b", code="KS304", message="VAT does not match", hint="fix the POS", permanent=True)
    waiting = {w.name: w for w in ledger.waiting_files("s1")}
    assert set(waiting) == {"a.se", "empty.se"}
    assert sorted(zip(waiting["a.se"].dates, waiting["a.se"].states, strict=True)) == [(day1, "posted"), (day2, "failed")]
    assert waiting["empty.se"].dates == () and waiting["empty.se"].states == ()
    assert [(u.key, u.state, u.error_code, u.error_permanent) for u in ledger.unposted("s1")] == \
        [("b", "failed", "KS304", True)]
    assert ledger.unposted("s1", to_date=day1) == []
    posted = ledger.voucher("a")
    assert (posted.state, posted.series, posted.number, posted.year) == ("posted", "F", 7, 3)
    assert posted.posted_at is not None


def test_a_held_connection_commits_each_call_and_rolls_back_a_failed_one(tmp_path: Path) -> None:
    import pytest
    import sqlalchemy as sa

    ledger = _ledger(tmp_path)
    conn = ledger.hold_connection()
    assert ledger.hold_connection() is conn  # one per thread
    ledger.add_vouchers([_record("a", date(2026, 5, 1))], None)
    with pytest.raises(sa.exc.IntegrityError):  # the second row breaks the one transaction: nothing of it stays
        ledger.add_file("s1", "e" * 64, "inbox/s1/b.se", "b.se",
                        [_record("b", date(2026, 5, 2)), _record("c", None)], None)  # type: ignore[arg-type]
    other = _ledger(tmp_path)  # another connection sees what was committed, and only that
    assert [v.key for v in other.store_vouchers("s1")] == ["a"]
    assert other.store_files("s1") == []
    ledger.mark_posted("a", series="F", number=1, year=1)
    assert other.voucher("a").state == "posted"
    assert [v.key for v in other.store_vouchers("s1")] == ["a"]  # the failed call's rows were not committed with it
    ledger.release(conn)
    assert conn.closed
    assert ledger.voucher("a").state == "posted"  # without a held connection: from the pool again
    other.close()
    ledger.close()
