"""What Fortnox answers when it refuses a request: the error codes known from public sources, and, for the
failures whose code is not public, the message texts that identify them (Swedish and English).

The client keys on the numeric code where one is known (reference/fortnox-api.md §4.2 and docs/fortnox.md,
which cites the source of each); for every other failure it reads Fortnox's message (`MessageCase`). No
code here is invented: the sandbox's placeholders for unknown codes live in `pipeline/sandbox/errors.py`,
and the client never sees them as anything but an unknown number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ErrorCode:
    code: int
    http_status: int
    message: str  # Swedish, as Fortnox writes it (or as integrators quote it); {placeholders} for details
    confirmed: bool  # True: Fortnox's own page or a recorded exchange; False: an integrator's word only
    meaning: str  # English, for docs and logs


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
ACCOUNT_NOT_ACTIVE = _c(2000550, 400, 'Konto "{account}" är inte aktivt', False, "account is inactive")
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
DISALLOWED_CHARACTERS = _c(2000359, 400, "Värdet innehåller ej tillåtna tecken.", True, "disallowed characters")
CUSTOMER_NOT_FOUND = _c(2000433, 404, "Kan inte hitta kunden.", True, "customer not found")
INVOICE_NOT_FOUND = _c(2000434, 404, "Kan inte hitta fakturan.", True, "invoice not found")
PROJECT_NOT_FOUND = _c(2001161, 404, "Kan inte hitta projektet.", True, "project not found")
CUSTOMER_NUMBER_USED = _c(2000637, 400, "Kundnumret är redan använt.", True, "customer number already used")
# Recorded response bodies quoted by an integrator (BRP Systems' Fortnox guide).
COST_CENTER_REQUIRED = _c(2000946, 400, "Kostnadsställe är obligatoriskt på konto: {account}", False,
                          "the account requires a cost center and the row has none")
COST_CENTER_INACTIVE = _c(2002821, 400, 'Angivet kostnadsställe "{code}" är inte aktivt.', False,
                          "the cost center is inactive")
# The code is an integrator's (Sharespine's error page 2001897); Fortnox's wording is not public.
TOO_FEW_ROWS = _c(2001897, 400, "En verifikation måste ha minst två rader.", False, "fewer than two rows")

ALL: dict[int, ErrorCode] = {
    value.code: value for value in list(globals().values()) if isinstance(value, ErrorCode)
}


@dataclass(frozen=True)
class MessageCase:
    """A refusal whose code is not public: recognised by the HTTP status and Fortnox's message instead."""

    name: str
    http_status: int
    message: str  # the best-known Swedish wording; the sandbox answers with it
    source: str  # where that wording comes from ("assumed" when nobody quotes it)
    meaning: str
    patterns: tuple[str, ...]  # regular expressions, Swedish and English, matched case-insensitively
    code: int | None = None  # the code where one is known (then the message is only the fallback)
    compiled: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", tuple(re.compile(p, re.IGNORECASE) for p in self.patterns))

    def matches(self, message: str) -> bool:
        return any(p.search(message) for p in self.compiled)


_CC = r"(kostnadsställe|cost ?cent(er|re))"
SERIES_NOT_MANUAL = MessageCase(
    "series_not_manual", 400, "Verifikationsserien är inte manuell", "Onslip and Gastrogate help pages",
    "series does not allow manual bookkeeping in that financial year",
    (r"(verifikations)?serie\w*\b.*\b(inte|ej)\s+manuell", r"manuell kontering\b.*\b(inte|ej)\b",
     r"series\b.*\bnot\b.*\bmanual", r"manual (bookkeeping|posting|accounting)\b.*\bnot allowed"))
SERIES_NOT_FOUND = MessageCase(
    "series_not_found", 400, "Ogiltig verifikationsserie angiven", "Nox Finans help page",
    "series does not exist in that financial year",
    (r"ogiltig verifikationsserie", r"verifikationsserie\w*\b.*\b(finns inte|saknas)",
     r"kan inte hitta verifikationsserie", r"(invalid|unknown) voucher ?series",
     r"voucher ?series\b.*\b(not found|does not exist|is missing)"))
COST_CENTER_NOT_ALLOWED = MessageCase(
    "cost_center_not_allowed", 400, "Kostnadsställe är ej tillåtet på konto: {account}", "Pleo help page",
    "the account does not allow a cost center",
    (_CC + r"\w*\b.*\b(ej|inte)\s+tillåte?t?", _CC + r"\b.*\bnot allowed"))
COST_CENTER_REQUIRED_TEXT = MessageCase(
    "cost_center_required", 400, COST_CENTER_REQUIRED.message, "BRP Systems' Fortnox guide (recorded body)",
    COST_CENTER_REQUIRED.meaning, (_CC + r"\w*\b.*\bobligatorisk", _CC + r"\b.*\b(mandatory|required)"),
    COST_CENTER_REQUIRED.code)
