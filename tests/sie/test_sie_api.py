"""The public API other stages call: read_sie on a POS day file, write_sie_4i, iter_vouchers."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pipeline.sie import SieDocument, SieTransaction, SieVoucher, iter_vouchers, read_sie, write_sie_4i

POS_DAY = (
    b"#FLAGGA 0\r\n#PROGRAM \"ES Kassasystem\" 7\r\n#FORMAT PC8\r\n#GEN 20210521\r\n#SIETYP 4\r\n"
    b"#FNAMN \"\x99vningskund AB\"\r\n#ORGNR 5555555555\r\n\r\n"
    b"#VER \"\" \"64\" 20210505 \" nr. 64\" 20210505  \r\n{\r\n"
    b"\t#TRANS 1932 {} 2040.00 20210505 \"Kort\"\r\n\t#TRANS 2610 {} -408.00\r\n"
    b"\t#TRANS 3010 {} -1632.00 20210506 \"MAT\"\r\n}\r\n"
)


def test_pos_day_file_reads_as_4i_with_typed_rows() -> None:
    doc = read_sie(POS_DAY, name="day.se")
    assert isinstance(doc, SieDocument)
    assert not doc.rejected and doc.diagnostics == []
    assert (doc.sie_type, doc.encoding, doc.company, doc.org_number) == ("4I", "cp437", "Övningskund AB",
                                                                          "5555555555")
    (voucher,) = doc.vouchers
    assert (voucher.series, voucher.number, voucher.text, voucher.line, voucher.end_line) == ("", "64", " nr. 64",
                                                                                              9, 14)
    assert [r.amount for r in voucher.rows] == [Decimal("2040.00"), Decimal("-408.00"), Decimal("-1632.00")]
    assert voucher.rows[1].date is None and voucher.row_date(voucher.rows[1]) == voucher.date
    assert str(voucher.rows[2].date) == "2021-05-06"
    assert voucher.is_balanced and voucher.findings == []
    assert doc.debit_total == Decimal("2040.00")


def test_unbalanced_voucher_is_kept_with_a_finding() -> None:
    doc = read_sie(POS_DAY.replace(b"-408.00", b"-407.55"))
    (voucher,) = doc.vouchers
    (finding,) = voucher.findings
    assert (finding.kind, finding.code, finding.amount) == ("unbalanced", "SIE301", Decimal("0.45"))
    assert not doc.rejected
    assert [d.rule for d in doc.diagnostics] == ["SIE301"]
    assert read_sie(POS_DAY.replace(b"-408.00", b"-407.55"), policy="strict").rejected


def test_written_file_reads_back_with_a_verified_checksum(tmp_path: Path) -> None:
    doc = read_sie(POS_DAY)
    data = write_sie_4i(doc, ksumma=True)
    assert data.count(b"\r\n") == data.count(b"\n")
    again = read_sie(data)
    assert again.checksum == "ok" and not again.rejected
    assert [r.amount for r in again.vouchers[0].rows] == [r.amount for r in doc.vouchers[0].rows]
    path = tmp_path / "day.si"
    path.write_bytes(data)
    stream = iter_vouchers(path)
    assert next(stream).number == "64"
    assert list(stream) == []
    assert stream.document.checksum == "ok" and stream.document.vouchers == []


def test_the_reader_builds_vouchers_and_rows_as_their_constructors_do() -> None:
    # The reader builds SieVoucher with model.new_voucher and rows with tuple.__new__ (one per #VER and
    # #TRANS line, so without the dataclass's list() calls): the objects are the constructors' objects.
    from datetime import date

    from pipeline.sie.model import new_voucher

    day = date(2024, 1, 31)
    built = new_voucher("A", "1", day, "Dagskassa", None, "me", 7)
    assert built == SieVoucher("A", "1", day, "Dagskassa", None, "me", line=7)
    assert list(vars(built)) == list(vars(SieVoucher("A", "1", day)))
    assert built.rows is not built.added_rows and built.findings == []
    (voucher,) = read_sie(b'#VER A 1 20240131 "Dagskassa" "" me\n{\n#TRANS 1910 {1 "100"} 5 20240131 "x" 2 s\n'
                          b"#TRANS 3010 {} -5\n}\n").vouchers
    assert voucher == SieVoucher("A", "1", day, "Dagskassa", None, "me", line=1, end_line=5, rows=[
        SieTransaction("1910", Decimal(5), (("1", "100"),), day, "x", Decimal(2), "s", "TRANS", 3),
        SieTransaction("3010", Decimal(-5), line=4)])
    assert type(voucher.rows[0]) is SieTransaction
