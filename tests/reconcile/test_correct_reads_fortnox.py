"""`kassasync correct` after a lost ledger: the voucher Fortnox holds for the Z-report was recorded from its marker,
without rows; its rows are read from Fortnox (once, and kept), so the correction voucher is worked out and posted."""
from __future__ import annotations

import asyncio
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from reconcile_helpers import ORG
from runner_fakes import TODAY, World, age_file, day_file, may_rows
from test_ledger_loss import Fleet, open_fleet

from pipeline.errors import UserError
from pipeline.runner import decisions
from pipeline.runner.reconcile_records import read_from_fortnox, stored_vouchers

D1 = date(2026, 11, 20)


def _net(vouchers) -> dict[int, Decimal]:  # type: ignore[no-untyped-def]
    net: dict[int, Decimal] = {}
    for voucher in vouchers:
        for row in voucher.rows:
            net[row.account] = net.get(row.account, Decimal(0)) + row.debit - row.credit
    return {a: x for a, x in net.items() if x}


def test_the_rows_of_the_voucher_fortnox_holds_make_the_correction(tmp_path: Path) -> None:
    lost = World(tmp_path / "lost")  # the ledger that posted the POS's second export, then was lost
    lost.drop("Z64_igen.se", day_file([("64", D1, may_rows(2))], orgnr=ORG))
    assert lost.sync().posted == 1
    world = World(tmp_path / "new")
    world.fortnox = lost.fortnox
    world.drop("Z64.se", day_file([("64", D1, may_rows())], orgnr=ORG))  # the first export comes back
    assert world.sync().held == 1
    (blocked,) = decisions.proposals(world.ledger, world.config, D1, today=TODAY)
    assert blocked.blocker and "does not know the amounts of F 1" in blocked.blocker
    need = decisions.rows_unknown(world.ledger.store_vouchers("deli", dates=[D1]))
    missing = asyncio.run(read_from_fortnox(world.ledger, world.fortnox, "deli", need, now=datetime(2026, 11, 28)))
    assert not missing and world.fortnox.reads == [("F", 1)]
    assert stored_vouchers(world.ledger, [need[0].key])[need[0].key].source == "read"
    (proposal,) = decisions.proposals(world.ledger, world.config, D1, today=TODAY)
    assert proposal.blocker is None and next(r for r in proposal.rows if r.account == 3210).debit == Decimal("1000")
    assert decisions.release(world.ledger, proposal, by="test@host") is not None
    assert world.sync().posted == 1
    assert _net(world.fortnox.posted) == {1932: Decimal("1410.00"), 2631: Decimal("-60.00"), 3210: Decimal("-1000"),
                                          2611: Decimal("-70.00"), 3340: Decimal("-280")}  # the first export's


def test_a_voucher_without_the_marker_is_not_taken_for_the_z_reports(tmp_path: Path) -> None:
    lost = World(tmp_path / "lost")
    lost.drop("Z64_igen.se", day_file([("64", D1, may_rows(2))], orgnr=ORG))
    lost.sync()
    world = World(tmp_path / "new")
    world.fortnox = lost.fortnox
    world.drop("Z64.se", day_file([("64", D1, may_rows())], orgnr=ORG))
    world.sync()
    need = decisions.rows_unknown(world.ledger.store_vouchers("deli", dates=[D1]))
    world.fortnox.posted[0] = world.fortnox.posted[0].__class__(
        **{**world.fortnox.posted[0].__dict__, "comments": "edited by hand"})
    missing = asyncio.run(read_from_fortnox(world.ledger, world.fortnox, "deli", need, now=datetime(2026, 11, 28)))
    assert missing and "does not carry the marker" in missing[0]
    (proposal,) = decisions.proposals(world.ledger, world.config, D1, today=TODAY)
    assert proposal.blocker and "could not be read from Fortnox" in proposal.blocker


def _doubled(content: bytes) -> bytes:
    """The same Z-report exported again with every amount twice as large (still balanced)."""
    text = content.decode("cp437")
    return re.sub(r"(#TRANS \d+ \{\} )(-?\d+\.\d\d)", lambda m: f"{m[1]}{Decimal(m[2]) * 2:.2f}", text).encode("cp437")


def _re_exported_after_a_lost_ledger(tmp_path: Path, fleet: Fleet) -> None:
    """Z-report 100 posted, the ledger lost, then the POS's second export of it (twice the amounts) in the inbox."""
    assert fleet.sync().ok
    (archived,) = (tmp_path / "inbox" / "archive").rglob("*.se")
    fleet.lose_ledger("deleted")
    again = tmp_path / "inbox" / "cafe-000" / "Z100_igen.se"
    again.write_bytes(_doubled(archived.read_bytes()))
    age_file(again, 3600)  # settled
    archived.unlink()
    assert fleet.sync().totals()["held"] == 1


def test_correct_yes_reads_fortnox_and_posts_the_correction(tmp_path: Path) -> None:
    sandbox_context, expected = open_fleet(tmp_path, stores=1, vouchers=1, tenant_base=3600000)
    with sandbox_context as sandbox:
        fleet = Fleet(tmp_path, sandbox, expected)
        _re_exported_after_a_lost_ledger(tmp_path, fleet)
        result = fleet.cli_result("correct", "--store", "cafe-000", "--date", "2026-11-20", "--yes")
        assert result.exit_code == 0, result.output
        assert "Rättelse: Dagskassa 2026-11-20" in result.output and "1 voucher(s) posted" in result.output
        vouchers = sandbox.posted_vouchers(3600000)
        assert len(vouchers) == 2 and vouchers[1]["description"].startswith("Rättelse: ")
        net: dict[int, Decimal] = {}
        for voucher in vouchers:
            for row in voucher["rows"]:
                net[row["Account"]] = net.get(row["Account"], Decimal(0)) + Decimal(str(row["Debit"])) - Decimal(
                    str(row["Credit"]))
        first = {row["Account"]: Decimal(str(row["Debit"])) - Decimal(str(row["Credit"])) for row in vouchers[0]["rows"]}
        assert net == {account: amount * 2 for account, amount in first.items()}  # Fortnox holds the new export
        again = fleet.cli_result("reconcile", "--store", "cafe-000", "--month", "2026-11")
        assert again.exit_code == 0, again.output


def test_when_fortnox_cannot_be_asked_the_blocker_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox_context, expected = open_fleet(tmp_path, stores=1, vouchers=1, tenant_base=3610000)
    with sandbox_context as sandbox:
        fleet = Fleet(tmp_path, sandbox, expected)
        _re_exported_after_a_lost_ledger(tmp_path, fleet)

        def unreachable(*_args: object, **_kwargs: object) -> None:
            raise UserError("Fortnox could not be reached", "check the network")

        monkeypatch.setattr("pipeline.fortnox.factory.open_client", unreachable)
        result = fleet.cli_result("correct", "--store", "cafe-000", "--date", "2026-11-20", "--yes")
        assert result.exit_code == 1 and "could not be read from Fortnox" in str(result.exception)
        assert "warning: could not read a posted voucher's amounts from Fortnox: Fortnox could not be reached " \
            "(check the network)" in result.output
        assert len(sandbox.posted_vouchers(3610000)) == 1  # nothing posted
