"""plan and apply commands end to end over fake tenants (no network): exit codes, checksum, safety, confirmation."""
from __future__ import annotations

import json
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from plan_fakes import Y2026, FakeFortnox, opener_for, store

from pipeline.cli import plan as plan_cli
from pipeline.cli.main import cli
from pipeline.config.model import StoreConfig
from pipeline.fortnox.errors import LicenceMissing

TODAY = ["--today", "2026-11-28"]


@pytest.fixture
def fleet(monkeypatch: pytest.MonkeyPatch) -> dict[str, FakeFortnox]:
    """Two stores, both in order; tests drift them. The store loader and client factory are replaced."""
    fakes = {"centrum": FakeFortnox.in_order(), "hamnen": FakeFortnox.in_order()}
    configs = {"centrum": store(), "hamnen": store(store="hamnen", path=Path("stores/hamnen.yaml"))}

    def select(_dir: Path, ids: tuple[str, ...], all_stores: bool) -> list[StoreConfig]:
        return [configs[s] for s in (sorted(configs) if all_stores else ids)]

    monkeypatch.setattr(plan_cli, "select_stores", select)
    monkeypatch.setattr(plan_cli, "opener_scope", lambda _settings: _scope(opener_for(fakes)))
    return fakes


@asynccontextmanager
async def _scope(opener):  # type: ignore[no-untyped-def]
    yield opener


