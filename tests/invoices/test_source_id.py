"""The ExternalInvoiceReference1 contract, and exact matching of Fortnox's prefix-matched search hits."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.invoices import InvoiceKind, exact_hits, parse_source_id, source_id

ALLOWED = re.compile(r"[A-Za-z0-9.-]{1,80}")
stores = st.from_regex(r"[a-z0-9]{1,20}(-[a-z0-9]{1,20}){0,3}", fullmatch=True)
numbers = st.text(min_size=1, max_size=120)
kinds = st.sampled_from(list(InvoiceKind))


def test_readable_form() -> None:
    assert source_id("kartbutiken", InvoiceKind.INVOICE, "891") == "KS1.kartbutiken.I.891"
    assert source_id("kartbutiken", InvoiceKind.CREDIT, "90001") == "KS1.kartbutiken.C.90001"
    assert parse_source_id("KS1.kartbutiken.C.90001") == ("kartbutiken", InvoiceKind.CREDIT, "90001")


def test_numbers_with_other_characters_or_too_long_are_hashed() -> None:
    slash = source_id("kartbutiken", InvoiceKind.INVOICE, "2026/17")
    assert re.fullmatch(r"KS1H\.[0-9a-f]{40}", slash) and parse_source_id(slash) is None
    long_store = "a" * 60
    assert source_id(long_store, InvoiceKind.INVOICE, "12345678901234567").startswith("KS1H.")
    assert source_id(long_store, InvoiceKind.INVOICE, "1") == f"KS1.{long_store}.I.1"


def test_exact_hits_drop_prefix_matches_and_cancelled_invoices() -> None:
    wanted = source_id("kartbutiken", InvoiceKind.INVOICE, "12")
    hits = [{"DocumentNumber": 1, "ExternalInvoiceReference1": "KS1.kartbutiken.I.12", "Cancelled": False},
            {"DocumentNumber": 2, "ExternalInvoiceReference1": "KS1.kartbutiken.I.123", "Cancelled": False},
            {"DocumentNumber": 3, "ExternalInvoiceReference1": "KS1.kartbutiken.I.12", "Cancelled": True},
            {"DocumentNumber": 4}]
    assert [h["DocumentNumber"] for h in exact_hits(hits, wanted)] == [1]
    assert [h["DocumentNumber"] for h in exact_hits(hits, wanted, include_cancelled=True)] == [1, 3]


@settings(deadline=None)  # no wall-clock limit: the machine is shared
@given(stores, kinds, numbers)
def test_ids_are_short_plain_and_stable(store: str, kind: InvoiceKind, number: str) -> None:
    made = source_id(store, kind, number)
    assert ALLOWED.fullmatch(made)
    assert made == source_id(store, kind, number)
    parsed = parse_source_id(made)
    assert parsed is None or parsed == (store, kind, number)


@settings(deadline=None)  # no wall-clock limit: the machine is shared
@given(stores, kinds, numbers, stores, kinds, numbers)
def test_different_documents_get_different_ids(s1: str, k1: InvoiceKind, n1: str, s2: str, k2: InvoiceKind,
                                               n2: str) -> None:
    if (s1, k1, n1) != (s2, k2, n2):
        assert source_id(s1, k1, n1) != source_id(s2, k2, n2)
