"""sync.yml: nightly and manual, one run at a time, secrets from the repository, the commands in order."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "sync.yml"


def load() -> dict[Any, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_triggers_and_concurrency() -> None:
    flow = load()
    triggers = flow[True]  # PyYAML reads the bare key `on` as a boolean
    assert triggers["schedule"][0]["cron"] and "workflow_dispatch" in triggers
    monthly = triggers["schedule"][1]["cron"]
    assert monthly.split()[2:] == ["3", "*", "*"]  # the 3rd of each month
    reconcile = next(s for s in flow["jobs"]["sync"]["steps"] if "reconcile --all" in s.get("run", ""))
    assert f"github.event.schedule == '{monthly}'" in reconcile["if"]
    assert flow["concurrency"] == {"group": "kassasync-sync", "cancel-in-progress": False}
    assert flow["permissions"] == {"contents": "read"}


def test_secrets_and_commands() -> None:
    job = load()["jobs"]["sync"]
    for name in ("FORTNOX_CLIENT_ID", "FORTNOX_CLIENT_SECRET", "KASSASYNC_SECRET_KEY", "KASSASYNC_DATABASE_URL"):
        assert job["env"][name] == f"${{{{ secrets.{name} }}}}"
    script = "\n".join(step.get("run", "") for step in job["steps"])
    order = [script.index(part) for part in ("tokens refresh --older-than 30d", "sync --all --json",
                                             "reconcile --all --month", "report --out site/")]
    assert order == sorted(order)
    upload = next(step for step in job["steps"] if str(step.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "site/" and upload["if"] == "${{ !cancelled() }}"
