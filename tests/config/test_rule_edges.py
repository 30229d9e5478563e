"""The boundaries of the rules that mutation testing found unguarded: each test fails on one mutant."""
from __future__ import annotations

from pathlib import Path

import pytest
from config_helpers import edit

from pipeline.config import load_store, validate_paths
from pipeline.config.rules import RULES, luhn_ok

HAM, KART = "hamnens-delikatesser.yaml", "kartbutiken-uppsala.yaml"
MAT_ROW_2 = "{from: 2026-04-01, until: 2027-12-31, revenue: 3210"


@pytest.mark.parametrize("disabled", [rule for rule in RULES if rule < "KS120"])
def test_disabling_one_rule_leaves_every_later_rule_on(stores: Path, disabled: str) -> None:
    # A `break` for the `continue` in run_rules switched off every rule after the disabled one.
    path = edit(stores / KART, '"556377-9155"', '"556377-9156"')  # KS120, the check digit
    edit(path, "disable: []", f"disable: [{disabled}]")
    assert [d.rule for d in validate_paths([path])] == ["KS120"]


def test_disabling_the_last_rule_keeps_the_earlier_ones(stores: Path) -> None:
    path = edit(stores / KART, "include_invoiced_in_account_report: false", "include_invoiced_in_account_report: true")
    edit(path, "disable: []", f"disable: [{list(RULES)[-1]}]")
    assert [d.rule for d in validate_paths([path])] == ["KS114"]


def _ks115(stores: Path, new_row: str) -> list[str]:
    path = edit(stores / HAM, MAT_ROW_2, new_row)
    return [d.message for d in validate_paths([path]) if d.rule == "KS115"]


def test_ks115_a_row_starting_the_day_after_the_previous_one_ends_is_clean(stores: Path) -> None:
    assert _ks115(stores, MAT_ROW_2) == []


def test_ks115_one_day_of_overlap_is_an_overlap(stores: Path) -> None:
    assert _ks115(stores, "{from: 2026-03-31, until: 2027-12-31, revenue: 3210") == [
        "article group MAT: rows 1 and 2 overlap from 2026-03-31"]


def test_ks115_one_day_missing_is_a_gap(stores: Path) -> None:
    assert _ks115(stores, "{from: 2026-04-02, until: 2027-12-31, revenue: 3210") == [
        "article group MAT: no row from 2026-04-01 to 2026-04-01 (between rows 1 and 2)"]


def test_ks115_a_row_that_ends_before_it_starts(stores: Path) -> None:
    assert _ks115(stores, "{from: 2026-04-01, until: 2026-03-31, revenue: 3210") == [
        "article group MAT, row 2: until 2026-03-31 is before from 2026-04-01"]


def test_ks115_the_first_row_must_cover_start_date_to_the_day(stores: Path) -> None:
    path = edit(stores / KART, "BOCKER: {revenue: 3003", "BOCKER: {from: 2026-09-01, revenue: 3003")
    assert [d.rule for d in validate_paths([path])] == []  # from = start_date
    edit(path, "BOCKER: {from: 2026-09-01", "BOCKER: {from: 2026-09-02")
    assert [d.message for d in validate_paths([path])] == [
        "article group BOCKER: no row from start_date 2026-09-01 to 2026-09-01"]


def test_mapped_accounts_are_named_with_their_fortnox_account(stores: Path) -> None:
    path = edit(stores / HAM, "rules:\n", "account_map:\n  2610: 2621\n\nrules:\n")
    (diag,) = [d for d in validate_paths([path]) if d.rule == "KS111"]
    assert "VAT account 2610 (Fortnox 2621 via account_map) is for 12 %" in diag.message
    unmapped = edit(stores / KART, "vat_account: 2610, vat_rate: 25", "vat_account: 2610, vat_rate: 6")
    (diag,) = validate_paths([unmapped])
    assert "VAT account 2610 is for 25 %, but vat_rate is 6 %" in diag.message


@pytest.mark.parametrize(("digits", "ok"), [("5568124373", True), ("5563779155", True), ("5591042683", True),
                                            ("5568124374", False), ("5563779156", False), ("0000000000", True),
                                            ("1000000000", False), ("0000000018", True), ("0000000019", False)])
def test_luhn(digits: str, ok: bool) -> None:
    assert luhn_ok(digits) is ok


def test_a_config_with_everything_disabled_is_clean(stores: Path) -> None:
    path = edit(stores / KART, '"556377-9155"', '"556377-9156"')
    edit(path, "disable: []", "disable: [" + ", ".join(r for r in RULES if r != "KS123") + "]")
    config, diags = load_store(path)
    assert diags == [] and config is not None
