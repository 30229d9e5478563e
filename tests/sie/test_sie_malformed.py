"""Every file in the corpus's malformed/ folder gives its documented problem, with the right line."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.sie import read_sie
from pipeline.sie.document import SieDocument

# file -> (code, line, rejected under the lenient policy)
EXPECTED = {
    "idstam__jsisie/transaktioner_ovnbolag-bad-balance.se": ("SIE301", 3905, False),
    "idstam__jsisie/HAS1_1412.se": ("SIE101", 1, True),
    "blinfo__Sie4j/BLBLOV_SIE4_UTF_8_IMBALANCED.SI": ("SIE213", 1, False),
    "blinfo__Sie4j/BLBLOV_SIE4_UTF_8_with_iso_voucher_date.SI": ("SIE204", 8, True),
    "blinfo__Sie4j/BLBLOV_SIE4_UTF_8_with_critical_voucher_date_error.SI": ("SIE204", 8, True),
    "blinfo__Sie4j/BLBLOV_SIE4_UTF_8_with_faulty_transaction.SI": ("SIE203", 10, True),
    "blinfo__Sie4j/BLBLOV_SIE4_UTF_8_with_missing_account_numbers_in_transaction.SI": ("SIE207", 10, True),
    "blinfo__Sie4j/BLBLOV_SIE4_UTF_8_with_non_numeric_account_number.SE": ("SIE216", 16, False),
    "blinfo__Sie4j/BLBLOV_SIE4_UTF_8_with_missing_account_balance.SE": ("SIE216", 426, False),
    "blinfo__Sie4j/BLBLOV_SIE4_UTF_8_with_empty_voucher.SE": ("SIE302", 827, False),
    "blinfo__Sie4j/BLBLOV_SIE4_UTF_8_with_missing_voucher_series.SE": ("SIE308", 821, False),
    "blinfo__Sie4j/BLBLOV_SIE1_erroneous_leap_year.SE": ("SIE210", 10, False),
    "blinfo__Sie4j/Arousells_Visning_AB.SE": ("SIE104", 15, False),
    "iCalcreator__sie4ito5/Sie4I1ksumma.SI": ("SIE401", 63, True),
    "barsoom__sie/sie_file_with_unknown_entries.se": ("SIE201", 21, False),
}


def _read(corpus: Path, rel: str, policy: str = "lenient") -> SieDocument:
    return read_sie(corpus / "malformed" / rel, policy=policy)


def _lines(doc: SieDocument, code: str) -> list[int]:
    return [d.location.line for d in doc.diagnostics if d.rule == code]


def test_every_malformed_file_is_covered(corpus: Path) -> None:
    on_disk = {str(p.relative_to(corpus / "malformed")) for p in (corpus / "malformed").rglob("*")
               if p.is_file() and p.suffix.lower() in (".se", ".si")}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_malformed_file_is_diagnosed_on_its_line(corpus: Path, rel: str) -> None:
    code, line, rejected = EXPECTED[rel]
    doc = _read(corpus, rel)
    assert line in _lines(doc, code), [d.render() for d in doc.diagnostics]
    assert doc.rejected is rejected
    (first,) = [d for d in doc.diagnostics if d.rule == code and d.location.line == line][:1]
    assert first.location.path.endswith(rel) and first.location.col >= 1 or first.rule == "SIE104"
    assert first.message and first.rule.startswith("SIE")


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_strict_policy_rejects_every_malformed_file_but_the_lossy_ones(corpus: Path, rel: str) -> None:
    doc = _read(corpus, rel, "strict")
    # U+FFFD damage is reported but survivable under both policies: the structure is intact.
    assert doc.rejected is (not rel.endswith("Arousells_Visning_AB.SE"))


def test_html_page_is_rejected_as_html(corpus: Path) -> None:
    doc = _read(corpus, "idstam__jsisie/HAS1_1412.se")
    assert doc.rejection_reason and "HTML" in doc.rejection_reason
    assert doc.vouchers == []


def test_checksum_mismatch_is_rejected_with_both_values(corpus: Path) -> None:
    doc = _read(corpus, "iCalcreator__sie4ito5/Sie4I1ksumma.SI")
    assert doc.checksum == "mismatch"
    assert doc.checksum_value == 123456789
    # The sum over the CP437 bytes (sie-format.md §7); the MANIFEST's 2376369273 is the sum over UTF-8.
    assert doc.checksum_computed == 669169992
    assert "123456789" in doc.errors[0].message


def test_bad_balance_voucher_is_off_by_the_changed_amount(corpus: Path) -> None:
    doc = _read(corpus, "idstam__jsisie/transaktioner_ovnbolag-bad-balance.se")
    (voucher,) = doc.unbalanced
    assert (voucher.series, voucher.number, voucher.line) == ("B", "1", 3905)
    assert voucher.findings[0].amount == Decimal("-12771.00")  # -12899.00 written where -128.00 belongs


def test_imbalanced_pos_file_keeps_both_vouchers_with_their_amounts(corpus: Path) -> None:
    doc = _read(corpus, "blinfo__Sie4j/BLBLOV_SIE4_UTF_8_IMBALANCED.SI")
    assert doc.flag == 1
    assert [v.findings[0].amount for v in doc.vouchers] == [Decimal("0.55"), Decimal("-0.14")]
    assert _lines(doc, "SIE301") == [8, 14]


def test_unknown_label_is_kept(corpus: Path) -> None:
    doc = _read(corpus, "barsoom__sie/sie_file_with_unknown_entries.se")
    (item,) = doc.unknown
    assert (item.label, item.fields, item.line) == ("#MOMSKOD", ("2610", "10"), 21)
    assert _lines(doc, "SIE301") == [22]
    assert doc.unbalanced[0].findings[0].amount == Decimal("-40")


def test_a_voucher_without_its_series_field_is_read_with_a_warning(corpus: Path) -> None:
    # `#VER  1 20170101 " " 20170119 " "`: the series field is missing, not even "" (Sie4j reads it so too).
    doc = _read(corpus, "blinfo__Sie4j/BLBLOV_SIE4_UTF_8_with_missing_voucher_series.SE")
    (diag,) = doc.diagnostics
    assert (diag.rule, diag.severity.value, diag.location.line, diag.location.col) == ("SIE308", "warning", 821, 7)
    assert diag.hint and '#VER "" 1 20170101' in diag.hint
    assert doc.voucher_count == 20 and not doc.rejected
    first = doc.vouchers[0]
    assert (first.series, first.number, first.date, first.text, first.reg_date, first.sign, first.line) == \
        ("", "1", date(2017, 1, 1), " ", date(2017, 1, 19), " ", 821)
    assert first.is_balanced and len(first.rows) > 1
    assert _read(corpus, "blinfo__Sie4j/BLBLOV_SIE4_UTF_8_with_missing_voucher_series.SE", "strict").rejected


def test_missing_account_numbers_are_reported_on_both_lines(corpus: Path) -> None:
    doc = _read(corpus, "blinfo__Sie4j/BLBLOV_SIE4_UTF_8_with_missing_account_numbers_in_transaction.SI")
    assert _lines(doc, "SIE207") == [10, 16]


def test_leap_year_file_also_reports_the_lossy_company_name(corpus: Path) -> None:
    doc = _read(corpus, "blinfo__Sie4j/BLBLOV_SIE1_erroneous_leap_year.SE")
    assert _lines(doc, "SIE104") == [8]
    assert doc.sie_type == "1"


def test_extra_fields_are_kept(corpus: Path) -> None:
    doc = read_sie(corpus / "idstam__jsisie/testWrite.se")
    assert [(x.label, x.fields, x.line) for x in doc.extra_fields] == [("#PROGRAM", ("1.0",), 2)]
