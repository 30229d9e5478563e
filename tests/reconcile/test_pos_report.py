"""--pos-report: the POS's own account report (CSV or SIE) as a fourth column; it catches a day the till never
exported."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from reconcile_helpers import NOVEMBER, posted_month, reconcile
from runner_fakes import store_config

from pipeline.errors import UserError
from pipeline.reconcile import model as m
from pipeline.reconcile.pos_report import read_pos_report

# The three posted days (may_rows 1 + 2 + 3) in the POS's accounts: 2630 and 2610 are 2631 and 2611 in Fortnox.
MONTH = {1932: "8460,00", 2630: "-360,00", 3210: "-6000,00", 2610: "-420,00", 3340: "-1680,00"}


def _csv(path: Path, amounts: dict[int, str], extra: str = "") -> Path:
    lines = ["Konto;Benämning;Belopp", *(f"{a};Konto {a};{x}" for a, x in amounts.items()), "Summa;;0,00", extra]
    path.write_text("\n".join(lines), encoding="cp1252")
    return path


def test_a_report_that_matches_the_day_files_agrees(tmp_path: Path) -> None:
    world = posted_month(tmp_path)
    result = reconcile(world, pos_report=_csv(tmp_path / "kontorapport.csv", MONTH))
    assert result.agreed and result.pos_report and result.pos_report.endswith("kontorapport.csv")
    assert next(a for a in result.accounts if a.account == 2631).pos_report == Decimal("-360.00")


def test_a_day_the_till_never_exported_shows_in_the_report(tmp_path: Path) -> None:
    world = posted_month(tmp_path)
    more = {**MONTH, 1932: "9870,00", 3210: "-7000,00", 2630: "-420,00", 2610: "-490,00", 3340: "-1960,00"}
    result = reconcile(world, pos_report=_csv(tmp_path / "kontorapport.csv", more))
    found = [d for d in result.differences if d.kind == m.POS_REPORT]
    assert {d.accounts[0] for d in found} == {1932, 2611, 2631, 3210, 3340} and len(result.differences) == 5
    card = next(d for d in found if d.accounts == (1932,))
    assert card.amount == Decimal("1410.00") and "days from 2026-11-01 to 2026-11-27 without a day file: " \
        "2026-11-01, 2026-11-05" in card.cause and "export the missing day(s)" in card.fix


@pytest.mark.parametrize("text", [
    "account,debit,credit\n1932,8460.00,0\n2630,0,360.00\n3210,0,6000.00\n2610,0,420.00\n3340,0,1680.00\n",
    "1932;8 460,00\n2630;-360,00\n3210;-6.000,00\n2610;-420,00\n3340;\u22121680,00\n",  # no header
])
def test_other_csv_shapes(tmp_path: Path, text: str) -> None:
    path = tmp_path / "report.csv"
    path.write_text(text, encoding="utf-8")
    report = read_pos_report(path, store_config(), NOVEMBER)
    assert report.amounts == {1932: Decimal("8460.00"), 2631: Decimal("-360.00"), 3210: Decimal("-6000.00"),
                              2611: Decimal("-420.00"), 3340: Decimal("-1680.00")}


def _sie(path: Path, body: list[str]) -> Path:
    path.write_bytes(("\r\n".join(['#FLAGGA 0', '#FORMAT PC8', '#SIETYP 3', '#PROGRAM "Kassa" 1',
                                    '#FNAMN "Deli AB"', *body]) + "\r\n").encode("cp437"))
    return path


def test_sie_shapes(tmp_path: Path) -> None:
    config = store_config()
    saldo = _sie(tmp_path / "saldo.se", ['#RAR 0 20260101 20261231', '#PSALDO 0 202611 3210 {} -6000.00',
                                          '#PSALDO 0 202610 3210 {} -99.00', '#PSALDO 0 202611 2630 {} -360.00'])
    assert read_pos_report(saldo, config, NOVEMBER).amounts == {3210: Decimal("-6000.00"), 2631: Decimal("-360.00")}
    month = _sie(tmp_path / "month.se", ['#RAR 0 20261101 20261130', '#IB 0 1932 100.00', '#UB 0 1932 8560.00',
                                          '#RES 0 3210 -6000.00'])
    assert read_pos_report(month, config, NOVEMBER).amounts == {1932: Decimal("8460.00"), 3210: Decimal("-6000.00")}
    year = _sie(tmp_path / "year.se", ['#RAR 0 20260101 20261231', '#RES 0 3210 -6000.00'])
    with pytest.raises(UserError, match="cover 2026-01-01 to 2026-12-31, not 2026-11"):
        read_pos_report(year, config, NOVEMBER)
    vouchers = tmp_path / "ver.se"
    vouchers.write_bytes(b'#FLAGGA 0\r\n#SIETYP 4\r\n#VER "" "1" 20261102 "Z"\r\n{\r\n#TRANS 1932 {} 100.00\r\n'
                         b'#TRANS 3210 {} -100.00\r\n}\r\n#VER "" "2" 20261202 "Z"\r\n{\r\n#TRANS 1932 {} 5.00\r\n'
                         b'#TRANS 3210 {} -5.00\r\n}\r\n')
    assert read_pos_report(vouchers, config, NOVEMBER).amounts == {1932: Decimal("100.00"), 3210: Decimal("-100.00")}


def test_what_cannot_be_read_says_where(tmp_path: Path) -> None:
    config = store_config()
    bad = tmp_path / "bad.csv"
    bad.write_text("Konto;Belopp\n1932;12,3,4\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"bad.csv:2: account 1932 has no amount"):
        read_pos_report(bad, config, NOVEMBER)
    bad.write_text("Konto;Namn\n1932;Kort\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"bad.csv:1: the POS report's header .* names no amount column"):
        read_pos_report(bad, config, NOVEMBER)
    bad.write_text("Rapport;nov\nx;y\n", encoding="utf-8")
    with pytest.raises(UserError, match="neither a header nor an account line"):
        read_pos_report(bad, config, NOVEMBER)
    bad.write_text("Konto;Belopp\nSumma;0\n", encoding="utf-8")
    with pytest.raises(UserError, match="no account totals found"):
        read_pos_report(bad, config, NOVEMBER)
    with pytest.raises(UserError, match="cannot read the POS report"):
        read_pos_report(tmp_path / "missing.csv", config, NOVEMBER)
    broken = tmp_path / "broken.se"
    broken.write_bytes(b'#FLAGGA 0\r\n#VER "" "1" 20261102 "Z"\r\n{\r\n#TRANS 1932 {} 100.00\r\n')
    with pytest.raises(UserError, match="the POS report cannot be read"):
        read_pos_report(broken, config, NOVEMBER)
