"""A non-manual or missing series stops the store at its first voucher, whatever number Fortnox's error has:
the client recognises the refusal by its message, so the early stop works against the real Fortnox too."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fleet_builder import write_fleet

from pipeline.cli.main import cli
from pipeline.config import load_stores
from pipeline.sandbox import errors as sandbox_errors
from pipeline.sandbox.seed import seed_from_stores
from pipeline.sandbox.testing import running_sandbox


def _seed(root: Path, series: list[dict[str, Any]]) -> dict[str, Any]:
    configs, _ = load_stores(root / "stores")
    seed = seed_from_stores(list(configs.values()), today=date(2026, 11, 28))
    for tenant in seed["tenants"]:
        tenant["voucher_series"] = series
    return seed


@pytest.mark.parametrize(("series", "hint"), [
    ([{"code": "A", "manual": True}, {"code": "F", "manual": False}], "tick Manuell kontering for series F"),
    ([{"code": "A", "manual": True}], "create series F"),
])
def test_the_store_stops_at_the_first_refusal_recognised_by_its_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, series: list[dict[str, Any]], hint: str) -> None:
    # Numbers the client has never seen, as the real Fortnox's unknown codes would be.
    monkeypatch.setattr(sandbox_errors, "PLACEHOLDER_CODES",
                        {name: 2990000 + n for n, name in enumerate(sandbox_errors.PLACEHOLDER_CODES)})
    write_fleet(tmp_path, stores=1, vouchers_per_store=4)
    with running_sandbox(tmp_path / "sandbox", seed=_seed(tmp_path, series), today=date(2026, 11, 28),
                         rate_limit=0) as sandbox:
        for key, value in {**sandbox.env(), "KASSASYNC_HOME": str(tmp_path / "state")}.items():
            monkeypatch.setenv(key, value)
        sandbox.reset_request_counts()
        result = CliRunner().invoke(cli, ["--stores", str(tmp_path / "stores"), "--inbox", str(tmp_path / "inbox"),
                                          "-q", "sync", "--all", "--json", "--today", "2026-11-28"])
        requests = sandbox.request_count("3000000")
    assert result.exit_code == 1, result.output
    summary = json.loads(result.output)
    failures = summary["stores"][0]["failures"]
    assert len(failures) == 4 and all(hint in f["hint"] for f in failures)
    assert all(f["code"].startswith("299") for f in failures)  # the number Fortnox sent, shown as it came
    # One financial-year look-up and one refused POST: the other three vouchers were never sent.
    assert requests <= 3
