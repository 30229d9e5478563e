"""The docs list every placeholder code the sandbox answers with, and every failure the client recognises."""
from __future__ import annotations

import re
from pathlib import Path

from pipeline.fortnox import codes
from pipeline.sandbox.errors import PLACEHOLDER_CODES

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_placeholder_code_is_in_the_sandbox_docs_table() -> None:
    text = (DOCS / "sandbox.md").read_text(encoding="utf-8")
    listed = {int(code) for code in re.findall(r"^\| (8\d{6}) \|", text, flags=re.MULTILINE)}
    assert listed == set(PLACEHOLDER_CODES.values())
    for case in codes.MESSAGE_CASES:
        if case.name in PLACEHOLDER_CODES:
            assert f"| {PLACEHOLDER_CODES[case.name]} | {case.http_status} | {case.message} |" in text


def test_every_placeholder_stands_for_a_case_without_a_known_code() -> None:
    cases = {case.name: case for case in codes.MESSAGE_CASES}
    assert set(PLACEHOLDER_CODES) <= set(cases)
    assert all(cases[name].code is None for name in PLACEHOLDER_CODES)
    assert {name for name, case in cases.items() if case.code is None} == set(PLACEHOLDER_CODES)


def test_the_fortnox_docs_name_every_code_and_every_wording() -> None:
    text = (DOCS / "fortnox.md").read_text(encoding="utf-8")
    for code in codes.ALL:
        assert re.search(rf"^\| {code}\b", text, flags=re.MULTILINE), code
    for case in codes.MESSAGE_CASES:  # the wording, less its {placeholders}
        wording = max(re.split(r"\{\w+\}", case.message), key=len).strip(" .:")
        assert wording in text, case.name
