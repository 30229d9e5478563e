"""Cross-process safety of a rotating refresh token: two refreshers at once, and a SIGKILL after rotation."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fortnox_helpers import SECRET_KEY, browser_thread, sandbox_seed

from pipeline.sandbox.testing import running_sandbox

CHILD = Path(__file__).with_name("refresher_child.py")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def connected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A sandbox and a store `centrum` connected with a refresh token (via the real connect command)."""
    from click.testing import CliRunner

    from pipeline.cli.main import cli

    with running_sandbox(tmp_path / "sandbox", sandbox_seed()) as handle:
        env = {**handle.env(), "KASSASYNC_SECRET_KEY": SECRET_KEY, "KASSASYNC_HOME": str(tmp_path / "state")}
        monkeypatch.setattr("webbrowser.open", browser_thread)
        result = CliRunner().invoke(cli, ["--state-dir", str(tmp_path / "state"), "--stores", str(tmp_path),
                                          "connect", "--store", "centrum", "--port", "0", "--timeout", "20"],
                                    env=env)
        assert result.exit_code == 0, result.output
        yield handle, env


def spawn(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    full = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(CHILD), "centrum", *args], env=full, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_processes_refresh_the_same_store_and_both_keep_working(connected, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    handle, env = connected
    handle.set_faults(rate_limit=0)  # the children call /3 bare, without the per-process throttle
    go = tmp_path / "go"
    children = [spawn(env, "race", "40", str(go)) for _ in range(2)]
    go.touch()
    results = [c.communicate(timeout=120) for c in children]
    for child, (out, err) in zip(children, results, strict=True):
        assert child.returncode == 0, (out, err)
        assert "ok" in out and "invalid_grant" not in err and "re-consent" not in err
    # The store still works afterwards: one more rotation from a third process.
    third = spawn(env, "race", "1")
    out, err = third.communicate(timeout=60)
    assert third.returncode == 0, (out, err)


def test_sigkill_after_rotation_leaves_a_working_store(connected) -> None:  # type: ignore[no-untyped-def]
    from pipeline.fortnox.tokenstore import TokenStore

    handle, env = connected
    tokens = TokenStore(Path(env["KASSASYNC_HOME"]) / "tokens", SECRET_KEY)
    before = tokens.load("centrum")
    assert before
    victim = spawn(env, "crash", "1")
    out, err = victim.communicate(timeout=60)
    assert victim.returncode == -signal.SIGKILL, (out, err)
    after = tokens.load("centrum")
    assert after and after.refresh_token != before.refresh_token  # the rotated token was saved before the kill
    # The next process rotates again with the saved token (the only live one) and uses the new access token.
    survivor = spawn(env, "race", "2")
    out, err = survivor.communicate(timeout=60)
    assert survivor.returncode == 0 and "ok" in out, (out, err)
