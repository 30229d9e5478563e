"""Pure error handling: parse any Fortnox error body and turn it into a typed error with a hint that says what to do.

Fortnox answers errors as `{"ErrorInformation": {...}}` with either `error/message/code` or `Error/Message/Code`,
as `{"message": "unauthorized"}`, as OAuth `{"error", "error_description"}` (sometimes labelled text/html), or as
an HTML page when something in front of the API fails (reference/fortnox-api.md §4.1, §7.8). We key on the
numeric code where Fortnox's code is known; the failures whose code is not public are recognised by the HTTP
status and the message text, Swedish or English (`codes.MESSAGE_CASES`; the table in docs/fortnox.md).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

from pipeline.fortnox import codes
from pipeline.fortnox import errors as fe
from pipeline.fortnox.models import FinancialYear


@dataclass(frozen=True)
class ErrorBody:
    """What an error response said, whatever its shape."""

    code: int | None = None
    message: str | None = None
    oauth_error: str | None = None  # e.g. invalid_grant
    html: bool = False


@dataclass(frozen=True)
class RequestContext:
    """What the request was about, so a hint can name the store, year, account or series."""

    operation: str
    store: str | None = None
    year: FinancialYear | None = None
    year_id: int | None = None
    accounts: tuple[int, ...] = ()
    series: str | None = None
    day: date | None = None
    cost_center: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def year_text(self) -> str:
        if self.year is not None:
            return f"the financial year {self.year.from_date}..{self.year.to_date}"
        if self.year_id is not None:
            return f"the financial year with id {self.year_id}"
        return "that financial year"

    @property
    def store_text(self) -> str:
        return f"store {self.store}" if self.store else "the store"


def _lower_keys(obj: dict[str, object]) -> dict[str, object]:
    return {str(k).lower(): v for k, v in obj.items()}


def parse_error_body(text: str, content_type: str = "") -> ErrorBody:
    """Reads an error body of any shape; never raises."""
    stripped = text.lstrip()
    if stripped.startswith("<") or ("html" in content_type.lower() and not stripped.startswith("{")):
        title = re.search(r"<title>(.*?)</title>", text, re.I | re.S)
        return ErrorBody(message=title.group(1).strip()[:200] if title else None, html=True)
    try:
        data = json.loads(text) if stripped else {}
    except ValueError:
        return ErrorBody(message=stripped[:200] or None)
    if not isinstance(data, dict):
        return ErrorBody(message=str(data)[:200])
    top = _lower_keys(data)
    info = top.get("errorinformation")
    if isinstance(info, dict):
        inner = _lower_keys(info)
        code = inner.get("code")
        try:
            code_int = int(str(code)) if code is not None else None
        except ValueError:
            code_int = None
        message = inner.get("message")
        return ErrorBody(code=code_int, message=None if message is None else str(message))
    if "error" in top and isinstance(top["error"], str):
        desc = top.get("error_description")
        return ErrorBody(oauth_error=top["error"], message=None if desc is None else str(desc))
    message = top.get("message")
    return ErrorBody(message=None if message is None else str(message))


def _account_in(message: str | None, ctx: RequestContext) -> str:
    """The account a message names ("Konto \"3001\" ..."), else the request's accounts."""
    found = [int(n) for n in re.findall(r"\b(\d{4})\b", message or "")]
    named = [n for n in found if n in ctx.accounts] or found
    if named:
        return str(named[0])
    if len(ctx.accounts) == 1:
        return str(ctx.accounts[0])
    if ctx.accounts:
        return "one of " + ", ".join(str(a) for a in ctx.accounts)
    return "the account"


