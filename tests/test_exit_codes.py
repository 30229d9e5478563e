"""Exit codes of `kassasync` as a process sees them: usage errors 1 (2 is plan's "changes"), Ctrl-C 130."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli import main as cli_main
from pipeline.ledger import Ledger

ROOT = Path(__file__).resolve().parents[1]


def _exit_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as done:
        cli_main.main(argv)
    return int(done.value.code or 0)


@pytest.mark.parametrize("argv", [["no-such-command"], ["validate", "--no-such-option"],
                                  ["plan", "--format", "yaml"], ["sync", "--date", "not-a-date"]])
def test_usage_errors_exit_1_not_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(argv) == 1
    assert "Error:" in capsys.readouterr().err


def test_plan_detailed_exitcode_keeps_2_for_changes() -> None:
    assert cli_main.EXIT_CHANGES == 2 and cli_main.EXIT_USER_ERROR == 1


def test_ctrl_c_exits_130_with_what_to_run_next(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import validate

    def interrupted(*_args: Any, **_kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(validate, "validate_paths", interrupted)
    assert _exit_code(["--stores", str(ROOT / "examples" / "stores"), "validate"]) == 130
    # click ends the terminal's "^C" line first; then one line that says what to do
    assert capsys.readouterr().err.split("\n") == ["", "interrupted: run `kassasync validate` again", ""]


def test_an_interrupted_sync_is_recorded_as_interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import sync

    started: list[int | None] = []

    def interrupted(*_args: Any, run_id: int | None, **_kwargs: Any) -> None:
        started.append(run_id)
        raise KeyboardInterrupt  # Ctrl-C while the stores are being synced

    monkeypatch.setattr(sync, "run_stores", interrupted)
    shutil.copytree(ROOT / "examples" / "inbox", tmp_path / "inbox")
    state = tmp_path / "state"
    code = _exit_code(["--stores", str(ROOT / "examples" / "stores"), "--inbox", str(tmp_path / "inbox"),
                       "--state-dir", str(state), "sync", "--all", "--today", "2026-11-28"])
    assert code == 130
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith("interrupted: run `kassasync sync` again to carry on")
    ledger = Ledger.open(f"sqlite:///{state / 'ledger.sqlite3'}")
    try:
        runs = ledger.last_runs()
    finally:
        ledger.close()
    assert [(r["id"], r["state"]) for r in runs] == [(started[0], "interrupted")]
    assert runs[0]["finished_at"] is not None
