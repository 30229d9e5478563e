"""Every well-formed corpus file reads with no error, and its counts agree with an independent count."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sie_helpers import CORPUS, well_formed_files

from pipeline.sie import SieTransaction, SieVoucher, read_sie, write_sie_4i

FILES = well_formed_files()
KSUMMA_FILES = [
    "byrokrat__accounting/SIE_2.se",
    "byrokrat__accounting/SIE4.se",
    "byrokrat__accounting/Bokslut Norstedts SIE 4E.se",
    "byrokrat__accounting/Norstedts Bokslut SIE 4I.si",
    "idstam__jsisie/Norstedts%20Revision%20SIE%201.SE",
]


def _decoded(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # labels are ASCII: any single-byte decoding counts them the same


def _count(text: str, label: str) -> int:
    """An independent count: lines whose first word is the label."""
    return len(re.findall(rf"(?m)^[ \t]*{label}[ \t]", text))


def _manifest_ver_counts() -> dict[str, int]:
    counts = {}
    for line in (CORPUS / "MANIFEST.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 13 and cells[1].endswith((".se", ".SE", ".si", ".SI")) and cells[12].isdigit():
            counts[cells[1]] = int(cells[12])
    return counts


def test_corpus_has_the_documented_files(corpus: Path) -> None:
    assert len(FILES) == 44


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_well_formed_file_reads_without_error(path: Path) -> None:
    doc = read_sie(path)
    assert not doc.rejected, [d.render() for d in doc.errors]
    assert doc.program, "every corpus file names its program"
    text = _decoded(path)
    empty = sum(1 for d in doc.diagnostics if d.rule == "SIE302")
    assert doc.voucher_count + empty == _count(text, "#VER")
    assert doc.transaction_count == _count(text, "#TRANS")
    assert doc.transaction_count == sum(len(v.rows) for v in doc.vouchers)
    assert len(doc.vouchers) == doc.voucher_count


def test_voucher_counts_match_the_manifest(corpus: Path) -> None:
    expected = _manifest_ver_counts()
    assert len(expected) >= 44
    for path in FILES:
        rel = str(path.relative_to(CORPUS))
        doc = read_sie(path)
        empty = sum(1 for d in doc.diagnostics if d.rule == "SIE302")
        assert doc.voucher_count + empty == expected[rel], rel


@pytest.mark.parametrize("rel", KSUMMA_FILES)
def test_corpus_checksums_verify(corpus: Path, rel: str) -> None:
    doc = read_sie(corpus / rel)
    assert doc.checksum == "ok"
    assert doc.checksum_value == doc.checksum_computed


def test_files_without_a_checksum_say_absent(corpus: Path) -> None:
    with_checksum = {str(corpus / rel) for rel in KSUMMA_FILES}
    for path in FILES:
        if str(path) not in with_checksum:
            assert read_sie(path).checksum == "absent", path


def test_the_known_unbalanced_real_export_is_read_with_its_finding(corpus: Path) -> None:
    doc = read_sie(corpus / "idstam__jsisie/XE_SIE_4_20151125095119.SE")
    (voucher,) = doc.unbalanced
    assert (voucher.series, voucher.number) == ("1", "1")
    assert str(voucher.findings[0].amount) == "2.00"


@pytest.mark.parametrize(("rel", "encoding"), [
    ("idstam__jsisie/SIE4_Exempelfil_med_underdim.SE", "utf-8"),
    ("blinfo__Sie4j/BLBLOV_SIE4_ISO_8859_15.SE", "iso-8859-15"),
    ("byrokrat__accounting/BL0001_typ3.SE", "cp437+latin-1"),
    ("byrokrat__accounting/SIE4.se", "cp437"),
])
def test_encodings_are_detected(corpus: Path, rel: str, encoding: str) -> None:
    assert read_sie(corpus / rel).encoding == encoding


def test_mixed_and_latin1_files_read_the_same_letters(corpus: Path) -> None:
    cp437 = read_sie(corpus / "blinfo__Sie4j/BLBLOV_SIE4.SE")
    latin = read_sie(corpus / "blinfo__Sie4j/BLBLOV_SIE4_ISO_8859_15.SE")
    assert cp437.company == latin.company == "Övningsföretaget AB"
    typ3 = read_sie(corpus / "byrokrat__accounting/BL0001_typ3.SE")
    assert any(obj.id == "Å1" for obj in typ3.objects.values())


def test_pos_day_files_are_4i(corpus: Path) -> None:
    for rel in ("blinfo__Sie4j/Transaktioner per Z-rapport.se", "blinfo__Sie4j/SIE_with_missing_program_version.se",
                "blinfo__Sie4j/BLBLOV_SIE4.SI"):
        doc = read_sie(corpus / rel)
        assert doc.sie_type == "4I" and doc.vouchers and not doc.rejected, rel
    sir = read_sie(corpus / "blinfo__Sie4j/SIE_with_missing_program_version.se")
    assert (sir.program, sir.program_version, sir.format) == ("SIR", None, None)
    assert [v.number for v in sir.vouchers] == ["110000001", "110000002", "110000003"]


def test_rtrans_and_btrans_are_kept_apart_from_posting_rows(corpus: Path) -> None:
    doc = read_sie(corpus / "byrokrat__accounting/BL0001_typ4.SE")
    text = _decoded(corpus / "byrokrat__accounting/BL0001_typ4.SE")
    assert sum(len(v.added_rows) for v in doc.vouchers) == _count(text, "#RTRANS") > 0
    assert sum(len(v.removed_rows) for v in doc.vouchers) == _count(text, "#BTRANS") > 0
    assert all(v.is_balanced for v in doc.vouchers)
    assert not any(d.rule == "SIE305" for d in doc.diagnostics)


def test_4e_and_4i_are_told_apart_by_content(corpus: Path) -> None:
    assert read_sie(corpus / "byrokrat__accounting/SIE4.se").sie_type == "4E"
    assert read_sie(corpus / "byrokrat__accounting/Norstedts Bokslut SIE 4I.si").sie_type == "4I"
    assert read_sie(corpus / "blinfo__Sie4j/CC3.SI").sie_type == "4I"
    assert read_sie(corpus / "byrokrat__accounting/SIE_2.se").sie_type == "2"


@pytest.mark.parametrize("path", [p for p in FILES if "4" in p.name or p.suffix.lower() == ".si"],
                         ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_vouchers_survive_a_write_and_read(path: Path) -> None:
    doc = read_sie(path)
    again = read_sie(write_sie_4i(doc, ksumma=True))
    assert again.checksum == "ok" and not again.rejected
    assert [_shape(v) for v in again.vouchers] == [_shape(v) for v in doc.vouchers]


def _cp437(text: str | None) -> str | None:
    """What survives CP437 (the writer's encoding): a U+FFFD already in the source becomes '?'."""
    return text.encode("cp437", "replace").decode("cp437") if text is not None else None


def _shape(voucher: SieVoucher) -> tuple[object, ...]:
    def rows(items: list[SieTransaction]) -> list[tuple[object, ...]]:
        return [(r.account, r.amount, r.objects, r.date, _cp437(r.text), r.quantity, r.sign, r.kind)
                for r in items]
    return (voucher.series, voucher.number, voucher.date, _cp437(voucher.text), voucher.reg_date, voucher.sign,
            rows(voucher.rows), rows(voucher.added_rows), rows(voucher.removed_rows))