_NOT_THERE = "it does not exist in Fortnox: create it there or fix the request"
# Codes from reference/fortnox-api.md §4.2 that the sandbox never answers (so they are not in codes.py) but the
# real Fortnox may: code -> (typed error, meaning, hint template).
OTHER_REFERENCE_CODES: dict[int, tuple[type[fe.FortnoxError], str, str]] = {
    2000106: (fe.ValidationError, "value must be alphanumeric", "a field has a wrong type: report a bug"),
    2000108: (fe.ValidationError, "value must be numeric", "a field has a wrong type: report a bug"),
    2000134: (fe.ValidationError, "value must be boolean", "a field has a wrong type: report a bug"),
    2004054: (fe.AuthError, "invalid login (v2)", "the token was not accepted: {connect}"),
    2000719: (fe.AuthError, "invalid authorization code", "the code expired or was used: {connect}"),
    2002455: (fe.ScopeMissing, "no voucher scope", "the consent lacks the bookkeeping scope: {connect}"),
    2001393: (fe.ScopeMissing, "no customer-invoice scope", "the consent lacks the invoice scope: {connect}"),
    2001265: (fe.AccountNotFound, "account missing or inactive (predefined accounts)",
              "create or activate account {account} in Fortnox"),
    2000427: (fe.NotFound, "currency not found", _NOT_THERE),
    2000428: (fe.NotFound, "article not found", _NOT_THERE),
    2000429: (fe.NotFound, "terms of payment not found", _NOT_THERE),
    2000430: (fe.NotFound, "price not found", _NOT_THERE),
    2000431: (fe.NotFound, "price list not found", _NOT_THERE),
    2000432: (fe.NotFound, "unit not found", _NOT_THERE),
    2000435: (fe.NotFound, "terms of delivery not found", _NOT_THERE),
    2000439: (fe.NotFound, "order not found", _NOT_THERE),
    2001403: (fe.NotFound, "predefined account not found", _NOT_THERE),
}

_MALFORMED = "Fortnox rejected the request as malformed: check the text fields, else report a bug"
_CHARACTERS = ("a text holds a character Fortnox does not accept; kassasync cleans the texts it sends, so check "
               "the codes in the store file (voucher series, cost center), else report a bug")
