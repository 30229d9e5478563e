"""Field values of SIE items: dates (YYYYMMDD), amounts (Decimal, point decimals), integers, accounts."""
from __future__ import annotations

from datetime import date
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, InvalidOperation

_DATES: dict[str, date | None] = {}  # dates repeat on every row of a day's vouchers: parse each once
_DATE_CACHE_MAX = 50_000


def parse_date(text: object) -> date | None:
    """A YYYYMMDD date, or None when the text is not one (also for ISO dates and impossible days)."""
    if not isinstance(text, str):
        return None
    hit = _DATES.get(text)
    if hit is not None or text in _DATES:
        return hit
    value: date | None = None
    if len(text) == 8 and text.isdigit() and text.isascii():
        try:
            value = date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            value = None
    if len(_DATES) >= _DATE_CACHE_MAX:
        _DATES.clear()
    _DATES[text] = value
    return value


NUMBER_CHARS = "0123456789.-"


def parse_amount(text: object) -> Decimal | None:
    """An amount like -1234.50 as Decimal; None for anything else (commas, exponents, words, NaN, "")."""
    if not isinstance(text, str) or text.strip(NUMBER_CHARS):
        return None
    try:  # what is left is digits, points and minus signs; Decimal rejects the bad arrangements
        return Decimal(text)
    except InvalidOperation:
        return None


def is_amount(text: str) -> bool:
    """Whether Decimal(text) gives a valid SIE amount, checked without building the Decimal."""
    if not text or text.strip(NUMBER_CHARS) or text.count(".") > 1 or "-" in text[1:]:
        return False
    return text not in ("-", ".", "-.")


def parse_int(text: object) -> int | None:
    """A (possibly negative) integer such as a year number, or None."""
    if not isinstance(text, str) or not text.isascii():
        return None
    body = text[1:] if text[:1] == "-" else text
    return int(text) if body.isdigit() and len(body) < 12 else None


def is_account(text: str) -> bool:
    """Account numbers are digits only (sie-format.md §4, #KONTO)."""
    return text.isdigit() and text.isascii()


def format_amount(amount: Decimal) -> str:
    """An amount as SIE writes it: point decimals, no exponent, no plus sign."""
    text = format(amount, "f")
    return "0" if text in ("-0", "0") else text


_CENT = Decimal("0.01")


def format_money(amount: Decimal) -> str:
    """An amount for people: at least two decimals (380 -> 380.00), more only when the file had them."""
    digits, exponent = len(amount.as_tuple().digits), amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        # A context with room for every digit: an amount longer than the current context's precision
        # (a 30-digit voucher sum) must not raise InvalidOperation here.
        room = Context(prec=digits + max(exponent, 0) + 3, Emax=MAX_EMAX, Emin=MIN_EMIN)
        amount = amount.quantize(_CENT, context=room)
    return format_amount(amount)
