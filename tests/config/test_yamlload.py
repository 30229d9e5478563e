"""The strict YAML loader: marks, scalars that stay text, and every bad input as a diagnostic."""
from __future__ import annotations

import time
from pathlib import Path

from pipeline.config.located import YDict, locate
from pipeline.config.yamlload import load_yaml_bytes, load_yaml_file


def load(text: str | bytes) -> tuple[YDict | None, list]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return load_yaml_bytes(data, "s.yaml")


def rules(diags: list) -> list[str]:
    return [d.rule for d in diags]


def test_marks_on_every_mapping_and_value() -> None:
    doc, diags = load("a: 1\nb:\n  c: [x, 'y']\n")
    assert diags == [] and doc is not None
    assert (doc.loc.line, doc.loc.col) == (1, 1)
    assert locate(doc, ("b", "c", 1)).line == 3 and locate(doc, ("b", "c", 1)).col == 10
    assert locate(doc, ("b",), key=True).col == 1
    assert str(locate(doc, ("b", "c"))) == "s.yaml:3:6"


def test_codes_stay_text_and_numbers_are_plain_decimals() -> None:
    doc, _ = load("a: [0123, 1910, '1910', NO, yes, 2026-01-01, 1_000, 0x1F, 12.5, ~, true, -5]\n")
    assert doc is not None
    assert doc["a"] == ["0123", 1910, "1910", "NO", "yes", "2026-01-01", "1_000", "0x1F", 12.5, None, True, -5]


def test_keys_are_the_key_text() -> None:
    doc, _ = load("1910: Kassa\n'1925': Swish\n")
    assert doc is not None and list(doc) == ["1910", "1925"]


def test_duplicate_key_quoted_or_bare_is_an_error_with_the_first_line() -> None:
    _, diags = load("accounts:\n  1910: Kassa\n  '1910': Kassa igen\n")
    assert rules(diags) == ["KS103"]
    assert diags[0].location.line == 3 and "line 2" in (diags[0].hint or "")


def test_custom_tags_are_errors() -> None:
    _, diags = load("a: !!python/object:os.system ls\nb: !secret x\n")
    assert rules(diags) == ["KS104", "KS104"]
    assert [d.location.line for d in diags] == [1, 2]


def test_merge_keys_are_errors() -> None:
    _, diags = load("base: &b {x: 1}\nother:\n  <<: *b\n")
    assert rules(diags) == ["KS104"] and diags[0].location.line == 3


def test_alias_bomb_is_bounded() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    started = time.perf_counter()
    doc, diags = load("\n".join(lines) + "\n")
    assert doc is None and rules(diags) == ["KS104"]
    assert diags[0].location.line >= 1
    assert time.perf_counter() - started >= 0  # bounded: the call returned at all (no wall-clock assertion)


def test_deep_brackets_do_not_recurse() -> None:
    doc, diags = load("a: " + "[" * 50_000)
    assert doc is None and rules(diags) == ["KS104"]


def test_not_utf8_points_at_the_byte() -> None:
    doc, diags = load(b"version: 1\nname: K\xe5ken AB\n")
    assert doc is None and rules(diags) == ["KS101"]
    assert (diags[0].location.line, diags[0].location.col) == (2, 8)


def test_empty_and_comment_only_files() -> None:
    for text in ("", "# only a comment\n", "---\n"):
        doc, diags = load(text)
        assert doc is None and rules(diags) == ["KS101"], text


def test_a_list_or_a_scalar_at_the_top() -> None:
    for text in ("- version: 1\n", "just text\n"):
        doc, diags = load(text)
        assert doc is None and rules(diags) == ["KS105"] and diags[0].location.line == 1


def test_tabs_used_for_indentation() -> None:
    doc, diags = load("fortnox:\n\tvoucher_series: F\n")
    assert doc is None and rules(diags) == ["KS102"]
    assert (diags[0].location.line, diags[0].location.col) == (2, 1)


def test_bom_is_a_warning_and_the_file_still_loads() -> None:
    doc, diags = load(b"\xef\xbb\xbfversion: 1\n")
    assert doc == {"version": 1} and rules(diags) == ["KS107"] and not diags[0].is_error


def test_syntax_error_has_line_and_column() -> None:
    _, diags = load("a: 1\nb: [1, 2\nc: 3\n")
    assert rules(diags) == ["KS102"] and diags[0].location.line >= 2


def test_control_character() -> None:
    _, diags = load("name: a\x07b\n")
    assert rules(diags) == ["KS102"] and diags[0].location.line == 1


def test_several_documents() -> None:
    _, diags = load("a: 1\n---\nb: 2\n")
    assert rules(diags) == ["KS102"] and diags[0].location.line == 2


def test_ten_megabyte_file_is_refused_without_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * (10 * 1024 * 1024) + b"\n")
    doc, diags = load_yaml_file(big)
    assert doc is None and rules(diags) == ["KS101"] and diags[0].location.line == 1
    assert "10.0 MB" in diags[0].message


def test_unreadable_path(tmp_path: Path) -> None:
    doc, diags = load_yaml_file(tmp_path / "missing.yaml")
    assert doc is None and rules(diags) == ["KS101"]


def test_a_key_that_is_not_text() -> None:
    doc, diags = load("? [a, b]\n: 1\nok: 2\n")
    assert rules(diags) == ["KS104"] and diags[0].location.line == 1
    assert doc == {"ok": 2}
