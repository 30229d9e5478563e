"""Every Fortnox error code maps to its typed error with the Swedish message and a hint; every body shape parses."""
from __future__ import annotations

import json
from datetime import date

import pytest

from pipeline.fortnox import codes
from pipeline.fortnox import errors as fe
from pipeline.fortnox.errormap import (
    OTHER_REFERENCE_CODES,
    RequestContext,
    parse_error_body,
    to_error,
    token_error,
)
from pipeline.fortnox.models import FinancialYear

YEAR = FinancialYear(3, date(2026, 1, 1), date(2026, 12, 31))
CTX = RequestContext("post voucher", store="centrum", year=YEAR, year_id=3, accounts=(1910, 3001),
                     series="F", day=date(2026, 3, 2), cost_center="CENT")

EXPECTED: dict[int, type[fe.FortnoxError]] = {
    1000003: fe.ServerError, 1000030: fe.ValidationError, 1000031: fe.ValidationError,
    2000310: fe.AuthError, 2000311: fe.AuthError, 2001103: fe.LicenceMissing, 2001101: fe.LicenceMissing,
    2000663: fe.ScopeMissing, 2000423: fe.AccountNotFound, 2001304: fe.AccountNotFound,
    2000550: fe.AccountInactive, 2002462: fe.ValidationError, 2000401: fe.PeriodLocked,
    2000587: fe.ValidationError, 2000588: fe.ValidationError, 2000729: fe.ValidationError,
    2000762: fe.NotFound, 2001392: fe.ValidationError, 2001399: fe.ValidationError, 2002115: fe.ValidationError,
    2000359: fe.ValidationError, 2000433: fe.NotFound, 2001161: fe.NotFound, 2000434: fe.NotFound, 2000637: fe.ValidationError,
    8000001: fe.VoucherUnbalanced, 8000002: fe.SeriesNotManual, 8000003: fe.SeriesNotFound,
    8000004: fe.NoFinancialYear, 8000005: fe.CostCenterNotFound, 8000006: fe.ValidationError,
    8000007: fe.ValidationError, 8000008: fe.ValidationError, 8000009: fe.AlreadyExists,
    8000010: fe.NoFinancialYear, 8000011: fe.SeriesNotFound, 8000012: fe.NotFound,
    8000013: fe.CostCenterNotFound, 8000014: fe.ValidationError,
}


def test_the_table_covers_every_code() -> None:
    assert set(codes.ALL) <= set(EXPECTED)


@pytest.mark.parametrize("code", sorted(codes.ALL))
@pytest.mark.parametrize("casing", ["lower", "upper"])
def test_each_code_becomes_its_typed_error(code: int, casing: str) -> None:
    known = codes.ALL[code]
    keys = ("error", "message", "code") if casing == "lower" else ("Error", "Message", "Code")
    text = json.dumps({"ErrorInformation": dict(zip(keys, (1, known.message, code), strict=True))})
    error = to_error(known.http_status, parse_error_body(text, "application/json"), CTX)
    assert type(error) is EXPECTED[code]
    assert error.code == code and error.fortnox_message == known.message
    assert known.message in error.message and "centrum" in error.message
    assert error.hint and len(error.hint) > 20
    assert error.permanent is (EXPECTED[code] not in (fe.ServerError,))


@pytest.mark.parametrize("code", sorted(OTHER_REFERENCE_CODES))
def test_reference_codes_the_sandbox_never_sends_are_typed_too(code: int) -> None:
    cls = OTHER_REFERENCE_CODES[code][0]
    body = json.dumps({"ErrorInformation": {"Error": 1, "Message": "Något", "Code": code}})
    error = to_error(400, parse_error_body(body), CTX)
    assert type(error) is cls and error.code == code and error.hint and "{" not in error.hint


def test_unknown_codes_fall_back_on_the_status() -> None:
    body = json.dumps({"ErrorInformation": {"error": 1, "message": "Okänt fel", "code": 9999999}})
    assert isinstance(to_error(404, parse_error_body(body), CTX), fe.NotFound)
    assert isinstance(to_error(503, parse_error_body(body), CTX), fe.ServerError)
    assert type(to_error(400, parse_error_body(body), CTX)) is fe.ValidationError


@pytest.mark.parametrize(("code", "words"), [
    (2000550, "activate account 3001 in the financial year 2026-01-01..2026-12-31"),
    (8000002, "tick Manuell kontering for series F in the financial year 2026-01-01..2026-12-31"),
    (8000004, "create the financial year"),
    (2001103, "the Integration licence is missing"),
    (2000310, "run `kassasync connect --store centrum` again"),
])
def test_hints_use_the_request_context(code: int, words: str) -> None:
    message = 'Konto "3001" är inte aktivt' if code == 2000550 else codes.ALL[code].message
    body = json.dumps({"ErrorInformation": {"error": 1, "message": message, "code": code}})
    assert words in (to_error(400, parse_error_body(body), CTX).hint or "")


def test_html_error_pages_are_understood() -> None:
    page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    body = parse_error_body(page, "text/html")
    assert body.html and body.message == "502 Bad Gateway"
    error = to_error(502, body, CTX)
    assert isinstance(error, fe.ServerError) and not error.permanent and "HTML" in error.message
    assert isinstance(to_error(404, parse_error_body(page, "text/html"), CTX), fe.NotFound)


@pytest.mark.parametrize("text", ["", "oops", "[1, 2]", "{\"message\": \"unauthorized\"}", "null"])
def test_odd_bodies_never_raise(text: str) -> None:
    error = to_error(401, parse_error_body(text, "text/plain"), CTX)
    assert isinstance(error, fe.AuthError)


def test_oauth_errors_only_invalid_grant_means_reconsent() -> None:
    dead = parse_error_body('{"error":"invalid_grant","error_description":"Invalid refresh token"}',
                            "text/html; charset=UTF-8")
    assert isinstance(token_error(400, dead, "centrum", "refresh_token"), fe.ReconsentRequired)
    assert "kassasync connect --store centrum" in (token_error(400, dead, "centrum", "refresh_token").hint or "")
    bad_client = parse_error_body('{"error":"invalid_client","error_description":"x"}', "text/plain")
    assert isinstance(token_error(401, bad_client, "centrum", "refresh_token"), fe.InvalidClient)
    other = parse_error_body('{"error":"invalid_request"}', "application/json")
    assert not isinstance(token_error(400, other, "centrum", "refresh_token"), fe.ReconsentRequired)
    outage = parse_error_body("<html><title>503</title></html>", "text/html")
    assert isinstance(token_error(503, outage, "centrum", "refresh_token"), fe.ServerError)
