"""Fixtures for the sandbox tests: an app over a fresh data dir, with the date fixed at 2026-11-28."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sandbox_helpers import TODAY

from pipeline.sandbox.app import create_app


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Any]:
    def build(seed: Any = None, **options: Any) -> Any:
        options.setdefault("today", TODAY)
        return create_app(tmp_path / "data", seed, **options)

    return build


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    return make_app()
