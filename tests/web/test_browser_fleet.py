"""The reseller's side in Chromium: the fleet page with 2,000 stores loads, filters and sorts; a store's page
shows its days, a 60-day sparkline with its gaps, and re-sends and revokes invitations (CSRF on each POST)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx2
import pytest
from browser_helpers import Watched, browser  # noqa: F401 - the fixture
from fleet_builder import org_number, write_fleet
from web_helpers import ADMIN_PASSWORD, TODAY, running_web

from pipeline.fortnox.models import VoucherDraft, VoucherRowDraft
from pipeline.ledger import Ledger, VoucherRecord
from pipeline.runner import items

pytestmark = pytest.mark.browser
STORES = 2000
GAPS = {TODAY - timedelta(days=10), TODAY - timedelta(days=11)}
TINY = TODAY - timedelta(days=20)


def fleet(root: Path) -> None:
    """2,000 cafés; every tenth starts today (nothing due, so fine), the rest miss days and need attention;
    cafe-000 has 60 days of sales in the ledger, but for two missing days (so it needs attention) and a tiny one."""
    write_fleet(root, STORES, 1, per_file=1)
    for index in range(0, STORES, 10):
        path = root / "stores" / f"cafe-{index:03d}.yaml"
        if index:
            path.write_text(path.read_text(encoding="utf-8").replace("start_date: 2026-01-01",
                                                                     f"start_date: {TODAY}"), encoding="utf-8")
    ledger = Ledger.open(f"sqlite:///{root / 'state' / 'ledger.sqlite3'}")
    try:
        records = []
        for n in range(1, 61):
            day = TODAY - timedelta(days=n)
            if day in GAPS:
                continue
            net = Decimal("5.00") if day == TINY else Decimal(1000 + 10 * n)
            vat = (net * Decimal("0.06")).quantize(Decimal("0.01"))
            draft = VoucherDraft("F", day, f"Dagskassa {day}", (VoucherRowDraft(1932, debit=net + vat),
                                 VoucherRowDraft(3010, credit=net), VoucherRowDraft(2631, credit=vat)))
            key = f"cafe-000/{day}/{'d' * 8}/Z{n}"
            payload = items.payload_json(draft)
            records.append(VoucherRecord(key=key, store="cafe-000", business_date=day, file_digest="d" * 64,
                                         ver_id=f"Z{n}", marker="ks1:" + key, source="{}", state="planned",
                                         payload=payload, payload_digest=items.payload_digest(payload)))
        ledger.add_vouchers(records, None)
        for number, record in enumerate(records, start=1):
            ledger.mark_posted(record.key, series="F", number=number, year=1)
    finally:
        ledger.close()


def test_fleet_of_two_thousand_loads_filters_and_sorts(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    (tmp_path / "state").mkdir()
    fleet(tmp_path)
    with running_web(tmp_path, {}, status_seconds=600.0) as web:
        context = browser.new_context(http_credentials={"username": "admin", "password": ADMIN_PASSWORD})
        page = context.new_page()
        page.set_default_timeout(120_000)  # the first reading of 2,000 store files takes a while on a busy machine
        watched = Watched(page, tmp_path / "screens")
        response = page.goto(f"{web.base_url}/fleet")
        assert response.status == 200
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert page.get_attribute("#count", "data-total") == str(STORES)
        assert page.locator("table.fleet tbody tr").count() == 100
        assert page.locator("table.fleet tbody tr").first.get_attribute("class") == "attention"  # attention first
        assert f"{STORES} stores" in page.inner_text("#totals") and "1801 need attention" in page.inner_text("#totals")
        watched.shot("20-fleet")

        for query, expected in (("cafe-1234", "cafe-1234"), (org_number(1235), "cafe-1234"),
                                (org_number(1235).replace("-", ""), "cafe-1234"), ("3001234", "cafe-1234")):
            page.fill("#q", query)
            page.click("#filter")
            page.wait_for_selector("#count[data-total='1']")
            assert page.locator("table.fleet tbody tr").first.get_attribute("data-store") == expected, query
        page.fill("#q", "Café 1999")  # the name, or "1999" in another café's org number (556001-9993)
        page.click("#filter")
        page.wait_for_selector("#count[data-total='2']")
        assert "cafe-1999" in page.locator("table.fleet tbody tr").evaluate_all("rows => rows.map(r => r.dataset.store)")
        watched.shot("21-fleet-search")

        page.fill("#q", "")
        page.check("input[name=attention]")
        page.click("#filter")
        page.wait_for_selector("#count[data-total='1801']")
        page.click("a.sort:has-text('Name')")
        page.wait_for_selector("a.sort.on:has-text('Name')")
        names = page.locator("table.fleet tbody tr td:nth-child(2)").all_inner_texts()
        assert names == sorted(names, key=str.lower) and len(names) == 100
        page.click("#next")
        page.wait_for_url("**page=2**")
        watched.shot("22-fleet-attention-by-name")

        page.goto(f"{web.base_url}/fleet/cafe-000")
        assert page.locator("svg.spark rect.bar").count() == 58 and page.locator("svg.spark rect.gap").count() == 2
        tiny = page.locator("svg.spark rect.bar", has=page.locator(f"title:has-text('{TINY}')"))
        assert float(tiny.get_attribute("height")) <= 1.5  # a tiny day is a sliver, visible at a glance
        assert page.locator("#day-grid .c").count() == 60
        watched.shot("23-store")

        page.fill("input[name=expires]", "3d")
        page.click("#resend")
        first_link = page.input_value("#new-link")
        assert first_link.startswith(f"{web.base_url}/i/")
        page.click("#resend")
        second_link = page.input_value("#new-link")
        states = page.locator("table.invitations tbody tr").evaluate_all("rows => rows.map(r => r.dataset.state)")
        assert second_link != first_link and states == ["issued", "revoked"]
        watched.shot("24-store-new-invitation")
        page.click("table.invitations tbody tr:first-child button")
        page.wait_for_url("**/fleet/cafe-000")
        assert page.locator("table.invitations tbody tr").first.get_attribute("data-state") == "revoked"
        watched.shot("25-store-revoked")
        context.close()

        assert httpx2.get(f"{web.base_url}/fleet", timeout=30).status_code == 401
        assert httpx2.get(f"{web.base_url}/fleet", auth=("admin", "wrong password"), timeout=30).status_code == 401
        forged = httpx2.post(f"{web.base_url}/fleet/cafe-000/invite", data={"expires": "7d"},
                             auth=("admin", ADMIN_PASSWORD), timeout=30)
        assert forged.status_code == 403  # no CSRF token, no new invitation
        assert len(web.state.invitations("cafe-000")) == 2
