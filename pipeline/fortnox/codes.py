"""Fortnox error codes: the one table the sandbox answers with and the client maps to typed errors.

`confirmed` is True where the code and message come from Fortnox or a recorded exchange
(reference/fortnox-api.md §4.2). Codes in the 8000xxx range are the sandbox's own, for failures whose real
code is not public; docs/sandbox.md lists them as sandbox-only.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    code: int
    http_status: int
    message: str  # Swedish, as Fortnox writes it (or as vendors quote it)
    confirmed: bool
    meaning: str  # English, for the table in docs/sandbox.md and logs


def _c(code: int, status: int, message: str, confirmed: bool, meaning: str) -> ErrorCode:
    return ErrorCode(code, status, message, confirmed, meaning)


SYSTEM_EXCEPTION = _c(1000003, 500, "Systemfel.", True, "system exception")
INVALID_RESPONSE_TYPE = _c(1000030, 400, "Ogiltig svarstyp.", True, "bad Accept header")
INVALID_CONTENT_TYPE = _c(1000031, 400, "Ogiltig innehållstyp.", True, "bad Content-Type")
INVALID_LOGIN = _c(2000310, 401, "Ogiltig inloggning", True, "credentials or token wrong")
MISSING_CREDENTIALS = _c(2000311, 401, "Kan inte logga in, access-token eller client-secret saknas(2).", True,
                         "no credentials sent")
API_LICENCE_MISSING = _c(2001103, 403, "Api-licens saknas.", True, "the company has no Integration licence")
SCOPE_LICENCE_MISSING = _c(2001101, 403, "Det finns ingen aktiv licens för önskat scope", True,
                           "module licence missing for the scope")
SCOPE_MISSING = _c(2000663, 403, "Har inte behörighet för scope", False, "token lacks the scope")
ACCOUNT_NOT_FOUND = _c(2000423, 404, "Kan inte hitta kontot.", True, "account not found")
ACCOUNT_IN_REQUEST_NOT_FOUND = _c(2001304, 400, "Kunde inte hitta konto", True,
                                  "an account used in the request is not in the chart")
ACCOUNT_NOT_ACTIVE = _c(2000550, 400, "Kontot är inte aktivt", False, "account is inactive")
ACCOUNT_FORMAT = _c(2002462, 400, "Kontot har inte ett giltigt format.", True, "account is not 4 digits")
LOCKED_PERIOD = _c(2000401, 400, "Perioden är låst t.o.m. {date}. Lås upp perioden för att fortsätta.", False,
                   "date is in a locked period")
INVALID_FILTER = _c(2000587, 400, "Ett ogiltigt filter har använts.", True, "invalid filter")
INVALID_PARAMETER = _c(2000588, 400, "Ogiltig parameter i anropet.", True, "invalid parameter")
INVALID_IDENTIFIER = _c(2000729, 400, "A valid identifier was not provided.", True, "invalid identifier")
NO_SUCH_ROUTE = _c(2000762, 404, "No such route", False, "unknown path")
EMPTY_BODY = _c(2001392, 400, "Ingen eller felaktig typ av data.", True, "empty or wrong body")
UNKNOWN_FIELD = _c(2001399, 400, "Felaktigt fältnamn", True, "unknown field in the body")
JSON_SYNTAX = _c(2002115, 400, "Error deserializing JSON: JSON_ERROR_SYNTAX", True, "body is not JSON")
DISALLOWED_CHARACTERS = _c(2000359, 400, "Värdet innehåller otillåtna tecken.", True, "disallowed characters")
CUSTOMER_NOT_FOUND = _c(2000433, 404, "Kan inte hitta kunden.", True, "customer not found")
INVOICE_NOT_FOUND = _c(2000434, 404, "Kan inte hitta fakturan.", True, "invoice not found")
PROJECT_NOT_FOUND = _c(2001161, 404, "Kan inte hitta projektet.", True, "project not found")
CUSTOMER_NUMBER_USED = _c(2000637, 400, "Kundnumret är redan använt.", True, "customer number already used")

# Sandbox-only codes: the real codes for these failures are not public (fortnox-api.md §4.2, §8).
VOUCHER_UNBALANCED = _c(8000001, 400, "Verifikationen är inte i balans.", False, "debit does not equal credit")
SERIES_NOT_MANUAL = _c(8000002, 400, "Verifikationsserien är inte manuell.", False,
                       "series does not allow manual bookkeeping in that financial year")
SERIES_NOT_FOUND = _c(8000003, 400, "Ogiltig verifikationsserie angiven.", False,
                      "series does not exist in that financial year")
NO_FINANCIAL_YEAR = _c(8000004, 400, "Det finns inget räkenskapsår för det angivna datumet.", False,
                       "no financial year covers the date")
COST_CENTER_NOT_FOUND = _c(8000005, 400, "Kunde inte hitta kostnadsställe.", False, "cost center not found")
TOO_FEW_ROWS = _c(8000006, 400, "En verifikation måste ha minst två rader.", False, "fewer than two rows")
TEXT_TOO_LONG = _c(8000007, 400, "Texten är för lång.", False, "a text field exceeds its length")
FINANCIAL_YEAR_OVERLAP = _c(8000008, 400, "Räkenskapsåret överlappar ett befintligt räkenskapsår.", False,
                            "new financial year overlaps an existing one")
ALREADY_EXISTS = _c(8000009, 400, "Posten finns redan.", False, "account, series or cost center already exists")
FINANCIAL_YEAR_NOT_FOUND = _c(8000010, 404, "Kan inte hitta räkenskapsåret.", False, "financial year not found")
SERIES_NOT_FOUND_404 = _c(8000011, 404, "Kan inte hitta verifikationsserien.", False, "voucher series not found")
VOUCHER_NOT_FOUND = _c(8000012, 404, "Kan inte hitta verifikationen.", False, "voucher not found")
COST_CENTER_NOT_FOUND_404 = _c(8000013, 404, "Kan inte hitta kostnadsstället.", False, "cost center not found")
INVOICE_ALREADY_BOOKED = _c(8000014, 400, "Fakturan är redan bokförd.", False, "invoice already bookkept")

ALL: dict[int, ErrorCode] = {
    value.code: value for value in list(globals().values()) if isinstance(value, ErrorCode)
}
SANDBOX_ONLY = sorted((c for c in ALL.values() if c.code >= 8000000), key=lambda c: c.code)
