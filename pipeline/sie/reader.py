"""Reading SIE files: whole-file `read_sie` and streaming `iter_vouchers`, both over the same block reader.

The file is read in blocks of whole lines, each decoded on its own and split on CR, LF or CRLF; a line
longer than the limit is reported and skipped without being held in memory.
"""
from __future__ import annotations

import gc
import hashlib
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline.sie import codes
from pipeline.sie.codes import SieError
from pipeline.sie.document import Limits, SieDocument
from pipeline.sie.encoding import BOM, Decoder
from pipeline.sie.model import SieVoucher
from pipeline.sie.parser import Parser

log = logging.getLogger("kassasync.sie")
BLOCK = 1 << 20
PIECE = 1 << 13  # text fed to the parser at a time (see _pieces)


def _file_blocks(path: Path, size: int = BLOCK) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while block := handle.read(size):
            yield block


def _bytes_blocks(data: bytes, size: int = BLOCK * 8) -> Iterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(data), size):
        yield bytes(view[start:start + size])


class SieStream:
    """Iterates over the vouchers of one file; `document` holds everything else read so far.

    Vouchers are not kept in `document.vouchers` unless `keep` is set (that is what read_sie does).
    """

    def __init__(self, blocks: Iterable[bytes], name: str, policy: str = "lenient",
                 limits: Limits | None = None, keep: bool = False, raise_errors: bool | None = None) -> None:
        self.document = SieDocument(name=name)
        self.parser = Parser(self.document, policy, limits)
        self._blocks = blocks
        self._keep = keep
        # By default read_sie reports and a strict stream raises at the first error; `sie inspect` streams
        # and reports.
        self._strict = policy == "strict" and not keep if raise_errors is None else raise_errors
        self._vouchers: Iterator[SieVoucher] | None = None

    def __iter__(self) -> Iterator[SieVoucher]:
        # The generator itself: a for loop resumes it directly, without a call of __next__ per voucher.
        if self._vouchers is None:
            self._vouchers = self._generate()
        return self._vouchers

    def __next__(self) -> SieVoucher:
        return next(iter(self))

    def _generate(self) -> Iterator[SieVoucher]:
        doc, parser = self.document, self.parser
        digest = hashlib.sha256()
        decoder = Decoder()
        for text, raw in _lines_of(self._blocks, parser, decoder, digest, doc):
            for start, stop in _pieces(text):
                if parser.stopped:
                    break
                _feed(parser, _split(text, start, stop), None if raw is None else _split(raw, start, stop))
                yield from self._finished()
        parser.finish()
        doc.encoding = decoder.name
        doc.sha256 = digest.hexdigest()
        yield from self._finished()

    def _finished(self) -> list[SieVoucher]:
        """The vouchers finished since the last call, to hand out (none when the document keeps them)."""
        parser = self.parser
        if self._strict and self.document.error_count:
            raise SieError.from_diagnostic(self.document.errors[0])
        ready, parser.ready = parser.ready, []
        if self._keep:
            self.document.vouchers.extend(ready)
            return []
        return ready


def _split(text: str, start: int, stop: int) -> list[str]:
    """The lines of text[start:stop], which ends with a newline."""
    lines = (text if start == 0 and stop == len(text) else text[start:stop]).split("\n")
    lines.pop()
    return lines


def _feed(parser: Parser, lines: list[str], raw_lines: list[str] | None) -> None:
    # Nothing the parser builds forms a reference cycle, so the cycle collector's passes over the new
    # rows only cost time (a third of it for read_sie, which keeps every row); it runs again between pieces.
    collecting = gc.isenabled()
    gc.disable()
    try:
        parser.feed(lines, raw_lines)
    finally:
        if collecting:
            gc.enable()


def _lines_of(blocks: Iterable[bytes], parser: Parser, decoder: Decoder, digest: hashlib._Hash,
              doc: SieDocument) -> Iterator[tuple[str, str | None]]:
    """Decoded text of whole lines (LF-terminated), block by block, with the same text as undecoded Latin-1
    when the #KSUMMA checksum of a single-byte file needs the bytes as written (else None); reports
    over-long lines and encoding notes to `parser`."""
    max_line = parser.limits.max_line_bytes
    carry = b""
    skipping = False  # inside an over-long line: drop bytes until its end
    lineno = 0
    for block in blocks:
        if not doc.size and block[:2] in (b"\xff\xfe", b"\xfe\xff"):
            # Saved as "Unicode" by an editor: every other byte is NUL, and no SIE program reads it.
            parser.diag("SIE106", 1, 1)
            parser.stopped = True
        digest.update(block)
        doc.size += len(block)
        if parser.stopped:  # not SIE: nothing more to parse, but size and digest cover the whole file
            continue
        if skipping:
            end = _first_break(block)
            if end < 0:
                continue
            skipping = False
            if block[end:end + 2] == b"\r\n":
                end += 1
            block = block[end + 1:]
        data = carry + block if carry else block
        stop = len(data) - 1 if data.endswith(b"\r") else len(data)  # CR may be half of a CRLF
        cut = max(data.rfind(b"\n", 0, stop), data.rfind(b"\r", 0, stop))
        if cut < 0:
            carry = data
        else:
            carry = data[cut + 1:]
            text, raw = _decode(data[:cut + 1], parser, decoder, lineno)
            lineno += text.count("\n")
            yield text, raw
        if len(carry) > max_line:
            parser.lineno = lineno
            parser.line_too_long(lineno + 1)
            lineno += 1
            parser.lineno = lineno
            carry, skipping = b"", True
    if carry and not skipping and not parser.stopped:
        yield _decode(carry + b"\n", parser, decoder, lineno)


