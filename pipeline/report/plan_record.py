"""The last recorded plan (the JSON `kassasync plan --json-out FILE` writes), read for the status's drift column.

Every `kassasync plan --all` records its JSON as `last-plan.json` in the state directory (and
`--json-out FILE` writes it anywhere). Status reads the first of
`PLAN_FILES` in the state directory, or the file given with `--plan`. The file's modification time is when
the plan was recorded (the plan JSON carries no time of its own).
"""
from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import UserError
from pipeline.report.model import DriftItem, PlanRecord, StoreDrift

PLAN_FILES = ("last-plan.json", "plan/last.json")  # the first is where `plan --all` records it
log = logging.getLogger("kassasync.report")


def parse_plan(data: Any, path: str, recorded_at: datetime | None) -> PlanRecord:
    """A plan JSON document (format 1) as per-store drift; ValueError when it is not one."""
    if not isinstance(data, dict) or data.get("format") != 1 or not isinstance(data.get("stores"), list):
        raise ValueError("not a kassasync plan JSON document with \"format\": 1")
    stores: dict[str, StoreDrift] = {}
    for entry in data["stores"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("store"), str):
            raise ValueError("a store entry has no \"store\" id")
        items = [DriftItem("blocker", b.get("rule", ""), b.get("message", ""), b.get("fix"))
                 for b in entry.get("blockers") or []]
        items += [DriftItem("change", c.get("rule", ""), c.get("summary") or c.get("description") or "",
                            c.get("reason")) for c in entry.get("changes") or []]
        items += [DriftItem("warning", w.get("rule", ""), w.get("message", ""), w.get("fix"))
                  for w in entry.get("warnings") or []]
        stores[entry["store"]] = StoreDrift(status=str(entry.get("status") or _status(items)), items=tuple(items))
    return PlanRecord(path=path, recorded_at=recorded_at, stores=stores)


def _status(items: list[DriftItem]) -> str:
    if any(i.kind == "blocker" for i in items):
        return "blocked"
    return "changes" if any(i.kind == "change" for i in items) else "clean"


def find_plan_file(state_dir: Path) -> Path | None:
    for name in PLAN_FILES:
        candidate = state_dir / name
        if candidate.is_file():
            return candidate
    return None


def load_plan(state_dir: Path, explicit: Path | None = None) -> PlanRecord | None:
    """The last plan: `explicit` (an error if unreadable), else the state directory's (skipped with a warning)."""
    path = explicit or find_plan_file(state_dir)
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        recorded = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None, microsecond=0)
        return parse_plan(data, str(path), recorded)
    except (OSError, ValueError) as exc:
        if explicit is not None:
            raise UserError(f"cannot read the plan {path}: {exc}",
                            "write it with `kassasync plan --all --json-out FILE` and pass that FILE") from exc
        log.warning("ignoring the recorded plan %s: %s (write a new one with "
                    "`kassasync plan --all --json-out %s`)", path, exc, path)
        return None
