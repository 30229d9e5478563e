"""Bad input never raises anything but SieError, and huge or binary files finish in bounded memory."""
from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.sie import CODES, Limits, SieDocument, SieError, iter_vouchers, read_sie
from pipeline.sie.labels import HANDLERS

_LABELS = [*HANDLERS, "#VER", "#TRANS", "#RTRANS", "#BTRANS", "#KSUMMA", "#MOMSKOD", "#", "{", "}"]
_TOKENS = st.sampled_from(['""', '"a b"', '"\\"', "{", "}", "{}", "{1 2}", '{1 "x"', "0", "-1", "1910",
                           "20240131", "2024-01-31", "12.50", "-0.01", "1e5", "NaN", "abc", "\\", '"', "\t",
                           "\x00", "\u00e5", "\ufffd", "201713", "99999999999999999999"])
_LINE = st.builds(lambda label, toks: " ".join([label, *toks]), st.sampled_from(_LABELS),
                  st.lists(_TOKENS, max_size=7))


def _well_formed_report(doc: SieDocument) -> None:
    """Whatever the input, the report is consistent: known codes, lines inside the file, rejected iff errors."""
    for diag in doc.diagnostics:
        assert diag.rule in CODES and 0 <= diag.location.line <= max(doc.lines, 1)
    assert doc.rejected == (doc.error_count > 0)
    assert doc.error_count == 0 or doc.errors


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_a_document(data: bytes) -> None:
    doc = read_sie(data)
    _well_formed_report(doc)


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINE, max_size=40), st.sampled_from(["\n", "\r\n", "\r"]), st.sampled_from(["utf-8", "cp437"]))
def test_token_soup_gives_a_document_in_both_policies(lines: list[str], eol: str, encoding: str) -> None:
    data = eol.join(lines).encode(encoding, "replace")
    for policy in ("lenient", "strict"):
        doc = read_sie(data, policy=policy)
        for voucher in doc.vouchers:
            assert voucher.rows and (voucher.balance == 0) is (not voucher.findings)
        _well_formed_report(doc)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_LINE, max_size=30))
