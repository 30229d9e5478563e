"""Encoding detection (sie-format.md §8): BOM, strict UTF-8, CP437, stray Latin-1, ISO-8859-15, U+FFFD."""
from __future__ import annotations

import pytest

from pipeline.sie import read_sie

NAME = "Övningsbolaget på Åsen"
HEAD = "#FLAGGA 0\n#SIETYP 4\n#FNAMN \"{}\"\n"


@pytest.mark.parametrize(("data", "encoding"), [
    (HEAD.format(NAME).encode("cp437"), "cp437"),
    (HEAD.format(NAME).encode("utf-8"), "utf-8"),
    (b"\xef\xbb\xbf" + HEAD.format(NAME).encode("utf-8"), "utf-8-bom"),
    (HEAD.format(NAME).encode("iso-8859-15"), "iso-8859-15"),
    (HEAD.format("Plain").encode("ascii"), "ascii"),
])
def test_encoding_is_detected_and_the_text_is_right(data: bytes, encoding: str) -> None:
    doc = read_sie(data)
    assert doc.encoding == encoding
    assert doc.company == (NAME if encoding != "ascii" else "Plain")
    assert not doc.diagnostics


def test_stray_latin1_bytes_in_cp437_text_are_repaired_and_reported_on_their_line() -> None:
    data = (HEAD.format(NAME).encode("cp437") + "#FNR \"C:\\Företag\"\n".encode("latin-1"))
    doc = read_sie(data)
    assert doc.encoding == "cp437+latin-1"
    assert doc.company == NAME and doc.company_id == "C:\\Företag"
    (note,) = doc.diagnostics
    assert (note.rule, note.location.line, note.severity.value) == ("SIE105", 4, "info")


def test_replacement_characters_are_a_warning_on_the_first_line_with_one() -> None:
    data = HEAD.format("Fine").encode("utf-8") + "#KONTO 1910 \"Kassa \ufffd\"\n".encode("utf-8")
    doc = read_sie(data)
    (warn,) = doc.diagnostics
    assert (warn.rule, warn.location.line, doc.rejected) == ("SIE104", 4, False)


def test_format_label_does_not_decide_the_encoding() -> None:
    data = ("#FLAGGA 0\n#FORMAT PC8\n#FNAMN \"" + NAME + "\"\n").encode("utf-8")
    doc = read_sie(data)
    assert (doc.format, doc.encoding, doc.company) == ("PC8", "utf-8", NAME)
    other = read_sie(b"#FLAGGA 0\n#FORMAT WIN\n")
    assert [d.rule for d in other.diagnostics] == ["SIE212"]


def test_checksum_of_a_mixed_file_is_taken_over_the_bytes_as_written() -> None:
    import zlib

    items = [b'#PROGRAM "Visma" 1.0', b'#FNR "C:\\F\xf6retag"', b'#FNAMN "\x99vning"']
    crc = zlib.crc32(b"#PROGRAMVisma1.0" + b"#FNRC:\\F\xf6retag" + b"#FNAMN\x99vning")
    data = b"\r\n".join([b"#FLAGGA 0", b"#KSUMMA", *items, b"#KSUMMA " + str(crc).encode(), b""])
    doc = read_sie(data)
    assert (doc.encoding, doc.company, doc.company_id) == ("cp437+latin-1", "Övning", "C:\\Företag")
    assert doc.checksum == "ok", doc.diagnostics


def test_dos_end_of_file_mark_is_ignored() -> None:
    doc = read_sie(b"#FLAGGA 0\r\n#SIETYP 4\r\n\x1a")
    assert doc.diagnostics == [] and doc.sie_type == "4I"


def test_utf16_is_rejected_with_a_clear_reason() -> None:
    doc = read_sie(HEAD.format(NAME).encode("utf-16"))
    assert [d.rule for d in doc.errors] == ["SIE106"] and doc.rejected


def test_checksum_after_a_utf8_bom_in_a_cp437_file_covers_the_cp437_bytes_as_written() -> None:
    # A BOM, then CP437 bytes (not UTF-8): the BOM belongs to no item, and the checksum is taken over the
    # items' CP437 bytes (sie-format.md §7). The C accelerator and the pure-Python path once disagreed here.
    import zlib

    items = ["#FLAGGA 0", "#SIETYP 4", '#FNAMN "Åbo Kött AB"', '#KONTO 1910 "Kassa Ö"']
    crc = zlib.crc32("#FLAGGA0#SIETYP4#FNAMNÅbo Kött AB#KONTO1910Kassa Ö".encode("cp437"))
    data = b"\xef\xbb\xbf#KSUMMA\r\n" + "\r\n".join(items).encode("cp437") + f"\r\n#KSUMMA {crc}\r\n".encode()
    doc = read_sie(data)
    assert (doc.encoding, doc.company, doc.accounts["1910"].name) == ("utf-8-bom+cp437", "Åbo Kött AB", "Kassa Ö")
    assert (doc.checksum, doc.checksum_computed, doc.diagnostics) == ("ok", crc, [])
