"""The 4I writer: what it writes reads back as the same model, and its #KSUMMA verifies."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.sie import SieTransaction, SieVoucher, read_sie, write_sie_4i

# CP437-encodable text with the characters that need care: quotes, backslashes, braces, '#', spaces.
_CHARS = st.sampled_from(list('abcXYZ019 åäöÅÄÖé-_.,:;/\\"{}#%&()\''))
# A quoted field cannot end in a backslash (the reader would take \" as a quote): documented limitation.
_TEXT = st.text(_CHARS, min_size=1, max_size=15).filter(lambda t: not t.endswith("\\"))
_ID = st.text(_CHARS, max_size=8).filter(lambda t: not t.endswith("\\"))
_AMOUNT = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2)
_DATE = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))
_ACCOUNT = st.integers(min_value=1000, max_value=99999).map(str)
_OBJECTS = st.lists(st.tuples(st.integers(1, 30).map(str), _ID), max_size=3).map(tuple)


@st.composite
def _row(draw: st.DrawFn) -> SieTransaction:
    return SieTransaction(
        account=draw(_ACCOUNT), amount=draw(_AMOUNT), objects=draw(_OBJECTS), date=draw(st.none() | _DATE),
        text=draw(st.none() | _TEXT), quantity=draw(st.none() | _AMOUNT), sign=draw(st.none() | _TEXT))


@st.composite
def _voucher(draw: st.DrawFn) -> SieVoucher:
    return SieVoucher(
        series=draw(_ID), number=draw(_ID), date=draw(_DATE), text=draw(st.none() | _TEXT),
        reg_date=draw(st.none() | _DATE), sign=draw(st.none() | _TEXT),
        rows=draw(st.lists(_row(), min_size=1, max_size=5)),
        removed_rows=[r._replace(kind="BTRANS") for r in draw(st.lists(_row(), max_size=1))])


def _plain(voucher: SieVoucher) -> tuple[object, ...]:
    """The model without positions and findings, which depend on where the voucher sits in a file."""
    def rows(items: list[SieTransaction]) -> list[SieTransaction]:
        return [r._replace(line=0) for r in items]
    return (voucher.series, voucher.number, voucher.date, voucher.text, voucher.reg_date, voucher.sign,
            rows(voucher.rows), rows(voucher.added_rows), rows(voucher.removed_rows))


@settings(max_examples=60, deadline=None)
@given(st.lists(_voucher(), min_size=1, max_size=4), st.booleans())
def test_round_trip_gives_back_the_same_vouchers(vouchers: list[SieVoucher], ksumma: bool) -> None:
    data = write_sie_4i(vouchers, company="Testbolaget AB", org_number="555555-5555", ksumma=ksumma,
                        generated=date(2024, 1, 31))
    doc = read_sie(data)
    assert [d.rule for d in doc.diagnostics if d.rule != "SIE301"] == []
    assert [_plain(v) for v in doc.vouchers] == [_plain(v) for v in vouchers]
    assert doc.checksum == ("ok" if ksumma else "absent")
    assert (doc.sie_type, doc.company, doc.org_number) == ("4I", "Testbolaget AB", "555555-5555")
    for voucher in doc.vouchers:
        assert bool(voucher.findings) is (voucher.balance != 0)


def test_output_is_cp437_with_crlf_and_a_closing_checksum() -> None:
    voucher = SieVoucher("", "1", date(2024, 1, 31), "Dagskassa ÅÄÖ", rows=[
        SieTransaction("1910", Decimal("100.00")), SieTransaction("3010", Decimal("-100.00"), text="Mat")])
    data = write_sie_4i([voucher], ksumma=True, generated=date(2024, 1, 31))
    text = data.decode("cp437")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    assert "ÅÄÖ".encode("cp437") in data
    lines = text.split("\r\n")
    assert lines[:2] == ["#FLAGGA 0", "#KSUMMA"] and lines[-2].startswith("#KSUMMA ") and lines[-1] == ""
    assert '#VER "" "1" 20240131 "Dagskassa ÅÄÖ"' in lines
    assert '#TRANS 3010 {} -100.00 "" "Mat"' in lines


def test_a_changed_byte_breaks_the_written_checksum() -> None:
    voucher = SieVoucher("A", "1", date(2024, 1, 31), rows=[
        SieTransaction("1910", Decimal("100.00")), SieTransaction("3010", Decimal("-100.00"))])
    data = write_sie_4i([voucher], ksumma=True)
    assert read_sie(data).checksum == "ok"
    tampered = read_sie(data.replace(b"100.00", b"100.01", 1))
    assert tampered.checksum == "mismatch" and tampered.rejected
    truncated = read_sie(data[: data.rindex(b"#KSUMMA ")])
    assert [d.rule for d in truncated.errors] == ["SIE402"] and truncated.rejected


def test_rtrans_is_written_before_its_identical_trans() -> None:
    row = SieTransaction("1910", Decimal("5.00"))
    voucher = SieVoucher("A", "1", date(2024, 1, 31), rows=[row, SieTransaction("3010", Decimal("-5.00"))],
                         added_rows=[row._replace(kind="RTRANS")])
    doc = read_sie(write_sie_4i([voucher]))
    assert _plain(doc.vouchers[0]) == _plain(voucher)
    assert not doc.diagnostics
