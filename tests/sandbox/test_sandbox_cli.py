"""`kassasync sandbox seed` and the user errors of `sandbox serve`."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli.main import cli

REPO = Path(__file__).resolve().parents[2]


def test_seed_from_example_stores_writes_a_loadable_file(tmp_path: Path) -> None:
    out = tmp_path / "seed.yaml"
    result = CliRunner().invoke(cli, ["--state-dir", str(tmp_path / "state"), "sandbox", "seed", "--from",
                                      str(REPO / "examples" / "stores"), "--out", str(out), "--today", "2026-11-28"])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["version"] == 1 and data["tenants"]
    assert all(t["consents"][0]["client_id"] == "kassasync-demo" for t in data["tenants"])

    from pipeline.sandbox.seed import load_seed

    assert load_seed(out)["tenants"][0]["financial_years"][-1]["from"] == "2027-01-01"


def test_seed_drift_flag(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--state-dir", str(tmp_path / "state"), "sandbox", "seed", "--from",
                                      str(REPO / "examples" / "stores"), "--drift", "--today", "2026-11-28"])
    assert result.exit_code == 0
    data = yaml.safe_load(result.output)
    assert all(len(t["financial_years"]) == 2 for t in data["tenants"])


def test_seed_from_missing_directory_is_a_user_error(tmp_path: Path) -> None:
    from pipeline.errors import UserError

    with pytest.raises(UserError, match="does not exist"):
        CliRunner().invoke(cli, ["--state-dir", str(tmp_path), "sandbox", "seed", "--from", str(tmp_path / "no")],
                           catch_exceptions=False, standalone_mode=False)


def test_serve_with_missing_seed_file_is_a_user_error(tmp_path: Path) -> None:
    from pipeline.errors import UserError

    with pytest.raises(UserError, match="seed file"):
        CliRunner().invoke(cli, ["--state-dir", str(tmp_path), "sandbox", "serve", "--seed",
                                 str(tmp_path / "none.yaml")], catch_exceptions=False, standalone_mode=False)
