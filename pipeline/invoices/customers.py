"""Which Fortnox customer an invoice goes to: the stored POS-id mapping, then searches in the store's order.

Pure: the caller does the searches the decision asks for and calls again with the hits, until the answer is
a match, a customer to create, or a stop (several customers fit, or nothing to match or create by).
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pipeline.invoices.findings import InvoiceFinding, finding
from pipeline.invoices.model import PosCustomer, PosInvoice

# key -> the GET /3/customers query parameter that searches by it
SEARCH_PARAMS = {"org_number": "organisationnumber", "email": "email"}


class Action(StrEnum):
    MATCH = "match"
    CREATE = "create"
    SEARCH = "search"  # search Fortnox (decision.search says how), then decide again with the hits
    AMBIGUOUS = "ambiguous"  # several customers fit: stop the invoice
    UNMATCHABLE = "unmatchable"  # nothing matched and nothing to create a customer from: stop the invoice


@dataclass(frozen=True)
class CustomerSearch:
    key: str  # "org_number" | "email"
    param: str  # the query parameter
    value: str  # the value to search for


@dataclass(frozen=True)
class CustomerDecision:
    action: Action
    customer_number: str | None = None  # MATCH
    via: str | None = None  # MATCH: the key that matched
    search: CustomerSearch | None = None  # SEARCH
    candidates: tuple[str, ...] = ()  # AMBIGUOUS: the customer numbers that fit
    finding: InvoiceFinding | None = None  # AMBIGUOUS, UNMATCHABLE


def normalise_org_number(value: str | None) -> str | None:
    """Ten digits: dashes and spaces dropped, and a century (19, 20) or 16 prefix of a 12-digit form."""
    if not value:
        return None
    digits = re.sub(r"\D", "", value)
    if len(digits) == 12 and digits[:2] in ("16", "19", "20"):
        digits = digits[2:]
    return digits if len(digits) == 10 else None


def format_org_number(value: str | None) -> str | None:
    """NNNNNN-NNNN, the form Fortnox shows; None when the value is not a Swedish org or personal number."""
    digits = normalise_org_number(value)
    return None if digits is None else f"{digits[:6]}-{digits[6:]}"


def customer_type(org_number: str | None) -> str | None:
    """COMPANY for an organisation number (third digit 2 or more), PRIVATE for a personal identity number."""
    digits = normalise_org_number(org_number)
    if digits is None:
        return None
    return "COMPANY" if int(digits[2]) >= 2 else "PRIVATE"


def _normalised(key: str, value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    if key == "org_number":
        return normalise_org_number(value)
    if key == "email":
        return value.strip().casefold()
    return value.strip()


def _hit_value(key: str, hit: Mapping[str, Any]) -> str | None:
    field = {"org_number": "OrganisationNumber", "email": "Email"}[key]
    raw = hit.get(field)
    return _normalised(key, raw if isinstance(raw, str) else None)


def decide_customer(invoice: PosInvoice, order: Sequence[str], stored: Mapping[str, str],
                    hits: Mapping[str, Sequence[Mapping[str, Any]]]) -> CustomerDecision:
    """The next step for an invoice's customer. `stored` maps POS customer ids to Fortnox CustomerNumbers
    (the ledger's mapping for this store); `hits` holds the customer list items of each search done so far,
    by key. Hits are compared exactly (org numbers as ten digits, e-mail without case)."""
    customer = invoice.customer
    for key in order:
        value = _normalised(key, customer.key(key))
        if value is None:
            continue
        if key == "pos_id":
            if value in stored:
                return CustomerDecision(Action.MATCH, stored[value], via=key)
            continue
        if key not in hits:
            query = format_org_number(value) if key == "org_number" else (customer.key(key) or value).strip()
            return CustomerDecision(Action.SEARCH, search=CustomerSearch(key, SEARCH_PARAMS[key], query or value))
        fits = sorted({str(h.get("CustomerNumber")) for h in hits[key] if _hit_value(key, h) == value})
        if len(fits) == 1:
            return CustomerDecision(Action.MATCH, fits[0], via=key)
        if len(fits) > 1:
            return CustomerDecision(Action.AMBIGUOUS, candidates=tuple(fits), finding=_ambiguous(invoice, key, fits))
    if not customer.name:
        return CustomerDecision(Action.UNMATCHABLE, finding=finding(
            "KS508", f"invoice {invoice.number}: no Fortnox customer matches and the customer has no name to "
                     "create one with", "export the customer's name, org number or e-mail with the invoice, or "
                     "create the customer in Fortnox", invoice.source.path, invoice.source.line, invoice.number))
    return CustomerDecision(Action.CREATE)


def _ambiguous(invoice: PosInvoice, key: str, numbers: list[str]) -> InvoiceFinding:
    what = {"org_number": "organisation number", "email": "e-mail"}[key]
    value = invoice.customer.key(key)
    return finding("KS509", f"invoice {invoice.number}: {len(numbers)} Fortnox customers have the {what} {value} "
                            f"({', '.join(numbers)}); the invoice is not sent",
                   "make the customers in Fortnox unique (merge or change the duplicates), then sync again",
                   invoice.source.path, invoice.source.line, invoice.number)


def customer_reference(store: str, customer: PosCustomer) -> str | None:
    """What a created customer carries in ExternalReference: where it came from (store and POS id)."""
    return None if customer.pos_id is None else f"KS1.{store}.customer.{customer.pos_id}"


def customer_body(invoice: PosInvoice, payment_terms: str | None = None) -> dict[str, Any]:
    """The POST /3/customers body for the invoice's customer; only known fields are sent."""
    customer = invoice.customer
    if not customer.name:
        raise ValueError(f"invoice {invoice.number}: a customer without a name cannot be created")
    body: dict[str, Any] = {"Name": customer.name}
    optional = {
        "OrganisationNumber": format_org_number(customer.org_number),
        "Type": customer_type(customer.org_number),
        "Email": customer.email,
        "ExternalReference": customer_reference(invoice.store, customer),
        "TermsOfPayment": payment_terms,
    }
    if customer.address is not None:
        optional |= {"Address1": customer.address.street, "ZipCode": customer.address.postcode,
                     "City": customer.address.city, "CountryCode": customer.address.country}
    body |= {k: v for k, v in optional.items() if v}
    return {"Customer": body}