COST_CENTER_INACTIVE_TEXT = MessageCase(
    "cost_center_inactive", 400, COST_CENTER_INACTIVE.message, "BRP Systems' Fortnox guide (recorded body)",
    COST_CENTER_INACTIVE.meaning, (_CC + r"\w*\b.*\b(inte|ej)\s+aktiv", _CC + r"\b.*\b(inactive|not active)"),
    COST_CENTER_INACTIVE.code)
ACCOUNT_NOT_ACTIVE_TEXT = MessageCase(
    "account_not_active", 400, ACCOUNT_NOT_ACTIVE.message, "Onslip and Gastrogate help pages",
    ACCOUNT_NOT_ACTIVE.meaning, (r"konto\w*\b.*\b(inte|ej)\s+aktiv", r"account\b.*\b(inactive|not active)"),
    ACCOUNT_NOT_ACTIVE.code)
LOCKED_PERIOD_TEXT = MessageCase(
    "locked_period", 400, LOCKED_PERIOD.message, "Sharespine's page on error 2000401", LOCKED_PERIOD.meaning,
    (r"\blåst\b", r"locked period", r"period is locked"), LOCKED_PERIOD.code)
TOO_FEW_ROWS_TEXT = MessageCase(
    "too_few_rows", 400, TOO_FEW_ROWS.message, "assumed (Sharespine names the code, not the text)",
    TOO_FEW_ROWS.meaning, (r"minst två", r"at least two (rows|lines)", r"fewer than two"), TOO_FEW_ROWS.code)
COST_CENTER_NOT_FOUND = MessageCase(
    "cost_center_not_found", 400, "Kunde inte hämta/hitta kostnadsställe", "QBIS help page",
    "cost center not found",
    (r"kunde inte (hämta/)?hitta kostnadsställe", r"kan inte hitta kostnadsställe",
     r"kostnadsställe\w*\b.*\b(finns inte|saknas)", _CC + r"\b.*\b(not found|does not exist)",
     r"could not (retrieve/)?find cost ?cent"))
NO_FINANCIAL_YEAR = MessageCase(
    "no_financial_year", 400, "Räkenskapsår saknas för valt datum", "Fortnox's help (Kvitto & Utlägg)",
    "no financial year covers the date",
    (r"räkenskapsår\w*\b.*\b(saknas|finns inte|hittades inte)", r"(finns|hittades) (inget|inga) räkenskapsår",
     r"kan inte hitta räkenskapsår", r"utanför räkenskapsår", r"(no|missing) (financial|fiscal) year",
     r"(financial|fiscal) year\b.*\b(not found|does not exist|is missing|not available)",
     r"outside\b.*\b(financial|fiscal) year"))
VOUCHER_UNBALANCED = MessageCase(
    "voucher_unbalanced", 400, "Verifikationen är inte i balans", "assumed", "debit does not equal credit",
    (r"\b(inte|ej) i balans\b", r"obalanserad", r"balanserar inte", r"debet\b.*\bkredit",
     r"\b(not |un)balanced\b", r"does not balance", r"debit\b.*\bcredit"))
TOO_MANY_ROWS = MessageCase(
    "too_many_rows", 400, "Verifikationen har för många rader", "assumed",
    "more rows than the sandbox takes in one voucher", (r"för många (verifikations)?rader", r"too many (rows|lines)"))
TEXT_TOO_LONG = MessageCase(
    "text_too_long", 400, "Texten är för lång", "assumed", "a text field exceeds its length",
    (r"\bför lång\b", r"högst \d+ tecken", r"too long", r"(at most|maximum of) \d+ characters"))
FINANCIAL_YEAR_OVERLAP = MessageCase(
    "financial_year_overlap", 400, "Räkenskapsåret överlappar ett befintligt räkenskapsår", "assumed",
    "new financial year overlaps an existing one", (r"överlapp", r"overlap"))
ALREADY_EXISTS = MessageCase(
    "already_exists", 400, "Posten finns redan", "assumed", "account, series or cost center already exists",
    (r"finns redan", r"already exists", r"already in use"))
INVOICE_ALREADY_BOOKED = MessageCase(
    "invoice_already_booked", 400, "Fakturan är redan bokförd", "assumed", "invoice already bookkept",
    (r"redan bokförd", r"already (booked|bookkept)"))
# The invoice stream's refusals (customer invoices, credits, payments): no public codes or quoted texts.
PAYMENT_ALREADY_BOOKED = MessageCase(
    "payment_already_booked", 400, "Inbetalningen är redan bokförd", "assumed", "invoice payment already bookkept",
    (r"inbetalning\w*\b.*\bredan bokförd", r"payment\b.*\balready (booked|bookkept)"))
INVOICE_ALREADY_CREDITED = MessageCase(
    "invoice_already_credited", 400, "Fakturan är redan krediterad", "assumed (the UI hides Kreditera then)",
    "the invoice has its credit invoice already (PUT /credit works once)",
    (r"redan krediterad", r"already credited"))
