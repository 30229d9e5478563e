"""The status page in headless Chromium: the DOM a browser builds has the grid and a failure's text and fix."""
from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_helpers import GENERATED, PLAN, STORES, TODAY, open_populated

from pipeline.report.build import build_status
from pipeline.report.plan_record import parse_plan
from pipeline.report.site import write_site

pytestmark = pytest.mark.browser
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,1000"]


def chromium() -> str:
    found = os.environ.get("KASSASYNC_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("headless Chromium is not installed (Debian: apt-get install chromium; .ci/run does this)")
    return found


def browse(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=120, check=False, cwd=tmp_path)


@pytest.fixture
def page(tmp_path: Path) -> Path:
    ledger = open_populated(tmp_path)
    try:
        days, files = ledger.store_days(), ledger.store_files(state="quarantined")
    finally:
        ledger.close()
    plan = parse_plan(PLAN, "last-plan.json", GENERATED)
    return write_site(build_status(STORES, days, files, TODAY, window=14, plan=plan, generated_at=GENERATED),
                      tmp_path / "site")


class _Dom(HTMLParser):
    """The grid's rows (store -> states) and the text of every failure box."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self.failures: list[str] = []
        self._store = ""
        self._depth = 0  # > 0 while inside a failure box

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr" and found.get("data-store"):
            self._store = found["data-store"] or ""
            self.rows[self._store] = []
        if tag == "td" and found.get("data-state"):
            self.rows[self._store].append(found["data-state"] or "")
        if self._depth:
            self._depth += 1
        elif tag == "div" and found.get("class") == "failure":
            self._depth = 1
            self.failures.append("")

    def handle_endtag(self, tag: str) -> None:
        if self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.failures[-1] += data


def test_chromium_renders_the_grid_and_a_failure(tmp_path: Path, page: Path) -> None:
    done = browse(tmp_path, "--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = _Dom()
    dom.feed(done.stdout)
    assert list(dom.rows) == ["hamnens-delikatesser", "kartbutiken-uppsala", "sjobodens-krog"]
    assert all(len(states) == 14 for states in dom.rows.values())
    assert dom.rows["hamnens-delikatesser"][-4:] == ["failed", "posted", "pending", "not_yet_due"]
    assert dom.rows["kartbutiken-uppsala"][5:13] == ["missing"] * 8
    vat = next(text for text in dom.failures if "KS304" in text)
    assert "VAT 12 % booked on 2026-11-25" in vat and "Fix: change the food VAT in the POS" in vat
    assert "kassasync sync --retry-failed --store hamnens-delikatesser" in vat


def test_chromium_takes_a_screenshot(tmp_path: Path, page: Path) -> None:
    shot = tmp_path / "page.png"
    done = browse(tmp_path, f"--screenshot={shot}", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
