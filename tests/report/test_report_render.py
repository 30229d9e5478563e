"""Text, JSON and HTML renderings of a populated ledger, against golden files (KASSASYNC_UPDATE_GOLDEN=1)."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from report_helpers import GENERATED, PLAN, STORES, TODAY, check_golden, open_populated

from pipeline.ledger import DayStatus, Ledger, day_state
from pipeline.report.build import build_status
from pipeline.report.model import StatusModel, StoreInfo
from pipeline.report.plan_record import parse_plan
from pipeline.report.render import missing_text, render_html, render_json, render_text


def days_voucher_by_voucher(ledger: Ledger) -> list[DayStatus]:
    """The day summaries from every voucher read whole: the reference `Ledger.store_days` must agree with."""
    found = []
    for store in ledger.stores():
        grouped: dict[date, list] = {}
        for record in sorted(ledger.store_vouchers(store), key=lambda r: r.key):
            grouped.setdefault(record.business_date, []).append(record)
        for day, records in grouped.items():
            failed = [r for r in records if r.state == "failed"]
            attention = failed or [r for r in records if r.state == "pending" and r.error_message]
            first = attention[0] if attention else None
            found.append(DayStatus(
                store=store, business_date=day, state=day_state(r.state for r in records), vouchers=len(records),
                posted=sum(1 for r in records if r.state == "posted"), failed=len(failed),
                error_code=first.error_code if first else None,
                error_message=first.error_message if first else None,
                error_hint=first.error_hint if first else None,
                error_permanent=first.error_permanent if first else None,
                fortnox=tuple(f"{r.series} {r.number} (year {r.year})" for r in records if r.state == "posted")))
    return found


def model(tmp_path: Path, *, with_plan: bool = True) -> StatusModel:
    ledger = open_populated(tmp_path)
    try:
        days, files = ledger.store_days(), ledger.store_files(state="quarantined")
        assert days == days_voucher_by_voucher(ledger)  # the counting query agrees with reading every voucher
        assert [d.fortnox for d in ledger.store_days(references_from=TODAY)] == [()] * len(days)
    finally:
        ledger.close()
    plan = parse_plan(PLAN, "state/last-plan.json", datetime(2026, 11, 28, 5, 0)) if with_plan else None
    return build_status(STORES, days, files, TODAY, window=14, plan=plan, generated_at=GENERATED)


def test_text_golden(tmp_path: Path) -> None:
    text = render_text(model(tmp_path))
    check_golden("status.txt", text)
    assert "KS304" in text and "fix: change the food VAT" in text


def test_text_without_a_plan_says_so(tmp_path: Path) -> None:
    text = render_text(model(tmp_path, with_plan=False))
    assert text.count("drift            no plan recorded") == 3
    check_golden("status-no-plan.txt", text)


def test_json_is_versioned_and_complete(tmp_path: Path) -> None:
    data = json.loads(render_json(model(tmp_path)))
    assert data["format"] == 1 and data["today"] == "2026-11-28"
    assert data["summary"] == {"stores": 3, "attention": 3, "failed_days": 2, "held_days": 0, "missing_days": 10,
                               "pending_days": 2, "drifting_stores": 2}
    hamnen = data["stores"][0]
    assert hamnen["last_posted_day"] == "2026-11-26"
    assert hamnen["failed"][0]["code"] == "KS304" and hamnen["failed"][0]["fix"].startswith("change the food VAT")
    assert hamnen["missing"] == [{"from": "2026-11-19", "to": "2026-11-20", "days": 2}]
    assert hamnen["drift"]["changes"] == 2 and len(hamnen["days"]) == 14
    assert data["stores"][1]["missing"] == [{"from": "2026-11-20", "to": "2026-11-27", "days": 8}]
    assert data["stores"][2]["quarantined_undated"][0]["name"] == "export.se"
    (tmp_path / "again").mkdir()
    check_golden("status.json", render_json(model(tmp_path / "again")))


class _Cells(HTMLParser):
    """Collects the grid's cells: (store, date, state, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str, str]] = []
        self.store = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr" and found.get("data-store"):
            self.store = found["data-store"] or ""
        if tag == "td" and found.get("data-state"):
            self.cells.append((self.store, found.get("data-date") or "", found["data-state"] or ""))


def test_html_golden_and_grid(tmp_path: Path) -> None:
    page = render_html(model(tmp_path))
    check_golden("index.html", page)
    parser = _Cells()
    parser.feed(page)
    assert len(parser.cells) == 3 * 14
    assert ("hamnens-delikatesser", "2026-11-25", "failed") in parser.cells
    assert ("kartbutiken-uppsala", "2026-11-27", "missing") in parser.cells
    assert ("sjobodens-krog", "2026-11-28", "not_yet_due") in parser.cells
    assert 'id="fail-hamnens-delikatesser-2026-11-25"' in page and "Fix: change the food VAT" in page
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")  # self-contained