def run(tmp_path: Path, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    """The command after the global options; `--inbox`/`--stores` given first are global options too."""
    split = 2 if args and args[0].startswith("--") else 0
    return CliRunner().invoke(cli, ["--state-dir", str(tmp_path), *args[:split], *args[split:], *TODAY],
                              input=input)


def drift(fake: FakeFortnox) -> None:
    fake.charts[1][1925] = replace(fake.charts[1][1925], active=False)
    del fake.charts[2][3740]


def test_plan_exit_codes(tmp_path: Path, fleet: dict[str, FakeFortnox]) -> None:
    assert run(tmp_path, "plan", "--all", "--detailed-exitcode").exit_code == 0
    drift(fleet["hamnen"])
    result = run(tmp_path, "plan", "--all")
    assert result.exit_code == 0 and "~ activate account 1925" in result.output
    assert run(tmp_path, "plan", "--all", "--detailed-exitcode").exit_code == 2
    fleet["centrum"].fail_with = LicenceMissing("Api-licens saknas.", code=2001103)
    result = run(tmp_path, "plan", "--all", "--detailed-exitcode")
    assert result.exit_code == 1 and "KS403" in result.output


def test_plan_needs_a_selection(tmp_path: Path) -> None:
    result = run(tmp_path, "plan")
    assert result.exit_code == 1 and "--store ID" in str(result.exception)


def test_plan_json_out_matches_stdout(tmp_path: Path, fleet: dict[str, FakeFortnox]) -> None:
    drift(fleet["centrum"])
    out = tmp_path / "plan.json"
    result = run(tmp_path, "plan", "--store", "centrum", "--format", "json", "--json-out", str(out))
    assert json.loads(result.output) == json.loads(out.read_text())
    assert json.loads(result.output)["summary"]["changes"] == 2


def test_apply_makes_the_plan_clean(tmp_path: Path, fleet: dict[str, FakeFortnox]) -> None:
    drift(fleet["centrum"])
    result = run(tmp_path, "apply", "--store", "centrum", "--yes")
    assert result.exit_code == 0, result.output
    assert "Plan after apply: clean" in result.output
    assert run(tmp_path, "plan", "--store", "centrum", "--detailed-exitcode").exit_code == 0


def test_apply_refuses_a_changed_checksum(tmp_path: Path, fleet: dict[str, FakeFortnox]) -> None:
    drift(fleet["centrum"])
    doc = json.loads(run(tmp_path, "plan", "--store", "centrum", "--format", "json").output)
    fleet["centrum"].charts[1][1910] = replace(fleet["centrum"].charts[1][1910], active=False)  # live change
    before = list(fleet["centrum"].requests)
    result = run(tmp_path, "apply", "--store", "centrum", "--checksum", doc["checksum"], "--yes")
    assert result.exit_code == 1 and "KS432" in str(result.exception)
    assert not any(r.startswith(("create", "update")) for r in fleet["centrum"].requests[len(before):])


def test_apply_with_the_reviewed_checksum(tmp_path: Path, fleet: dict[str, FakeFortnox]) -> None:
    drift(fleet["centrum"])
    doc = json.loads(run(tmp_path, "plan", "--store", "centrum", "--format", "json").output)
    reviewed = [(c["kind"], c["subject"], c["year"]) for c in doc["stores"][0]["changes"]]
    assert reviewed == [("activate_account", "1925", "2026"), ("create_account", "3740", "2027")]
    before = len(fleet["centrum"].requests)
    result = run(tmp_path, "apply", "--store", "centrum", "--checksum", doc["checksum"], "--yes")
    assert result.exit_code == 0, result.output
    # exactly the reviewed changes reached Fortnox, and nothing else
    writes = [r for r in fleet["centrum"].requests[before:] if r.startswith(("create", "update"))]
    assert writes == ["update account 1925 1", "create account 3740 2"]
    assert fleet["centrum"].charts[1][1925].active
    assert (fleet["centrum"].charts[2][3740].description, fleet["centrum"].charts[2][3740].active) == (
        "Öres- och kronutjämning", True)
    assert not [r for r in fleet["hamnen"].requests if r.startswith(("create", "update"))]
    again = json.loads(run(tmp_path, "plan", "--store", "centrum", "--format", "json").output)
    assert again["stores"][0]["changes"] == [] and again["stores"][0]["status"] == "clean"


def test_apply_wants_force_for_critical_changes(tmp_path: Path, fleet: dict[str, FakeFortnox]) -> None:
    fleet["centrum"].years = [Y2026]
    result = run(tmp_path, "apply", "--store", "centrum", "--yes")
    assert result.exit_code == 1 and "KS431" in str(result.exception)
    assert len(fleet["centrum"].years) == 1
    result = run(tmp_path, "apply", "--store", "centrum", "--yes", "--force")
    assert result.exit_code == 0, result.output
    assert len(fleet["centrum"].years) == 2


def test_apply_asks_and_a_no_changes_nothing(tmp_path: Path, fleet: dict[str, FakeFortnox]) -> None:
    drift(fleet["centrum"])
    result = run(tmp_path, "apply", "--store", "centrum", input="n\n")
    assert result.exit_code == 1 and "nothing was changed" in str(result.exception)
    assert not any(r.startswith(("create", "update")) for r in fleet["centrum"].requests)
    result = run(tmp_path, "apply", "--store", "centrum", input="y\n")
    assert result.exit_code == 0, result.output


def test_apply_skips_blocked_stores_and_exits_1(tmp_path: Path, fleet: dict[str, FakeFortnox]) -> None:
    drift(fleet["centrum"])
    drift(fleet["hamnen"])
    fleet["hamnen"].locked = replace(Y2026).to_date  # locked through 2026-12-31: over unposted days
    result = run(tmp_path, "apply", "--all", "--yes")
    assert result.exit_code == 1
    assert "centrum: ~ activate account 1925" in result.output
    assert not any(r.startswith(("create", "update")) for r in fleet["hamnen"].requests)


def test_doctor_lists_passed_and_failed_steps(tmp_path: Path, fleet: dict[str, FakeFortnox]) -> None:
    from test_render import check_golden

    result = run(tmp_path, "--inbox", "tests/plan/no-inbox", "doctor", "--store", "centrum")
    assert result.exit_code == 0, result.output
    drift(fleet["hamnen"])
    fleet["hamnen"].series[2]["F"] = replace(fleet["hamnen"].series[2]["F"], manual=False)
    fleet["hamnen"].locked = date(2026, 2, 28)
    result = run(tmp_path, "--inbox", "tests/plan/no-inbox", "doctor", "--all")
    assert result.exit_code == 1
    check_golden("doctor.txt", result.output)


def test_doctor_skips_what_needs_a_connection(tmp_path: Path, fleet: dict[str, FakeFortnox]) -> None:
    fleet["centrum"].fail_with = LicenceMissing("Api-licens saknas.", code=2001103)
    result = run(tmp_path, "--inbox", "tests/plan/no-inbox", "doctor", "--store", "centrum", "--format", "json")
    assert result.exit_code == 1
    steps = json.loads(result.output)["stores"][0]["steps"]
    assert steps[0]["rule"] == "KS450" and steps[0]["status"] == "fail"
    assert [s["status"] for s in steps[1:6]] == ["skip"] * 5


def test_apply_with_the_reviewed_plan_file_says_what_changed(tmp_path: Path,
                                                            fleet: dict[str, FakeFortnox]) -> None:
    drift(fleet["centrum"])
    reviewed = tmp_path / "plan.json"
    run(tmp_path, "plan", "--store", "centrum", "--json-out", str(reviewed))
    fleet["centrum"].charts[1][1910] = replace(fleet["centrum"].charts[1][1910], active=False)
    result = run(tmp_path, "apply", "--store", "centrum", "--plan", str(reviewed), "--yes")
    assert result.exit_code == 1
    message = str(result.exception)
    assert "KS432" in message and "store centrum: new change KS411 activate account 1910" in message
    fleet["centrum"].charts[1][1910] = replace(fleet["centrum"].charts[1][1910], active=True)
    result = run(tmp_path, "apply", "--store", "centrum", "--plan", str(reviewed), "--yes")
    assert result.exit_code == 0, result.output


def test_plan_differences_when_only_the_live_state_moved() -> None:
    from pipeline.plan.compare import plan_differences

    doc = {"format": 1, "stores": [{"store": "a", "changes": [{"rule": "KS410", "summary": "x"}]}]}
    assert plan_differences(doc, doc) == []
    gone = {"format": 1, "stores": [{"store": "a", "changes": []}, {"store": "b"}]}
    assert plan_differences(doc, gone) == ["store a: change gone: KS410 x", "store b: not in the reviewed plan"]
