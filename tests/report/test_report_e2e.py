"""End to end: the demo day files synced into the sandbox, then status and report read the real ledger."""
from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def synced(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """The three example stores' demo inbox synced once against a sandbox seeded from their store files."""
    from pipeline.config import load_stores
    from pipeline.sandbox.seed import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, seed_from_stores
    from pipeline.sandbox.testing import running_sandbox

    shutil.copytree(ROOT / "examples" / "inbox", tmp_path / "inbox")
    settled = time.time() - 3600  # the tills wrote the day files last night: settled (inbox.settle_seconds)
    for path in (tmp_path / "inbox").glob("*/*"):
        os.utime(path, (settled, settled))
    configs, _ = load_stores(ROOT / "examples" / "stores")
    seed = seed_from_stores(list(configs.values()), today=date(2026, 11, 28))
    with running_sandbox(tmp_path / "sandbox", seed) as sandbox:
        env = {"FORTNOX_API_URL": f"{sandbox.base_url}/3", "FORTNOX_AUTH_URL": f"{sandbox.base_url}/oauth-v1",
               "FORTNOX_CLIENT_ID": DEMO_CLIENT_ID, "FORTNOX_CLIENT_SECRET": DEMO_CLIENT_SECRET,
               "KASSASYNC_SECRET_KEY": "report-e2e-test-key-0123456789", "KASSASYNC_DATABASE_URL": ""}
        result = invoke(tmp_path, env, "sync", "--all", "--json")
        assert result.exit_code in (0, 1), result.output
        yield tmp_path, env


def invoke(home: Path, env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--stores", str(ROOT / "examples" / "stores"), "--inbox", str(home / "inbox"),
                                    "--state-dir", str(home / "state"), *args, "--today", "2026-11-28"], env=env)


def test_status_and_report_after_a_real_sync(synced: tuple[Path, dict[str, str]]) -> None:
    home, env = synced
    data = json.loads(invoke(home, env, "status", "--format", "json").output)
    by_store = {s["store"]: s for s in data["stores"]}
    assert set(by_store) == {"hamnens-delikatesser", "kartbutiken-uppsala", "sjobodens-krog"}
    hamnen = by_store["hamnens-delikatesser"]
    assert hamnen["last_posted_day"] == "2026-11-26"
    assert [f["date"] for f in hamnen["failed"]] == ["2026-11-25"] and hamnen["failed"][0]["code"] == "KS304"
    assert "--retry-failed" in hamnen["failed"][0]["fix"]
    assert all(s["posted_days"] >= 3 for s in data["stores"])
    result = invoke(home, env, "report", "--out", str(home / "site"))
    assert result.exit_code == 0, result.output
    page = (home / "site" / "index.html").read_text(encoding="utf-8")
    assert 'data-date="2026-11-25" data-state="failed"' in page and "KS304" in page
