"""Fleet test set-up: the fleet builder of the runner tests (stores and day files in a temporary directory)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runner"))
