"""The posting protocol's hard cases, one document at a time against the sandbox: a crash right after Fortnox made
a customer or a credit invoice, a document deleted in Fortnox, two documents with one source id, an original
credited by hand, a credit note that waits for its original."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from invoice_fleet import CSV_FIRST, CSV_SECOND, InvoiceFleet, invoice_fleet

from pipeline.config import get_store
from pipeline.config.model import StoreConfig
from pipeline.fortnox.factory import open_client
from pipeline.ledger import Ledger
from pipeline.ledger.invoices import InvoiceLedger
from pipeline.runner.inbox import Inbox
from pipeline.runner.invoice_ingest import ingest_invoices, scan_invoices
from pipeline.runner.invoice_post import InvoicePoster, Stop
from pipeline.runner.invoice_result import InvoiceResult
from pipeline.settings import Settings


class Crash(Exception):
    """The runner dies right after Fortnox answered (the ledger never hears of the answer)."""


class CrashAfter:
    """A client whose call `name` reaches Fortnox and is done there, then the process 'dies'."""

    def __init__(self, client: Any, name: str) -> None:
        self.client, self.name = client, name

    def __getattr__(self, attr: str) -> Any:
        call = getattr(self.client, attr)
        if attr != self.name:
            return call

        async def done_then_crash(*args: Any, **kwargs: Any) -> Any:
            await call(*args, **kwargs)
            raise Crash(attr)

        return done_then_crash


class Stream:
    """The store's ledger, read in, and a way to post one document through a client (wrapped or not)."""

    def __init__(self, fleet: InvoiceFleet) -> None:
        env = {**fleet.env, "KASSASYNC_HOME": str(fleet.root / "state")}
        self.settings = Settings.from_env(env=env)
        self.config: StoreConfig = get_store(fleet.root / "stores", "bokhandeln")
        self.settings.state_dir.mkdir(parents=True, exist_ok=True)
        self.ledger = Ledger.open(self.settings.ledger_url)
        self.books = InvoiceLedger(self.ledger)
        inbox = Inbox(fleet.root / "inbox")
        assert self.config.invoices is not None
        ingest_invoices(self.config, self.config.invoices, inbox, self.books,
                        scan_invoices(inbox, self.config, self.config.invoices, 0), dry_run=False)

    def post(self, number: str, kind: str = "I", wrap: Callable[[Any], Any] = lambda c: c) -> InvoiceResult:
        result = InvoiceResult()

        async def go() -> None:
            async with open_client(self.settings, self.config) as client:
                assert self.config.invoices is not None
                poster = InvoicePoster(self.config, self.config.invoices, self.books, wrap(client), result)
                doc = self.books.doc(f"KS1.bokhandeln.{kind}.{number}")
                assert doc is not None
                await poster.post(doc)

        asyncio.run(go())
        return result

    def state(self, number: str, kind: str = "I") -> tuple[str, str | None]:
        doc = self.books.doc(f"KS1.bokhandeln.{kind}.{number}")
        assert doc is not None
        return doc.state, doc.error_code


@pytest.fixture
def stream(tmp_path: Path) -> Any:
    with invoice_fleet(tmp_path) as fleet:
        fleet.put("bokhandeln", "a.csv", CSV_FIRST)
        fleet.put("bokhandeln", "b.csv", CSV_SECOND)
        made = Stream(fleet)
        try:
            yield fleet, made
        finally:
            made.ledger.close()


def _credits(fleet: InvoiceFleet) -> list[dict[str, Any]]:
    return [i for i in fleet.documents("invoices") if i["Credit"] == "true"]


def test_a_crash_after_the_customer_was_created_does_not_create_it_again(stream: Any) -> None:
    fleet, made = stream
    with pytest.raises(Crash):
        made.post("7002", wrap=lambda c: CrashAfter(c, "create_customer"))
    assert [c["Name"] for c in fleet.documents("customers")] == ["Anna Lind"]
    assert made.post("7002").customers_created == 0  # found by its name and ExternalReference
    assert [c["Name"] for c in fleet.documents("customers")] == ["Anna Lind"]
    assert made.state("7002") == ("booked", None)


def test_a_crash_between_the_credit_and_its_source_id_is_recovered(stream: Any) -> None:
    fleet, made = stream
    made.post("7001")
    with pytest.raises(Crash):
        made.post("7003", "C", wrap=lambda c: CrashAfter(c, "credit_invoice"))
    [orphan] = _credits(fleet)
    assert not orphan.get("ExternalInvoiceReference1") and made.state("7003", "C")[0] == "pending"
    result = made.post("7003", "C")
    assert result.credits == 1
    [credit] = _credits(fleet)  # the same credit invoice, now carrying the source id; no second credit
    assert credit["DocumentNumber"] == orphan["DocumentNumber"] and credit["Booked"]
    assert credit["ExternalInvoiceReference1"] == "KS1.bokhandeln.C.7003"


def test_a_credit_note_waits_for_its_original(stream: Any) -> None:
    fleet, made = stream
    with pytest.raises(Stop):
        made.post("7003", "C")
    state, _code = made.state("7003", "C")
    assert state == "planned" and "waits for the original invoice 7001" in (
        made.books.doc("KS1.bokhandeln.C.7003").error_message or "")
    assert fleet.documents("invoices") == []


def test_an_original_credited_by_hand_stops_the_credit_note(stream: Any) -> None:
    fleet, made = stream
    made.post("7001")
    original = next(i for i in fleet.documents("invoices"))["DocumentNumber"]
    asyncio.run(_credit_by_hand(made, int(original)))
    with pytest.raises(Stop):
        made.post("7003", "C")
    state, code = made.state("7003", "C")
    assert (state, code) == ("failed", "KS518")
    assert len(_credits(fleet)) == 1  # the hand-made one only


async def _credit_by_hand(made: Stream, number: int) -> None:
    async with open_client(made.settings, made.config) as client:
        await client.credit_invoice(number)


def test_two_fortnox_invoices_with_one_source_id_stop_it(stream: Any) -> None:
    fleet, made = stream
    made.post("7001")
    body = {"Invoice": {"CustomerNumber": "1", "ExternalInvoiceReference1": "KS1.bokhandeln.I.7004",
                        "InvoiceRows": [{"AccountNumber": 3003, "Price": 1, "VAT": 6}]}}
    asyncio.run(_create_twice(made, body))
    with pytest.raises(Stop):
        made.post("7004")
    assert made.state("7004") == ("failed", "KS518")


async def _create_twice(made: Stream, body: dict[str, Any]) -> None:
    async with open_client(made.settings, made.config) as client:
        await client.create_invoice(body)
        await client.create_invoice(body)


def test_an_invoice_gone_from_fortnox_is_searched_for_and_created_again(stream: Any) -> None:
    fleet, made = stream
    made.books.update_doc("KS1.bokhandeln.I.7001", document_number=999, state="created")
    assert made.post("7001").invoices == 1
    assert [i["ExternalInvoiceReference1"] for i in fleet.documents("invoices")] == ["KS1.bokhandeln.I.7001"]
    assert made.books.doc("KS1.bokhandeln.I.7001").document_number == 1  # type: ignore[union-attr]
