"""What changed between a reviewed plan (its JSON) and a fresh one: the lines apply prints when it refuses."""
from __future__ import annotations

from typing import Any

from deepdiff import DeepDiff

_KINDS = {"changes": "change", "warnings": "warning", "blockers": "blocker"}


def _view(doc: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Per store, the one-line texts of its changes, warnings and blockers (what a reviewer read)."""
    view: dict[str, dict[str, list[str]]] = {}
    for store in doc.get("stores") or []:
        view[str(store.get("store"))] = {
            "changes": [f"{c.get('rule')} {c.get('summary')}" for c in store.get("changes") or []],
            "warnings": [f"{w.get('rule')} {w.get('message')}" for w in store.get("warnings") or []],
            "blockers": [f"{b.get('rule')} {b.get('message')}" for b in store.get("blockers") or []],
        }
    return view


def plan_differences(reviewed: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    """Readable differences, e.g. `store x: new change KS411 activate account 1910 ...`; empty when the plans
    read the same (then only the live state behind them moved)."""
    diff = DeepDiff(_view(reviewed), _view(fresh), ignore_order=True, view="tree")
    lines: list[str] = []
    for kind, items in diff.items():
        for item in items:
            path = item.path(output_format="list")
            store = path[0]
            if kind == "dictionary_item_added" and len(path) == 1:
                lines.append(f"store {store}: not in the reviewed plan")
            elif kind == "dictionary_item_removed" and len(path) == 1:
                lines.append(f"store {store}: in the reviewed plan, not planned now")
            elif kind == "iterable_item_added":
                lines.append(f"store {store}: new {_KINDS[path[1]]} {item.t2}")
            elif kind == "iterable_item_removed":
                lines.append(f"store {store}: {_KINDS[path[1]]} gone: {item.t1}")
            elif kind == "values_changed" and len(path) >= 2:
                lines.append(f"store {store}: {_KINDS.get(path[1], path[1])} now reads {item.t2} (was {item.t1})")
    return sorted(lines)
