"""The whole-chunk fast paths (pipeline/sie/bulk.py) give exactly what the line-by-line parser gives, and the C
accelerator (pipeline/sie/_speedups.c) gives exactly what the pure-Python bulk path gives."""
from __future__ import annotations

import decimal
import os
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sie_helpers import CORPUS

from pipeline.sie import bulk, reader
from pipeline.sie.codes import SieError
from pipeline.sie.document import Limits, SieDocument
from pipeline.sie.reader import SieStream, iter_vouchers, read_sie

ALL_FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in (".se", ".si")) \
    if CORPUS.is_dir() else []


def _line_by_line(parser, text: str) -> None:  # type: ignore[no-untyped-def]
    if parser.raw_text is not None:
        parser.raw_lines = bulk._lines(parser.raw_text, 0, len(parser.raw_text))
    parser.feed(bulk._lines(text, 0, len(text)))


def _both(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[SieDocument, SieDocument]:
    fast = read_sie(data, name="x.se")
    with monkeypatch.context() as patch:
        patch.setattr(reader, "feed_text", _line_by_line)
        slow = read_sie(data, name="x.se")
    return fast, slow


def _same(fast: SieDocument, slow: SieDocument) -> None:
    assert [d.render() for d in fast.diagnostics] == [d.render() for d in slow.diagnostics]
    assert fast.vouchers == slow.vouchers
    assert fast.accounts == slow.accounts
    assert fast.balances == slow.balances
    assert (fast.lines, fast.voucher_count, fast.transaction_count, fast.debit_total) == \
        (slow.lines, slow.voucher_count, slow.transaction_count, slow.debit_total)
    assert fast == slow


def _c_and_python(data: bytes, monkeypatch: pytest.MonkeyPatch, **options: object) -> tuple[SieDocument, SieDocument]:
    """The document read with the C accelerator and with the pure-Python bulk path."""
    accelerated = read_sie(data, name="x.se", **options)  # type: ignore[arg-type]
    with monkeypatch.context() as patch:
        patch.setattr(bulk, "_TAKE", None)
        python = read_sie(data, name="x.se", **options)  # type: ignore[arg-type]
    return accelerated, python


def _same_objects(accelerated: SieDocument, python: SieDocument) -> None:
    """Equal, and built alike: the same attributes in the same order (the C path sets __dict__ itself)."""
    _same(accelerated, python)
    for mine, theirs in zip(accelerated.vouchers, python.vouchers, strict=True):
        assert list(vars(mine).items()) == list(vars(theirs).items())
        for row, other in zip(mine.rows, theirs.rows, strict=True):
            assert list(vars(row).items()) == list(vars(other).items())
            assert type(row.amount) is Decimal and str(row.amount) == str(other.amount)
    assert str(accelerated.debit_total) == str(python.debit_total)  # the exponent too, not only the value
    assert [str(f.amount) for v in accelerated.vouchers for f in v.findings] == \
        [str(f.amount) for v in python.vouchers for f in v.findings]
    assert accelerated.raw_balances == python.raw_balances
    assert [vars(a) for a in accelerated.accounts.values()] == [vars(a) for a in python.accounts.values()]


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_corpus_file_reads_the_same_both_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(*_both(path.read_bytes(), monkeypatch))


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_corpus_file_reads_the_same_in_c_and_python(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = path.read_bytes()
    _same_objects(*_c_and_python(data, monkeypatch))
    _same_objects(*_c_and_python(data, monkeypatch, policy="strict"))


def test_the_accelerator_is_built_and_in_use() -> None:
    # CI must not lose the accelerator silently: only KASSASYNC_SIE_PURE may switch it off.
    if os.environ.get("KASSASYNC_SIE_PURE", "") not in ("", "0"):
        assert bulk._TAKE is None
        pytest.skip("KASSASYNC_SIE_PURE is set: the pure-Python path is forced")
    from pipeline.sie import _speedups  # noqa: F401  (fails here if the extension was not built)

    assert bulk.ACCELERATOR == "C accelerator" and bulk._TAKE is not None
    text = '#VER A 1 20240131\n{\n#TRANS 1910 {} 1\n#TRANS 3010 {} -1\n}\n#KONTO 1910 Kassa\n#IB 0 1910 5\n'
    doc = SieDocument()
    parser = __import__("pipeline.sie.parser", fromlist=["Parser"]).Parser(doc)
    assert bulk._TAKE(parser, text, 0, len(text)) == len(text)  # it took every line itself
    assert doc.voucher_count == 1 and parser.ready and doc.accounts and doc.raw_balances


def test_the_fast_paths_take_the_common_lines() -> None:
    text = ('#VER "" "64" 20210505 " nr. 64" 20210505\n{\n\t#TRANS 1910 {} 100.00 20210505 "Kassa"\n'
            '\t#TRANS 3010 {1 "100"} -100.00\n}\n#KONTO 1910 "Kassa"\n#SRU 1910 7201\n#KTYP 1910 T\n'
            "#IB 0 1910 12.50\n#PSALDO -1 202401 1910 {} 3\n")
    kinds = [m.lastgroup for m in bulk._RUNS.finditer(text)]
    assert kinds == ["ver", "chart", "bal"]


_SEP = st.sampled_from([" ", "\t", "  ", " \t", "\x0c", "\xa0"])
_WORD = st.sampled_from(["1910", "3010", "0123", "100.00", "-100.00", "-0.5", "7", "0", "-1", "-21", "20240131",
                         "20240230", "202401", "202413", "A", "Kassa", "", "{}", "{ }", "{1 \"100\"}", "{1}",
                         '{1 "a b"}', "{6 0015 1 Nord}", "T", "1e5", "x\\y", "1.2.3", "\"", "{", "}", "\\\""])
_QUOTE = st.sampled_from(["", "", "", '"'])
_LABEL = st.sampled_from(["#VER", "#TRANS", "#TRANS", "#TRANS", "#RTRANS", "#KONTO", "#SRU", "#KTYP", "#IB",
                          "#UB", "#RES", "#PSALDO", "#PBUDGET", "#FNAMN", "#KSUMMA", "#SIETYP"])


@st.composite
def _line(draw: st.DrawFn) -> str:
    shape = draw(st.integers(0, 9))
    if shape == 0:
        return draw(st.sampled_from(["{", "}", "", "\t{\t", " } ", "garbage"]))
    fields = []
    for word in draw(st.lists(_WORD, max_size=8)):
        q = draw(_QUOTE) if "{" not in word else ""
        fields.append(f"{q}{word}{q}")
    out = draw(_LABEL)
    for field in fields:
        out += draw(_SEP) + field
    return draw(st.sampled_from(["", "\t", "  "])) + out + draw(st.sampled_from(["", " ", "\t"]))


_VOUCHER = st.builds(
    lambda head, rows, tail: "\n".join([head, "{", *rows, tail]),
    st.sampled_from(['#VER A 1 20240131 "Dag"', '#VER "" "64" 20210505 " nr. 64" 20210505',
                     "#VER A 2 20240230", '#VER A 3 20240131 "" "" "sign"', "#VER A 4 20240131 x 2024013",
                     "\t#VER\tB\t5\t20240101"]),
    st.lists(st.sampled_from(["\t#TRANS 1910 {} 100.00 20240131 \"Kassa\"", "#TRANS 3010 {} -100.00",
                              '#TRANS 3010 {1 "100"} -100.00 "" ""', "#TRANS 3010 {} -50 20240131 x 2 \"me\"",
                              "#TRANS 3010 {} -50 20240230", '#TRANS 3010 {} -50 "" "" "" ""',
                              "#TRANS 3010 {} 50 \"20240131\"", "#TRANS 3010 {1} -50", "#TRANS 3010 {} -5,0",
                              "#TRANS FEL {} 1", "#RTRANS 1910 {} 5", "#TRANS 1910 {} 5 20240131 \"a\" x",
                              "#TRANS 1910 {} 0.00"]), max_size=5),
    st.sampled_from(["}", "\t}\t", "", "#VER A 9 20240101"]))


_PLAIN = st.sampled_from([
    '#SRU 1910 ""', "#SRU 9999 7201", "#SRU 1910 7201", "#KTYP 9999 T", "#KTYP 1910 T", '#KTYP 1910 ""',
    '#KONTO 1910 ""', "#KONTO 1910 Kassa", '#KONTO\t2610\t"Moms 25%"', "#KONTO 19x0 Kassa", "#IB -21 1910 5",
    "#IB 00 1910 5", "#IB -1 1910 5", "#UB 0 1910 -5.25", "#RES 0 3010 5 2", "#PSALDO 0 202400 1910 {} 5",
    "#PSALDO 0 202412 1910 {} 5", "#PBUDGET -1 202401 1910 { } -5", '#PSALDO 0 202401 1910 {1 "2"} 5'])


@settings(max_examples=300, deadline=None)
@given(st.lists(_line() | _VOUCHER | _PLAIN, max_size=25), st.sampled_from(["\n", "\r\n", "\r"]),
       st.sampled_from(["", "#KSUMMA\n"]), st.sampled_from(["", "\n#KSUMMA 123", "\n#KSUMMA 0\n#KONTO 1 a"]),
       st.sampled_from(["utf-8", "cp437", "latin-1"]))
def test_token_soup_reads_the_same_both_ways(lines: list[str], newline: str, opening: str, closing: str,
                                             encoding: str) -> None:
    text = opening + "#FLAGGA 0\n#SIETYP 4\n#KONTO 1910 \"Kassa å\"\n" + "\n".join(lines) + closing
    with pytest.MonkeyPatch.context() as patch:
        _same(*_both(text.replace("\n", newline).encode(encoding, "replace"), patch))


def test_the_row_caches_stay_small_for_long_values() -> None:
    rows = "".join(f'#TRANS 1910 {{}} 1 20240131 "{"x" * 300}{i}"\n#TRANS 3010 {{}} -1\n' for i in range(50))
    doc = read_sie(f"#VER A 1 20240131\n{{\n{rows}}}\n".encode(), name="x.se")
    assert doc.transaction_count == 100 and not doc.diagnostics
    assert all(len(key) <= bulk._KEY_MAX for key in bulk._TAILS)


def _parser_state(stream: SieStream) -> tuple[object, ...]:
    p = stream.parser
    return (p.lineno, p.state, str(p.vsum), str(p.vdebit), p.any_voucher, p.seen_label, p.stopped, p.crc,
            p.ksumma_closed, str(stream.document.debit_total))


def _streamed(path: Path, policy: str, limits: Limits | None) -> tuple[object, ...]:
    stream = iter_vouchers(path, policy=policy, limits=limits)
    got: list[object] = []
    try:
        got.extend(stream)
    except SieError as exc:
        got.append(str(exc))
    return got, stream.document, _parser_state(stream)


_C_SHAPE_LIST = [
    "#IB 0 202401 1910 5", "#PSALDO 0 1910 {} 5", "#PSALDO 0 202401 1910 5", "#PBUDGET 0 202401 1910 {} 5 2",
    '#OIB 0 1910 {1 "a"} 5', "#OUB -1 1910 {1 a b} 5", "#IB 0 1910 {} 5", "#RES 0 3010 -5.5\t", "#UB -21 1910 5",
    "#IB -0 1910 5", "#IB 0 1910 5.", "#IB 0 1910 .5", "#IB\t0\t1910\t5", "#IB 0 1910 5 x", "#IB 0 19 10 5",
    "#PSALDO 0 202413 1910 {} 5", "#PSALDO 0 202400 1910 {} 5", "#PSALDO 0 202412 1910 {} -0.00",
    '#KONTO 1910 "a"b', '#KONTO 1910 "Kassa \u2500"', "#KONTO 1910 Kassa\u00a0", "#KONTO 1910 \u00e5",
    "#KONTO 1910 Kassa", "#SRU 1910 7201", "#SRU 1910 \"\"", "#KTYP 1910 \"\"", "#KTYP 8888 T", "#SRU 8888 1",
    "#KONTO 1910 {}", "#KONTO 1910 a b", "#KONTOX 1910 a", "#SRUX 1 2", '#KONTO 1910 "a\\"b"',
    "#VER A 1 20240131\n{\n#TRANS 1910 {} 5\n#TRANS 3010 {} -4.99\n}",
    "#VER A 1 20240131\n{\n#TRANS 1910 {} 5\n}\n{\n}", "#VER A 1 20240131\n{\n}",
    '#VER "" "" 20240131 "" "" ""\n{\n#TRANS 1910 {} 0\n}',
    '#VER "A" "1" "20240131" "t" "20240201" "s"\n{\n#TRANS 1910 {1 "2" 3 "4"} 5 "" "" 2 "x"\n'
    '#TRANS 3010 { } -5 20240131 "\\"q\\""\n}',
    "#VER A 1 20240131 t 20240201 s x\n{\n#TRANS 1910 {} 5\n#TRANS 1910 {} -5\n}",
    "#VER A 1 20240131\n{\n#TRANS 1910 {} 5 20249999\n#TRANS 1910 {} -5\n}",
    "#VER A 1 20240131\n{\n#TRANS 1910 {} 5\n#TRANS 1910 {} -5\n#TRANS 1910 {} 1\n#TRANS 1910 {} -1\n}",
    "#VER A 1 20240131\n{\n#TRANS 1910 {} 5\n#RTRANS 1910 {} 5\n#TRANS 1910 {} -5\n}",
    "#VER A 1 20240131\n\t{\t\n\t#TRANS\t1910\t{}\t5.25\t\n #TRANS 3010 {} -5.25 \n }\t",
    "#VER A\u00a01 20240131\n{\n#TRANS 1910 {} 5\n#TRANS 1910 {} -5\n}",
    "#VER A 1 20240131\n{\n#TRANS 1910 {} 5\u2500\n#TRANS 1910 {} -5 20240131 \"\u2500\"\n}",
    "#VER A 1 20240131\n{\n#TRANS 1910 {} 99999999999999999999999999999.99\n#TRANS 1910 {} -1e5\n}",
    "#VER A 1 20240131 \"unclosed\n{\n#TRANS 1910 {} 5\n#TRANS 1910 {} -5\n}", "#KSUMMA", "#KSUMMA 1",
    # row tails (date, text, quantity, sign), which the accelerator reads itself when they are plain
    *(f"#VER A 7 20240131\n{{\n#TRANS 1910 {{}} 5{tail}\n#TRANS 3010 {{}} -5\n}}" for tail in (
        ' 20240131 "Kassa" 1.5 "me"', ' "" "" "" ""', " 20240131 x -2 y", ' 20240131 "t" .5', ' 20240131 "t" 5.',
        ' 20240131 "t" 1e5', ' 20240131 "t" 1,5', ' 20240131 "t" 1.2.3', ' 20240131 "a\u00a0b"', " 20240131 a\u00a0b",
        ' 20240131 "t"\u00a0', ' 20240131 "{a}"', " 20240131 a b c d", ' 20240131 "a"b', ' "20240131" "x"',
        " 2024013", ' 20240131 "\t tab "', " \t 20240131\t\t", ' 20240131 "x" "" "s"', " 20240131 {}",
        ' 20240131 "a\\\\b"', " 20240131 \u2500", ' 20240131 "\u2500 x" 3 \u2500')),
    "#FLAGGA 1", "#TRANS 1910 {} 5", "}", "{", "", "garbage"]
_C_SHAPES = st.sampled_from(_C_SHAPE_LIST)


@pytest.mark.parametrize("shape", _C_SHAPE_LIST)
def test_each_shape_reads_the_same_in_c_and_python(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = f"#FLAGGA 0\n#SIETYP 4\n#KONTO 1910 Kassa\n{shape}\n{shape}\n".encode()
    _same_objects(*_c_and_python(data, monkeypatch))
    _same_objects(*_c_and_python(b"#KSUMMA\n" + data + b"#KSUMMA 1\n", monkeypatch))


@settings(max_examples=300, deadline=None)
@given(st.lists(_C_SHAPES | _line() | _VOUCHER | _PLAIN, max_size=25), st.sampled_from(["\n", "\r\n"]),
       st.sampled_from(["", "#KSUMMA\n"]), st.sampled_from(["utf-8", "cp437", "latin-1"]),
       st.sampled_from(["lenient", "strict"]), st.sampled_from([None, 1, 2]))
def test_c_and_python_read_token_soup_the_same(lines: list[str], newline: str, opening: str, encoding: str,
                                               policy: str, max_rows: int | None) -> None:
    text = opening + "#FLAGGA 0\n#SIETYP 4\n#KONTO 1910 \"Kassa å\"\n" + "\n".join(lines)
    data = text.replace("\n", newline).encode(encoding, "replace")
    limits = Limits(max_voucher_rows=max_rows) if max_rows else None
    with pytest.MonkeyPatch.context() as patch:
        _same_objects(*_c_and_python(data, patch, policy=policy, limits=limits))


def test_streaming_is_the_same_in_c_and_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    day = ('#VER A {n} 20240131 "Dag {n}"\n{{\n\t#TRANS 1910 {{}} {a}.00 20240131 "Kontant"\n'
           '\t#TRANS 3010 {{1 "100"}} -{a}.00\n}}\n')
    body = "".join(day.format(n=n, a=n % 97 + 1) for n in range(30_000))  # more than one 1 MiB block
    path = tmp_path / "big.se"
    path.write_text("#FLAGGA 0\n#SIETYP 4\n#KONTO 1910 Kassa\n#IB 0 1910 5\n" + body
                    + "#VER A x 20240131\n{\n#TRANS 1910 {} 1\n}\n#FLAGGA 1\n", encoding="cp437")
    for policy, limits in (("lenient", None), ("strict", None), ("lenient", Limits(max_voucher_rows=1))):
        accelerated = _streamed(path, policy, limits)
        with monkeypatch.context() as patch:
            patch.setattr(bulk, "_TAKE", None)
            python = _streamed(path, policy, limits)
        assert accelerated == python


_AMOUNTS = ["5", "-5", "4.99", "-4.99", "0.001", "-0.00", "0", "0.00", "123456789012345678", "-123456789012345678",
            "1234567890123456789", "-1234567890123456789", "999999999999999999.999999999", "1.000000000000000001",
            "-0.000000000000000001", "99999999999999999999999999999.99", "0.00000000000000001", "-0.00000000000000001"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_AMOUNTS), min_size=1, max_size=6), min_size=1, max_size=8),
       st.sampled_from([None, 5, 28, 40]), st.sampled_from([decimal.ROUND_HALF_EVEN, decimal.ROUND_FLOOR]))
