"""The sync and sie map commands on the example stores and demo day files (dry runs: no Fortnox needed)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from runner_fakes import SETTLED, age_file

from pipeline.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]


def _invoke(tmp_path: Path, *args: str):  # noqa: ANN202
    return CliRunner().invoke(cli, ["--stores", str(ROOT / "examples" / "stores"), "--inbox", str(tmp_path / "inbox"),
                                    "--state-dir", str(tmp_path / "state"), *args])


def test_sync_dry_run_shows_what_would_be_posted_and_the_failing_day(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples" / "inbox", tmp_path / "inbox")
    for path in (tmp_path / "inbox").glob("*/*"):
        age_file(path, SETTLED)  # written by the tills last night
    result = _invoke(tmp_path, "sync", "--all", "--dry-run", "--today", "2026-11-28")
    assert result.exit_code == 1, result.output
    assert "hamnens-delikatesser 2026-11-25: KS304" in result.output
    assert "13 voucher(s) would post, 1 failed" in result.output
    assert sorted(p.name for p in (tmp_path / "inbox" / "sjobodens-krog").iterdir())[0] == "Z1187_20261123.SE"
    as_json = json.loads(_invoke(tmp_path, "sync", "--store", "sjobodens-krog", "--dry-run", "--json",
                                 "--today", "2026-11-28").output)
    assert as_json["format"] == 1 and as_json["ok"] and as_json["totals"]["planned"] == 5


def test_sync_rejects_conflicting_options(tmp_path: Path) -> None:
    result = _invoke(tmp_path, "sync", "--date", "2026-11-24", "--from", "2026-11-20")
    assert result.exit_code != 0


def test_sie_map_prints_vouchers_and_findings(tmp_path: Path) -> None:
    inbox = ROOT / "examples" / "inbox" / "hamnens-delikatesser"
    ok = _invoke(tmp_path, "sie", "map", "--store", "hamnens-delikatesser", str(inbox / "Z413_20261124.se"),
                 "--today", "2026-11-28")
    assert ok.exit_code == 0, ok.output
    assert "would post to series F" in ok.output and "2631" in ok.output
    bad = _invoke(tmp_path, "sie", "map", "--store", "hamnens-delikatesser", str(inbox / "Z414_20261125.se"),
                  "--json", "--today", "2026-11-28")
    assert bad.exit_code == 1
    voucher = json.loads(bad.output)["files"][0]["vouchers"][0]
    assert voucher["outcome"] == "error" and voucher["findings"][0]["rule"] == "KS304"


def test_sie_map_refuses_a_file_of_another_company(tmp_path: Path) -> None:
    """Before, `sie map` said "would post" for another store's file (another #ORGNR)."""
    theirs = tmp_path / "Z413_20261124.se"
    theirs.write_bytes((ROOT / "examples" / "inbox" / "hamnens-delikatesser" / "Z413_20261124.se").read_bytes().replace(
        b"#ORGNR 5568124373", b"#ORGNR 5591042683"))
    result = _invoke(tmp_path, "sie", "map", "--store", "hamnens-delikatesser", str(theirs), "--today", "2026-11-28")
    assert result.exit_code == 1 and "would post" not in result.output
    assert "is not store hamnens-delikatesser's own" in result.output and "KS314" in result.output
    assert "store sjobodens-krog" in result.output  # whose it is
    as_json = json.loads(_invoke(tmp_path, "sie", "map", "--store", "hamnens-delikatesser", str(theirs), "--json",
                                 "--today", "2026-11-28").output)
    assert as_json["files"][0]["code"] == "KS314" and as_json["files"][0]["findings"][0]["line"] == 7


def test_the_one_line_summaries_and_the_table_agree(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Before, "hamnens-delikatesser: 3 posted, 0 failed" stood above a table saying "failed 1": the line
    counted only the POSTs' outcomes, not the day that failed its mapping."""
    from datetime import date

    from runner_fakes import FakeFortnox

    from pipeline.cli.sync import run_sync
    from pipeline.config import load_stores
    from pipeline.runner.render import render_text
    from pipeline.runner.store_sync import SyncOptions
    from pipeline.settings import Settings

    shutil.copytree(ROOT / "examples" / "inbox", tmp_path / "inbox")
    for path in (tmp_path / "inbox").glob("*/*"):
        age_file(path, SETTLED)
    settings = Settings.from_env(stores_dir=ROOT / "examples" / "stores", inbox_dir=tmp_path / "inbox",
                                 state_dir=tmp_path / "state", env={})
    configs, _ = load_stores(ROOT / "examples" / "stores")
    fortnox = FakeFortnox()
    summary = run_sync(settings, [configs["hamnens-delikatesser"]], SyncOptions(today=date(2026, 11, 28)),
                       concurrency=1, show_progress=True, opener=fortnox.opener())
    line = next(x for x in capsys.readouterr().err.splitlines() if x.startswith("sync: "))
    row = next(x for x in render_text(summary).splitlines() if x.startswith("hamnens-delikatesser "))
    assert line == "sync: hamnens-delikatesser: 3 posted, 1 failed, 0 held, 0 pending, 0 skipped; files 4 read, " \
                   "3 archived; failed"
    assert row.split()[1:7] == ["3", "0", "1", "0", "0", "0"]
