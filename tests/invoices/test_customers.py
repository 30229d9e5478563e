"""Customer matching: the stored mapping, then org number and e-mail searches; several hits stop the invoice."""
from __future__ import annotations

from invoice_builders import invoice, row

from pipeline.invoices import Action, Address, PosCustomer, customer_body, decide_customer

ORDER = ("pos_id", "org_number", "email")
CAFE = PosCustomer(pos_id="2001", name="Café Ängen AB", org_number="559123-4567", email="Kaffe@Angen.se",
                   address=Address("Storgatan 1", "753 20", "Uppsala", "SE"))


def _decide(customer: PosCustomer = CAFE, stored: dict | None = None, **hits: list) -> object:  # type: ignore[type-arg]
    return decide_customer(invoice(row(), customer=customer), ORDER, stored or {}, hits)


def test_stored_mapping_wins_without_a_search() -> None:
    decision = _decide(stored={"2001": "17"})
    assert (decision.action, decision.customer_number, decision.via) == (Action.MATCH, "17", "pos_id")


def test_searches_are_asked_for_one_at_a_time_in_order() -> None:
    first = _decide()
    assert first.action is Action.SEARCH and first.search is not None
    assert (first.search.param, first.search.value) == ("organisationnumber", "559123-4567")
    second = _decide(org_number=[])
    assert second.search is not None and (second.search.param, second.search.value) == ("email", "Kaffe@Angen.se")
    assert _decide(org_number=[], email=[]).action is Action.CREATE


def test_org_number_hits_compare_as_ten_digits() -> None:
    hits = [{"CustomerNumber": "5", "OrganisationNumber": "195591234567"},
            {"CustomerNumber": "6", "OrganisationNumber": "559123-4568"}]
    decision = _decide(org_number=hits)
    assert (decision.action, decision.customer_number, decision.via) == (Action.MATCH, "5", "org_number")


def test_email_hits_compare_without_case_and_ignore_near_misses() -> None:
    hits = [{"CustomerNumber": "9", "Email": "kaffe@angen.se"}, {"CustomerNumber": "10", "Email": "kaffe@angen.se.x"}]
    decision = _decide(org_number=[], email=hits)
    assert (decision.action, decision.customer_number) == (Action.MATCH, "9")


def test_several_customers_with_the_org_number_stop_the_invoice() -> None:
    hits = [{"CustomerNumber": "5", "OrganisationNumber": "5591234567"},
            {"CustomerNumber": "12", "OrganisationNumber": "559123-4567"}]
    decision = _decide(org_number=hits)
    assert decision.action is Action.AMBIGUOUS and decision.candidates == ("12", "5")
    assert decision.finding is not None and decision.finding.is_error
    assert decision.finding.rule == "KS509" and decision.finding.invoice == "5001"
    assert decision.finding.message == ("invoice 5001: 2 Fortnox customers have the organisation number "
                                        "559123-4567 (12, 5); the invoice is not sent")


def test_the_same_customer_listed_twice_is_one_match() -> None:
    hits = [{"CustomerNumber": "5", "OrganisationNumber": "5591234567"}] * 2
    assert _decide(org_number=hits).customer_number == "5"


def test_nothing_to_match_and_no_name() -> None:
    decision = _decide(PosCustomer(pos_id="77"))
    assert decision.action is Action.UNMATCHABLE and decision.finding is not None
    assert decision.finding.rule == "KS508"


def test_customer_body() -> None:
    body = customer_body(invoice(row(), customer=CAFE), payment_terms="30")
    assert body == {"Customer": {
        "Name": "Café Ängen AB", "OrganisationNumber": "559123-4567", "Type": "COMPANY", "Email": "Kaffe@Angen.se",
        "ExternalReference": "KS1.kartbutiken.customer.2001", "TermsOfPayment": "30", "Address1": "Storgatan 1",
        "ZipCode": "753 20", "City": "Uppsala", "CountryCode": "SE"}}
    person = customer_body(invoice(row(), customer=PosCustomer(name="Karl", org_number="19800101-1234")))
    assert person == {"Customer": {"Name": "Karl", "OrganisationNumber": "800101-1234", "Type": "PRIVATE"}}
