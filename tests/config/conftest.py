"""Fixtures for the config tests: a scratch copy of the example stores."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from config_helpers import STORES


@pytest.fixture
def stores(tmp_path: Path) -> Path:
    """A copy of stores/ (with its profile) that a test may break."""
    target = tmp_path / "stores"
    shutil.copytree(STORES, target)
    return target
