"""The test-wide guards themselves: own KASSASYNC_HOME, no writes into the checkout, loopback only, warnings fail."""
from __future__ import annotations

import os
import re
import socket
import warnings
from pathlib import Path

import pytest
from checkout_guard import CHECKOUT, changes, snapshot
from pytest_socket import SocketConnectBlockedError

from pipeline.settings import Settings


def test_each_test_has_its_own_kassasync_home(tmp_path: Path) -> None:
    home = Path(os.environ["KASSASYNC_HOME"])
    assert home.parent == tmp_path
    assert Settings.from_env().state_dir == home


def test_the_snapshot_sees_new_changed_and_removed_files(tmp_path: Path) -> None:
    (tmp_path / "kept.txt").write_text("a", encoding="utf-8")
    (tmp_path / "changed.txt").write_text("a", encoding="utf-8")
    (tmp_path / "removed.txt").write_text("a", encoding="utf-8")
    (tmp_path / ".venv").mkdir()
    before = snapshot(tmp_path)
    (tmp_path / "changed.txt").write_text("ab", encoding="utf-8")
    (tmp_path / "removed.txt").unlink()
    (tmp_path / "state" / "logs").mkdir(parents=True)
    (tmp_path / "state" / "logs" / "debug.log").write_text("x", encoding="utf-8")
    (tmp_path / ".venv" / "ignored").write_text("x", encoding="utf-8")  # a tool's folder
    assert changes(before, snapshot(tmp_path), tmp_path) == [
        "changed.txt", "removed.txt", "state", "state/logs", "state/logs/debug.log"]


def test_the_guard_watches_this_checkout() -> None:
    files = snapshot()
    assert str(CHECKOUT / "pyproject.toml") in files
    assert not any(f"{os.sep}.venv{os.sep}" in path for path in files)


def test_only_loopback_is_reachable() -> None:
    # A UDP connect sends nothing, so this shows the guard without any traffic even if it were missing.
    # (pytest-socket also warns, which the suite's warnings-as-errors would raise first; here the block is
    # what is checked.)
    with warnings.catch_warnings(), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        warnings.simplefilter("ignore")
        with pytest.raises(SocketConnectBlockedError, match="192.0.2.1"):
            udp.connect(("192.0.2.1", 9))
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass


def test_warnings_are_errors() -> None:
    with pytest.raises(DeprecationWarning):
        warnings.warn("an old API", DeprecationWarning, stacklevel=1)


def test_the_projects_own_modules_are_never_importorskipped() -> None:
    # An import error in pipeline/ must fail the suite, not turn tests into skips.
    pattern = re.compile(r"importorskip\(\s*[\"']pipeline")
    offenders = [str(path.relative_to(CHECKOUT)) for path in sorted((CHECKOUT / "tests").rglob("*.py"))
                 if pattern.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
