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
    2000946: fe.CostCenterRequired, 2002821: fe.CostCenterRejected, 2001897: fe.ValidationError,
}
# The refusals whose code is not public, recognised by status and message (the sandbox's wording, and other
# wordings integrators quote or Fortnox may use, Swedish and English).
BY_MESSAGE: dict[str, tuple[type[fe.FortnoxError], tuple[str, ...]]] = {
    "series_not_manual": (fe.SeriesNotManual, ("Verifikationsserien är inte manuell (F)",
                                                "The selected verification series is not marked as manual")),
    "series_not_found": (fe.SeriesNotFound, ("Ogiltig verifikationsserie angiven (F)",
                                              'Verifikationsserien "F - Kassa" finns inte', "Invalid voucher series")),
    "series_not_found_404": (fe.SeriesNotFound, ("Kan inte hitta verifikationsserien. (F)",
                                                  "Voucher series not found")),
    "no_financial_year": (fe.NoFinancialYear, ("Räkenskapsår saknas för valt datum (2026-03-02)",
                                                "Fiscal year not available", "No financial year for the date")),
    "financial_year_not_found": (fe.NoFinancialYear, ("Kan inte hitta räkenskapsåret. (id 9)",)),
    "voucher_unbalanced": (fe.VoucherUnbalanced, ("Verifikationen är inte i balans (debet 10 kredit 9)",
                                                  "The voucher is not balanced")),
    "cost_center_not_found": (fe.CostCenterNotFound, ("Kunde inte hämta/hitta kostnadsställe (CENT)",
                                                      "Cost center not found")),
    "cost_center_not_found_404": (fe.CostCenterNotFound, ("Kan inte hitta kostnadsstället. (CENT)",)),
    "cost_center_not_allowed": (fe.CostCenterRejected, ("Kostnadsställe är ej tillåtet på konto: 2611",
                                                        "Cost centre is not allowed on account 2611")),
    "cost_center_required": (fe.CostCenterRequired, ("Kostnadsställe är obligatoriskt på konto: 3001",
                                                     "A cost center is mandatory on account 3001")),
    "cost_center_inactive": (fe.CostCenterRejected, ('Angivet kostnadsställe "CENT" är inte aktivt.',
                                                     "Cost center CENT is inactive")),
    "account_not_active": (fe.AccountInactive, ('Konto "3001" är inte aktivt', "Account 3001 is not active")),
    "locked_period": (fe.PeriodLocked, ("Perioden är låst t.o.m. 2026-01-31.", "The period is locked")),
    "too_few_rows": (fe.ValidationError, ("En verifikation måste ha minst två rader.",)),
    "too_many_rows": (fe.ValidationError, ("Verifikationen har för många rader (501 rader, högst 500)",)),
    "text_too_long": (fe.ValidationError, ("Texten är för lång (Description får vara högst 200 tecken)",)),
    "financial_year_overlap": (fe.ValidationError, ("Räkenskapsåret överlappar ett befintligt räkenskapsår",)),
    "already_exists": (fe.AlreadyExists, ("Posten finns redan (konto 3001)", "The account already exists")),
    "voucher_not_found": (fe.NotFound, ("Kan inte hitta verifikationen. (F 3)",)),
    "invoice_already_booked": (fe.AlreadyBooked, ("Fakturan är redan bokförd (1)", "The invoice is already booked")),
    "payment_already_booked": (fe.AlreadyBooked, ("Inbetalningen är redan bokförd (4)",
                                                  "The payment is already bookkept")),
    "invoice_already_credited": (fe.AlreadyCredited, ("Fakturan är redan krediterad (7)",
                                                      "Invoice 7 is already credited")),
    "invoice_not_booked": (fe.InvoiceState, ("Fakturan måste vara bokförd (7)", "Fakturan är inte bokförd",
                                             "The invoice must be booked")),
    "invoice_cancelled": (fe.InvoiceState, ("Fakturan är makulerad (7)", "The invoice is cancelled")),
    "invoice_booked_locked": (fe.InvoiceState, ("En bokförd faktura kan inte ändras (7)",
                                                "A booked invoice cannot be changed")),
    "terms_of_payment_not_found": (fe.ValidationError, ("Betalningsvillkoret finns inte (45)",
                                                        "Terms of payment 45 not found")),
    "terms_of_payment_not_found_404": (fe.NotFound, ("Kan inte hitta betalningsvillkoret. (45)",)),
    "payment_not_found": (fe.NotFound, ("Kan inte hitta inbetalningen. (9)", "Invoice payment not found")),
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


def test_every_message_case_is_in_the_table() -> None:
    assert {case.name for case in codes.MESSAGE_CASES} == set(BY_MESSAGE)


@pytest.mark.parametrize("name", sorted(BY_MESSAGE))
@pytest.mark.parametrize("code", [None, 8123456, 2999999])
def test_refusals_without_a_known_code_are_recognised_by_their_message(name: str, code: int | None) -> None:
    """Whatever number Fortnox sends (or none), the message decides: Swedish and English wordings alike."""
    case = next(c for c in codes.MESSAGE_CASES if c.name == name)
    cls, wordings = BY_MESSAGE[name]
    for message in (case.message.format(account="3001", code="CENT", date="2026-01-31"), *wordings):
        info = {"error": 1, "message": message} | ({} if code is None else {"code": code})
        error = to_error(case.http_status, parse_error_body(json.dumps({"ErrorInformation": info})), CTX)
        assert type(error) is cls, (message, type(error))
        assert message in error.message and error.hint and "{" not in error.hint


def test_the_client_knows_no_placeholder_code() -> None:
    """The sandbox's 8000xxx numbers for unknown codes never reach the client's tables."""
    from pipeline.fortnox import errormap

    assert not [c for c in codes.ALL if c >= 8000000]
    assert not [c for c in errormap._HINTS if c >= 8000000]  # noqa: SLF001 - the table itself is the subject


def test_a_generic_message_is_not_mistaken_for_a_case() -> None:
    body = json.dumps({"ErrorInformation": {"error": 1, "message": "Något gick fel", "code": 2999999}})
    assert type(to_error(400, parse_error_body(body), CTX)) is fe.ValidationError


@pytest.mark.parametrize(("code", "message", "words"), [
    (2000550, 'Konto "3001" är inte aktivt', "activate account 3001 in the financial year 2026-01-01..2026-12-31"),
    (8000002, "Verifikationsserien är inte manuell (F)",
     "tick Manuell kontering for series F in the financial year 2026-01-01..2026-12-31"),
    (8000004, "Räkenskapsår saknas för valt datum", "create the financial year that covers 2026-03-02"),
    (2000946, "Kostnadsställe är obligatoriskt på konto: 3001", "account 3001 requires a cost center"),
    (2001103, codes.API_LICENCE_MISSING.message, "the Integration licence is missing"),
    (2000310, codes.INVALID_LOGIN.message, "run `kassasync connect --store centrum` again"),
])
def test_hints_use_the_request_context(code: int, message: str, words: str) -> None:
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
