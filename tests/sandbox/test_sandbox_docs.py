"""docs/sandbox.md lists every sandbox-only error code (and no code that is not in the table)."""
from __future__ import annotations

import re
from pathlib import Path

from pipeline.fortnox import codes

SANDBOX_DOC = Path(__file__).resolve().parents[2] / "docs" / "sandbox.md"


def test_every_sandbox_only_code_is_in_the_docs_table() -> None:
    text = SANDBOX_DOC.read_text(encoding="utf-8")
    listed = {int(code) for code in re.findall(r"^\| (8\d{6}) \|", text, flags=re.MULTILINE)}
    assert listed == {c.code for c in codes.SANDBOX_ONLY}
    for code in codes.SANDBOX_ONLY:
        assert f"| {code.code} | {code.http_status} | {code.message} |" in text
