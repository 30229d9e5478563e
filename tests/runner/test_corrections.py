"""A re-export after posting (KS312): held for a decision, then its correction voucher posted exactly once (by
`correct --yes` or `corrections: post`), or dismissed with the reason recorded."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from runner_fakes import TODAY, World, day_file, may_rows

from pipeline.runner import decisions
from pipeline.runner.corrections import correction_key, correction_payload, differences, is_correction

D1 = date(2026, 5, 4)
ORG = "556000-0000"


def _net(voucher) -> dict[int, Decimal]:  # type: ignore[no-untyped-def]
    net: dict[int, Decimal] = {}
    for row in voucher.rows:
        net[row.account] = net.get(row.account, Decimal(0)) + row.debit - row.credit
    return net


def _posted_and_reexported(tmp_path: Path, **config: object) -> World:
    world = World(tmp_path, **config)
    world.drop("Z64.se", day_file([("64", D1, may_rows())], orgnr=ORG))
    assert world.sync().posted == 1
    world.drop("Z64_igen.se", day_file([("64", D1, may_rows(2))], orgnr=ORG))  # the same Z-report, other amounts
    return world


def test_the_correction_is_the_difference_row_by_row() -> None:
    def payload(rows: list[tuple[int, str, str]]) -> str:
        return json.dumps({"voucher_series": "F", "transaction_date": "2026-05-04", "description": "Dagskassa",
                           "cost_center": None, "rows": [{"account": a, "debit": d, "credit": c, "cost_center": None,
                                                          "description": None, "transaction_information": None}
                                                         for a, d, c in rows]})

    held = payload([(1932, "1410.00", "0"), (2631, "0", "60.00"), (3210, "0", "1000.00"), (2611, "0", "70.00"),
                    (3340, "0", "280.00")])
    new = payload([(1932, "1431.20", "0"), (2631, "0", "61.20"), (3210, "0", "1020.00"), (2611, "0", "70.00"),
                   (3340, "0", "280.00")])
    rows = differences([held], new)
    assert [(r.account, r.debit, r.credit) for r in rows] == [
        (1932, Decimal("21.20"), 0), (2631, 0, Decimal("1.20")), (3210, 0, Decimal("20.00"))]
    voucher = json.loads(correction_payload([held], new) or "")
    assert voucher["description"] == "Rättelse: Dagskassa" and len(voucher["rows"]) == 3
    assert sum(Decimal(r["debit"]) for r in voucher["rows"]) == sum(Decimal(r["credit"]) for r in voucher["rows"])
    assert correction_payload([held], held) is None  # the same amounts: nothing to correct
    assert is_correction(correction_key("deli/2026-05-04/abc/:64")) and not is_correction("deli/2026-05-04/abc/:64")


def test_a_re_export_is_held_then_posted_once_as_its_difference(tmp_path: Path) -> None:
    world = _posted_and_reexported(tmp_path)
    held = world.sync()
    assert (held.held, held.posted, held.ok) == (1, 0, False)
    (proposal,) = decisions.proposals(world.ledger, world.config, D1, today=TODAY)
    assert proposal.blocker is None and {r.account for r in proposal.rows} == {1932, 2631, 3210, 2611, 3340}
    correction = decisions.release(world.ledger, proposal, by="test@host")
    assert correction is not None and is_correction(correction.key) and correction.marker != proposal.held.marker
    assert decisions.release(world.ledger, proposal, by="test@host") is None  # decided once
    result = world.sync()
    assert (result.posted, result.held, result.ok) == (1, 0, True)
    first, fix = world.fortnox.posted
    assert fix.description.startswith("Rättelse: ") and fix.comments.startswith(correction.marker)
    # Fortnox now holds the new export, account by account: the first voucher plus the correction
    both = {a: _net(first).get(a, 0) + _net(fix).get(a, 0) for a in _net(first) | _net(fix)}
    assert both == {1932: Decimal("2820.00"), 2631: Decimal("-120.00"), 3210: Decimal("-2000"),
                    2611: Decimal("-140.00"), 3340: Decimal("-560")}
    assert world.sync().posted == 0 and len(world.fortnox.posted) == 2  # never again
    assert [d.state for d in world.ledger.store_days("deli")] == ["posted"]
    assert not list(world.inbox.store_dir("deli").iterdir())  # both files archived
    (decision,) = world.ledger.correction_decisions("deli")
    assert (decision["decision"], decision["decided_by"], decision["correction_key"]) == ("post", "test@host",
                                                                                          correction.key)


def test_a_lost_answer_for_the_correction_is_found_by_its_marker(tmp_path: Path) -> None:
    world = _posted_and_reexported(tmp_path)
    world.sync()
    (proposal,) = decisions.proposals(world.ledger, world.config, D1, today=TODAY)
    decisions.release(world.ledger, proposal, by="test@host")
    world.fortnox.drop_after_commit = {2}  # the correction's POST reaches Fortnox, its answer is lost
    result = world.sync()
    assert (result.posted, result.found) == (1, 1) and len(world.fortnox.posted) == 2


def test_corrections_post_posts_the_difference_during_sync(tmp_path: Path) -> None:
    world = _posted_and_reexported(tmp_path, corrections="post")
    result = world.sync()
    assert (result.posted, result.held, result.ok) == (1, 0, True)
    assert len(world.fortnox.posted) == 2 and world.fortnox.posted[1].description.startswith("Rättelse: ")
    (decision,) = world.ledger.correction_decisions("deli")
    assert decision["decided_by"] == decisions.AUTOMATIC
    world.drop("Z64_igen_igen.se", day_file([("64", D1, may_rows(3))], orgnr=ORG))  # and once more
    assert world.sync().posted == 1
    assert _net(world.fortnox.posted[2])[1932] == Decimal("1410.00")  # 3x minus the 2x Fortnox holds by now


def test_a_dismissal_is_recorded_and_posts_nothing(tmp_path: Path) -> None:
    world = _posted_and_reexported(tmp_path)
    world.sync()
    (proposal,) = decisions.proposals(world.ledger, world.config, D1, today=TODAY)
    assert decisions.dismiss(world.ledger, proposal, reason="the first export was right", by="anna@kassa")
    result = world.sync()
    assert (result.posted, result.held, result.ok) == (0, 0, True)
    assert len(world.fortnox.posted) == 1
    (decision,) = world.ledger.correction_decisions("deli")
    assert (decision["decision"], decision["reason"], decision["decided_by"]) == (
        "dismiss", "the first export was right", "anna@kassa")
    (row,) = [r for r in world.ledger.store_vouchers("deli") if r.file_digest == proposal.held.file_digest]
    assert row.state == "skipped" and "the first export was right" in (row.error_message or "")
    assert not list(world.inbox.store_dir("deli").iterdir())


def test_a_newer_re_export_replaces_the_one_held(tmp_path: Path) -> None:
    world = _posted_and_reexported(tmp_path)
    world.sync()
    world.drop("Z64_igen2.se", day_file([("64", D1, may_rows(3))], orgnr=ORG))
    result = world.sync()
    assert result.held == 1 and result.skipped == 1  # the older held export gives way to the newer one
    (proposal,) = decisions.proposals(world.ledger, world.config, D1, today=TODAY)
    assert next(r for r in proposal.rows if r.account == 1932).debit == Decimal("2820.00")


def test_the_same_amounts_again_are_not_held(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.drop("Z64.se", day_file([("64", D1, may_rows())], orgnr=ORG))
    world.sync()
    again = day_file([("64", D1, may_rows())], orgnr=ORG).replace(b"#GEN 20261128", b"#GEN 20261129")
    world.drop("Z64_igen.se", again)
    result = world.sync()
    assert (result.held, result.skipped, result.ok) == (0, 1, True)


def test_a_re_export_that_does_not_map_cannot_be_posted(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.drop("Z64.se", day_file([("64", D1, may_rows())], orgnr=ORG))
    world.sync()
    old_vat = [("1932", "1470.00"), ("2620", "-120.00"), ("3210", "-1000"), ("2610", "-70.00"), ("3340", "-280")]
    world.drop("Z64_igen.se", day_file([("64", D1, old_vat)], orgnr=ORG))
    assert world.sync().held == 1
    (proposal,) = decisions.proposals(world.ledger, world.config, D1, today=TODAY)
    assert proposal.blocker and "KS304" in proposal.blocker and proposal.payload is None
