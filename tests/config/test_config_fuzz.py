"""Arbitrary text into the loader and `validate`: only diagnostics come out, never an exception."""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from config_helpers import STORES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import validate_paths
from pipeline.config.load import load_one
from pipeline.config.schema import _validator, is_valid
from pipeline.config.yamlload import load_yaml_bytes
from pipeline.diagnostics import Diagnostic

EXAMPLE = (STORES / "kartbutiken-uppsala.yaml").read_text(encoding="utf-8")
LINES = EXAMPLE.splitlines(keepends=True)
YAML_BITS = st.sampled_from([":", " ", "\n", "- ", "[", "]", "{", "}", "&a ", "*a", "!t ", "'", '"', "#", "\t",
                             "0123", "1910", "2026-02-30", "yes", "true", "false", "1.0", "-1", "~", "<<: ", "? ", "|\n", "{{ x }}", "é", "\x00"])
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated_store(draw: st.DrawFn) -> str:
    """The example store with lines dropped, duplicated or spliced with YAML punctuation."""
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "dup", "splice"]))
        if action == "drop":
            del lines[i]
        elif action == "dup":
            lines.insert(i, lines[i])
        else:
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + "".join(draw(st.lists(YAML_BITS, max_size=4))) + lines[i][at:]
        if not lines:
            break
    return "".join(lines)


def _only_diagnostics(diags: list[Diagnostic]) -> None:
    for d in diags:
        assert isinstance(d, Diagnostic) and d.rule.startswith("KS1") and d.message
        assert d.location.line >= 0 and d.location.col >= 0
        d.render()
        d.render_github()


@SETTINGS
@given(st.binary(max_size=400))
def test_loader_takes_any_bytes(data: bytes) -> None:
    _, diags = load_yaml_bytes(data, "fuzz.yaml")
    _only_diagnostics(diags)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@SETTINGS
@given(st.one_of(st.text(max_size=300), mutated_store()))
def test_validate_takes_any_text(text: str) -> None:
    # validate never crashes on a broken file; here we also want to see when the rules tripped over one.
    records = _Records()
    logger = logging.getLogger("kassasync.config")
    logger.addHandler(records)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "kartbutiken-uppsala.yaml"
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
            _only_diagnostics(validate_paths([path]))
    finally:
        logger.removeHandler(records)
        logger.setLevel(level)
    assert not [m for m in records.messages if "rules skipped" in m]


@SETTINGS
@given(mutated_store())
def test_fast_schema_check_agrees_with_jsonschema(text: str) -> None:
    doc, _ = load_yaml_bytes(text.encode("utf-8", errors="surrogatepass"), "fuzz.yaml")
    if doc is not None:
        assert is_valid(doc) == (not list(_validator().iter_errors(doc)))


def test_loaded_example_passes_both_schema_checks() -> None:
    loaded = load_one(STORES / "kartbutiken-uppsala.yaml")
    assert loaded.doc is not None and is_valid(loaded.doc) and not list(_validator().iter_errors(loaded.doc))
