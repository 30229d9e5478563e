"""A sync-like run at DEBUG in real processes: no token, secret, code or Authorization header in any output or log."""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from fortnox_helpers import SECRET_KEY, approve_in_browser, sandbox_seed

from pipeline.sandbox.testing import running_sandbox

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("refresher_child.py")
KASSASYNC = [sys.executable, "-m", "pipeline"]


def run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*KASSASYNC, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    return done.stdout + done.stderr


def connect(env: dict[str, str], state: Path, stores: Path) -> str:
    proc = subprocess.Popen([*KASSASYNC, "-vv", "--state-dir", str(state), "--stores", str(stores), "connect",
                             "--store", "centrum", "--port", "0", "--no-browser", "--timeout", "30"],
                            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.strip().startswith("http") and "/auth?" in line:
            approve_in_browser(line.strip())
            break
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, "".join(seen) + err
    return "".join(seen) + out + err


def test_debug_run_leaks_nothing(tmp_path: Path) -> None:
    state, stores = tmp_path / "state", tmp_path / "stores"
    stores.mkdir()
    (stores / "centrum.yaml").write_text('version: 1\nstore: centrum\nname: Test AB\norg_number: "559999-0001"\n',
                                         encoding="utf-8")
    with running_sandbox(tmp_path / "sandbox", sandbox_seed()) as handle:
        env = {**os.environ, **handle.env(), "KASSASYNC_SECRET_KEY": SECRET_KEY, "KASSASYNC_HOME": str(state),
               "PYTHONPATH": str(ROOT)}
        outputs = [connect(env, state, stores)]
        outputs.append(run(env, "-vv", "--state-dir", str(state), "tokens", "refresh", "--older-than", "0s"))
        outputs.append(run(env, "-vv", "--state-dir", str(state), "tokens", "status"))
        handle.advance_clock(3700)  # the access token expires at the sandbox: the sync must rotate
        sync = subprocess.run([sys.executable, str(CHILD), "centrum", "sync"], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert sync.returncode == 0, sync.stderr
        outputs.append(sync.stdout + sync.stderr)
        outputs.append(run(env, "-vv", "--state-dir", str(state), "tokens", "refresh", "--store", "nosuch"))
        with sqlite3.connect(tmp_path / "sandbox" / "sandbox.sqlite3") as db:
            refresh_tokens = [r[0] for r in db.execute("SELECT token FROM refresh_tokens")]
            codes = [r[0] for r in db.execute("SELECT code FROM auth_codes")]
    logs = [p.read_text(encoding="utf-8") for p in state.rglob("*.log")]
    text = "\n".join(outputs + logs)
    assert "synced tenant 1000001" in text and "Fortnox error 8000002" in text  # the run did happen
    assert "DEBUG" in text and "refresh token rotated" in text and "kassasync.trace" in text and logs
    assert len(refresh_tokens) >= 3 and codes
    secrets = [*refresh_tokens, *codes, "kassasync-demo-secret", SECRET_KEY]
    leaked = [s for s in secrets if s in text]
    assert not leaked
    assert "eyJ" not in text  # no JWT (access token) anywhere
    assert not re.search(r"(?i)\b(bearer|basic)\s+(?!\[REDACTED\])[A-Za-z0-9]", text)
    assert not re.search(r"(?i)authorization['\"]?\s*[:=]\s*['\"]?(?!\[REDACTED\])\w", text)