def test_sums_are_the_same_in_c_and_python(vouchers: list[list[str]], prec: int | None, rounding: str) -> None:
    # The accelerator keeps sums as integers while that is exact; big amounts, long sums, a short
    # precision or rounding toward -Infinity must give bulk.py's Decimal results, exponents and signs included.
    text = "#FLAGGA 0\n" + "".join(
        f"#VER A {n} 20240131\n{{\n" + "".join(f"#TRANS 1910 {{}} {a}\n" for a in amounts) + "}\n"
        for n, amounts in enumerate(vouchers))
    outcomes = []
    for take in (bulk._TAKE, None):
        with decimal.localcontext() as context, pytest.MonkeyPatch.context() as patch:
            patch.setattr(bulk, "_TAKE", take)
            if prec is not None:
                context.prec = prec
            context.rounding = rounding
            try:
                outcomes.append(read_sie(text.encode(), name="x.se"))
            except decimal.DecimalException as exc:  # a short precision can fail in the reader's own formatting
                outcomes.append(repr(exc))
    if isinstance(outcomes[0], SieDocument) and isinstance(outcomes[1], SieDocument):
        _same_objects(*outcomes)
    else:
        assert outcomes[0] == outcomes[1]


def test_streamed_sums_are_the_same_in_c_and_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sums.se"
    path.write_text("#FLAGGA 0\n" + "".join(
        f"#VER A {n} 20240131\n{{\n#TRANS 1910 {{}} {a}\n#TRANS 3010 {{}} -{a}\n#TRANS 3011 {{}} {b}\n}}\n"
        for n, (a, b) in enumerate(zip(_AMOUNTS * 3, (_AMOUNTS * 4)[1:], strict=False))), encoding="ascii")
    accelerated = _streamed(path, "lenient", None)
    with monkeypatch.context() as patch:
        patch.setattr(bulk, "_TAKE", None)
        python = _streamed(path, "lenient", None)
    assert accelerated == python


