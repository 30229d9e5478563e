"""KS124: the voucher text's own characters are ones Fortnox accepts (a warning: the client replaces them)."""
from __future__ import annotations

from pathlib import Path

from config_helpers import edit, line_of

from pipeline.config import load_store, validate_paths
from pipeline.diagnostics import Severity

KART = "kartbutiken-uppsala.yaml"


def test_a_refused_character_in_the_template_text_is_a_warning_on_its_line(stores: Path) -> None:
    path = edit(stores / KART, "description: \"Dagsrapport {{ date }}", "description: \"Dagsrapport <{{ date }}>|")
    (diag,) = [d for d in validate_paths([path]) if d.rule == "KS124"]
    assert diag.severity is Severity.WARNING and diag.location.line == line_of(path, "description:")
    assert "`<` becomes `(`" in diag.message and "`|` becomes `/`" in diag.message
    assert "docs/fortnox.md" in (diag.hint or "")
    config, diags = load_store(path)  # a warning: the store still loads and posts (with the substitutes)
    assert config is not None and not [d for d in diags if d.is_error]


def test_characters_from_variables_and_filter_arguments_are_not_the_templates(stores: Path) -> None:
    path = edit(stores / KART, "({{ count }} Z-rapporter)", "{{ voucher_text | replace('\"', '') }} – OK")
    assert not [d for d in validate_paths([path]) if d.rule == "KS124"]


def test_quoted_text_printed_by_the_template_counts(stores: Path) -> None:
    path = edit(stores / KART, "({{ count }} Z-rapporter)", "{{ '~' }}")
    (diag,) = [d for d in validate_paths([path]) if d.rule == "KS124"]
    assert "`~` becomes `-`" in diag.message


def test_the_example_stores_use_only_allowed_characters(stores: Path) -> None:
    assert not [d for d in validate_paths([stores]) if d.rule == "KS124"]