_CONNECT_HINTS: dict[int, tuple[type[fe.FortnoxError], str]] = {
    # Sign-in failures: what to check and what to run after the fix.
    codes.INVALID_LOGIN.code: (fe.AuthError, "the token was not accepted: {connect}, or check "
                               "FORTNOX_CLIENT_ID / FORTNOX_CLIENT_SECRET"),
    codes.MISSING_CREDENTIALS.code: (fe.AuthError, "no credentials reached Fortnox: {connect}"),
}
_ACCOUNT_SETUP = "{year} (kassasync apply does it)"
# Fortnox code -> (typed error, hint template); the fields are filled by `_hint` from the request context.
_HINTS: dict[int, tuple[type[fe.FortnoxError], str]] = {
    **{code: (cls, hint) for code, (cls, _meaning, hint) in OTHER_REFERENCE_CODES.items()},
    **{c.code: (fe.ValidationError, _MALFORMED) for c in (
        codes.INVALID_FILTER, codes.INVALID_PARAMETER, codes.INVALID_IDENTIFIER, codes.EMPTY_BODY,
        codes.UNKNOWN_FIELD, codes.JSON_SYNTAX)},
    **_CONNECT_HINTS,
    codes.DISALLOWED_CHARACTERS.code: (fe.ValidationError, _CHARACTERS),
    codes.SYSTEM_EXCEPTION.code: (fe.ServerError, "Fortnox had an internal error; the next run tries again"),
    codes.INVALID_RESPONSE_TYPE.code: (fe.ValidationError, "kassasync sent a bad Accept header: report a bug"),
    codes.INVALID_CONTENT_TYPE.code: (fe.ValidationError, "kassasync sent a bad Content-Type: report a bug"),
    codes.API_LICENCE_MISSING.code: (fe.LicenceMissing, "the Integration licence is missing: the company "
                                     "must add Fortnox's Integration licence (Integrationslicens), then run again"),
    codes.SCOPE_LICENCE_MISSING.code: (fe.LicenceMissing, "the company lacks the licence for this module "
                                       "(e.g. Bokföring): add it in Fortnox, then {connect}"),
    codes.SCOPE_MISSING.code: (fe.ScopeMissing, "the consent lacks a scope kassasync needs: {connect} "
                               "with a system administrator"),
    codes.ACCOUNT_NOT_FOUND.code: (fe.AccountNotFound, "create account {account} in " + _ACCOUNT_SETUP),
    codes.ACCOUNT_IN_REQUEST_NOT_FOUND.code: (fe.AccountNotFound, "create account {account} in " + _ACCOUNT_SETUP
                                              + ", or fix account_map"),
    codes.ACCOUNT_NOT_ACTIVE.code: (fe.AccountInactive, "activate account {account} in " + _ACCOUNT_SETUP),
    codes.ACCOUNT_FORMAT.code: (fe.ValidationError, "Fortnox accounts have 4 digits: map the account "
                                "with account_map in the store file"),
    codes.LOCKED_PERIOD.code: (fe.PeriodLocked, "the period of {voucher_day} is locked in Fortnox: unlock it "
                               "(Inställningar > Bokföring > Låst period) or leave the day out"),
    codes.NO_SUCH_ROUTE.code: (fe.NotFound, "the API address is wrong: check FORTNOX_API_URL"),
    codes.CUSTOMER_NOT_FOUND.code: (fe.NotFound, "create the customer in Fortnox first"),
    codes.INVOICE_NOT_FOUND.code: (fe.NotFound, "the invoice does not exist in Fortnox"),
    codes.PROJECT_NOT_FOUND.code: (fe.NotFound, "the project does not exist in Fortnox: create it or remove it "
                                   "from the request"),
    codes.CUSTOMER_NUMBER_USED.code: (fe.ValidationError, "customer numbers stay reserved after deletion: "
                                      "choose another customer number"),
    codes.COST_CENTER_REQUIRED.code: (fe.CostCenterRequired, "account {account} requires a cost center in Fortnox "
                                      "and {store_text} has none: set fortnox.cost_center in the store file, or "
                                      "set the account's Kostnadsställe to Tillåtet (Register > Kontoplan)"),
    codes.COST_CENTER_INACTIVE.code: (fe.CostCenterRejected, "activate cost center {cost_center} in Fortnox "
                                      "(Register > Kostnadsställen), or remove fortnox.cost_center from the "
                                      "store file"),
    codes.TOO_FEW_ROWS.code: (fe.ValidationError, "a voucher needs at least two rows: check the day's file"),
}
# Refusals without a known code, recognised by their message (codes.MESSAGE_CASES): case name -> the same.
_CASE_HINTS: dict[str, tuple[type[fe.FortnoxError], str]] = {
    codes.VOUCHER_UNBALANCED.name: (fe.VoucherUnbalanced, "debit must equal credit: check the store's mapping and "
                                    "the rounding_account"),
    codes.SERIES_NOT_MANUAL.name: (fe.SeriesNotManual, "tick Manuell kontering for series {series} in {year} "
                                   "(Inställningar > Bokföring > Verifikationsserier)"),
    codes.SERIES_NOT_FOUND.name: (fe.SeriesNotFound, "create series {series} in {year} (kassasync apply does it)"),
    codes.SERIES_NOT_FOUND_404.name: (fe.SeriesNotFound, "create series {series} in {year}"),
    codes.NO_FINANCIAL_YEAR.name: (fe.NoFinancialYear, "create the financial year that covers {day} in Fortnox "
                                   "(Inställningar > Räkenskapsår)"),
    codes.FINANCIAL_YEAR_NOT_FOUND.name: (fe.NoFinancialYear, "create the financial year in Fortnox"),
    codes.COST_CENTER_NOT_FOUND.name: (fe.CostCenterNotFound, "create cost center {cost_center} in Fortnox or "
                                       "fix fortnox.cost_center in the store file"),
    codes.COST_CENTER_NOT_FOUND_404.name: (fe.CostCenterNotFound, "create cost center {cost_center} in Fortnox"),
    codes.COST_CENTER_NOT_ALLOWED.name: (fe.CostCenterRejected, "account {account} does not allow a cost center in "
                                         "Fortnox; kassasync leaves it off such rows, so the account's setting "
                                         "changed during the run: run `kassasync sync --retry-failed`"),
    codes.TOO_MANY_ROWS.name: (fe.ValidationError, "the voucher has more rows than Fortnox takes: set voucher.per: "
                               "day in the store file (one row per account)"),
    codes.TEXT_TOO_LONG.name: (fe.ValidationError, "shorten voucher.description in the store file"),
    codes.FINANCIAL_YEAR_OVERLAP.name: (fe.ValidationError, "a financial year already covers those dates"),
    codes.ALREADY_EXISTS.name: (fe.AlreadyExists, "it already exists in Fortnox: run `kassasync plan` again"),
    codes.VOUCHER_NOT_FOUND.name: (fe.NotFound, "the voucher does not exist in that financial year"),
    codes.INVOICE_ALREADY_BOOKED.name: (fe.AlreadyBooked, "the invoice is already bookkept; nothing to do"),
    codes.PAYMENT_ALREADY_BOOKED.name: (fe.AlreadyBooked, "the payment is already bookkept; nothing to do"),
    codes.INVOICE_ALREADY_CREDITED.name: (fe.AlreadyCredited, "the invoice has its credit invoice already; "
                                          "a further credit is a new invoice with negative quantities"),
    codes.INVOICE_NOT_BOOKED.name: (fe.InvoiceState, "book the invoice first (Fortnox: Bokför)"),
    codes.INVOICE_CANCELLED.name: (fe.InvoiceState, "the invoice is cancelled (makulerad) in Fortnox"),
    codes.INVOICE_BOOKED_LOCKED.name: (fe.InvoiceState, "a booked invoice cannot be changed: correct it with a "
                                       "credit note"),
    codes.TERMS_OF_PAYMENT_NOT_FOUND.name: (fe.ValidationError, "create the payment terms in Fortnox "
                                            "(Inställningar > Fakturering > Betalningsvillkor) or change "
                                            "invoices.payment_terms in the store file"),
    codes.TERMS_OF_PAYMENT_NOT_FOUND_404.name: (fe.NotFound, "create the payment terms in Fortnox (Inställningar > "
                                                "Fakturering > Betalningsvillkor)"),
    codes.PAYMENT_NOT_FOUND.name: (fe.NotFound, "the invoice payment does not exist in Fortnox"),
}
_UNKNOWN = (fe.FortnoxError, "see Fortnox's message; if it persists, report it with the debug log")