def test_html_escapes_what_comes_from_files_and_fortnox(tmp_path: Path) -> None:
    bad = DayStatus(store="x", business_date=date(2026, 11, 27), state="failed", vouchers=1, posted=0, failed=1,
                    error_code="2000", error_message="<script>alert(1)</script>", error_hint="a & b")
    page = render_html(build_status([StoreInfo("x", "<b>X</b>", None)], [bad], [], TODAY, window=3))
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;X&lt;/b&gt;" in page and "a &amp; b" in page


def test_missing_text_caps_to_recent_days() -> None:
    store = StoreInfo("s", "S", date(2026, 1, 1))
    first = DayStatus("s", date(2026, 1, 1), "posted", 1, 1, 0)
    gap = build_status([store], [first, DayStatus("s", date(2026, 11, 27), "posted", 1, 1, 0)], [], TODAY, window=3)
    assert missing_text(gap.stores[0], TODAY) == "2026-10-28 – 2026-11-26 (30 days); 329 in all since 2026-01-02"
    recent = [DayStatus("s", date(2026, 10, n), "posted", 1, 1, 0) for n in range(20, 32)]
    recent += [DayStatus("s", date(2026, 11, n), "posted", 1, 1, 0) for n in range(1, 28)]
    old = build_status([store], [first, *recent], [], TODAY, window=3)
    assert missing_text(old.stores[0], TODAY) == "none in the last 31 days (291 days earlier; see --format json)"
    assert missing_text(build_status([store], [], [], date(2026, 1, 1)).stores[0], TODAY) == "none"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_every_state_colour_pair_has_enough_contrast() -> None:
    import re

    from pipeline.report.model import DAY_STATES

    css = (Path(__file__).resolve().parents[2] / "pipeline" / "templates" / "report.html.j2").read_text(encoding="utf-8")
    for state in DAY_STATES:
        rule = re.search(rf"\.s-{state} {{ background: #(\w{{6}}); color: #(\w{{6}}); }}", css)
        assert rule, f"no colour rule for state {state}"
        light, dark = sorted((_luminance(rule[1]), _luminance(rule[2])), reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, f"state {state}: contrast below WCAG AA"


def test_text_caps_long_failure_lists() -> None:
    failed = [DayStatus("s", date(2026, 10, 1) + timedelta(days=n), "failed", 1, 0, 1,
                        error_code="2000550", error_message="account 1930 is inactive", error_hint="activate it")
              for n in range(40)]
    text = render_text(build_status([StoreInfo("s", "S", date(2026, 10, 1))], failed, [], TODAY, window=3))
    assert "failed           40 days" in text and text.count("account 1930 is inactive") == 31
    assert "... and 9 earlier (see --format json)" in text


def test_a_stores_fleet_jobs_show_in_text_json_and_html(tmp_path: Path) -> None:
    from dataclasses import replace

    from pipeline.fleet.jobs import StoreJobs

    base = model(tmp_path)
    failing = StoreJobs(waiting=1, running=0, failed=2, failed_at=datetime(2026, 11, 28, 4, 31))
    stores = (replace(base.stores[0], jobs=failing), replace(base.stores[1], jobs=StoreJobs()), *base.stores[2:])
    jobs_model = replace(base, stores=stores)
    text = render_text(jobs_model)
    assert ("fleet jobs       1 waiting, 0 running, 2 failed (last at 2026-11-28 04:31 UTC): the worker's log says "
            "why") in text
    assert "fleet jobs       0 waiting, 0 running, 0 failed\n" in text
    data = json.loads(render_json(jobs_model))["stores"]
    assert data[0]["jobs"] == {"waiting": 1, "running": 0, "failed": 2, "failed_at": "2026-11-28T04:31:00",
                               "reason": None}
    told = replace(failing, reason="store file stores/cafe-001.yaml has 1 error(s)")
    assert told.text.endswith("(last at 2026-11-28 04:31 UTC): store file stores/cafe-001.yaml has 1 error(s)")
    assert told.to_json()["reason"] == "store file stores/cafe-001.yaml has 1 error(s)"
    calm = replace(base.stores[0], failed=(), held=(), missing=(), undated=(), drift=None, reconciled=None,
                   invoices=None)
    assert replace(calm, jobs=failing).needs_attention and not replace(calm, jobs=StoreJobs()).needs_attention
    assert 'data-jobs-failed="2"' in render_html(jobs_model)
