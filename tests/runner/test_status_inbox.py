"""Status and the page for issue 11's held days: a re-export after posting needs attention (with its file and
line), a day file before start_date is "before start" (never missing), and a file still settling is shown."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from runner_fakes import World, day_file, may_rows

from pipeline.report.build import build_status
from pipeline.report.model import BEFORE_START, HELD, SettlingFile, StoreInfo
from pipeline.report.render import render_html, render_text, to_json

TODAY = date(2026, 5, 10)
ORG = "556000-0000"


def _status(world: World, **kwargs: object):  # type: ignore[no-untyped-def]
    info = StoreInfo("deli", "Deli AB", world.config.start_date)
    where = {(p.store, p.business_date): (world.inbox.relative(p.path), p.line)
             for p in world.ledger.problem_files("deli") if p.path}
    return build_status([info], world.ledger.store_days("deli"), [], TODAY, window=10, where=where,
                        **kwargs)  # type: ignore[arg-type]


def test_a_re_export_after_posting_needs_attention_with_its_file_and_fix(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.drop("Z64.se", day_file([("64", date(2026, 5, 4), may_rows())], orgnr=ORG))
    world.sync()
    world.drop("Z64_igen.se", day_file([("64", date(2026, 5, 4), may_rows(2))], orgnr=ORG))
    world.sync()
    model = _status(world)
    (store,) = model.stores
    assert store.needs_attention and model.totals()["held_days"] == 1  # before: ok, nothing said
    (cell,) = store.held
    assert cell.state == HELD and cell.code == "KS312" and cell.where == "deli/Z64_igen.se, line 9"
    assert "kassasync correct --store deli --date 2026-05-04" in (cell.fix or "")
    text = render_text(model)
    assert "re-export        1 day held for a decision" in text and "in: deli/Z64_igen.se, line 9" in text
    page = render_html(model)
    assert 'data-state="held"' in page and "kassasync correct --store deli --date 2026-05-04" in page
    assert to_json(model)["stores"][0]["held"][0]["file"] == "deli/Z64_igen.se"  # type: ignore[index]


def test_a_day_before_start_date_is_before_start_not_missing(tmp_path: Path) -> None:
    """Before, a file dated before start_date counted as the store's first delivery: every day from start_date
    to the real first day file showed as missing."""
    world = World(tmp_path)  # start_date 2026-02-01
    january = [("1932", "1470.00"), ("2620", "-120.00"), ("3210", "-1000"), ("2610", "-70.00"), ("3340", "-280")]
    world.drop("Z.se", day_file([("60", date(2026, 1, 20), january), ("64", date(2026, 5, 4), may_rows())],
                                orgnr=ORG))
    result = world.sync()
    assert [(n["code"], n["business_date"]) for n in result.notes] == [("KS306", "2026-01-20")]  # said once
    assert "--retry-failed" in result.notes[0]["hint"] and "--date 2026-01-20" in result.notes[0]["hint"]
    assert world.sync().notes == []
    (store,) = _status(world).stores
    assert [str(r) for r in store.missing] == ["2026-05-05 – 2026-05-09"]
    assert store.not_started is not None and str(store.not_started) == "2026-02-01 – 2026-05-03"
    assert [c.day for c in store.before_start] == [date(2026, 1, 20)] and store.before_start[0].state == BEFORE_START
    # and posting it, if wanted, is what the note says
    posted = world.sync(retry_failed=True, from_date=date(2026, 1, 20), to_date=date(2026, 1, 20))
    assert posted.posted == 1 and world.fortnox.posted[-1].transaction_date == date(2026, 1, 20)


def test_a_file_still_settling_is_shown_waiting() -> None:
    settling = {"deli": [SettlingFile("Z65_20260505.se", "waiting to settle: last changed 5 s ago")]}
    model = build_status([StoreInfo("deli", "Deli AB", date(2026, 5, 1))], [], [], TODAY, window=10,
                         inbox={"deli": ["Z65_20260505.se"]}, settling=settling)
    (store,) = model.stores
    cell = next(c for c in store.cells if c.day == date(2026, 5, 5))
    assert cell.state == "pending" and "waiting to settle" in (cell.message or "")
    assert "Z65_20260505.se: waiting to settle" in render_text(model)
