"""One store's sync against an in-memory Fortnox: posting, exactly once after lost answers and crashes,
permanent errors and --retry-failed, quarantine, archive, duplicates, locks, dry run."""
from __future__ import annotations

import asyncio
import dataclasses
from datetime import date
from pathlib import Path

import pytest
from runner_fakes import SETTLED, TODAY, FakeFortnox, World, age_file, day_file, may_rows, store_config

from pipeline.ledger import Ledger
from pipeline.runner.inbox import Inbox
from pipeline.runner.items import file_digest
from pipeline.runner.locks import store_lock
from pipeline.runner.store_sync import SyncOptions, sync_store

D1, D2, D3 = date(2026, 5, 4), date(2026, 5, 5), date(2026, 5, 6)


def test_posts_each_z_report_once_and_archives_the_file(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.drop("z.se", day_file([("64", D1, may_rows()), ("65", D2, may_rows(2))]))
    result = world.sync()
    assert (result.state, result.posted, result.failed) == ("ok", 2, 0)
    assert world.fortnox.requests == 4  # the financial years, one look-up (a new ledger), two POSTs
    assert world.fortnox.lists == 1 and world.fortnox.posts == 2
    assert [v.transaction_date for v in world.fortnox.posted] == [D1, D2]
    first = world.fortnox.posted[0]
    assert first.comments.startswith("KS2-Z-") and first.description == "Dagskassa 2026-05-04 Deli AB Z 64"
    assert {r.account for r in first.rows} == {1932, 2631, 3210, 2611, 3340}
    assert (world.inbox.root / "archive" / "deli" / "2026" / "z.se").exists()
    assert not (world.inbox.root / "deli" / "z.se").exists()
    # the next day's run: one request, the year comes from the ledger
    world.fortnox.requests = 0
    world.drop("z2.SI", day_file([("66", D3, may_rows())]))
    assert world.sync().posted == 1 and world.fortnox.requests == 1
    assert world.sync().posted == 0 and len(world.fortnox.posted) == 3


def test_lost_answer_is_found_by_marker_not_posted_twice(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.fortnox.drop_after_commit = {1, 2}
    world.drop("z.se", day_file([("64", D1, may_rows()), ("65", D2, may_rows(2))]))
    result = world.sync()
    assert result.posted == 2 and result.found == 2
    assert len(world.fortnox.posted) == 2
    days = world.ledger.store_days("deli")
    assert [d.state for d in days] == ["posted", "posted"]


def test_crash_after_pending_is_resolved_before_posting_again(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.drop("z.se", day_file([("64", D1, may_rows()), ("65", D2, may_rows(2))]))
    world.sync(dry_run=True)
    assert world.fortnox.posted == []  # a dry run neither posts nor records
    world.sync()
    # simulate a crash between the POST and its commit: the first voucher is back to pending
    key = world.ledger.store_vouchers("deli")[0].key
    world.ledger.update_voucher(key, state="pending")
    # and a crash before the POST: the second was pending but never reached Fortnox
    second = world.ledger.store_vouchers("deli")[1]
    world.ledger.update_voucher(second.key, state="pending")
    world.fortnox.posted.pop()
    world.drop("z.se", day_file([("64", D1, may_rows()), ("65", D2, may_rows(2))]))  # the POS drops it again
    result = world.sync()
    assert result.found == 1 and result.posted == 2
    assert sorted(v.transaction_date for v in world.fortnox.posted) == [D1, D2]


def test_permanent_error_waits_for_retry_failed(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.fortnox.inactive_accounts = {2631}
    world.drop("z.se", day_file([("64", D1, may_rows())]))
    result = world.sync()
    assert result.state == "failed" and result.failures[0]["code"] == "2000550"
    assert result.failures[0]["hint"] == "activate it"
    posts = world.fortnox.posts
    assert world.sync().failed == 1 and world.fortnox.posts == posts  # not retried by itself
    world.fortnox.inactive_accounts = set()
    assert world.sync(retry_failed=True).posted == 1
    assert (world.inbox.root / "archive" / "deli" / "2026" / "z.se").exists()


def test_store_wide_error_stops_the_store(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.fortnox.series_manual = False
    world.drop("z.se", day_file([("64", D1, may_rows()), ("65", D2, may_rows())]))
    result = world.sync()
    assert result.failed == 2 and world.fortnox.posts == 1


def test_mapping_fix_applies_to_failed_days_on_retry(tmp_path: Path) -> None:
    world = World(tmp_path)
    old_vat = [("1932", "1470.00"), ("2620", "-120.00"), ("3210", "-1000.00"), ("2610", "-70.00"),
               ("3340", "-280.00")]
    world.drop("z.se", day_file([("64", D1, old_vat), ("65", D2, may_rows())]))
    result = world.sync()
    assert result.posted == 1 and result.failures[0]["code"] == "KS304"
    assert world.ledger.store_days("deli")[0].state == "failed"
    # the reseller decides the POS was right (say, a 12 % take-away group) and fixes the YAML
    from pipeline.config.model import ArticleGroupRow
    groups = dict(world.config.article_groups)
    groups["MAT"] = (ArticleGroupRow(3210, 2620, world.config.article_groups["MAT"][0].vat_rate),)
    world.config = dataclasses.replace(world.config, article_groups=groups)
    assert world.sync().posted == 0  # a permanent mapping error waits for --retry-failed
    assert world.sync(retry_failed=True).posted == 1
    assert [r.account for r in world.fortnox.posted[-1].rows if r.credit][0] == 2621


def test_unreadable_file_is_quarantined_with_a_note(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.drop("broken.se", b"\x00\x01 this is not SIE")
    result = world.sync()
    assert result.files_quarantined == 1
    target = world.inbox.root / "quarantine" / "deli" / "broken.se"
    assert target.exists()
    assert "cannot be read" in target.with_name("broken.se.why.txt").read_text()
    assert world.ledger.store_files("deli")[0].state == "quarantined"


def test_same_content_twice_is_read_once(tmp_path: Path) -> None:
    world = World(tmp_path)
    content = day_file([("64", D1, may_rows())])
    world.drop("a.se", content)
    world.sync()
    world.drop("copy-of-a.se", content)
    result = world.sync()
    assert result.posted == 0 and len(world.fortnox.posted) == 1
    assert (world.inbox.root / "archive" / "deli" / "2026" / "copy-of-a.se").exists()


def test_same_z_report_in_another_file_is_skipped(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.drop("a.se", day_file([("64", D1, may_rows())]))
    world.sync()
    world.drop("b.se", day_file([("64", D1, may_rows()), ("65", D2, may_rows())]))
    assert world.sync().posted == 1 and len(world.fortnox.posted) == 2


def test_locked_store_is_left_alone(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.drop("a.se", day_file([("64", D1, may_rows())]))
    with store_lock(world.ledger, world.state, "deli") as held:
        assert held
        assert world.sync().state == "locked"
    assert world.fortnox.posted == []


def test_date_range_and_start_date(tmp_path: Path) -> None:
    world = World(tmp_path)
    early = date(2026, 1, 20)
    world.drop("a.se", day_file([("60", early, may_rows()), ("64", D1, may_rows()), ("65", D2, may_rows())]))
    result = world.sync(from_date=D2, to_date=D2)
    assert result.posted == 1 and world.fortnox.posted[0].transaction_date == D2
    assert world.sync().posted == 1
    states = {d.business_date: d.state for d in world.ledger.store_days("deli")}
    assert states == {early: "skipped", D1: "posted", D2: "posted"}


def test_a_move_the_ledger_missed_is_recorded_later(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.drop("z.se", day_file([("64", D1, may_rows())]))
    world.sync()
    digest = world.ledger.store_files("deli")[0].digest
    # as if the run was killed after moving the file and before recording it
    world.ledger.set_file_state("deli", digest, "read", path=str(world.inbox.root / "deli" / "z.se"))
    world.sync()
    record = world.ledger.store_files("deli")[0]
    assert record.state == "archived" and record.path.endswith("archive/deli/2026/z.se")


def test_a_new_file_is_mapped_once_and_waiting_days_are_mapped_again(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.runner import items

    calls: list[date] = []
    real = items.map_source

    def counting(vouchers, config, business_date, *, today):  # noqa: ANN001, ANN202
        calls.append(business_date)
        return real(vouchers, config, business_date, today=today)

    monkeypatch.setattr(items, "map_source", counting)
    world = World(tmp_path)
    world.drop("z.se", day_file([("64", D1, may_rows()), ("65", D3, may_rows(2))]))
    assert world.sync(to_date=D1).posted == 1
    assert calls == [D1, D3]  # read and mapped once; not mapped again right after
    calls.clear()
    assert world.sync().posted == 1
    assert calls == [D3]  # waited a run: mapped again with the store file as it is now


def _old_vat_rows() -> list[tuple[str, str]]:
    """may_rows() with food VAT still booked at 12 % on 2620 (a POS that missed the 2026-04-01 change)."""
    return [("1932", "1470.00"), ("2620", "-120.00"), ("3210", "-1000"), ("2610", "-70.00"), ("3340", "-280")]


def test_a_corrected_export_replaces_the_failed_one_and_is_posted_once(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.drop("z64.se", day_file([("64", D1, _old_vat_rows())]))
    assert world.sync().failed == 1 and world.fortnox.posted == []
    world.drop("z64_ny.se", day_file([("64", D1, may_rows())]))  # the POS exports the day again, fixed
    result = world.sync()
    assert (result.posted, result.failed) == (1, 0)
    assert len(world.fortnox.posted) == 1 and world.fortnox.posted[0].transaction_date == D1
    states = sorted((r.state, r.error_code) for r in world.ledger.store_vouchers("deli"))
    assert states == [("posted", None), ("skipped", "KS313")]
    assert [d.state for d in world.ledger.store_days("deli")] == ["posted"]
    # --retry-failed never brings the replaced export back
    assert world.sync(retry_failed=True).posted == 0 and len(world.fortnox.posted) == 1


def test_other_amounts_for_a_posted_z_report_are_held_for_a_decision(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.drop("z64.se", day_file([("64", D1, may_rows())]))
    assert world.sync().posted == 1
    world.drop("z64_again.se", day_file([("64", D1, may_rows(2))]))  # same Z-report, other amounts
    result = world.sync()
    assert (result.posted, result.failed, result.held, result.skipped) == (0, 0, 1, 0)
    assert (result.state, result.ok) == ("attention", False)  # before: skipped without a word, exit 0
    assert len(world.fortnox.posted) == 1
    held = [r for r in world.ledger.store_vouchers("deli") if r.state == "held"]
    assert [r.error_code for r in held] == ["KS312"]
    assert "kassasync correct --store deli --date 2026-05-04" in (held[0].error_hint or "")
    (item,) = result.attention
    assert item["file"] == "deli/z64_again.se" and item["line"] == 8
    again = world.sync(retry_failed=True)
    assert again.posted == 0 and again.held == 1 and len(world.fortnox.posted) == 1


def test_two_exports_of_a_day_and_a_copy_in_one_run_post_the_newest_once(tmp_path: Path) -> None:
    """Files of one run are read before any is recorded: the later export still replaces the earlier one
    (KS313), a copy of a file read in the same run is not read twice, and one voucher reaches Fortnox."""
    world = World(tmp_path)
    world.drop("b.se", day_file([("64", D1, may_rows())]))
    newer = day_file([("64", D1, may_rows(scale=2))])
    world.drop("c.se", newer)
    world.drop("d-copy-of-c.se", newer)
    result = world.sync()
    assert (result.posted, result.files_read) == (1, 2)
    assert len(world.fortnox.posted) == 1
    records = {r.file_digest: r for r in world.ledger.store_vouchers("deli")}
    assert sorted((r.state, r.error_code) for r in records.values()) == [("posted", None), ("skipped", "KS313")]
    posted = next(r for r in records.values() if r.state == "posted")
    assert posted.file_digest == file_digest(newer)
    again = world.sync()  # the copy left in the inbox: archived as the same content, not read or posted again
    assert (again.posted, again.files_read, len(world.fortnox.posted)) == (0, 0, 1)
    assert not list(world.inbox.store_dir("deli").glob("*.se"))


def test_an_export_identical_to_one_replaced_in_the_same_run_is_posted(tmp_path: Path) -> None:
    """a.se is in the ledger, planned; b.se (other rows) replaces it, then c.se (a.se's rows again) replaces
    b.se. The ledger's rows are read once for the run's files, so a.se must count as replaced by then, not
    as a planned twin of c.se (that would skip c.se and post b.se)."""
    world = World(tmp_path)
    first = day_file([("64", D1, may_rows())])
    world.drop("a.se", first)
    assert world.sync(to_date=date(2026, 5, 1)).posted == 0  # read and planned, not posted (outside the dates)
    world.drop("b.se", day_file([("64", D1, may_rows(scale=2))]))
    again = first.replace(b'#GEN 20261128', b'#GEN 20261129')  # a new export of the same rows
    world.drop("c.se", again)
    assert world.sync().posted == 1
    posted = [r for r in world.ledger.store_vouchers("deli") if r.state == "posted"]
    assert [r.file_digest for r in posted] == [file_digest(again)]


def test_the_token_is_fetched_while_new_files_are_read_and_only_then(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.drop("a.se", day_file([("64", D1, may_rows())]))
    assert world.sync().posted == 1
    assert world.fortnox.authentications == 1  # warmed up while the ledger thread read a.se
    world.sync()  # nothing new: no warm-up, no request
    assert world.fortnox.authentications == 1


def test_credentials_that_do_not_work_matter_only_when_there_is_something_to_post(tmp_path: Path) -> None:
    import contextlib

    from pipeline.errors import UserError

    world = World(tmp_path)
    content = day_file([("64", D1, may_rows())])
    world.drop("a.se", content)
    assert world.sync().posted == 1

    @contextlib.asynccontextmanager
    async def broken(_config: object):  # type: ignore[no-untyped-def]
        raise UserError("store deli: no Fortnox client credentials are configured", "set FORTNOX_CLIENT_ID")
        yield  # pragma: no cover

    world.drop("copy-of-a.se", content)  # a file, but nothing to post: the store is fine
    result = asyncio.run(sync_store(world.config, ledger=world.ledger, inbox=world.inbox, open_client=broken,
                                    options=SyncOptions(today=TODAY), run_id=None, state_dir=world.state))
    assert (result.state, result.files_archived) == ("ok", 1)
    world.drop("b.se", day_file([("65", D2, may_rows())]))  # something to post: the store reports it
    result = asyncio.run(sync_store(world.config, ledger=world.ledger, inbox=world.inbox, open_client=broken,
                                    options=SyncOptions(today=TODAY), run_id=None, state_dir=world.state))
    assert result.state == "error" and "no Fortnox client credentials" in (result.message or "")
    assert [r.state for r in world.ledger.store_vouchers("deli") if r.business_date == D2] == ["planned"]


def test_pending_is_written_while_the_year_is_asked_and_undone_if_asking_fails(tmp_path: Path) -> None:
    from pipeline.fortnox import errors as fe

    world = World(tmp_path)
    world.cover_from(D1)  # the day needs no look-up first: the year is asked right before the POST
    world.drop("a.se", day_file([("64", D1, may_rows())]))
    world.fortnox.year_lookup_error = fe.NetworkError("store deli: cannot reach Fortnox (ConnectError)",
                                                      "check the network")
    result = world.sync()
    assert result.state == "error" and "cannot reach Fortnox" in (result.message or "")
    (record,) = world.ledger.store_vouchers("deli")
    assert (record.state, record.attempts) == ("planned", 0)  # nothing was sent: not left pending
    world.fortnox.year_lookup_error = None
    assert world.sync().posted == 1
    (record,) = world.ledger.store_vouchers("deli")
    assert (record.state, record.attempts) == ("posted", 1)
    assert len(world.fortnox.posted) == 1


def test_at_most_concurrency_stores_talk_to_fortnox_and_finishing_up_frees_the_place(tmp_path: Path) -> None:
    import contextlib

    from pipeline.runner.sync_all import sync_share

    talking = most = 0

    class Slow(FakeFortnox):
        async def create_voucher(self, year_id, voucher):  # type: ignore[no-untyped-def]
            nonlocal talking, most
            talking += 1
            most = max(most, talking)
            await asyncio.sleep(0.02)
            talking -= 1
            return await super().create_voucher(year_id, voucher)

    fortnox = Slow()

    @contextlib.asynccontextmanager
    async def opener(_config: object):  # type: ignore[no-untyped-def]
        yield fortnox

    inbox = Inbox(tmp_path / "inbox")
    configs = [store_config(f"shop{i}") for i in range(7)]
    for config in configs:
        folder = inbox.store_dir(config.store)
        folder.mkdir(parents=True)
        (folder / "z.se").write_bytes(day_file([("64", D1, may_rows())]))
        age_file(folder / "z.se", SETTLED)
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    results = asyncio.run(sync_share(configs, ledger=ledger, inbox=inbox, open_client=opener,
                                     options=SyncOptions(today=TODAY), state_dir=tmp_path / "state", run_id=None,
                                     concurrency=2))
    assert [r.posted for r in results] == [1] * 7 and len(fortnox.posted) == 7
    assert most == 2  # two at a time: never more, and the places were used
    assert all(r.files_archived == 1 for r in results)
