"""The marker: what a voucher kassasync posts carries in Fortnox's Comments, so it can be found again (a versioned
contract; docs/runner.md, "The marker").

Version 2 (written now): `KS2-<kind>-<hash> kassasync <key>`. `kind` is one capital letter (`Z` a Z-report or
a day's Z-reports, `C` a correction voucher); `hash` is the first 20 hex digits of the SHA-256 of the
voucher's idempotency key; `key` is that key, percent-encoded, so the whole text uses only characters Fortnox
allows (letters, digits, `-._:/%` and spaces). Version 1 (before): `KS-<hash> kassasync <key>` with the key
as it was; it is still recognised. A marker is matched by its hash, whatever its version; the key after it
lets a ledger be rebuilt from Fortnox, and counts only when its hash agrees.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

VERSION = 2
Z_REPORT, CORRECTION = "Z", "C"
KINDS = {Z_REPORT: "Z-report", CORRECTION: "correction"}  # the letters in use; others are reserved
HASH_DIGITS = 20
_SAFE = "-._:/"  # key characters written as they are; everything else is percent-encoded
_V2 = re.compile(r"(?<![0-9A-Za-z])KS2-([A-Z])-([0-9a-f]{20})(?![0-9A-Za-z])(?: kassasync (\S+))?")
_V1 = re.compile(r"(?<![0-9A-Za-z])KS-([0-9a-f]{20})(?![0-9A-Za-z])(?: kassasync (.+))?", re.DOTALL)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:HASH_DIGITS]


def marker(key: str, kind: str = Z_REPORT) -> str:
    """The current version's marker of a voucher: short, fixed length, letters, digits and dashes only."""
    if kind not in KINDS:
        raise ValueError(f"unknown marker kind {kind!r}")
    return f"KS2-{kind}-{key_hash(key)}"


def comments(key: str, kind: str = Z_REPORT) -> str:
    """The voucher's Comments: the marker, then the key it stands for (what `ledger rebuild` reads back)."""
    # quote() leaves "~" alone, and Fortnox does not allow it in text
    return f"{marker(key, kind)} kassasync {quote(key, safe=_SAFE).replace('~', '%7E')}"


def kind_of(recorded: str) -> str:
    """The kind of a marker as the ledger holds it (version 1 knew only Z-reports)."""
    found = _V2.match(recorded)
    return found.group(1) if found else Z_REPORT


@dataclass(frozen=True)
class Marker:
    """A marker read from a voucher's Comments; `key` only when the text after it is the key its hash names."""

    version: int
    kind: str
    hash: str
    key: str | None


def read(text: str | None) -> list[Marker]:
    """Every kassasync marker in a Comments text (normally one), of any version."""
    if not text or "KS" not in text:
        return []
    found: list[Marker] = []
    for match in _V2.finditer(text):
        kind, digest, written = match.groups()
        key = unquote(written) if written else None
        found.append(Marker(2, kind, digest, key if key is not None and key_hash(key) == digest else None))
    for match in _V1.finditer(text):
        digest, written = match.groups()
        key = written.rstrip() if written else None  # version 1 wrote the key last, as it was
        found.append(Marker(1, Z_REPORT, digest, key if key is not None and key_hash(key) == digest else None))
    return found
