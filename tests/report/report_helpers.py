"""Shared set-up for the report tests: a ledger populated through the Ledger API, the stores, a plan file."""
from __future__ import annotations

import json
import os
from datetime import date, datetime, timedelta
from pathlib import Path

from pipeline.ledger import Ledger, VoucherRecord
from pipeline.report.model import StoreInfo

TODAY = date(2026, 11, 28)
GENERATED = datetime(2026, 11, 28, 6, 15)
GOLDEN = Path(__file__).parent / "golden"

STORES = [
    StoreInfo("hamnens-delikatesser", "Hamnens Delikatesser AB", date(2026, 11, 1)),
    StoreInfo("kartbutiken-uppsala", "Kartbutiken i Uppsala AB", date(2026, 11, 20)),
    StoreInfo("sjobodens-krog", "Sjöbodens Krog i Lysekil AB", date(2026, 6, 1)),
]

VAT_MESSAGE = ("article group MAT: VAT 12 % booked on 2026-11-25, but the store file says 6 % from "
               "2026-04-01 (account 2620, 143,57 kr)")
VAT_FIX = ("change the food VAT in the POS (Register > Varuförsäljning > Artikelgrupper, MAT) to 6 %; "
           "then run `kassasync sync --retry-failed --store hamnens-delikatesser`")


def _record(store: str, key: str, day: date, digest: str = "d" * 64) -> VoucherRecord:
    return VoucherRecord(key=f"{store}/{day}/{key}", store=store, business_date=day, file_digest=digest,
                         ver_id=key, marker="ks:" + key, source="{}", state="planned")


def populate(ledger: Ledger) -> None:
    """Three stores' histories: posted days, one failed day, a gap, work in flight, quarantined files."""
    run = ledger.start_run({"all": True})
    store = "hamnens-delikatesser"
    number = 100
    for offset in range(15, 27):  # 2026-11-15 .. 2026-11-26, with 2026-11-19 and 20 never arriving
        day = date(2026, 11, offset)
        if offset in (19, 20):
            continue
        rec = _record(store, f"Z{offset}", day)
        ledger.add_vouchers([rec], run)
        ledger.mark_pending([rec.key], run)
        if offset == 25:
            ledger.mark_failed(rec.key, code="KS304", message=VAT_MESSAGE, hint=VAT_FIX, permanent=True)
        else:
            number += 1
            ledger.mark_posted(rec.key, series="F", number=number, year=1)
    twin = _record(store, "Z24-copy", date(2026, 11, 24), digest="e" * 64)  # the same Z-report in a second file
    ledger.add_vouchers([twin], run)
    ledger.update_voucher(twin.key, state="skipped")
    late = _record(store, "Z27", date(2026, 11, 27))
    ledger.add_vouchers([late], run)  # read, not posted yet
    store = "sjobodens-krog"
    for offset in (20, 21, 22, 23, 24, 25):
        rec = _record(store, f"Z{offset}", date(2026, 11, offset))
        ledger.add_vouchers([rec], run)
        ledger.mark_pending([rec.key], run)
        ledger.mark_posted(rec.key, series="K", number=offset, year=2)
    uncertain = _record(store, "Z27", date(2026, 11, 27))
    ledger.add_vouchers([uncertain], run)
    ledger.mark_pending([uncertain.key], run)
    ledger.note_uncertain(uncertain.key, code="timeout",
                          message="Fortnox did not answer the post in time; the next sync checks whether it arrived",
                          hint="nothing to do: the next sync looks for the voucher before it posts again")
    ledger.record_file(store, "q" * 64, "inbox/quarantine/sjobodens-krog/Z1190_20261126.SE", "Z1190_20261126.SE",
                       "quarantined", note="line 14: #VER has no closing brace")
    ledger.record_file(store, "u" * 64, "inbox/quarantine/sjobodens-krog/export.se", "export.se",
                       "quarantined", note="not an SIE file: no #FLAGGA line")
    ledger.finish_run(run, posted=16, failed=1, skipped=0, summary="{}")


def open_populated(tmp_path: Path) -> Ledger:
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    populate(ledger)
    return ledger


PLAN = {
    "format": 1, "checksum": "abc", "status": "blocked",
    "summary": {"stores": 3, "changes": 2, "warnings": 0, "blockers": 1},
    "stores": [
        {"store": "hamnens-delikatesser", "status": "changes", "changes": [
            {"rule": "KS401", "summary": "activate account 3740 Öres- och kronutjämning", "reason": "inactive"},
            {"rule": "KS402", "summary": "create cost center CENT", "reason": "missing"}],
         "warnings": [], "blockers": []},
        {"store": "kartbutiken-uppsala", "status": "clean", "changes": [], "warnings": [], "blockers": []},
        {"store": "sjobodens-krog", "status": "blocked", "changes": [], "warnings": [], "blockers": [
            {"rule": "KS430", "message": "voucher series K does not allow manual bookkeeping",
             "fix": "in Fortnox, Inställningar > Bokföring > Verifikationsserier, tick Manuell kontering for K"}]},
    ],
}


def write_plan(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(PLAN, ensure_ascii=False), encoding="utf-8")
    stamp = datetime(2026, 11, 28, 5, 0).timestamp() - (datetime.now() - datetime.utcnow()).total_seconds()
    os.utime(path, (stamp, stamp))
    return path


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/report/golden/<name>; KASSASYNC_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if os.environ.get("KASSASYNC_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with KASSASYNC_UPDATE_GOLDEN=1 and review it"
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


__all__ = ["GENERATED", "STORES", "TODAY", "check_golden", "open_populated", "timedelta", "write_plan"]