INVOICE_NOT_BOOKED = MessageCase(
    "invoice_not_booked", 400, "Fakturan måste vara bokförd", "assumed (the UI offers Kreditera only then)",
    "the action needs a booked invoice (credit, payment)",
    (r"måste vara bokförd", r"(inte|ej) bokförd", r"must be (booked|bookkept)", r"not (booked|bookkept)"))
INVOICE_CANCELLED = MessageCase(
    "invoice_cancelled", 400, "Fakturan är makulerad", "assumed", "the invoice is cancelled",
    (r"makulerad", r"\bcancell?ed\b"))
INVOICE_BOOKED_LOCKED = MessageCase(
    "invoice_booked_locked", 400, "En bokförd faktura kan inte ändras", "assumed (WooCommerce Fortnox Hub)",
    "a booked accrual invoice cannot be changed or cancelled",
    (r"bokförd faktura kan (inte|ej)", r"booked invoice can ?not"))
TERMS_OF_PAYMENT_NOT_FOUND = MessageCase(
    "terms_of_payment_not_found", 400, "Betalningsvillkoret finns inte", "assumed",
    "the TermsOfPayment code does not exist in the company",
    (r"betalningsvillkor\w*\b.*\b(finns inte|saknas|hittades inte)", r"kan inte hitta betalningsvillkor",
     r"terms? of payments?\b.*\b(not found|does not exist|missing)"))
TERMS_OF_PAYMENT_NOT_FOUND_404 = MessageCase(
    "terms_of_payment_not_found_404", 404, "Kan inte hitta betalningsvillkoret.", "assumed (Fortnox's 404 wording)",
    "terms of payment not found", TERMS_OF_PAYMENT_NOT_FOUND.patterns)
PAYMENT_NOT_FOUND = MessageCase(
    "payment_not_found", 404, "Kan inte hitta inbetalningen.", "assumed (Fortnox's 404 wording)",
    "invoice payment not found", (r"kan inte hitta inbetalning", r"payment\b.*\bnot found"))
FINANCIAL_YEAR_NOT_FOUND = MessageCase(
    "financial_year_not_found", 404, "Kan inte hitta räkenskapsåret.", "assumed (Fortnox's 404 wording)",
    "financial year not found", NO_FINANCIAL_YEAR.patterns)
SERIES_NOT_FOUND_404 = MessageCase(
    "series_not_found_404", 404, "Kan inte hitta verifikationsserien.", "assumed (Fortnox's 404 wording)",
    "voucher series not found", SERIES_NOT_FOUND.patterns)
VOUCHER_NOT_FOUND = MessageCase(
    "voucher_not_found", 404, "Kan inte hitta verifikationen.", "assumed (Fortnox's 404 wording)",
    "voucher not found", (r"kan inte hitta verifikation(en)?\b", r"voucher\b.*\bnot found"))
COST_CENTER_NOT_FOUND_404 = MessageCase(
    "cost_center_not_found_404", 404, "Kan inte hitta kostnadsstället.", "assumed (Fortnox's 404 wording)",
    "cost center not found", COST_CENTER_NOT_FOUND.patterns)

# Recognised in this order (the first case whose status and pattern fit wins): the narrower texts first.
MESSAGE_CASES: tuple[MessageCase, ...] = (
    SERIES_NOT_MANUAL, SERIES_NOT_FOUND, SERIES_NOT_FOUND_404, COST_CENTER_REQUIRED_TEXT, COST_CENTER_INACTIVE_TEXT,
    COST_CENTER_NOT_ALLOWED, COST_CENTER_NOT_FOUND, COST_CENTER_NOT_FOUND_404, ACCOUNT_NOT_ACTIVE_TEXT,
    LOCKED_PERIOD_TEXT, FINANCIAL_YEAR_OVERLAP, NO_FINANCIAL_YEAR, FINANCIAL_YEAR_NOT_FOUND, VOUCHER_UNBALANCED,
    TOO_FEW_ROWS_TEXT, TOO_MANY_ROWS, TEXT_TOO_LONG, PAYMENT_ALREADY_BOOKED, INVOICE_ALREADY_BOOKED,
    INVOICE_ALREADY_CREDITED, INVOICE_BOOKED_LOCKED, INVOICE_NOT_BOOKED, INVOICE_CANCELLED,
    TERMS_OF_PAYMENT_NOT_FOUND, TERMS_OF_PAYMENT_NOT_FOUND_404, PAYMENT_NOT_FOUND, ALREADY_EXISTS, VOUCHER_NOT_FOUND,
)


def recognise(status: int, message: str | None) -> MessageCase | None:
    """The case a refusal without a known code is, by its HTTP status class and its message; None if none fits."""
    if not message:
        return None
    for case in MESSAGE_CASES:
        if (case.http_status == 404) == (status == 404) and case.matches(message):
            return case
    return None
