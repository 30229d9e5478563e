"""The tokenizer follows sie-format.md §3 rule by rule, and reads back what the writer writes."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.sie import read_sie
from pipeline.sie.tokens import checksum_text, field_columns, tokenize


def _fields(line: str) -> tuple[object, ...]:
    """Fields after the label as the reader's main loop produces them (through an unknown label)."""
    doc = read_sie(("#FLAGGA 0\n" + line + "\n").encode("utf-8"))
    (item,) = doc.unknown
    return item.fields


@pytest.mark.parametrize(("line", "expected"), [
    ('#X a "b c" d', ("a", "b c", "d")),  # rule 1: quoted and bare
    ("#X\ta\t\t  b", ("a", "b")),  # tabs and runs of spaces
    ('#X "a\\"b"', ('a"b',)),  # rule 2: \" is a quote
    ('#X "C:\\dir\\file"', ("C:\\dir\\file",)),  # other backslashes are literal
    ('#X "C:\\\\dir"', ("C:\\\\dir",)),  # \\ stays two characters
    ('#X "\\"Norstedts Revision\\"" 2010.1.1', ('"Norstedts Revision"', "2010.1.1")),
    ('#X "A" "1"', ("A", "1")),  # rule 4: quoted = bare
    ("#X Test SIE4 Generator", ("Test", "SIE4", "Generator")),  # rule 5
    ('#X "" "" 20180502 "text"', ("", "", "20180502", "text")),  # rule 6
    ("#X 1510 {} 8000.00", ("1510", (), "8000.00")),
    ("#X 1510 { } 8000.00", ("1510", (), "8000.00")),
    ('#X 1510 {1 "456" 7 "47"} 8', ("1510", ("1", "456", "7", "47"), "8")),  # rule 9
    ("#X 1510 {6 0123} 8", ("1510", ("6", "0123"), "8")),  # leading zeros kept
    ('#X a"b"c', ("a", "b", "c")),  # a bare word ends at a quote
    ('#X "{}" x', ("{}", "x")),  # a quoted brace is text
    ('#X 1 {} 2 "t" {} "u"', ("1", (), "2", "t", (), "u")),
])
def test_rule(line: str, expected: tuple[object, ...]) -> None:
    assert _fields(line) == expected
    assert tuple(tokenize(line)[0][1:]) == expected


def test_unterminated_quote_takes_the_rest_of_the_line_and_warns() -> None:
    doc = read_sie(b'#FLAGGA 0\n#X "abc def\n')
    assert doc.unknown[0].fields == ("abc def",)
    (warn,) = [d for d in doc.diagnostics if d.rule == "SIE107"]
    assert (warn.location.line, warn.location.col) == (2, 4)


@pytest.mark.parametrize("eol", [b"\r\n", b"\n", b"\r"])
def test_line_endings_blank_and_indented_lines(eol: bytes) -> None:
    lines = [b"#FLAGGA 0", b"", b"#SIETYP 4", b"  ", b"#VER A 1 20240101", b"{\t",
             b"\t#TRANS 1910 {} 10.00  ", b"   #TRANS 3010 {} -10.00", b"}\t"]
    doc = read_sie(eol.join(lines))  # and no final newline
    assert not doc.diagnostics
    (voucher,) = doc.vouchers
    assert (voucher.line, voucher.end_line, [r.line for r in voucher.rows]) == (5, 9, [7, 8])


def test_columns_point_at_fields() -> None:
    raw = '\t#TRANS  1930 {1 "a b"}  x "t"'
    assert field_columns(raw) == [2, 10, 15, 26, 28]


def test_checksum_text_joins_contents_without_braces_or_quotes() -> None:
    fields, _ = tokenize('#TRANS 1930 {1 "a b"} -5.00 "x\\"y"')
    assert checksum_text(fields) == '#TRANS19301a b-5.00x"y'


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(' \t"{}\\'), max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=6), st.lists(st.booleans(), min_size=6, max_size=6))
def test_fields_the_writer_writes_are_the_fields_the_tokenizer_reads(words: list[str], quote: list[bool]) -> None:
    from pipeline.sie.writer import _clean, _field

    values = [_clean(w) for w in words]
    line = "#X " + " ".join(_field(v, q) for v, q in zip(values, quote, strict=False))
    fields, flags = tokenize(line.strip())
    assert (fields[1:], flags) == (values, 0)
