"""Golden tests: each example store's demo day files and the Fortnox vouchers they must become.

The goldens live in tests/mapping/golden/<store>/<file>.json; regenerate with KASSASYNC_UPDATE_GOLDEN=1
after checking the change by hand (`kassasync sie map --store ID FILE` shows the same data as text).
"""
from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from pipeline.config import get_store
from pipeline.runner.preview import preview_file

ROOT = Path(__file__).resolve().parents[2]
INBOX = ROOT / "examples" / "inbox"
GOLDEN = Path(__file__).parent / "golden"
TODAY = date(2026, 11, 28)
CASES = sorted((p.parent.name, p.name) for p in INBOX.glob("*/*") if p.suffix.lower() in (".se", ".si"))


@pytest.mark.parametrize(("store", "name"), CASES)
def test_day_file_becomes_its_golden_vouchers(store: str, name: str) -> None:
    config = get_store(ROOT / "examples" / "stores", store)
    actual = preview_file(config, INBOX / store / name, TODAY)
    actual["path"] = f"demo/inbox/{store}/{name}"
    for finding in [*actual["findings"], *(f for v in actual["vouchers"] for f in v["findings"])]:
        finding.pop("rendered")
    golden = GOLDEN / store / f"{name}.json"
    if os.environ.get("KASSASYNC_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert actual == json.loads(golden.read_text(encoding="utf-8"))


def test_every_golden_voucher_balances_and_exactly_one_demo_day_fails() -> None:
    errors = []
    for path in GOLDEN.glob("*/*.json"):
        for voucher in json.loads(path.read_text(encoding="utf-8"))["vouchers"]:
            if voucher["voucher"] is None:
                errors.append((path.name, [f["rule"] for f in voucher["findings"]]))
                continue
            rows = voucher["voucher"]["rows"]
            assert sum(float(r["debit"]) - float(r["credit"]) for r in rows) == pytest.approx(0, abs=1e-9)
    assert errors == [("Z414_20261125.se.json", ["KS304"])]
    assert len(CASES) >= 9
