"""`kassasync sie inspect`: the summary, its JSON keys, and the exit codes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sie_helpers import FIXTURES

from pipeline.cli.main import cli

KEYS = {"file", "encoding", "program", "sie_type", "company", "org_number", "vouchers", "transactions",
        "debit_total", "unbalanced", "unbalanced_count", "checksum", "diagnostics", "rejected"}


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["sie", "inspect", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_json_has_the_documented_keys_and_exit_0() -> None:
    code, out = _run("--json", str(FIXTURES / "pos_day.si"), str(FIXTURES / "unbalanced_day.si"))
    assert code == 0
    doc = json.loads(out)
    assert doc["format"] == 1
    first, second = doc["files"]
    assert KEYS <= set(first)
    assert (first["encoding"], first["program"], first["sie_type"], first["company"]) == (
        "cp437", "Kassasystem", "4I", "Testbutiken Öst AB")
    assert (first["vouchers"], first["transactions"], first["debit_total"]) == (2, 7, "6120.00")
    assert first["unbalanced"] == [] and first["checksum"] == "ok" and first["rejected"] is False
    assert second["unbalanced"] == [{"id": ":2", "series": "", "number": "2", "line": 9, "amount": "-0.50"}]
    (diag,) = second["diagnostics"]
    assert (diag["line"], diag["code"], diag["severity"]) == (9, "SIE301", "warning")


def test_a_rejected_file_exits_1_and_says_why(tmp_path: Path) -> None:
    page = tmp_path / "day.se"
    page.write_bytes(b"<html><body>404 Not Found</body></html>\n")
    code, out = _run(str(FIXTURES / "pos_day.si"), str(page))
    assert code == 1
    assert f"{page}: REJECTED" in out and "SIE101" in out and "HTML" in out
    code, out = _run("--json", str(tmp_path / "missing.se"))
    assert code == 1 and json.loads(out)["files"][0]["diagnostics"][0]["code"] == "SIE100"


def test_text_summary_lists_what_a_person_checks() -> None:
    code, out = _run(str(FIXTURES / "unbalanced_day.si"))
    assert code == 0
    assert "SIE type         4I" in out
    assert "unbalanced       - 2 (line 9) off by -0.50" in out
    assert "unbalanced_day.si:9:1: warning SIE301" in out


def test_strict_flag_rejects_an_unbalanced_day() -> None:
    code, out = _run("--strict", "--json", str(FIXTURES / "unbalanced_day.si"))
    assert code == 1 and json.loads(out)["files"][0]["rejected"] is True


def test_readme_documents_every_code_and_json_key() -> None:
    from sie_helpers import REPO

    from pipeline.sie import CODES

    codes_page = (REPO / "docs" / "sie.md").read_text(encoding="utf-8")  # the diagnostic code table
    readme = (REPO / "docs" / "sie.md").read_text(encoding="utf-8")  # `sie inspect --json` and its keys
    assert [code for code in CODES if f"| {code} |" not in codes_page] == []
    assert [key for key in KEYS if f"`{key}`" not in readme] == []


def test_inspect_streams_and_caps_the_unbalanced_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.sie import summary

    monkeypatch.setattr(summary, "MAX_UNBALANCED", 2)
    day = "".join(f"#VER A {n} 20240131\n{{\n#TRANS 1910 {{}} {n}.00\n#TRANS 3010 {{}} -{n}.50\n}}\n"
                  for n in range(1, 6))
    path = tmp_path / "day.si"
    path.write_text("#FLAGGA 0\n#SIETYP 4\n" + day, encoding="ascii")
    code, out = _run("--json", str(path))
    entry = json.loads(out)["files"][0]
    assert code == 0 and entry["vouchers"] == 5 and entry["unbalanced_count"] == 5
    assert [u["id"] for u in entry["unbalanced"]] == ["A:1", "A:2"]
    assert all(u["amount"] == "-0.50" for u in entry["unbalanced"])
    code, out = _run(str(path))
    assert "A 1 (line 3) off by -0.50; A 2 (line 8) off by -0.50; and 3 more" in out


def test_strict_inspect_reports_every_error_instead_of_stopping(tmp_path: Path) -> None:
    path = tmp_path / "day.si"
    path.write_text("#FLAGGA 1\n#VER A 1 2024-01-31\n{\n#TRANS 1910 {} 1\n}\n#VER A 2 20240131\n{\n"
                    "#TRANS 1910 {} 1\n}\n", encoding="ascii")
    code, out = _run("--strict", "--json", str(path))
    entry = json.loads(out)["files"][0]
    assert code == 1 and entry["rejected"] and entry["vouchers"] == 1
    assert [d["code"] for d in entry["diagnostics"]] == ["SIE213", "SIE204", "SIE301"]