def _pieces(text: str, size: int = PIECE) -> Iterator[tuple[int, int]]:
    """[start, stop) spans of whole lines of at least `size` characters that cover `text` (which ends with a
    newline): the vouchers of one piece are handed out before the next is parsed, so the objects alive at
    a time stay few (cache-warm, no memory churn) whatever the block size. 8 KB is some 60 vouchers: fewer
    new containers than the cycle collector's first threshold (700), so when the caller frees them the
    collector has not run; at 64 KB it ran after every piece, over all of its rows (6 % of the time when
    streaming). A piece ends before a #VER line, so that it does not cut a voucher."""
    start, end = 0, len(text)
    while end - start > size:
        stop = text.find("\n#VER", start + size) + 1
        if stop <= 0 or stop >= end:
            break
        yield start, stop
        start = stop
    yield start, end


def _first_break(block: bytes) -> int:
    positions = [p for p in (block.find(b"\n"), block.find(b"\r")) if p >= 0]
    return min(positions) if positions else -1


def _decode(chunk: bytes, parser: Parser, decoder: Decoder, lineno: int) -> tuple[str, str | None]:
    """The text of `chunk` (which ends with a line break), every line ending in LF, and the raw text for
    #KSUMMA (see _lines_of)."""
    bom = decoder.at_start and chunk.startswith(BOM)
    text, note, offset = decoder.decode(chunk)
    if note:
        line = lineno + _count_breaks(text[:offset]) + 1
        if note == "fffd":
            parser.diag("SIE104", line, 0)
        else:
            parser.diag("SIE105", line, 0, f"first on line {line}; the encoding is reported as cp437+latin-1")
    text = _lf(text)
    # #KSUMMA covers the bytes as written: for a single-byte file keep the undecoded text (Latin-1 maps
    # each byte to one character) so stray Latin-1 letters are hashed as the bytes they were. A UTF-8 BOM
    # is not part of any item (and the decoder dropped it from the text, so positions must match).
    raw = None
    if decoder.single_byte and (parser.crc is not None or b"#KSUMMA" in chunk):
        raw = _lf(chunk[3 if bom else 0:].decode("latin-1"))
    return text, raw


def _lf(text: str) -> str:
    """`text` with every CR LF and lone CR made an LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _count_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def read_sie(source: Path | bytes, *, name: str | None = None, policy: str = "lenient",
             limits: Limits | None = None) -> SieDocument:
    """Read a whole SIE file into a SieDocument. Problems in the content become diagnostics, never
    exceptions; `doc.rejected` says whether the file can be used. Raises SieError only when the file
    cannot be read at all."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        blocks: Iterable[bytes] = _bytes_blocks(bytes(source))
        label = name or "<bytes>"
    else:
        path = Path(source)
        label = name or str(path)
        _check_readable(path, label)
        blocks = _file_blocks(path)
    stream = SieStream(blocks, label, policy, limits, keep=True)
    try:
        for _ in stream:
            pass
    except OSError as exc:
        raise SieError("SIE100", f"{codes.CODES['SIE100'].title}: {exc.strerror or exc}", label) from exc
    doc = stream.document
    log.debug("read %s: %s, %s, %d vouchers, %d errors, %d warnings", label, doc.encoding, doc.sie_type,
              doc.voucher_count, doc.error_count, doc.warning_count)
    return doc


def iter_vouchers(source: Path, *, policy: str = "lenient", limits: Limits | None = None,
                  raise_errors: bool | None = None) -> SieStream:
    """Stream the vouchers of a file of any size in bounded memory. The returned SieStream is an iterator
    of SieVoucher; its `document` holds the header, chart and diagnostics. Under the strict policy the
    first error raises SieError (unless `raise_errors` is False); under lenient, errors are only collected."""
    path = Path(source)
    _check_readable(path, str(path))
    return SieStream(_file_blocks(path), str(path), policy, limits, raise_errors=raise_errors)


def _check_readable(path: Path, label: str) -> None:
    if not path.is_file():
        what = "does not exist" if not path.exists() else "is not a file"
        raise SieError("SIE100", f"{codes.CODES['SIE100'].title}: {label} {what}", label,
                       hint=codes.CODES["SIE100"].hint)
