"""One store's month against the in-memory Fortnox: a clean month agrees for one voucher list, and each kind of
difference is found with its day and accounts, its cause and its fix."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from reconcile_helpers import DAYS, ORG, by_hand, kinds, mirrored, posted_month, reconcile, replace_posted
from runner_fakes import TODAY, World, day_file, may_rows

from pipeline.cli.reconcile import exit_code, render
from pipeline.fortnox.models import VoucherRow
from pipeline.reconcile import Month
from pipeline.reconcile import model as m
from pipeline.runner import decisions, markers
from pipeline.runner.reconcile_records import last_outcomes, stored_vouchers

D1, D2, D3 = DAYS


def test_a_clean_month_agrees_for_one_voucher_list(tmp_path: Path) -> None:
    world = posted_month(tmp_path)
    assert set(stored_vouchers(world.ledger, [r.key for r in world.ledger.store_vouchers("deli")])) == {
        r.key for r in world.ledger.store_vouchers("deli")}  # the POST answers were kept
    result = reconcile(world)
    assert result.agreed and not result.differences and exit_code([result], 0, detailed=True) == 0
    assert world.fortnox.requests == 1 and world.fortnox.lists == 1 and not world.fortnox.reads
    assert (result.first, result.last) == (date(2026, 11, 1), date(2026, 11, 27))
    food = next(a for a in result.accounts if a.account == 3210)
    assert food.till == food.ledger == food.fortnox == Decimal("-6000.00")  # 1000 + 2000 + 3000, to the öre
    assert result.counts.till_reports == 3 and result.counts.fortnox_kassasync == 3
    outcome = last_outcomes(world.ledger)["deli"]
    assert (outcome.month, outcome.agreed, outcome.differences) == ("2026-11", True, 0)
    assert "✓ Fortnox agrees with the till to the öre" in render([result], Month(2026, 11), "text")


def test_a_day_with_sales_and_no_voucher_says_why(tmp_path: Path) -> None:
    world = posted_month(tmp_path)
    old_vat = [("1932", "1470.00"), ("2620", "-120.00"), ("3210", "-1000"), ("2610", "-70.00"), ("3340", "-280")]
    world.drop("Z70.se", day_file([("70", date(2026, 11, 10), old_vat)], orgnr=ORG))  # food at 12 %: KS304
    assert world.sync().failed == 1
    world.drop("Z71.se", day_file([("71", date(2026, 11, 11), may_rows())], orgnr=ORG))  # never synced
    result = reconcile(world)
    failed, unread = [d for d in result.differences if d.kind == m.NO_VOUCHER]
    assert failed.day == date(2026, 11, 10) and "KS304" in failed.cause and "--retry-failed" in failed.fix
    assert 1932 in failed.accounts and failed.amount == Decimal("1470.00")
    assert unread.day == date(2026, 11, 11) and "never read" in unread.cause and "kassasync sync" in unread.fix
    card = next(a for a in result.accounts if a.account == 1932)
    assert [d.day for d in card.days] == [date(2026, 11, 10), date(2026, 11, 11)]
    accounts = [d for d in result.differences if d.kind == m.ACCOUNT]
    assert accounts and all("day with sales, no voucher" in d.cause for d in accounts)
    assert exit_code([result], 0, detailed=True) == 1


def test_a_voucher_booked_by_hand_is_listed_and_kept_out_unless_asked(tmp_path: Path) -> None:
    world = posted_month(tmp_path)
    by_hand(world, D2, [(3740, "45.00", "0"), (1910, "0", "45.00")])
    result = reconcile(world)
    assert kinds(result) == [(m.MANUAL, D2)] and result.only_manual
    assert world.fortnox.reads == [("F", 4)]  # only the voucher the ledger does not know is read
    assert exit_code([result], 0, detailed=True) == 2 and exit_code([result], 0, detailed=False) == 1
    assert "Bankavgift" in result.differences[0].message and result.differences[0].amount == Decimal("45.00")
    counted = reconcile(world, include_manual=True)
    assert {k for k, _ in kinds(counted)} == {m.MANUAL, m.ACCOUNT} and not counted.only_manual
    assert next(a for a in counted.accounts if a.account == 1910).fortnox == Decimal("-45.00")
    assert exit_code([counted], 0, detailed=True) == 1
    assert last_outcomes(world.ledger)["deli"].only_manual is False


def test_a_marker_seen_twice(tmp_path: Path) -> None:
    world = posted_month(tmp_path)
    first = world.fortnox.posted[1]
    by_hand(world, D2, [(r.account, str(r.debit), str(r.credit)) for r in first.rows], first.description,
            first.comments or "")
    result = reconcile(world)
    twice = next(d for d in result.differences if d.kind == m.TWICE)
    assert twice.day == D2 and "F 2 (year 1) and F 4 (year 1)" in twice.message
    assert "Ändringsverifikation" in twice.fix
    assert {a.account for a in result.accounts if a.till != a.fortnox} == {1932, 2611, 2631, 3210, 3340}


def test_a_reversed_voucher(tmp_path: Path) -> None:
    world = posted_month(tmp_path)
    by_hand(world, date(2026, 11, 20), mirrored(world.fortnox.posted[0]), "Ändringsverifikation F 1")
    result = reconcile(world)
    reversed_, *accounts = result.differences
    assert (reversed_.kind, reversed_.day, reversed_.voucher) == (m.REVERSED, D1, "F 1 (year 1)")
    assert "F 4 (year 1) (2026-11-20)" in reversed_.message and not [d for d in result.differences
                                                                    if d.kind == m.MANUAL]
    assert [d.kind for d in accounts] == [m.ACCOUNT]  # one difference for every account the reversal moved
    card = next(a for a in result.accounts if a.account == 1932)
    assert card.fortnox == card.till - Decimal("1410.00") and [d.day for d in card.days] == [date(2026, 11, 20)]


def test_a_voucher_changed_in_fortnox(tmp_path: Path) -> None:
    world = posted_month(tmp_path)
    rows = world.fortnox.posted[2].rows
    moved = tuple(VoucherRow(r.account, r.debit, r.credit, removed=True) for r in rows) + tuple(
        VoucherRow(3340 if r.account == 3210 else r.account, r.debit, r.credit) for r in rows)  # food booked as beer
    replace_posted(world, 3, rows=moved)
    assert reconcile(world).agreed  # the list does not show a change of rows: the ledger's rows stand
    result = reconcile(world, verify_rows=True)
    assert world.fortnox.reads == [("F", 1), ("F", 2), ("F", 3)]
    changed = next(d for d in result.differences if d.kind == m.CHANGED)
    assert changed.day == D3 and changed.accounts == (3210, 3340)
    assert "account 3210 -3000.00 is now 0.00" in changed.message
    replace_posted(world, 2, description="Dagskassa ändrad")  # a change the list shows: read without asking
    headed = reconcile(world)
    assert world.fortnox.reads == [("F", 2)]
    assert [d.day for d in headed.differences if d.kind == m.CHANGED] == [D2]


def test_held_re_exports_and_corrections_not_posted(tmp_path: Path) -> None:
    world = posted_month(tmp_path)
    world.drop("Z60_igen.se", day_file([("60", D1, may_rows(3))], orgnr=ORG))  # the POS exported 2 Nov again
    assert world.sync().held == 1
    held = reconcile(world)
    assert (m.HELD, D1) in kinds(held) and "kassasync correct --store deli" in held.differences[0].fix
    (accounts,) = [d for d in held.differences if d.kind == m.ACCOUNT]
    assert "re-export held" in accounts.cause  # the till counts the newest export; Fortnox the first
    (proposal,) = decisions.proposals(world.ledger, world.config, D1, today=TODAY)
    decisions.release(world.ledger, proposal, by="test@host")
    decided = reconcile(world)
    assert (m.CORRECTION, D1) in kinds(decided)
    assert world.sync().posted == 1
    assert reconcile(world).agreed  # the first voucher and its correction are the new export


def test_pending_not_in_fortnox_and_not_in_the_ledger(tmp_path: Path) -> None:
    world = posted_month(tmp_path)
    records = world.ledger.store_vouchers("deli")
    world.ledger.mark_pending([records[0].key], None)  # a crash after the POST: the ledger cannot tell
    del world.fortnox.posted[1]  # the ledger says F 2 is posted; Fortnox no longer has it
    elsewhere = markers.comments("deli/2026-11-05/0123456789abcdef/:99")  # posted through another ledger
    by_hand(world, date(2026, 11, 5), [(1932, "10.00", "0"), (3210, "0", "10.00")], "Dagskassa", elsewhere)
    result = reconcile(world)
    assert kinds(result)[:3] == [(m.NOT_IN_FORTNOX, D2), (m.NOT_IN_LEDGER, date(2026, 11, 5)), (m.PENDING, D1)]
    assert "ledger rebuild --store deli --from 2026-11-05" in result.differences[1].fix
    assert "records it (nothing is posted twice)" in result.differences[2].fix


def test_a_ledger_from_before_the_rows_were_kept_uses_what_it_sent(tmp_path: Path) -> None:
    world = posted_month(tmp_path)
    world.ledger.engine.dispose()
    with world.ledger.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM posted_rows")
    result = reconcile(world)
    assert result.agreed and not world.fortnox.reads


def test_json_text_and_markdown(tmp_path: Path) -> None:
    world = posted_month(tmp_path)
    by_hand(world, D2, [(3740, "45.00", "0"), (1910, "0", "45.00")])
    result = reconcile(world, include_manual=True)
    data = json.loads(render([result], Month(2026, 11), "json"))
    assert data["format"] == 1 and data["month"] == "2026-11" and data["totals"]["with_differences"] == 1
    store = data["stores"][0]
    assert store["differences"][0]["kind"] == m.ACCOUNT and store["counts"]["manual"] == 1
    assert next(a for a in store["accounts"] if a["account"] == 1910)["difference"] == "-45.00"
    text = render([result], Month(2026, 11), "text")
    assert "✗ 2 differences" in text and "cause: booked by hand in Fortnox" in text and "  ≠" in text
    markdown = render([result], Month(2026, 11), "markdown")
    assert "| 1910 | 1910 | 0.00 | 0.00 | -45.00 | **-45.00** |" in markdown
    assert ":x: **booked by hand** 2026-11-03" in markdown and "| `deli` Deli AB | 2026-11-01 – 2026-11-27 |" in markdown
    assert "the day(s) that explain it: 2026-11-03 (booked by hand)" in markdown


def test_days_before_start_and_a_month_without_days(tmp_path: Path) -> None:
    world = World(tmp_path, start_date=date(2026, 11, 15))
    result = reconcile(world)
    assert result.agreed and "days before the store's start_date 2026-11-15 are left out" in result.notes
    world.config = world.config.__class__(**{**world.config.__dict__, "start_date": date(2026, 12, 1)})
    empty = reconcile(world)
    assert empty.agreed and "no business day of the month to compare" in empty.notes


def test_vouchers_the_ledger_holds_otherwise(tmp_path: Path) -> None:
    world = posted_month(tmp_path)
    replace_posted(world, 3, voucher_number=9)  # the ledger says F 3; the voucher with its marker is F 9
    other = markers.comments("cafe-000/2026-11-06/0123456789abcdef/:7")  # another store's marker
    by_hand(world, date(2026, 11, 6), [(1932, "10.00", "0"), (3210, "0", "10.00")], "Dagskassa", other)
    result = reconcile(world)
    found = [d for d in result.differences if d.kind == m.NOT_IN_LEDGER]
    assert [d.day for d in found] == [D3, date(2026, 11, 6)]
    assert "the ledger says it is posted as F 3 (year 1)" in found[0].message
    assert "marker of cafe-000/2026-11-06/0123456789abcdef/:7, not of store deli" in found[1].message


def test_changes_the_list_shows(tmp_path: Path) -> None:
    world = posted_month(tmp_path)
    replace_posted(world, 1, transaction_date=date(2026, 11, 9))
    moved = next(d for d in reconcile(world).differences if d.kind == m.CHANGED)
    assert "date 2026-11-02 is now 2026-11-09" in moved.message
    rows = world.fortnox.posted[1].rows
    replace_posted(world, 2, rows=tuple(VoucherRow(r.account, r.debit, r.credit, removed=True) for r in rows) + rows)
    same = next(d for d in reconcile(world, verify_rows=True).differences if d.day == D2)
    assert same.kind == m.CHANGED and "3 row(s)" not in same.message and "struck and booked again" in same.message
    world.ledger.engine.dispose()
    with world.ledger.engine.begin() as conn:  # a ledger from before the answers were kept: what was sent
        conn.exec_driver_sql("DELETE FROM posted_rows")
    replace_posted(world, 3, description="Ändrad")
    assert "is now \"Ändrad\"" in next(d for d in reconcile(world).differences if d.day == D3).message


def test_why_a_day_has_no_voucher(tmp_path: Path) -> None:
    world = posted_month(tmp_path)
    records = world.ledger.store_vouchers("deli")
    del world.fortnox.posted[:]
    for record, state, code in zip(records, ("planned", "skipped", "held"), (None, "KS309", "KS312"), strict=True):
        world.ledger.update_voucher(record.key, state=state, error_code=code, error_message=f"because {state}",
                                    error_hint=f"fix {state}")
    result = reconcile(world)
    causes = {d.day: (d.cause, d.fix) for d in result.differences if d.kind == m.NO_VOUCHER}
    assert causes[D1] == ("it is read and not posted yet", "run `kassasync sync --store deli`")
    assert causes[D2] == ("it was skipped: KS309 because skipped", "fix skipped")
    assert causes[D3] == ("because held", "fix held")
    world.ledger.update_voucher(records[2].key, state="failed", error_code="2000550",
                                error_message="account inactive", error_hint="activate it")
    failed = next(d for d in reconcile(world).differences if d.day == D3 and d.kind == m.NO_VOUCHER)
    assert (failed.cause, failed.fix) == ("it failed: 2000550 account inactive", "activate it")


def test_day_files_that_are_not_the_stores_sales(tmp_path: Path) -> None:
    world = posted_month(tmp_path)
    folder = world.inbox.root / "archive" / "deli" / "2026"
    (folder / "trasig.se").write_bytes(b"#FLAGGA 0\r\n#VER \"\" \"1\" 20261105\r\n{\r\n")  # cut short
    (folder / "granne.se").write_bytes(day_file([("80", date(2026, 11, 5), may_rows())], orgnr="559999-9999"))
    odd = day_file([("81", date(2026, 11, 6), [("19XX", "10.00"), ("3210", "-10.00")])], orgnr=ORG)
    (folder / "udda.se").write_bytes(odd)
    (world.inbox.root / "archive" / "deli" / "2025").mkdir()
    (world.inbox.root / "archive" / "deli" / "2025" / "Z59.se").write_bytes(
        day_file([("59", date(2025, 12, 30), may_rows())], orgnr=ORG))  # last year's folder, not November's
    result = reconcile(world)
    assert any(note.startswith("a day file that cannot be read: archive/deli/2026/trasig.se") for note in result.notes)
    assert [(d.kind, d.day) for d in result.differences if d.kind == m.NO_VOUCHER] == [(m.NO_VOUCHER,
                                                                                       date(2026, 11, 6))]
    assert "does not map" in result.differences[0].cause and result.counts.till_files == 4
