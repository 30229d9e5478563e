"""pytest fixtures for the SIE tests."""
from __future__ import annotations

from pathlib import Path

import pytest
from sie_helpers import need_corpus


@pytest.fixture
def corpus() -> Path:
    return need_corpus()
