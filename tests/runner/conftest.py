"""Runner test set-up: the real SIE reader when it exists, else the tiny stand-in."""
from __future__ import annotations

import pytest
from runner_fakes import tiny_read


@pytest.fixture(autouse=True)
def _sie_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.sie

    if not hasattr(pipeline.sie, "read_sie"):
        monkeypatch.setattr("pipeline.runner.ingest.read_day_file", tiny_read)
