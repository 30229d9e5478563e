"""Encoding detection for SIE bytes (sie-format.md §8): BOM, strict UTF-8, CP437, stray Latin-1 repair."""
from __future__ import annotations

from dataclasses import dataclass

# Swedish letters as CP437 bytes, and the same letters as Latin-1 bytes. In CP437 the Latin-1 bytes are
# glyphs (σ Σ ÷ ┼ ─ ╓ Θ ⁿ ╔ ▄) that never appear in bookkeeping text, so seeing them means Latin-1.
_LATIN1_TO_CP437 = {
    0xE5: 0x86, 0xE4: 0x84, 0xF6: 0x94, 0xC5: 0x8F, 0xC4: 0x8E, 0xD6: 0x99,  # å ä ö Å Ä Ö
    0xE9: 0x82, 0xFC: 0x81, 0xC9: 0x90, 0xDC: 0x9A,  # é ü É Ü
}
_CP437_LETTERS = (b"\x86", b"\x84", b"\x94", b"\x8f", b"\x8e", b"\x99")
_REPAIR = bytes(_LATIN1_TO_CP437.get(b, b) for b in range(256))
_LATIN1_BYTES = tuple(bytes([b]) for b in _LATIN1_TO_CP437)
_LATIN1_SET = bytes(_LATIN1_TO_CP437)  # the same bytes, for one translate() pass instead of a count per byte
BOM = b"\xef\xbb\xbf"


@dataclass
class Decoder:
    """Decodes a file block by block and remembers what it saw, so the guess can be reported at the end.

    A block is a run of whole lines. Each block is tried as strict UTF-8 first; CP437 Swedish text almost
    never forms valid UTF-8, so a failure means a single-byte encoding.
    """

    utf8: bool = False  # a block with non-ASCII decoded as UTF-8
    bom: bool = False
    cp437: bool = False  # a block decoded as CP437 (with or without repair)
    repaired: int = 0  # stray Latin-1 bytes mapped to CP437 letters
    latin1: bool = False  # a block decoded wholly as ISO-8859-15
    replacement_chars: int = 0  # U+FFFD already present in UTF-8 text
    single_byte: bool = False  # the last block was decoded with a single-byte codec (1 byte = 1 char)
    at_start: bool = True  # no block decoded yet: a BOM may come

    def decode(self, block: bytes) -> tuple[str, str | None, int]:
        """The text of `block`; for the first block with a U+FFFD ("fffd") or a repaired byte ("repaired"),
        that kind and the character offset of the first one in the returned text, else (None, -1)."""
        if self.at_start:
            self.at_start = False
            if block.startswith(BOM):
                self.bom = True
                block = block[3:]
        self.single_byte = False
        if block.isascii():
            return block.decode("ascii"), None, -1
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError:
            return self._decode_single_byte(block)
        self.utf8 = True
        if "\ufffd" in text:
            first = self.replacement_chars == 0
            self.replacement_chars += text.count("\ufffd")
            return text, "fffd" if first else None, text.find("\ufffd")
        return text, None, -1

    def _decode_single_byte(self, block: bytes) -> tuple[str, str | None, int]:
        self.single_byte = True
        if self.latin1 and not self.cp437:  # an earlier block settled it: the file is ISO-8859-15
            return block.decode("iso-8859-15"), None, -1
        stray = len(block) - len(block.translate(None, _LATIN1_SET))
        if not stray:
            self.cp437 = True
            return block.decode("cp437"), None, -1
        if not any(b in block for b in _CP437_LETTERS) and not self.cp437:
            # No CP437 letters at all: the whole file is Latin-1/ISO-8859-15 although #FORMAT says PC8.
            self.latin1 = True
            return block.decode("iso-8859-15"), None, -1
        first = self.repaired == 0
        self.repaired += stray
        self.cp437 = True
        # A single-byte codec maps byte offsets 1:1 to character offsets.
        offset = min(p for p in (block.find(b) for b in _LATIN1_BYTES) if p >= 0)
        return block.translate(_REPAIR).decode("cp437"), "repaired" if first else None, offset

    @property
    def name(self) -> str:
        """The reported guess: ascii, utf-8, utf-8-bom, cp437, cp437+latin-1, iso-8859-15, or a mix."""
        parts = []
        if self.utf8 or self.bom:
            parts.append("utf-8-bom" if self.bom else "utf-8")
        if self.cp437:
            parts.append("cp437+latin-1" if self.repaired else "cp437")
        if self.latin1:
            parts.append("iso-8859-15")
        return "+".join(parts) if parts else "ascii"

