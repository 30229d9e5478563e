"""The marker contract (docs/runner.md, "The marker"): short, Fortnox's allowed characters only, versioned, and
every earlier version still recognised."""
from __future__ import annotations

import hashlib
import re
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from pipeline.runner import items, markers

# Fortnox's documented whitelist for text ("Formats & Encoding"), as far as the marker's alphabet goes: letters,
# digits, space and - . : / % _ (and none of ' " < > [ ] { } | ~ or tab)
ALLOWED = re.compile(r"[A-Za-z0-9 \-.:/%_]*")
KEY = items.idempotency_key("hamnens-delikatesser", date(2026, 11, 25), "3776dbc3a020af76" + "0" * 48, ":414")


def test_version_2_is_short_fixed_and_names_its_kind() -> None:
    digest = hashlib.sha256(KEY.encode()).hexdigest()[:20]
    assert markers.marker(KEY) == f"KS2-Z-{digest}" == items.marker(KEY)
    assert markers.marker(KEY, markers.CORRECTION) == f"KS2-C-{digest}"
    assert len(markers.marker(KEY)) == 26
    assert markers.comments(KEY) == f"KS2-Z-{digest} kassasync hamnens-delikatesser/2026-11-25/3776dbc3a020af76/:414"
    assert markers.kind_of(markers.marker(KEY, markers.CORRECTION)) == "C"
    assert markers.kind_of("KS-" + digest) == "Z"  # version 1 posted Z-reports only


def test_version_1_comments_are_still_recognised_and_read_back() -> None:
    digest = hashlib.sha256(KEY.encode()).hexdigest()[:20]
    written_by_v1 = f"KS-{digest} kassasync {KEY}"  # what items.comments wrote before version 2
    [found] = markers.read(written_by_v1)
    assert (found.version, found.kind, found.hash, found.key) == (1, "Z", digest, KEY)
    [bare] = markers.read(f"Dagskassa KS-{digest}")
    assert bare.hash == digest and bare.key is None


def test_a_key_that_does_not_match_its_hash_is_not_trusted() -> None:
    text = markers.comments(KEY).replace(":414", ":415")  # someone edited the Comments in Fortnox
    [found] = markers.read(text)
    assert found.hash == markers.key_hash(KEY) and found.key is None


def test_text_around_a_marker_and_other_strings_are_not_markers() -> None:
    assert markers.read(None) == [] and markers.read("") == []
    assert markers.read("XKS-0123456789abcdef0123 kassasync x") == []  # glued to other text
    assert markers.read("KS-0123456789abcdef012") == []  # too short
    assert markers.read("KS2-Z-0123456789abcdef01234") == []  # too long
    found = markers.read(f"Rättelse. {markers.comments(KEY, markers.CORRECTION)}")
    assert [(m.kind, m.key) for m in found] == [("C", KEY)]


def test_unknown_kinds_are_refused_when_writing() -> None:
    import pytest

    with pytest.raises(ValueError):
        markers.marker(KEY, "X")


@given(store=st.from_regex(r"[a-z0-9][a-z0-9-]{0,30}", fullmatch=True),
       ver_id=st.text(min_size=1, max_size=60), kind=st.sampled_from(sorted(markers.KINDS)))
def test_any_key_round_trips_in_allowed_characters_only(store: str, ver_id: str, kind: str) -> None:
    key = items.idempotency_key(store, date(2026, 3, 1), "ab" * 32, ver_id)
    text = markers.comments(key, kind)
    assert ALLOWED.fullmatch(text), text
    assert len(text) <= 1000  # Fortnox's limit for Comments
    [found] = markers.read(text)
    assert (found.version, found.kind, found.key) == (2, kind, key)
    assert markers.read(f"Dagskassa 2026-03-01\n{text}")[0].key == key