def classify(status: int, code: int | None, message: str | None) -> tuple[type[fe.FortnoxError], str]:
    """The typed error and hint template for a refusal: by its code where Fortnox's code is known, otherwise
    by its HTTP status and message text (the failures whose code is not public); `_UNKNOWN` when neither."""
    if code is not None and code in _HINTS:
        return _HINTS[code]
    case = codes.recognise(status, message)
    if case is None:
        return _UNKNOWN
    if case.code is not None:
        return _HINTS[case.code]
    return _CASE_HINTS[case.name]


def _hint(template: str, message: str | None, ctx: RequestContext) -> str:
    return template.format(
        connect=f"run `kassasync connect --store {ctx.store or 'ID'}` again", account=_account_in(message, ctx),
        year=ctx.year_text, series=ctx.series or "the store's series", day=ctx.day or "the date",
        voucher_day=ctx.day or "the voucher date", cost_center=ctx.cost_center or "", store_text=ctx.store_text)


def _by_status(status: int) -> type[fe.FortnoxError]:
    if status >= 500:
        return fe.ServerError
    if status == 429:
        return fe.RateLimited
    if status in (401, 403):
        return fe.AuthError
    if status == 404:
        return fe.NotFound
    return fe.ValidationError


def to_error(status: int, body: ErrorBody, ctx: RequestContext) -> fe.FortnoxError:
    """A typed error for an API (/3) error response."""
    where = f"{ctx.store_text}: {ctx.operation}"
    cls, template = classify(status, body.code, body.message)
    if body.code is not None or cls is not fe.FortnoxError:
        known = codes.ALL.get(body.code) if body.code is not None else None
        swedish = body.message or (known.message if known else None)
        if cls is fe.FortnoxError:
            cls = _by_status(status)
        label = f"Fortnox error {body.code}" if body.code is not None else f"Fortnox (HTTP {status})"
        return cls(f"{where} failed: {label} \u201c{swedish}\u201d", _hint(template, swedish, ctx),
                   code=body.code, http_status=status, fortnox_message=swedish)
    if body.html:
        what = f"an HTML page ({body.message})" if body.message else "an HTML page"
        hint = ("Fortnox or something in front of it is failing; the next run tries again" if status >= 500
                else "check FORTNOX_API_URL: it must point at the Fortnox API (…/3)")
        return _by_status(status)(f"{where} failed: Fortnox answered HTTP {status} with {what}", hint,
                                  http_status=status, fortnox_message=body.message)
    if status == 401:
        return fe.AuthError(f"{where} failed: the access token was refused (HTTP 401)",
                            f"run `kassasync connect --store {ctx.store or 'ID'}` again if this repeats",
                            http_status=status, fortnox_message=body.message)
    if status == 429:
        return fe.RateLimited(f"{where} failed: Fortnox kept answering 429 Too Many Requests",
                              "another program may be using the same integration; the next run tries again",
                              http_status=status, fortnox_message=body.message)
    cls = _by_status(status)
    hint = ("Fortnox is having trouble; the next run tries again" if status >= 500
            else "see Fortnox's message; if it persists, report it with the debug log")
    msg = f"{where} failed: HTTP {status}" + (f" \u201c{body.message}\u201d" if body.message else "")
    return cls(msg, hint, http_status=status, fortnox_message=body.message)


