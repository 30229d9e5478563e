"""docs/invoices.md lists every invoice finding and proposed rule with the severity the code gives it."""
from __future__ import annotations

import re

from invoice_builders import REPO

from pipeline.invoices import PROPOSED_RULES, RULES


def test_rule_tables_match_the_code() -> None:
    text = (REPO / "docs" / "invoices.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (KS\d{3}) \| (error|warning|info) \|", text, flags=re.MULTILINE))
    expected = {rule: severity.value for rule, (severity, _title) in (RULES | PROPOSED_RULES).items()}
    assert rows == expected
