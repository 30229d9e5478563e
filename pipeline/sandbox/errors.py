"""The sandbox's answers for refusals whose Fortnox code is not public: the case's message, a placeholder code.

Placeholders are in the 8000xxx range so that nobody mistakes them for Fortnox's; the client never keys on
them (it recognises these cases by status and message, `pipeline.fortnox.codes.recognise`), and a test
runs the client against the sandbox with other numbers here to prove it.
"""
from __future__ import annotations

from pipeline.fortnox import codes
from pipeline.fortnox.codes import ErrorCode, MessageCase

PLACEHOLDER_CODES: dict[str, int] = {
    codes.VOUCHER_UNBALANCED.name: 8000001,
    codes.SERIES_NOT_MANUAL.name: 8000002,
    codes.SERIES_NOT_FOUND.name: 8000003,
    codes.NO_FINANCIAL_YEAR.name: 8000004,
    codes.COST_CENTER_NOT_FOUND.name: 8000005,
    codes.TEXT_TOO_LONG.name: 8000007,
    codes.FINANCIAL_YEAR_OVERLAP.name: 8000008,
    codes.ALREADY_EXISTS.name: 8000009,
    codes.FINANCIAL_YEAR_NOT_FOUND.name: 8000010,
    codes.SERIES_NOT_FOUND_404.name: 8000011,
    codes.VOUCHER_NOT_FOUND.name: 8000012,
    codes.COST_CENTER_NOT_FOUND_404.name: 8000013,
    codes.INVOICE_ALREADY_BOOKED.name: 8000014,
    codes.COST_CENTER_NOT_ALLOWED.name: 8000015,
    codes.TOO_MANY_ROWS.name: 8000016,
    codes.PAYMENT_ALREADY_BOOKED.name: 8000017,
    codes.INVOICE_ALREADY_CREDITED.name: 8000018,
    codes.INVOICE_NOT_BOOKED.name: 8000019,
    codes.INVOICE_CANCELLED.name: 8000020,
    codes.INVOICE_BOOKED_LOCKED.name: 8000021,
    codes.TERMS_OF_PAYMENT_NOT_FOUND.name: 8000022,
    codes.TERMS_OF_PAYMENT_NOT_FOUND_404.name: 8000023,
    codes.PAYMENT_NOT_FOUND.name: 8000024,
}


def answer(case: MessageCase) -> ErrorCode:
    """What the sandbox sends for a case: its message and status, and the placeholder code (read at call
    time, so that a test can swap the numbers)."""
    return ErrorCode(PLACEHOLDER_CODES[case.name], case.http_status, case.message, False, case.meaning)