def test_a_checksummed_file_of_many_pieces_verifies(tmp_path: Path) -> None:
    # Longer than one 1 MiB block and one 64 KiB piece, single-byte (CP437 letters), under #KSUMMA: the raw
    # Latin-1 text is cut into the same pieces as the decoded text, and the written checksum verifies.
    from datetime import date

    from pipeline.sie import SieTransaction, SieVoucher, write_sie_4i

    vouchers = [SieVoucher("A", str(n), date(2024, 1, 31), f"Dagskassa {n} åäö", rows=[
        SieTransaction("1910", Decimal(n), (), None, "Kontant ö"), SieTransaction("3010", Decimal(-n))])
        for n in range(1, 20_000)]
    data = write_sie_4i(vouchers, company="Testbolaget AB", ksumma=True)
    assert len(data) > 1 << 20
    path = tmp_path / "many.si"
    path.write_bytes(data)
    for take in (bulk._TAKE, None):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(bulk, "_TAKE", take)
            doc = read_sie(path)
            stream = iter_vouchers(path)
            assert sum(1 for _ in stream) == len(vouchers)
        assert (doc.checksum, stream.document.checksum) == ("ok", "ok")
        assert doc.voucher_count == len(vouchers) and doc.encoding.startswith("cp437") and not doc.diagnostics
