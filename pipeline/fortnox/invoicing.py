"""The customer, invoice and invoice-payment calls of the invoice stream, as Fortnox's own JSON.

The bodies come from `pipeline.invoices` (pure) and the answers go back to it (exact_hits, compare_totals,
FortnoxOriginal.from_json), so these calls pass JSON through instead of typed models. A POST is never
retried after it may have reached Fortnox (session.py): the caller looks before creating again. A PUT is
retried, so an action Fortnox did on the first try (bookkeep, credit) may answer "already done" on the
second: the caller reads the invoice to tell.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipeline.fortnox.errormap import RequestContext
from pipeline.fortnox.session import ApiSession

Json = dict[str, Any]


class InvoicingCalls:
    """Mixed into FortnoxClient (which provides the session, the request contexts and paging)."""

    _session: ApiSession

    if TYPE_CHECKING:  # FortnoxClient's own
        def _ctx(self, operation: str, year_id: int | None = None, **kw: Any) -> RequestContext: ...

        async def _list(self, path: str, key: str, ctx: RequestContext,
                        params: dict[str, Any] | None = None) -> list[Json]: ...

    # Customers

    async def find_customers(self, **filters: str) -> list[Json]:
        """Customers matching Fortnox's list filters (organisationnumber, email, name, ...), every page."""
        shown = ", ".join(f"{k}={v}" for k, v in filters.items())
        return await self._list("/customers", "Customers", self._ctx(f"search customers ({shown})"), dict(filters))

    async def customer(self, customer_number: str) -> Json:
        data = await self._session.call("GET", f"/customers/{customer_number}",
                                        self._ctx(f"read customer {customer_number}"))
        return dict(data.get("Customer") or {})

    async def create_customer(self, body: Json) -> Json:
        name = (body.get("Customer") or {}).get("Name")
        data = await self._session.call("POST", "/customers", self._ctx(f"create customer {name}"), body=body)
        return dict(data.get("Customer") or {})

    # Invoices

    async def find_invoices(self, **filters: str) -> list[Json]:
        """Invoice list items matching the filters. The external reference filters match the START of the
        value: compare the hits exactly (pipeline.invoices.exact_hits)."""
        shown = ", ".join(f"{k}={v}" for k, v in filters.items())
        return await self._list("/invoices", "Invoices", self._ctx(f"search invoices ({shown})"), dict(filters))

    async def invoice(self, document_number: int) -> Json:
        data = await self._session.call("GET", f"/invoices/{document_number}",
                                        self._ctx(f"read invoice {document_number}"))
        return dict(data.get("Invoice") or {})

    async def create_invoice(self, body: Json) -> Json:
        reference = (body.get("Invoice") or {}).get("ExternalInvoiceReference1")
        data = await self._session.call("POST", "/invoices", self._ctx(f"create invoice {reference}"), body=body)
        return dict(data.get("Invoice") or {})

    async def update_invoice(self, document_number: int, body: Json) -> Json:
        data = await self._session.call("PUT", f"/invoices/{document_number}",
                                        self._ctx(f"update invoice {document_number}"), body=body)
        return dict(data.get("Invoice") or {})

    async def bookkeep_invoice(self, document_number: int) -> Json:
        data = await self._session.call("PUT", f"/invoices/{document_number}/bookkeep",
                                        self._ctx(f"bookkeep invoice {document_number}"))
        return dict(data.get("Invoice") or {})

    async def credit_invoice(self, document_number: int) -> Json:
        """PUT /credit: Fortnox makes the credit invoice of a booked invoice, once per invoice."""
        data = await self._session.call("PUT", f"/invoices/{document_number}/credit",
                                        self._ctx(f"credit invoice {document_number}"))
        return dict(data.get("Invoice") or {})

    # Invoice payments and terms

    async def invoice_payments(self, document_number: int) -> list[Json]:
        return await self._list("/invoicepayments", "InvoicePayments",
                                self._ctx(f"list payments of invoice {document_number}"),
                                {"invoicenumber": document_number})

    async def create_invoice_payment(self, body: Json) -> Json:
        invoice = (body.get("InvoicePayment") or {}).get("InvoiceNumber")
        data = await self._session.call("POST", "/invoicepayments",
                                        self._ctx(f"register a payment of invoice {invoice}"), body=body)
        return dict(data.get("InvoicePayment") or {})

    async def invoice_payment(self, number: str) -> Json:
        data = await self._session.call("GET", f"/invoicepayments/{number}", self._ctx(f"read payment {number}"))
        return dict(data.get("InvoicePayment") or {})

    async def bookkeep_invoice_payment(self, number: str) -> Json:
        data = await self._session.call("PUT", f"/invoicepayments/{number}/bookkeep",
                                        self._ctx(f"bookkeep payment {number}"))
        return dict(data.get("InvoicePayment") or {})

    async def terms_of_payment(self, code: str) -> Json:
        data = await self._session.call("GET", f"/termsofpayments/{code}",
                                        self._ctx(f"read payment terms {code}"))
        return dict(data.get("TermsOfPayment") or {})
