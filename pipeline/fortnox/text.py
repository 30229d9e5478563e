"""Fortnox's allowed characters for text, and the one cleaning step for every text kassasync sends.

Fortnox accepts in strings only the characters its "formats and encoding" page lists (reference below)
and answers 2000359 ("Värdet innehåller ej tillåtna tecken.") otherwise: any letter (\\p{L}), the digits
0-9, space, no-break space, line breaks, and the punctuation in `ALLOWED_PUNCTUATION`. Everything else (for
example ' " < > [ ] { } | ~ and tab) is mapped to a documented substitute (`SUBSTITUTES`, docs/fortnox.md)
or dropped.

Source: https://www.fortnox.se/developer/guides-and-good-to-know/formats-and-encoding (and the older
developer.fortnox.se/general/encoding page with the same list).
"""
from __future__ import annotations

import unicodedata
from typing import Any

# The page's punctuation: en dash, right single quotation mark, backslash, the acute and grave accents, the
# currency and other signs, and the two combining marks (diaeresis, ring above) that decomposed å/ä/ö use.
ALLOWED_PUNCTUATION = frozenset(" \u00a0\n\r–:.`´’,;^¤#%§£$€¢¥©™°&/()=+-*_!?²³®½@\\\u0308\u030a")
_ASCII_DIGITS = frozenset("0123456789")

# Disallowed characters with a substitute that keeps the text readable; all others are dropped.
SUBSTITUTES: dict[str, str] = {
    **dict.fromkeys("'‘‚‛′", "’"),  # apostrophes: the typographic one is the one Fortnox takes
    **dict.fromkeys('"“”„‟«»″‹›', "’"),  # quotation marks: Fortnox takes no double quote at all
    **dict.fromkeys("<[{", "("),
    **dict.fromkeys(">]}", ")"),
    "|": "/", "¦": "/", "÷": "/", "⁄": "/",
    "~": "-", "−": "-", "‐": "-", "‑": "-", "‒": "–", "—": "–", "―": "–", "⁃": "-",
    "\t": " ", "\v": " ", "\f": " ", "\u0085": " ", "\u2028": " ", "\u2029": " ",
    "…": "...", "×": "x", "·": ".", "•": "*", "±": "+-", "¹": "1", "¼": "1/4", "¾": "3/4",
}

# Fortnox's documented maximum lengths of the texts kassasync sends (OpenAPI document): a substitute
# longer than one character must not push a text over its limit.
MAX_LENGTHS = {"Description": 200, "Comments": 1000, "TransactionInformation": 100}
# The free-text fields of request bodies. Codes and identifiers (VoucherSeries, CostCenter, Code, numbers,
# dates) are never rewritten: a changed identifier would point at something else.
TEXT_FIELDS = frozenset({"Description", "Comments", "TransactionInformation", "Name", "Note", "Remarks",
                         "YourReference", "OurReference", "Address1", "Address2", "City"})


def allowed(char: str) -> bool:
    """Whether Fortnox accepts this character in a text (any letter, 0-9, and the listed punctuation)."""
    return char in ALLOWED_PUNCTUATION or char in _ASCII_DIGITS or char.isalpha()


def disallowed(text: str) -> list[str]:
    """The characters of `text` Fortnox refuses, each once, in the order they first appear."""
    found: dict[str, None] = {}
    for char in text:
        if not allowed(char):
            found.setdefault(char)
    return list(found)


def is_clean(text: str) -> bool:
    return all(allowed(char) for char in text)


def _substitute(char: str) -> str:
    known = SUBSTITUTES.get(char)
    if known is not None:
        return known
    category = unicodedata.category(char)
    if category == "Zs":  # every other space (thin, figure, ideographic, ...) is a space
        return " "
    if category == "Nd":  # digits of other scripts: their value in 0-9
        return str(unicodedata.decimal(char))
    return ""  # control characters, emoji, other symbols and stray combining marks: dropped


def clean(text: str) -> str:
    """`text` with every character Fortnox refuses replaced by its substitute or dropped.

    Text that is already clean comes back unchanged (the marker in Comments relies on it). Otherwise it is
    composed first (NFC), so that a letter written with a combining accent stays that letter.
    """
    if is_clean(text):
        return text
    return "".join(char if allowed(char) else _substitute(char) for char in unicodedata.normalize("NFC", text))


def replacements(text: str) -> list[tuple[str, str]]:
    """(character, what it becomes: "" when dropped) for each character `clean` changes, in order."""
    return [(char, _substitute(char)) for char in disallowed(unicodedata.normalize("NFC", text))]


def clean_body(value: Any, key: str | None = None) -> Any:
    """A request body with every free-text field (TEXT_FIELDS, at any depth) cleaned and held to its limit."""
    if isinstance(value, dict):
        return {k: clean_body(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_body(item, key) for item in value]
    if isinstance(value, str) and key in TEXT_FIELDS:
        cleaned = clean(value)
        limit = MAX_LENGTHS.get(key)
        if limit is not None and cleaned != value and len(cleaned) > limit:
            cleaned = cleaned[:limit]
        return cleaned
    return value
