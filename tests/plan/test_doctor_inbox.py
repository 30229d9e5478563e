"""Doctor's day-file step over the example stores and the demo day files (the runner's reader and mapping)."""
from __future__ import annotations

import os
import shutil
import time
from datetime import date
from pathlib import Path

import pytest

from pipeline.config import load_stores
from pipeline.plan.doctor import KS458_DAY_FILE
from pipeline.plan.inputs import day_file_step

ROOT = Path(__file__).resolve().parents[2]
STORE = "hamnens-delikatesser"
TODAY = date(2026, 11, 28)


def _settled(folder: Path) -> None:
    """The day files as the till left them an hour ago (doctor, like sync, looks only at settled files)."""
    stamp = time.time() - 3600
    for path in folder.iterdir():
        os.utime(path, (stamp, stamp))


@pytest.fixture
def config():  # type: ignore[no-untyped-def]
    configs, _ = load_stores(ROOT / "examples" / "stores")
    return configs[STORE]


def test_latest_demo_day_file_maps_cleanly(config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(ROOT / "examples" / "inbox" / STORE, tmp_path / STORE)
    _settled(tmp_path / STORE)
    step = day_file_step(tmp_path, config, TODAY)
    assert step.rule == KS458_DAY_FILE and step.passed is True, step
    assert "Z415_20261126.se" in step.detail  # the newest file, not the first


def test_unreadable_day_file_fails_with_a_fix(config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / STORE).mkdir()
    (tmp_path / STORE / "Z999_20261127.se").write_bytes(b"\x00\x01 this is not SIE\n")
    _settled(tmp_path / STORE)
    step = day_file_step(tmp_path, config, TODAY)
    assert step.passed is False and "Z999_20261127.se" in step.detail and step.fix


def test_no_day_file_is_not_checked(config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    step = day_file_step(tmp_path, config, TODAY)
    assert step.passed is None and "no day file" in step.detail


def test_a_day_file_of_another_store_fails_naming_that_store(config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Before, doctor said ok: the file mapped cleanly, whoever's it was."""
    (tmp_path / STORE).mkdir()
    theirs = (ROOT / "examples" / "inbox" / STORE / "Z415_20261126.se").read_bytes().replace(
        b"#ORGNR 5568124373", b"#ORGNR 559104-2683")  # sjobodens-krog's org number
    (tmp_path / STORE / "Z415_20261126.se").write_bytes(theirs)
    _settled(tmp_path / STORE)
    step = day_file_step(tmp_path, config, TODAY, ROOT / "examples" / "stores")
    assert step.passed is False and "KS314" in step.detail and ":7:" in step.detail
    assert "store sjobodens-krog" in step.fix


def test_a_day_file_without_orgnr_passes_with_a_warning(config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / STORE).mkdir()
    content = (ROOT / "examples" / "inbox" / STORE / "Z415_20261126.se").read_bytes().replace(b"#ORGNR 5568124373\r\n", b"")
    (tmp_path / STORE / "Z415_20261126.se").write_bytes(content)
    _settled(tmp_path / STORE)
    step = day_file_step(tmp_path, config, TODAY)
    assert step.passed is True and "KS315" in step.detail


def test_a_file_still_being_written_is_not_checked_yet(config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / STORE).mkdir()
    (tmp_path / STORE / "Z416_20261127.se").write_bytes(b"#FLAGGA 0\r\n#FORMAT PC8\r\n")  # the till is writing
    step = day_file_step(tmp_path, config, TODAY)
    assert step.passed is None and "waiting to settle" in step.detail
    early = day_file_step(tmp_path, config, TODAY, settle=0)  # read now, half a file looks like an empty day
    assert early.passed is True and "0 voucher(s)" in early.detail
