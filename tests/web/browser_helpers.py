"""Playwright driving Debian's Chromium (never a downloaded browser): pages, screenshots, console errors."""
from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def chromium_path() -> str:
    found = os.environ.get("KASSASYNC_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium; .ci/run does this)")
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed (pip "
                                   "install -e '.[dev]')")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable,
                                              args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        yield launched
        launched.close()


class Watched:
    """A page whose console errors and uncaught exceptions fail the test, and which saves a screenshot per step."""

    def __init__(self, page: Any, shots: Path) -> None:
        self.page, self.shots = page, shots
        self.errors: list[str] = []
        self.seen: list[str] = []  # the HTML of every page shot, for the "no token on a page" check
        shots.mkdir(parents=True, exist_ok=True)
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def shot(self, name: str, *, status: int | None = None) -> Path:
        """Screenshot the page; every console error since the last shot fails the test, except Chromium's own
        note that this page's document came with the `status` the test expects (a 403 page, say)."""
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.seen.append(self.page.content())
        expected = re.compile(rf"status of {status}\b") if status else None
        unexpected = [e for e in self.errors if not (expected and expected.search(e))]
        self.errors.clear()
        assert not unexpected, f"console errors on {name}: {unexpected}"
        return path
