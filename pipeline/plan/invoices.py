"""What `plan` checks for a store's invoice stream: the `invoice` and `customer` scopes, the payment terms, the
clearing account, and the accounting method. Nothing here is something `apply` can change: these are blockers
(or a warning) with the fix a person makes.

Each scope is probed with one cheap read (a list filtered to nothing); a refusal is the blocker. The clearing
account is an account the store file declares (KS110), so the diff creates or activates it like any other;
only one left out of `accounts:` is checked here.
"""
from __future__ import annotations

from pipeline.config.model import StoreConfig
from pipeline.fortnox import errors as fe
from pipeline.fortnox.protocol import FortnoxApi
from pipeline.plan import model as m
from pipeline.plan.model import Finding
from pipeline.plan.snapshot import LiveSnapshot

PROBE = "0"  # a document and customer number that never exists: the probe reads an empty list


async def invoice_findings(api: FortnoxApi, config: StoreConfig, snap: LiveSnapshot) -> tuple[list[Finding],
                                                                                            list[Finding]]:
    """(warnings, blockers) of the invoice stream; none for a store without it."""
    settings = config.invoices
    if not config.invoice_sync or settings is None:
        return [], []
    blockers = [b for b in (await _scope(api, config, "invoice", m.KS440_INVOICE_SCOPE),
                            await _scope(api, config, "customer", m.KS441_CUSTOMER_SCOPE)) if b]
    if settings.payment_terms and not any(b.rule == m.KS440_INVOICE_SCOPE for b in blockers):
        blockers += await _terms(api, config, settings.payment_terms)
    blockers += _clearing(config, snap)
    warnings = []
    if snap.current is not None and snap.current.year.accounting_method == "CASH":
        warnings.append(Finding(
            m.KS444_CASH_METHOD, f"store {config.store}'s Fortnox company uses the cash method (kontantmetoden) "
                                 "this financial year: Fortnox books an invoice only when it is paid, so the invoices "
                                 "kassasync sends stay unbooked until then",
            "Use the accrual method (fakturametoden) for invoice sync, or set invoice_sync: false; ask the "
            "accountant."))
    return warnings, blockers


async def _scope(api: FortnoxApi, config: StoreConfig, scope: str, rule: str) -> Finding | None:
    try:
        if scope == "invoice":
            await api.find_invoices(documentnumber=PROBE)
        else:
            await api.find_customers(customernumber=PROBE)
    except (fe.ScopeMissing, fe.LicenceMissing) as exc:
        return Finding(rule, f"Fortnox refused store {config.store}'s {scope} requests: {exc.message}",
                       f"The company needs Fortnox's invoicing licence (Fakturering); then run `kassasync connect "
                       f"--store {config.store}` as a system administrator and approve the {scope} permission.")
    return None


async def _terms(api: FortnoxApi, config: StoreConfig, code: str) -> list[Finding]:
    try:
        await api.terms_of_payment(code)
    except fe.NotFound:
        return [Finding(m.KS442_PAYMENT_TERMS, f"payment terms {code} (invoices.payment_terms of store "
                                               f"{config.store}) do not exist in Fortnox",
                        f"Create them in Fortnox (Inställningar → Fakturering → Betalningsvillkor, code {code}), "
                        "or set invoices.payment_terms to a code that exists.")]
    except (fe.ScopeMissing, fe.LicenceMissing):
        return []  # [U] which scope reads the terms is not documented: the invoice itself tells later
    return []


def _clearing(config: StoreConfig, snap: LiveSnapshot) -> list[Finding]:
    settings = config.invoices
    if settings is None or settings.guard != "clearing" or settings.clearing_account is None:
        return []
    account = settings.clearing_account
    if account in config.accounts:  # declared: the diff makes it exist and be active in every year
        return []
    found = []
    for state in snap.years:
        live = state.accounts.get(account)
        if live is None or not live.active:
            what = "does not exist" if live is None else "is inactive"
            found.append(Finding(
                m.KS443_CLEARING_ACCOUNT, f"clearing account {account} of store {config.store} {what} in "
                                          f"financial year {m.year_label(state.year)}: the day vouchers that park "
                                          "invoiced sales on it would fail",
                f"Declare it under accounts: in {config.path or 'the store file'} (e.g. `{account}: Ej "
                "reskontraförda kundfordringar`), so that `kassasync apply` creates and activates it."))
    return found
