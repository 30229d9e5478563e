"""Golden files for every plan renderer. Regenerate with KASSASYNC_UPDATE_GOLDEN=1 and review the diff as text."""
from __future__ import annotations

import asyncio
import json
import os
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from plan_fakes import TODAY, Y2026, FakeFortnox, opener_for, store

from pipeline.fortnox.models import CompanyInformation
from pipeline.plan import render
from pipeline.plan.model import Plan
from pipeline.plan.run import as_plan, plan_many

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("KASSASYNC_UPDATE_GOLDEN") == "1"


def sample_plan() -> Plan:
    """Three stores: one clean, one with changes of every kind and a warning, one blocked."""
    clean = FakeFortnox.in_order()
    drifted = FakeFortnox.in_order(years=[Y2026])
    del drifted.charts[1][3740]
    drifted.charts[1][1925] = replace(drifted.charts[1][1925], active=False)
    drifted.charts[1][1910] = replace(drifted.charts[1][1910], description="Kassa | växel <1>")
    drifted.series[1]["F"] = replace(drifted.series[1]["F"], manual=False)
    drifted.centers = {}
    blocked = FakeFortnox.in_order(company=CompanyInformation("Annat AB", "556677-8899", 1234567),
                                   locked=date(2026, 6, 30))
    configs = [
        store(store="centrum"),
        store(store="hamnen", name="Övningskund AB – Hamnen", cost_center="HAMN",
              path=Path("stores/hamnen.yaml")),
        store(store="torget", name="Torgets Kiosk", path=Path("stores/torget.yaml")),
    ]
    fakes = {"centrum": clean, "hamnen": drifted, "torget": blocked}
    planned = asyncio.run(plan_many(configs, opener_for(fakes), TODAY))
    return as_plan(planned)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path} is missing: run KASSASYNC_UPDATE_GOLDEN=1 pytest tests/plan and review it")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; if intended, regenerate and review"


@pytest.mark.parametrize(("fmt", "name"), [
    ("text", "plan.txt"), ("json", "plan.json"), ("markdown", "plan.md"), ("github", "plan.github.txt"),
])
def test_renderer_matches_golden(fmt: str, name: str) -> None:
    check_golden(name, render.render(sample_plan(), fmt))


def test_clean_plan_text_golden() -> None:
    planned = asyncio.run(plan_many([store()], opener_for({"centrum": FakeFortnox.in_order()}), TODAY))
    check_golden("plan-clean.txt", render.render_text(as_plan(planned), all_stores=True))


def test_json_is_versioned_and_complete() -> None:
    doc = json.loads(render.render_json(sample_plan()))
    assert doc["format"] == 1
    assert doc["status"] == "blocked"
    assert [s["status"] for s in doc["stores"]] == ["clean", "changes", "blocked"]
    assert doc["summary"]["changes"] == sum(len(s["changes"]) for s in doc["stores"])
    assert all(len(s["checksum"]) == 64 for s in doc["stores"])


def test_markdown_escapes_table_breaking_text() -> None:
    md = render.render_markdown(sample_plan())
    assert "Kassa \\| växel &lt;1&gt;" in md
    assert md.startswith("<!-- kassasync-plan -->")


def test_checksum_is_stable_and_follows_the_live_state() -> None:
    first, second = sample_plan(), sample_plan()
    assert first.checksum == second.checksum
    fake = FakeFortnox.in_order()
    before = as_plan(asyncio.run(plan_many([store()], opener_for({"centrum": fake}), TODAY)))
    fake.charts[1][1910] = replace(fake.charts[1][1910], description="Kassa 2")  # only a warning appears
    after = as_plan(asyncio.run(plan_many([store()], opener_for({"centrum": fake}), TODAY)))
    assert before.checksum != after.checksum
    fake.charts[1][1010] = replace(fake.charts[1][1010], active=True)  # not the store's: no effect
    again = as_plan(asyncio.run(plan_many([store()], opener_for({"centrum": fake}), TODAY)))
    assert again.checksum == after.checksum


def test_apply_workflow_reads_what_the_markdown_writes() -> None:
    """apply.yml finds the reviewed checksum and stores in the plan comment with these exact markers."""
    import re

    root = Path(__file__).resolve().parents[2]
    workflow = (root / ".github" / "workflows" / "apply.yml").read_text(encoding="utf-8")
    plan = sample_plan()
    md = render.render_markdown(plan)
    assert "<!-- kassasync-plan -->" in workflow and md.startswith("<!-- kassasync-plan -->")
    checksum = re.search(r"^<!-- kassasync-checksum: ([0-9a-f]*) -->$", md, re.M)
    stores = re.search(r"^<!-- kassasync-stores: (.*) -->$", md, re.M)
    assert checksum and checksum.group(1) == plan.checksum
    assert stores and stores.group(1).split() == [s.store for s in plan.stores]
    assert "kassasync-checksum: " in workflow and "kassasync-stores: " in workflow


def test_markdown_too_long_for_a_comment_keeps_only_the_table() -> None:
    plan = sample_plan()
    full = render.render_markdown(plan)
    compact = render.render_markdown(plan, limit=len(full) - 1)
    assert "<details" in full and "<details" not in compact
    assert "| `hamnen`" in compact and "plan.json" in compact
    assert f"<!-- kassasync-checksum: {plan.checksum} -->" in compact
