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
    # reported at the value of the row's `until`
    assert [(d.location.line, d.location.col) for d in validate_paths([stores / HAM])] == [(23, 33)]


def test_ks115_a_row_of_one_day_is_fine(stores: Path) -> None:
    path = edit(stores / HAM, MAT_ROW_2, "{from: 2026-04-01, until: 2026-04-01, revenue: 3210")
    edit(path, "    - {from: 2028-01-01, revenue: 3210", "    - {from: 2026-04-02, revenue: 3210")
    assert validate_paths([path]) == []


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


def _found(path: Path) -> list[tuple[int, int, str, str, str]]:
    """(line, column, severity, rule, message) of every diagnostic, in order."""
    return [(d.location.line, d.location.col, d.severity.value, d.rule, d.message) for d in validate_paths([path])]


UNDECLARED = "add the Fortnox account under `accounts:` with its name"


@pytest.mark.parametrize(("old", "new", "where", "message"), [
    ("OVRIGT: {revenue: 3001", "OVRIGT: {revenue: 3009", (34, 21),
     "article group OVRIGT: revenue account 3009 is not declared in `accounts`"),
    ("OVRIGT: {revenue: 3001, vat_account: 2610", "OVRIGT: {revenue: 3001, vat_account: 2611", (34, 40),
     "article group OVRIGT: VAT account 2611 is not declared in `accounts`"),
    ("Swish: 1930", "Swish: 1931", (38, 10),
     "payment method Swish: payment account 1931 is not declared in `accounts`"),
    ("invoiced_sales_accounts: [1512]", "invoiced_sales_accounts: [1930, 1513]", (18, 35),
     "pos.invoiced_sales_accounts item 2: invoiced sales account 1513 is not declared in `accounts`"),
    ("rounding_account: 3740", "rounding_account: 3741", (41, 19),
     "rounding_account: rounding account 3741 is not declared in `accounts`"),
])
def test_ks110_names_each_kind_of_use_at_its_value(stores: Path, old: str, new: str, where: tuple[int, int],
                                                  message: str) -> None:
    path = edit(stores / KART, old, new)
    assert _found(path) == [(*where, "error", "KS110", message)]
    (diag,) = validate_paths([path])
    assert diag.hint and diag.hint.startswith(UNDECLARED)


def test_ks115_a_last_row_that_ends_is_a_warning_at_its_until(stores: Path) -> None:
    path = edit(stores / HAM, "    - {from: 2028-01-01, revenue: 3210",
                "    - {from: 2028-01-01, until: 2028-12-31, revenue: 3210")
    assert _found(path) == [(24, 33, "warning", "KS115", "article group MAT: no row after 2028-12-31; sales in this "
                                                         "group after that day cannot be posted")]
    (diag,) = validate_paths([path])
    assert diag.hint == "add a row from the next day (or omit `until` on the last row)"


def test_ks115_rows_are_compared_in_date_order_not_file_order(stores: Path) -> None:
    path = stores / HAM
    text = path.read_text(encoding="utf-8")
    rows = [line + "\n" for line in text.splitlines() if line.startswith("    - {") and "3210" in line]
    assert len(rows) == 3
    path.write_text(text.replace("".join(rows), rows[2] + rows[0] + rows[1]), encoding="utf-8")
    assert _found(path) == []


def test_ks115_rows_without_dates_overlap_everywhere(stores: Path) -> None:
    path = edit(stores / HAM, "    - {from: 2026-04-01, until: 2027-12-31, revenue: 3210", "    - {revenue: 3210")
    assert _found(path) == [(23, 7, "error", "KS115", "article group MAT: rows 1 and 2 overlap"),
                            (24, 7, "error", "KS115", "article group MAT: rows 2 and 3 overlap from 2028-01-01")]


def test_ks115_a_late_first_row_is_reported_at_its_from_with_the_fix(stores: Path) -> None:
    path = edit(stores / KART, "BOCKER: {revenue: 3003", "BOCKER: {from: 2026-09-02, revenue: 3003")
    assert _found(path) == [(32, 18, "error", "KS115",
                             "article group BOCKER: no row from start_date 2026-09-01 to 2026-09-01")]
    (diag,) = validate_paths([path])
    assert diag.hint == "start the first row at or before start_date (or omit its `from`)"


def test_a_finding_in_a_single_row_group_points_at_the_value(stores: Path) -> None:
    # A group written as one row has no list index; the location is that row's key in the mapping.
    path = edit(stores / KART, "OVRIGT: {revenue: 3001", "OVRIGT: {revenue: 1930")
    assert _found(path) == [(34, 21, "error", "KS112", "article group OVRIGT: revenue account 1930 is not in class 3")]
    listed = edit(stores / HAM, "PRESENT: {revenue: 3050", "PRESENT: [{revenue: 1930")
    edit(listed, "vat_rate: 25}\n", "vat_rate: 25}]\n")
    assert [f for f in _found(listed) if f[3] == "KS112"] == [
        (29, 23, "error", "KS112", "article group PRESENT, row 1: revenue account 1930 is not in class 3")]
