"""status and report commands over a populated ledger and copies of the example store files."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from report_helpers import STORES, open_populated, write_plan

from pipeline.cli.main import cli, main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A state dir with the populated ledger, and store files whose start dates match the helpers' stores."""
    stores = tmp_path / "stores"
    shutil.copytree(ROOT / "examples" / "stores", stores)
    for info in STORES:
        path = stores / f"{info.store}.yaml"
        text = re.sub(r"(?m)^start_date: .*$", f"start_date: {info.start_date}", path.read_text(encoding="utf-8"))
        path.write_text(text, encoding="utf-8")
    state = tmp_path / "state"
    state.mkdir()
    open_populated(state).close()
    return tmp_path


def run(home: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--stores", str(home / "stores"), "--state-dir", str(home / "state"),
                                    *args, "--today", "2026-11-28"])


def test_status_text_and_json(home: Path) -> None:
    result = run(home, "status")
    assert result.exit_code == 0, result.output
    assert "hamnens-delikatesser · Hamnens Delikatesser AB  [needs attention]" in result.output
    assert "KS304" in result.output and "no plan recorded" in result.output
    data = json.loads(run(home, "status", "--format", "json", "--store", "kartbutiken-uppsala").output)
    assert data["format"] == 1 and [s["store"] for s in data["stores"]] == ["kartbutiken-uppsala"]
    assert data["stores"][0]["missing_days"] == 8 and len(data["stores"][0]["days"]) == 14


def test_status_reads_the_recorded_plan(home: Path) -> None:
    write_plan(home / "state" / "last-plan.json")
    result = run(home, "status", "--store", "sjobodens-krog")
    assert "drift            blocked: 1 problem apply cannot fix" in result.output
    assert "tick Manuell kontering for K" in result.output


def test_a_broken_recorded_plan_is_skipped_but_an_explicit_one_is_an_error(home: Path) -> None:
    (home / "state" / "last-plan.json").write_text("{not json", encoding="utf-8")
    assert "no plan recorded" in run(home, "status").output
    result = run(home, "status", "--plan", str(home / "state" / "last-plan.json"))
    assert result.exit_code == 1 and "cannot read the plan" in str(result.exception)


def test_unknown_store_is_a_user_error(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--stores", str(home / "stores"), "--state-dir", str(home / "state"), "status", "--store", "nope"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "no store nope" in err and "known stores: hamnens-delikatesser" in err


def test_report_writes_a_page_and_json(home: Path) -> None:
    out = home / "site"
    result = run(home, "report", "--out", str(out), "--days", "7")
    assert result.exit_code == 0, result.output
    assert f"wrote {out / 'index.html'} (3 stores, 3 need attention)" in result.output
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.count('data-store="') == 3 and page.count('class="cell ') == 21
    assert json.loads((out / "status.json").read_text(encoding="utf-8"))["format"] == 1
    assert not list(out.glob(".*partial"))


def test_status_on_a_fresh_machine_says_everything_is_missing(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--stores", str(ROOT / "examples" / "stores"), "--state-dir", str(tmp_path / "new"),
                                      "status", "--today", "2026-11-28"])
    assert result.exit_code == 0, result.output
    assert "no day file has arrived since start_date 2026-09-01 (88 days)" in result.output


def test_attention_only_leaves_out_stores_in_order(home: Path) -> None:
    args = ["--stores", str(home / "stores"), "--state-dir", str(home / "state"), "status", "--format", "json",
            "--today", "2026-11-20"]  # kartbutiken starts that day: nothing due yet, nothing wrong
    every = json.loads(CliRunner().invoke(cli, args).output)["stores"]
    assert [s["needs_attention"] for s in every] == [True, False, True]
    some = json.loads(CliRunner().invoke(cli, [*args, "--attention"]).output)["stores"]
    assert [s["store"] for s in some] == ["hamnens-delikatesser", "sjobodens-krog"]


def test_a_store_without_a_valid_file_still_shows_from_the_ledger(home: Path) -> None:
    (home / "stores" / "sjobodens-krog.yaml").unlink()
    result = run(home, "status", "--store", "sjobodens-krog")
    assert result.exit_code == 0, result.output
    assert "sjobodens-krog · sjobodens-krog (no valid store file: run `kassasync validate`)" in result.output
    assert "last posted day  2026-11-25" in result.output