def token_error(status: int, body: ErrorBody, store: str | None, grant: str) -> fe.FortnoxError:
    """A typed error for an /oauth-v1/token failure. Only 400 + invalid_grant means the grant is dead (§1.4)."""
    who = f"store {store}" if store else "the store"
    connect = f"run `kassasync connect --store {store or 'ID'}` again"
    desc = f" ({body.message})" if body.message else ""
    if status == 400 and body.oauth_error == "invalid_grant":
        if grant == "client_credentials":
            # no consent for this TenantId: a wrong fortnox.tenant_id looks exactly like a revoked consent
            return fe.ReconsentRequired(
                f"{who}: Fortnox refused the service-account token{desc}: the consent was revoked or never given "
                "for this TenantId", "check fortnox.tenant_id in the store file (the TenantId of the store's own "
                "Fortnox company); if it is right, a system administrator of that company must approve the "
                f"integration again: run `kassasync connect --store {store or 'ID'} --service-account`",
                http_status=status)
        return fe.ReconsentRequired(f"{who}: the refresh token is dead (expired after 45 idle days, used twice, "
                                    f"or the consent was revoked){desc}", f"the token was revoked: {connect}",
                                    http_status=status, fortnox_message=body.message)
    if body.oauth_error == "invalid_client" or status == 401:
        return fe.InvalidClient(f"{who}: Fortnox refused the client id or secret{desc}",
                                "check FORTNOX_CLIENT_ID and FORTNOX_CLIENT_SECRET", http_status=status)
    if status >= 500 or body.html:
        return fe.ServerError(f"{who}: the Fortnox token service answered HTTP {status}{desc}",
                              "Fortnox is having trouble; the next run tries again", http_status=status)
    return fe.AuthError(f"{who}: the Fortnox token request failed: HTTP {status} "
                        f"{body.oauth_error or ''}{desc}".rstrip(),
                        f"check the integration's settings in the Fortnox developer portal, then {connect}",
                        http_status=status)
