"""The validate, schema and pos-sheet commands: output formats, exit codes, golden text."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from config_helpers import ROOT, STORES, check_golden, edit

from pipeline.cli.pos_sheet import render_pos_sheet
from pipeline.cli.schema import schema_command
from pipeline.cli.validate import validate_command
from pipeline.errors import UserError

KART = "kartbutiken-uppsala.yaml"


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # paths in the output are relative to the working directory


def broken(stores: Path) -> Path:
    path = stores / KART
    edit(path, 'tenant_id: "1000103"', "tenant_id: 1000103")
    edit(path, "include_invoiced_in_account_report: false", "include_invoiced_in_account_report: true")
    return path


def test_validate_examples_exit_0() -> None:
    result = CliRunner().invoke(validate_command, [str(STORES)])
    assert result.exit_code == 0, result.output
    assert "all store files are valid" in result.output


def test_validate_text_output_and_exit_1(stores: Path) -> None:
    path = broken(stores)
    result = CliRunner().invoke(validate_command, [str(path)])
    assert result.exit_code == 1
    shown = result.output.replace(os.path.normpath(str(stores)), "stores")
    check_golden("validate_broken.txt", shown)
    assert "stores/kartbutiken-uppsala.yaml:12:14: error KS105" in shown


def test_validate_json_is_versioned(stores: Path) -> None:
    result = CliRunner().invoke(validate_command, ["--format", "json", str(broken(stores))])
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["format"] == 1 and doc["errors"] == 2 and doc["warnings"] == 0
    assert [d["rule"] for d in doc["diagnostics"]] == ["KS105", "KS114"]
    second = doc["diagnostics"][1]
    assert second["location"]["line"] == 15 and second["hint"] and second["severity"] == "error"


def test_validate_github_annotations(stores: Path) -> None:
    result = CliRunner().invoke(validate_command, ["--format", "github", str(broken(stores))])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("::")]
    assert len(lines) == 2
    assert lines[1].startswith("::error file=") and ",line=15,col=15,title=KS114::" in lines[1]


def test_validate_missing_path_is_a_diagnostic(tmp_path: Path) -> None:
    result = CliRunner().invoke(validate_command, [str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1 and "KS101" in result.output


def test_schema_command_prints_the_file() -> None:
    result = CliRunner().invoke(schema_command, [])
    assert result.exit_code == 0
    assert result.output == (ROOT / "pipeline" / "config" / "store.schema.json").read_text(encoding="utf-8")


@pytest.mark.parametrize(("store", "day"), [("hamnens-delikatesser", "2026-03-15"),
                                             ("kartbutiken-uppsala", "2026-11-28"),
                                             ("sjobodens-krog", "2026-11-28")])
def test_pos_sheet_golden(store: str, day: str) -> None:
    from datetime import date

    text = render_pos_sheet(STORES, store, date.fromisoformat(day))
    check_golden(f"pos_sheet_{store}.txt", text)
    assert "Arkiv > Inställningar > Företagsuppgifter > Kontoplan" in text
    assert "Register > Varuförsäljning > Artikelgrupper" in text


def test_pos_sheet_unknown_store_is_a_user_error() -> None:
    with pytest.raises(UserError) as caught:
        render_pos_sheet(STORES, "okand-butik", __import__("datetime").date(2026, 1, 1))
    assert "okand-butik" in caught.value.message and "sjobodens-krog" in (caught.value.hint or "")


def test_pos_sheet_invalid_store_lists_the_errors(stores: Path) -> None:
    broken(stores)
    with pytest.raises(UserError) as caught:
        render_pos_sheet(stores, "kartbutiken-uppsala", __import__("datetime").date(2026, 1, 1))
    assert "KS114" in caught.value.message and "kassasync validate" in (caught.value.hint or "")
