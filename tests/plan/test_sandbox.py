"""plan, apply and doctor against the sandbox seeded from the example stores with drift (loopback only)."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import config as config_module
from pipeline.cli.main import cli
from pipeline.sandbox import seed as seed_module
from pipeline.sandbox import testing as sandbox_testing

STORES = Path(__file__).resolve().parents[2] / "examples" / "stores"
TODAY = date(2026, 11, 28)



@pytest.fixture(scope="module")
def drifted(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A sandbox with one tenant per example store, drifted: an inactive account, series F not manual,
    no next financial year."""
    configs, _diags = config_module.load_stores(STORES)
    assert configs, _diags
    seed = seed_module.seed_from_stores(list(configs.values()), drift=True, today=TODAY)
    with sandbox_testing.running_sandbox(tmp_path_factory.mktemp("sandbox"), seed=seed, today=TODAY) as handle:
        yield handle, configs


def kassasync(handle, state: Path, *args: str):  # type: ignore[no-untyped-def]
    env = {**handle.env(), "KASSASYNC_HOME": str(state)}
    argv = ["--stores", str(STORES), "--state-dir", str(state), "--inbox", str(state / "inbox"),
            *args, "--today", TODAY.isoformat()]
    return CliRunner().invoke(cli, argv, env=env)


def expected_changes(config) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """What the drift seed broke, in the plan's order."""
    return [("activate_account", str(min(config.accounts))),
            ("allow_manual_bookkeeping", config.voucher_series),
            ("create_financial_year", str(TODAY.year + 1))]


def test_plan_apply_plan_against_the_drifted_sandbox(drifted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    handle, configs = drifted
    result = kassasync(handle, tmp_path, "plan", "--all", "--format", "json", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    doc = json.loads(result.output)
    for store in doc["stores"]:
        assert store["blockers"] == [], store
        got = [(c["kind"], c["subject"]) for c in store["changes"]]
        assert got == expected_changes(configs[store["store"]]), store["store"]

    # Somebody changes one store between review and apply: the reviewed checksum no longer holds.
    first = doc["stores"][0]["store"]
    result = kassasync(handle, tmp_path, "apply", "--store", first, "--force", "--yes")
    assert result.exit_code == 0, result.output
    result = kassasync(handle, tmp_path, "apply", "--all", "--checksum", doc["checksum"], "--force", "--yes")
    assert result.exit_code == 1 and "KS432" in str(result.exception)

    again = json.loads(kassasync(handle, tmp_path, "plan", "--all", "--format", "json").output)
    result = kassasync(handle, tmp_path, "apply", "--all", "--checksum", again["checksum"], "--force", "--yes")
    assert result.exit_code == 0, result.output
    assert "Plan after apply: clean" in result.output

    result = kassasync(handle, tmp_path, "plan", "--all", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    assert "0 changes" in result.output


def test_plan_stays_within_twelve_requests_per_store(drifted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    handle, configs = drifted
    store = sorted(configs)[0]
    tenant = configs[store].tenant_id
    handle.reset_request_counts()
    kassasync(handle, tmp_path, "plan", "--store", store)
    assert 0 < handle.request_count(tenant) <= 12


def test_doctor_against_the_sandbox(drifted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    handle, configs = drifted
    store = sorted(configs)[-1]
    result = kassasync(handle, tmp_path, "doctor", "--store", store, "--format", "json")
    steps = {s["rule"]: s["status"] for s in json.loads(result.output)["stores"][0]["steps"]}
    assert steps["KS450"] == "ok" and steps["KS451"] == "ok" and steps["KS452"] == "ok"
