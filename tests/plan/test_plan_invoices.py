"""plan and doctor for a store with invoice sync, against the sandbox: the invoice and customer scopes, the payment
terms, an undeclared clearing account, the cash method, and doctor's checkbox step read off the newest day file."""
from __future__ import annotations

import json
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from pipeline.cli.main import cli
from pipeline.config import load_stores
from pipeline.sandbox.seed import seed_from_stores
from pipeline.sandbox.testing import running_sandbox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runner"))
from invoice_fleet import INVOICED_DAY_ROWS, day_file, store_yaml  # noqa: E402

TODAY = date(2026, 11, 28)


def _run(root: Path, handle: Any, *args: str) -> Any:
    env = {**handle.env(), "KASSASYNC_HOME": str(root / "state")}
    return CliRunner().invoke(cli, ["--stores", str(root / "stores"), "--inbox", str(root / "inbox"), "--state-dir",
                                    str(root / "state"), *args, "--today", TODAY.isoformat()], env=env)


def _fleet(root: Path, text: str, **tenant: Any) -> tuple[dict[str, Any], Any]:
    (root / "stores").mkdir()
    (root / "stores" / "bokhandeln.yaml").write_text(text, encoding="utf-8")
    configs, diagnostics = load_stores(root / "stores")
    assert configs, [d.render() for d in diagnostics]
    seed = seed_from_stores(list(configs.values()), today=TODAY)
    seed["tenants"][0].update(tenant)
    return seed, configs


def _plan(root: Path, handle: Any) -> dict[str, Any]:
    result = _run(root, handle, "plan", "--store", "bokhandeln", "--format", "json")
    return json.loads(result.stdout)["stores"][0]  # type: ignore[no-any-return]


def test_a_consent_without_the_invoice_permissions_and_unknown_payment_terms_block(tmp_path: Path) -> None:
    text = store_yaml().replace('payment_terms: "30"', 'payment_terms: "45"')
    seed, _ = _fleet(tmp_path, text)
    seed["tenants"][0]["consents"][0]["scopes"] = ["bookkeeping", "companyinformation", "settings", "customer"]
    with running_sandbox(tmp_path / "sandbox", seed, today=TODAY, rate_limit=0) as handle:
        blockers = {b["rule"]: b for b in _plan(tmp_path, handle)["blockers"]}
        assert set(blockers) == {"KS440"}, blockers  # without the invoice scope the terms are not read either
        assert "invoice permission" in blockers["KS440"]["fix"]
        doctor = _run(tmp_path, handle, "doctor", "--store", "bokhandeln")
        assert doctor.exit_code == 1 and "[FAIL] KS459 the invoice stream can post" in doctor.stdout


def test_unknown_payment_terms_an_undeclared_clearing_account_and_the_cash_method(tmp_path: Path) -> None:
    text = (store_yaml(guard="clearing").replace('payment_terms: "30"', 'payment_terms: "45"')
            .replace("1518: Ej reskontraförda kundfordringar, ", "") + "rules: {disable: [KS110]}\n")
    seed, _ = _fleet(tmp_path, text)
    tenant = seed["tenants"][0]
    del tenant["terms_of_payment"]  # the company has a fresh Fortnox's terms only: 0, 10, 15, 20, 30 days
    del tenant["accounts"][1518]  # and no clearing account
    for year in tenant["financial_years"]:
        year["accounting_method"] = "CASH"
    with running_sandbox(tmp_path / "sandbox", seed, today=TODAY, rate_limit=0) as handle:
        plan = _plan(tmp_path, handle)
        rules = sorted(b["rule"] for b in plan["blockers"])
        assert rules == ["KS442", "KS443", "KS443"], plan["blockers"]  # 1518 is missing in 2025 and 2026
        assert [w["rule"] for w in plan["warnings"]] == ["KS444"]
        terms = next(b for b in plan["blockers"] if b["rule"] == "KS442")
        assert "Betalningsvillkor, code 45" in terms["fix"]


def test_doctors_checkbox_step_reads_the_newest_day_file(tmp_path: Path) -> None:
    seed, _ = _fleet(tmp_path, store_yaml())
    inbox = tmp_path / "inbox" / "bokhandeln"
    inbox.mkdir(parents=True)
    path = inbox / "dag_20261127.se"
    path.write_bytes(day_file("2026-11-27", INVOICED_DAY_ROWS))
    stamp = time.time() - 3600
    os.utime(path, (stamp, stamp))
    with running_sandbox(tmp_path / "sandbox", seed, today=TODAY, rate_limit=0) as handle:
        doctor = _run(tmp_path, handle, "doctor", "--store", "bokhandeln")
        assert "[FAIL] KS457" in doctor.stdout and "books 2490.00 on 1512" in doctor.stdout
        assert "in the till itself" in doctor.stdout
        assert "[ok  ] KS459 the invoice stream can post" in doctor.stdout
        path.write_bytes(day_file("2026-11-27", [(3003, "-2349.06"), (2630, "-140.94"), (1910, "2490.00")]))
        os.utime(path, (stamp, stamp))
        doctor = _run(tmp_path, handle, "doctor", "--store", "bokhandeln")
        assert "[ok  ] KS457" in doctor.stdout and "books nothing on 1512" in doctor.stdout
