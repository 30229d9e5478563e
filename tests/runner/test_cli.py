"""The sync and sie map commands on the example stores and demo day files (dry runs: no Fortnox needed)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]


def _invoke(tmp_path: Path, *args: str):  # noqa: ANN202
    return CliRunner().invoke(cli, ["--stores", str(ROOT / "examples" / "stores"), "--inbox", str(tmp_path / "inbox"),
                                    "--state-dir", str(tmp_path / "state"), *args])


def test_sync_dry_run_shows_what_would_be_posted_and_the_failing_day(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples" / "inbox", tmp_path / "inbox")
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
