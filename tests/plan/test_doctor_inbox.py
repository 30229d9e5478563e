"""Doctor's day-file step over the example stores and the demo day files (the runner's reader and mapping)."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from pipeline.config import load_stores
from pipeline.plan.doctor import KS458_DAY_FILE
from pipeline.plan.inputs import day_file_step

ROOT = Path(__file__).resolve().parents[2]
STORE = "hamnens-delikatesser"
TODAY = date(2026, 11, 28)


@pytest.fixture
def config():  # type: ignore[no-untyped-def]
    configs, _ = load_stores(ROOT / "examples" / "stores")
    return configs[STORE]


def test_latest_demo_day_file_maps_cleanly(config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(ROOT / "examples" / "inbox" / STORE, tmp_path / STORE)
    step = day_file_step(tmp_path, config, TODAY)
    assert step.rule == KS458_DAY_FILE and step.passed is True, step
    assert "Z415_20261126.se" in step.detail  # the newest file, not the first


def test_unreadable_day_file_fails_with_a_fix(config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / STORE).mkdir()
    (tmp_path / STORE / "Z999_20261127.se").write_bytes(b"\x00\x01 this is not SIE\n")
    step = day_file_step(tmp_path, config, TODAY)
    assert step.passed is False and "Z999_20261127.se" in step.detail and step.fix


def test_no_day_file_is_not_checked(config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    step = day_file_step(tmp_path, config, TODAY)
    assert step.passed is None and "no day file" in step.detail
