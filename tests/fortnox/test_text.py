"""Fortnox's character whitelist and the cleaning step every text kassasync sends goes through."""
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.fortnox import text
from pipeline.runner.items import comments, idempotency_key, marker


@pytest.mark.parametrize("char", list("'\"<>[]{}|~\t") + ["\u0007", "\U0001F600", "\u2014", "\u2026", "\u201c"])
def test_the_issues_examples_are_refused(char: str) -> None:
    assert not text.allowed(char) and text.disallowed(f"a{char}b") == [char]


@pytest.mark.parametrize("sample", [
    "Dagskassa 2026-03-02 Övningskund AB – Centrum", "Kalle’s Kök & Bar (Söder) #12 50% @ 09:30!",
    "Å ä ö é á œ æ ø ü Ñ ß Ж 中", "1/2 ½ ² ³ § £ $ € ¢ ¥ © ™ ° ® ¤ ^ * _ = + ; , ? \\ ` ´",
    "rad 1\r\nrad 2\u00a0slut", "a\u0308 a\u030a",
])
def test_allowed_text_is_left_exactly_as_it_is(sample: str) -> None:
    assert text.is_clean(sample) and text.clean(sample) == sample


@pytest.mark.parametrize(("dirty", "clean"), [
    ('Kalle\'s "Bar"', "Kalle’s ’Bar’"),
    ("<kassa> [1] {2}", "(kassa) (1) (2)"),
    ("a|b ~c", "a/b -c"),
    ("kort\tkontant", "kort kontant"),
    ("Kassa — dag…", "Kassa – dag..."),
    ("Glass \U0001F366 och \u0007kaffe", "Glass  och kaffe"),
    ("Cafe\u0301 ko\u0302k", "Café kôk"),  # composed first: the accent stays on its letter
    ("\u0663\u0662 st", "32 st"),  # digits of another script become 0-9
    ("thin\u2009space", "thin space"),
])
def test_disallowed_characters_become_their_documented_substitute_or_go(dirty: str, clean: str) -> None:
    assert text.clean(dirty) == clean
    assert text.is_clean(text.clean(dirty))


@given(st.text())
def test_cleaning_always_gives_clean_text_and_is_idempotent(sample: str) -> None:
    cleaned = text.clean(sample)
    assert text.is_clean(cleaned)
    assert text.clean(cleaned) == cleaned


@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_every_substitute_is_itself_allowed(sample: str) -> None:
    for char, substitute in text.replacements(sample):
        assert text.is_clean(substitute) and not text.allowed(char)


def test_every_listed_substitute_is_allowed_and_replaces_a_refused_character() -> None:
    for char, substitute in text.SUBSTITUTES.items():
        assert not text.allowed(char), char
        assert text.is_clean(substitute), (char, substitute)


def test_the_marker_in_comments_survives_cleaning_unchanged() -> None:
    """The marker is the contract for finding a voucher again: only allowed characters, never rewritten."""
    key = idempotency_key("hamnens-delikatesser", __import__("datetime").date(2026, 3, 2), "ab" * 32, "A:12#2")
    assert text.is_clean(marker(key)) and text.is_clean(comments(key))
    body = text.clean_body({"Voucher": {"Comments": comments(key)}})
    assert body["Voucher"]["Comments"] == comments(key)


def test_clean_body_cleans_free_text_at_any_depth_and_leaves_codes_alone() -> None:
    body = {"Voucher": {"VoucherSeries": "F|", "Description": 'Z "12"', "Comments": "<m>",
                        "VoucherRows": [{"Account": 1910, "CostCenter": "A~B", "TransactionInformation": "x\ty",
                                         "Description": "{k}"}]},
            "Customer": {"Name": "Kalle's"}}
    cleaned = text.clean_body(body)
    assert cleaned["Voucher"]["Description"] == "Z ’12’" and cleaned["Voucher"]["Comments"] == "(m)"
    assert cleaned["Voucher"]["VoucherRows"][0] == {"Account": 1910, "CostCenter": "A~B",
                                                    "TransactionInformation": "x y", "Description": "(k)"}
    assert cleaned["Customer"]["Name"] == "Kalle’s"
    assert cleaned["Voucher"]["VoucherSeries"] == "F|"  # an identifier is never rewritten: Fortnox says no


def test_a_longer_substitute_never_pushes_a_text_over_fortnoxs_limit() -> None:
    description = "x" * 199 + "…"
    assert text.clean_body({"Description": description}) == {"Description": "x" * 199 + "."}
    info = "y" * 99 + "…"
    assert len(text.clean_body({"TransactionInformation": info})["TransactionInformation"]) == 100


def test_the_whitelist_matches_the_characters_fortnoxs_page_lists() -> None:
    # Every letter, and only ASCII digits; the page's own examples of letters and signs.
    assert all(text.allowed(c) for c in "åäöéáœæøüÅÄÖÉÁÜŒÆØ" + "ÿŁ" + "0123456789")
    assert not any(text.allowed(c) for c in "\u0663¹")  # other digits are not letters and not on the list
    assert all(unicodedata.category(c).startswith("L") for c in "ÿŁ")
