"""Shared helpers for the SIE tests: where the shared corpus is, and the fixtures folder."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "sie-corpus"
FIXTURES = REPO / "tests" / "fixtures" / "sie"


def need_corpus() -> Path:
    """The corpus folder, or skip the test when this checkout has no ../shared/sie-corpus."""
    if not CORPUS.is_dir():
        pytest.skip("the shared SIE corpus (../shared/sie-corpus) is not present")
    return CORPUS


def well_formed_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in (".se", ".si")
                  and "malformed" not in p.relative_to(CORPUS).parts)
