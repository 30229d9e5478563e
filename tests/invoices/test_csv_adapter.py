"""CSV exports with configurable columns: cp1252, semicolons, decimal comma; malformed files name file and line."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from invoice_builders import CSV_COLUMNS, FIXTURES, csv_settings, store_config

from pipeline.invoices import Address, InvoiceKind, read_invoice_file, validate_invoice

D = Decimal
HEADER = "Fakturanr;Fakturadatum;Kundnr;Kundnamn;Text;Artikelgrupp;Konto;Antal;À-pris;Moms %;Inkl moms"
SMALL = {k: CSV_COLUMNS[k] for k in ("invoice_number", "invoice_date", "customer_id", "customer_name", "text",
                                     "article_group", "account", "quantity", "unit_price", "vat_rate",
                                     "vat_included")}


def _csv(tmp_path: Path, *lines: str, encoding: str = "cp1252") -> Path:
    path = tmp_path / "export.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _read(path: Path, **csv: object):  # type: ignore[no-untyped-def]
    settings = csv_settings(**({"columns": SMALL, "credit_values": []} | csv))
    return read_invoice_file(path, store_config(), settings)


def test_pos_export_in_cp1252_with_decimal_comma() -> None:
    config, settings = store_config(), csv_settings()
    read = read_invoice_file(FIXTURES / "pos_export.csv", config, settings)
    assert read.findings == ()
    by_number = {i.number: i for i in read.invoices}
    cafe = by_number["5001"]
    assert (cafe.invoice_date, cafe.due_date, cafe.kind) == (date(2026, 3, 10), date(2026, 4, 9),
                                                             InvoiceKind.INVOICE)
    assert (cafe.customer.pos_id, cafe.customer.name, cafe.customer.org_number, cafe.customer.email) == (
        "2001", "Café Ängen AB", "559123-4567", "kaffe@angen.se")
    assert cafe.customer.address == Address("Storgatan 1", "753 20", "Uppsala", "SE")
    assert [(r.text, r.article_group, r.quantity, r.unit_price, r.vat_rate, r.vat_included, r.line)
            for r in cafe.rows] == [("Kaffe bryggmalet 500 g", "LIVS", D(3), D("79.90"), D(12), True, 2),
                                    ("Termos 1 l", "VAROR", D(1), D("249.00"), D(25), True, 3)]
    # prices include VAT: VAT per rate = gross x rate / (100 + rate), rounded once per rate
    assert [(v.rate, v.net, v.vat) for v in cafe.totals.vat] == [(D(25), D("199.20"), D("49.80")),
                                                                (D(12), D("214.02"), D("25.68"))]
    assert (cafe.totals.rounding, cafe.totals.gross) == (D("0.30"), D("489.00"))
    assert [(p.amount, p.tender, p.date) for p in cafe.payments] == [(D("200.00"), "Kort", date(2026, 3, 10))]
    consult = by_number["5002"]
    assert [(r.text, r.account, r.quantity, r.unit_price) for r in consult.rows] == [
        ("Konsultation; halv dag", 3051, D(2), D("1234.50"))]
    assert consult.totals.gross == D("3086.25") and consult.due_date is None
    for made in read.invoices:
        assert validate_invoice(made, config, settings) == []


def test_credit_written_with_positive_numbers_is_turned_around() -> None:
    read = read_invoice_file(FIXTURES / "pos_export.csv", store_config(), csv_settings())
    credit = next(i for i in read.invoices if i.number == "5003")
    assert (credit.kind, credit.credit_of) == (InvoiceKind.CREDIT, "5001")
    assert [(r.quantity, r.unit_price) for r in credit.rows] == [(D(-1), D("249.00"))]
    assert credit.totals.gross == D("-249.00")
    assert validate_invoice(credit, store_config(), csv_settings()) == []


def test_negative_total_without_a_kind_column_is_a_credit(tmp_path: Path) -> None:
    path = _csv(tmp_path, HEADER, "77;2026-03-10;2001;Café;Retur;VAROR;;-2;50,00;25;nej")
    [credit] = _read(path).invoices
    assert credit.kind is InvoiceKind.CREDIT and credit.totals.gross == D("-125.00")


def test_point_decimals_and_utf8(tmp_path: Path) -> None:
    path = _csv(tmp_path, HEADER.replace(";", ","), "1,2026-03-10,2001,Café,Kaffe,LIVS,,2,\"1,000.50\",12,no",
                encoding="utf-8")
    [made] = _read(path, delimiter=",", decimal_comma=False, encoding="utf-8").invoices
    assert made.rows[0].unit_price == D("1000.50") and made.customer.name == "Café"


def test_vat_rate_comes_from_the_article_group_when_the_export_has_none(tmp_path: Path) -> None:
    columns = {k: v for k, v in SMALL.items() if k != "vat_rate"}
    path = _csv(tmp_path, HEADER, "1;2026-03-10;2001;Café;Kaffe;LIVS;;1;10,00;;nej")
    [made] = _read(path, columns=columns).invoices
    assert made.rows[0].vat_rate == D(12)


@pytest.mark.parametrize(("cells", "column", "message"), [
    ("1;2026-03-10;2001;Café;Kaffe;LIVS;;tre;10,00;12;nej", "Antal", "'tre' is not a number"),
    ("1;2026-03-10;2001;Café;Kaffe;LIVS;;1;10.00;12;nej", "À-pris", "'10.00' is not a number (expected a decimal comma)"),
    ("1;10/03/2026;2001;Café;Kaffe;LIVS;;1;10,00;12;nej", "Fakturadatum",
     "'10/03/2026' is not a date written as %Y-%m-%d"),
    ("1;2026-03-10;2001;Café;Kaffe;LIVS;;;10,00;12;nej", "Antal", "is empty"),
    ("1;2026-03-10;2001;Café;Kaffe;LIVS;31x;1;10,00;12;nej", "Konto", "'31x' is not an account number"),
    ("1;2026-03-10;2001;Café;Kaffe;LIVS;;1;10,00;12;kanske", "Inkl moms", "'kanske' is neither yes nor no"),
])
def test_a_bad_value_names_file_line_and_column(tmp_path: Path, cells: str, column: str, message: str) -> None:
    good = "2;2026-03-10;2001;Café;Kaffe;LIVS;;1;10,00;12;nej"
    path = _csv(tmp_path, HEADER, good, cells)
    read = _read(path)
    assert [i.number for i in read.invoices] == ["2"]  # the other invoice is not held back
    [bad] = read.findings
    assert (bad.rule, bad.invoice, bad.location.path, bad.location.line) == ("KS502", "1", str(path), 3)
    assert bad.message.startswith(f"invoice 1, column {column!r}: {message}")
    assert bad.render().startswith(f"{path}:3:1: error KS502 ")


def test_invoice_level_values_must_agree_across_rows(tmp_path: Path) -> None:
    path = _csv(tmp_path, HEADER, "1;2026-03-10;2001;Café;Kaffe;LIVS;;1;10,00;12;nej",
                "1;2026-03-11;2001;Café;Te;LIVS;;1;10,00;12;nej")
    [bad] = _read(path).findings
    assert (bad.rule, bad.location.line) == ("KS510", 3)
    assert "'2026-03-11' differs from '2026-03-10' on line 2 of the same invoice" in bad.message


def test_missing_column_rejects_the_file_at_the_header(tmp_path: Path) -> None:
    path = _csv(tmp_path, HEADER.replace("Antal", "Kvantitet"), "1;2026-03-10;2001;Café;Kaffe;LIVS;;1;10,00;12;nej")
    read = _read(path)
    assert read.rejected and read.invoices == ()
    [bad] = read.findings
    assert (bad.rule, bad.location.line) == ("KS501", 1)
    assert "'Antal' (quantity)" in bad.message and "'kvantitet'" in (bad.hint or "")


def test_wrong_delimiter_is_named_in_the_hint(tmp_path: Path) -> None:
    path = _csv(tmp_path, HEADER, "1;2026-03-10;2001;Café;Kaffe;LIVS;;1;10,00;12;nej")
    [bad] = _read(path, delimiter=",").findings
    assert bad.rule == "KS501" and "invoices.csv.delimiter (',')" in (bad.hint or "")


def test_bytes_that_are_not_the_encoding_name_their_line(tmp_path: Path) -> None:
    header = HEADER.replace("À-pris", "Pris")  # ASCII, so the first bad byte is the cp1252 é on line 2
    path = _csv(tmp_path, header, "1;2026-03-10;2001;Café;Kaffe;LIVS;;1;10,00;12;nej")
    [bad] = _read(path, encoding="utf-8", columns=SMALL | {"unit_price": "Pris"}).findings
    assert (bad.rule, bad.location.line) == ("KS501", 2)
    assert bad.message == "byte 0xe9 is not utf-8 text"


def test_short_row_rejects_the_file_with_its_line(tmp_path: Path) -> None:
    path = _csv(tmp_path, HEADER, "1;2026-03-10;2001;Café;Kaffe;LIVS;;1;10,00;12;nej", "", "2;2026-03-10;2001")
    [bad] = _read(path).findings
    assert (bad.rule, bad.location.line) == ("KS501", 4)


def test_row_without_invoice_number(tmp_path: Path) -> None:
    path = _csv(tmp_path, HEADER, ";2026-03-10;2001;Café;Kaffe;LIVS;;1;10,00;12;nej")
    [bad] = _read(path).findings
    assert (bad.rule, bad.location.line) == ("KS506", 2)


def test_stated_total_that_the_rows_do_not_give_fails_validation(tmp_path: Path) -> None:
    columns = SMALL | {"total": "Att betala"}
    path = _csv(tmp_path, HEADER + ";Att betala", "1;2026-03-10;2001;Café;Kaffe;LIVS;;1;10,00;12;nej;12,00")
    [made] = _read(path, columns=columns).invoices
    found = validate_invoice(made, store_config(), csv_settings(columns=columns, credit_values=[]))
    assert [(f.rule, f.location.line) for f in found] == [("KS504", 2)]
    assert "net 10.00 + VAT 1.20 + rounding 0 = 11.20, but the amount to pay is 12.00" in found[0].message


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    [bad] = _read(path).findings
    assert (bad.rule, bad.message) == ("KS501", "the file is empty")
