"""The invoices: section in validate: the schema, the invoice layer's rules KS130-KS137 at the right line, KS114 for
guard unticked only, KS110 for the invoice accounts, and what the schema cannot see (KS105); pos-sheet per guard."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from config_helpers import STORES, check_golden, edit, line_of

from pipeline.cli.pos_sheet import render_pos_sheet
from pipeline.config import load_store, validate_paths
from pipeline.config.rules import RULES
from pipeline.invoices import PROPOSED_RULES

KART = "kartbutiken-uppsala.yaml"
CLEARING = """  receivable_account: 1510
  guard: clearing
  clearing_account: 1518
"""


def _found(path: Path) -> list[tuple[int, str, str]]:
    return [(d.location.line, d.rule, d.severity.value) for d in validate_paths([path])]


def _clearing(stores: Path) -> Path:
    """kartbutiken with guard clearing, set up right: box ticked, 1512 mapped to 1518, 1518 declared."""
    path = edit(stores / KART, "  receivable_account: 1510\n  guard: unticked\n", CLEARING)
    edit(path, "include_invoiced_in_account_report: false", "include_invoiced_in_account_report: true")
    edit(path, "accounts:\n  1510: Kundfordringar\n", "accounts:\n  1510: Kundfordringar\n  1518: Ej reskontraförda "
               "kundfordringar\n")
    return edit(path, "rules:\n", "account_map:\n  1512: 1518\n\nrules:\n")


def test_every_invoice_rule_is_registered_with_validate() -> None:
    for rule_id, (severity, title) in PROPOSED_RULES.items():
        assert RULES[rule_id].severity is severity and RULES[rule_id].title == title


def test_a_clean_clearing_set_up_validates(stores: Path) -> None:
    path = _clearing(stores)
    assert _found(path) == []
    config, _ = load_store(path)
    assert config is not None and config.invoice_guard == "clearing" and config.invoices is not None
    assert config.invoices.clearing_account == 1518


@pytest.mark.parametrize(("old", "new", "rule", "needle"), [
    ("invoice_sync: true", "invoice_sync: false", "KS137", "  adapter: csv"),
    ("  clearing_account: 1518\n", "  clearing_account: 1510\n", "KS131", "clearing_account:"),
    ("  Kontant: 1910\n", "  Kontant: 1518\n", "KS132", "clearing_account:"),
    ("include_invoiced_in_account_report: true", "include_invoiced_in_account_report: false", "KS134",
     "include_invoiced_in_account_report:"),
    ("account_map:\n  1512: 1518\n", "account_map: {}\n", "KS133", "invoiced_sales_accounts:"),
    ("  receivable_account: 1510\n", "  receivable_account: 3010\n", "KS136", "receivable_account:"),
])
def test_each_invoice_rule_at_its_line(stores: Path, old: str, new: str, rule: str, needle: str) -> None:
    path = edit(_clearing(stores), old, new)
    found = [f for f in _found(path) if f[1] == rule]
    assert found and found[0][0] == line_of(path, needle), _found(path)


def test_ks130_without_a_section_and_ks135_without_a_rounding_account(stores: Path) -> None:
    path = stores / KART
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("# The invoice stream")], encoding="utf-8")
    assert ("KS130" in {f[1] for f in _found(path)})
    sie = stores / "sie.yaml"
    sie.write_text(text.replace("store: kartbutiken-uppsala", "store: sie").replace(
        'tenant_id: "1000103"', 'tenant_id: "1000199"').replace('"556377-9155"', '"556812-4373"').replace(
        "rounding_account: 3740\n", "").replace("  1512: Kundfordringar, fakturerat i kassan\n",
                                                "  1512: Fakturerat\n").replace(
        text[text.index("  adapter: csv"):text.index("  customer_matching")], "  adapter: sie\n"), encoding="utf-8")
    assert ("KS135", "warning") in {(f[1], f[2]) for f in _found(sie)}


def test_ks114_stands_for_guard_unticked_only(stores: Path) -> None:
    path = edit(stores / KART, "include_invoiced_in_account_report: false", "include_invoiced_in_account_report: true")
    assert "KS114" in {f[1] for f in _found(path)}
    shutil.copy(STORES / KART, path)
    assert "KS114" not in {f[1] for f in _found(_clearing(stores))}


def test_ks110_covers_the_invoice_accounts(stores: Path) -> None:
    path = edit(_clearing(stores), "  1518: Ej reskontraförda kundfordringar\n", "")
    found = [d for d in validate_paths([path]) if d.rule == "KS110"]
    assert any("clearing account 1518" in d.message and d.location.line == line_of(path, "clearing_account:")
               for d in found), found


def test_what_only_the_invoice_layer_sees_is_reported_at_its_key(stores: Path) -> None:
    path = edit(stores / KART, "  adapter: csv\n", "  adapter: csv\n  sie: {text_pattern: 'Faktnr (?P<nr>\\d+)'}\n")
    edit(path, "    delimiter: \";\"\n", "    delimiter: \";\"\n    encoding: klingon\n")
    found = [d for d in validate_paths([path]) if d.rule == "KS105"]
    messages = sorted(d.message for d in found)
    assert any("needs a named group for the invoice number" in m for m in messages), messages
    assert any("unknown encoding 'klingon'" in m for m in messages), messages
    assert {d.location.line for d in found} == {line_of(path, "text_pattern"), line_of(path, "encoding: klingon")}
    assert "KS130" not in {d.rule for d in validate_paths([path])}  # the section is there, only unusable


def test_the_schema_names_a_missing_clearing_account(stores: Path) -> None:
    path = edit(_clearing(stores), "  clearing_account: 1518\n", "")
    [diag] = [d for d in validate_paths([path]) if d.rule == "KS105"]
    assert "missing `clearing_account`" in diag.message


def test_pos_sheet_for_guard_clearing(stores: Path) -> None:
    _clearing(stores)
    check_golden("pos_sheet_kartbutiken-uppsala_clearing.txt",
                 render_pos_sheet(stores, "kartbutiken-uppsala", date(2026, 11, 28)))
