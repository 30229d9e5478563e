"""Fixtures for the mapping tests."""
from __future__ import annotations

import pytest
from mapping_builders import deli_config

from pipeline.config.model import StoreConfig


@pytest.fixture
def deli() -> StoreConfig:
    return deli_config()
