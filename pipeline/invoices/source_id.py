"""The stable source id a Fortnox invoice carries in ExternalInvoiceReference1, and exact matching of search hits.

Contract (version 1; docs/invoices.md): `KS1.<store>.<I|C>.<number>`, where I is an invoice and C a credit
note, `<store>` the store id and `<number>` the POS number as written. When the number holds anything but
ASCII letters, digits and dashes, or the whole id would pass 80 characters, the id is
`KS1H.<40 hex digits>`, the start of the SHA-256 of `<store>/<I|C>/<number>`. Only letters, digits, dots and
dashes appear, so the id needs no escaping anywhere. It depends on nothing but store, kind and number: a
re-export of the same invoice, by any adapter, has the same id.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pipeline.invoices.model import InvoiceKind

MAX_LENGTH = 80  # ExternalInvoiceReference1 in Fortnox's OpenAPI
_PLAIN_NUMBER = re.compile(r"[A-Za-z0-9-]+")
_READABLE = re.compile(r"KS1\.([a-z0-9]+(?:-[a-z0-9]+)*)\.([IC])\.([A-Za-z0-9-]+)")
_KIND_LETTER = {InvoiceKind.INVOICE: "I", InvoiceKind.CREDIT: "C"}


def source_id(store: str, kind: InvoiceKind, number: str) -> str:
    """The id of one POS document; see the module docstring for the format."""
    letter = _KIND_LETTER[kind]
    readable = f"KS1.{store}.{letter}.{number}"
    if _PLAIN_NUMBER.fullmatch(number) and len(readable) <= MAX_LENGTH and _READABLE.fullmatch(readable):
        return readable
    digest = hashlib.sha256(f"{store}/{letter}/{number}".encode()).hexdigest()[:40]
    return f"KS1H.{digest}"


def parse_source_id(value: str) -> tuple[str, InvoiceKind, str] | None:
    """(store, kind, number) of a readable id; None for a hashed id or anything else."""
    match = _READABLE.fullmatch(value)
    if match is None:
        return None
    store, letter, number = match.groups()
    return store, InvoiceKind.INVOICE if letter == "I" else InvoiceKind.CREDIT, number


def exact_hits(hits: Iterable[Mapping[str, Any]], wanted: str, *, include_cancelled: bool = False,
               field: str = "ExternalInvoiceReference1") -> list[Mapping[str, Any]]:
    """The invoice list items whose reference is exactly `wanted`. Fortnox's filter matches on the start of the
    value, so a search for KS1.s.I.12 also returns KS1.s.I.123; cancelled invoices are left out unless asked."""
    return [hit for hit in hits if hit.get(field) == wanted
            and (include_cancelled or not hit.get("Cancelled"))]