def test_streaming_raises_only_sie_error(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "soup.se"
    path.write_bytes("\n".join(lines).encode("utf-8"))
    for policy in ("lenient", "strict"):
        try:
            for _ in iter_vouchers(path, policy=policy):
                pass
        except SieError as exc:
            assert policy == "strict" and exc.code.startswith("SIE") and exc.line >= 0


def test_missing_file_raises_sie_error(tmp_path: Path) -> None:
    with pytest.raises(SieError) as info:
        read_sie(tmp_path / "nope.se")
    assert info.value.code == "SIE100" and "nope.se" in str(info.value)


def _peak(fn: object) -> int:
    tracemalloc.start()
    try:
        fn()  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_huge_line_is_skipped_in_bounded_memory(tmp_path: Path) -> None:
    # Scaled down from 1 GB: a 24 MB line against the default 1 MiB limit; memory must not follow its size.
    path = tmp_path / "long.se"
    with path.open("wb") as out:
        out.write(b"#FLAGGA 0\n#PROSA ")
        for _ in range(24):
            out.write(b"x" * (1 << 20))
        out.write(b"\n#FNAMN Kvar\n")
    stream = iter_vouchers(path)
    peak = _peak(lambda: list(stream))
    doc = stream.document
    assert [(d.rule, d.location.line) for d in doc.errors] == [("SIE103", 2)]
    assert doc.company == "Kvar" and doc.lines == 3
    assert peak < 8 << 20


def test_a_file_of_nul_bytes_is_rejected_quickly(tmp_path: Path) -> None:
    path = tmp_path / "nul.se"
    path.write_bytes(b"\x00" * (8 << 20))
    stream = iter_vouchers(path)
    peak = _peak(lambda: list(stream))
    assert {d.rule for d in stream.document.errors} == {"SIE103", "SIE102"}
    assert peak < 8 << 20
    small = read_sie(b"\x00" * 100)
    assert [d.rule for d in small.errors] == ["SIE102"]


def test_a_voucher_with_too_many_rows_is_an_error_not_a_memory_hog(tmp_path: Path) -> None:
    # Scaled down from a million rows: the same limit logic with a limit of 2 000 and 20 000 rows.
    path = tmp_path / "big.si"
    with path.open("w", encoding="ascii") as out:
        out.write("#FLAGGA 0\n#SIETYP 4\n#VER A 1 20240131\n{\n")
        out.writelines("#TRANS 1910 {} 1.00\n#TRANS 3010 {} -1.00\n" for _ in range(10_000))
        out.write("}\n#VER A 2 20240131\n{\n#TRANS 1910 {} 1.00\n#TRANS 3010 {} -1.00\n}\n")
    stream = iter_vouchers(path, limits=Limits(max_voucher_rows=2_000))
    kept = [v.number for v in stream]
    assert kept == ["2"]
    (error,) = stream.document.errors
    assert (error.rule, error.location.line) == ("SIE306", 3) and "20000 rows" in error.message


def test_many_diagnostics_are_capped_and_counted() -> None:
    data = b"#FLAGGA 0\n" + b"#MOMSKOD 1 2\n" * 5_000
    doc = read_sie(data)
    assert len(doc.diagnostics) <= 25
    (summary,) = [d for d in doc.diagnostics if d.rule == "SIE405"]
    assert "4980 more of 5000" in summary.message
    assert len(doc.unknown) == 1_000


def test_strict_stream_raises_at_the_first_error(tmp_path: Path) -> None:
    path = tmp_path / "day.si"
    path.write_bytes(b"#FLAGGA 1\n#VER A 1 20240131\n{\n#TRANS 1910 {} 1\n#TRANS 3010 {} -1\n}\n")
    assert [v.number for v in iter_vouchers(path)] == ["1"]
    with pytest.raises(SieError) as info:
        list(iter_vouchers(path, policy="strict"))
    assert (info.value.code, info.value.line, info.value.col) == ("SIE213", 1, 9)


def test_digest_and_size_cover_the_whole_file_even_when_reading_stops_early() -> None:
    import hashlib

    data = b"<html>\n" + b"x" * 100 + b"\n" + b"y\n" * 10_000_000
    doc = read_sie(data)
    assert [d.rule for d in doc.errors] == ["SIE101"]
    assert doc.size == len(data) and doc.sha256 == hashlib.sha256(data).hexdigest()


def test_a_bom_a_lone_cp437_byte_and_a_cut_voucher_are_reported_not_raised() -> None:
    # printf '\xef\xbb\xbf#KSUMMA\n\xba\n#VER \n{\n#': the C accelerator raised IndexError on it.
    doc = read_sie(b"\xef\xbb\xbf#KSUMMA\n\xba\n#VER \n{\n#")
    assert [(d.rule, d.location.line) for d in doc.diagnostics] == [
        ("SIE108", 2), ("SIE204", 3), ("SIE201", 5), ("SIE110", 5), ("SIE402", 5)]
    assert "#VER date is missing" in doc.diagnostics[1].message
    assert doc.rejected and doc.voucher_count == 0 and doc.encoding == "utf-8-bom+cp437"
    _well_formed_report(doc)


def test_a_checksummed_file_of_many_pieces_verifies(tmp_path: Path) -> None:
    # Longer than one 1 MiB block and many 64 KiB pieces, single-byte (CP437 letters), under #KSUMMA: the raw
    # Latin-1 text is cut into the same pieces as the decoded text, and the written checksum verifies.
    from datetime import date
    from decimal import Decimal

    from pipeline.sie import SieTransaction, SieVoucher, write_sie_4i

    vouchers = [SieVoucher("A", str(n), date(2024, 1, 31), f"Dagskassa {n} åäö", rows=[
        SieTransaction("1910", Decimal(n), (), None, "Kontant ö"), SieTransaction("3010", Decimal(-n))])
        for n in range(1, 20_000)]
    data = write_sie_4i(vouchers, company="Testbolaget AB", ksumma=True)
    assert len(data) > 1 << 20
    path = tmp_path / "many.si"
    path.write_bytes(data)
    doc = read_sie(path)
    stream = iter_vouchers(path)
    assert sum(1 for _ in stream) == len(vouchers)
    assert (doc.checksum, stream.document.checksum) == ("ok", "ok")
    assert doc.voucher_count == len(vouchers) and doc.encoding == "cp437" and not doc.diagnostics
    assert doc.vouchers[-1].rows[0] == SieTransaction("1910", Decimal(19_999), (), None, "Kontant ö", line=doc.lines - 3)
