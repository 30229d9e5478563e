"""`doctor`'s checklist: the seed's preparation steps, each passed or failed with its fix, read off a store's plan.

Doctor does not look at Fortnox itself: it reads the same snapshot and plan `plan` makes, so the two can
never disagree about what is wrong.
"""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.config.model import StoreConfig
from pipeline.plan import model as m
from pipeline.plan.model import ACCOUNT_KINDS, ChangeKind, StorePlan, year_label
from pipeline.plan.snapshot import LiveSnapshot

KS450_ACCESS = "KS450"
KS451_COMPANY = "KS451"
KS452_YEAR = "KS452"
KS453_SERIES = "KS453"
KS454_ACCOUNTS = "KS454"
KS455_COST_CENTER = "KS455"
KS456_LOCKED = "KS456"
KS457_INVOICE_SYNC = "KS457"
KS458_DAY_FILE = "KS458"
KS459_INVOICE_STREAM = "KS459"

ACCESS_RULES = {m.KS403_LICENCE, m.KS404_CREDENTIALS, m.KS406_NOT_CONNECTED, m.KS490_FORTNOX_ERROR}


@dataclass(frozen=True)
class Step:
    """One checklist step: `passed` is None when it could not be checked (an earlier step failed)."""

    rule: str
    title: str
    passed: bool | None
    detail: str = ""
    fix: str = ""
    warned: bool = False  # passed, with something to look at (`fix` says what)

    @property
    def mark(self) -> str:
        if self.passed and self.warned:
            return "warn"
        return {True: "ok", False: "FAIL", None: "skip"}[self.passed]

    def to_json(self) -> dict[str, object]:
        return {"rule": self.rule, "title": self.title, "status": self.mark.lower(), "detail": self.detail,
                "fix": self.fix}


def _apply_fix(config: StoreConfig, by_hand: str) -> str:
    return f"Run `kassasync apply --store {config.store}` (after `plan`), or by hand: {by_hand}."


def _from_blockers(rule: str, title: str, plan: StorePlan, rules: set[str], detail_ok: str = "") -> Step:
    hits = [b for b in plan.blockers if b.rule in rules]
    if hits:
        return Step(rule, title, False, "; ".join(b.message for b in hits), " ".join(b.fix for b in hits))
    return Step(rule, title, True, detail_ok)


def _years_text(snap: LiveSnapshot) -> str:
    return " and ".join(year_label(y.year) for y in snap.years)


def _series_step(config: StoreConfig, plan: StorePlan, snap: LiveSnapshot) -> Step:
    code = config.voucher_series
    title = f"voucher series {code} exists and allows manual bookkeeping in {_years_text(snap)}"
    bad = [c for c in plan.changes
           if c.kind in (ChangeKind.CREATE_VOUCHER_SERIES, ChangeKind.ALLOW_MANUAL_BOOKKEEPING)]
    if not bad:
        return Step(KS453_SERIES, title, True)
    detail = "; ".join(c.reason for c in bad)
    return Step(KS453_SERIES, title, False, detail, _apply_fix(
        config, f"in Fortnox choose the year, Inställningar → Bokföring → Verifikationsserier, create {code} "
                f"or tick Manuell kontering"))


def _accounts_step(config: StoreConfig, plan: StorePlan, snap: LiveSnapshot) -> Step:
    title = f"all {len(config.managed_accounts)} accounts of the store file exist and are active in {_years_text(snap)}"
    bad = [c for c in plan.changes if c.kind in ACCOUNT_KINDS]
    if not bad:  # present and active; an account demanding a cost center the store lacks fails it too
        return _from_blockers(KS454_ACCOUNTS, title, plan, {m.KS408_COST_CENTER_REQUIRED})
    missing = sorted({c.subject for c in bad if c.kind is ChangeKind.CREATE_ACCOUNT})
    inactive = sorted({c.subject for c in bad if c.kind is ChangeKind.ACTIVATE_ACCOUNT})
    parts = ([f"missing: {', '.join(missing)}"] if missing else []) + \
            ([f"inactive: {', '.join(inactive)}"] if inactive else [])
    return Step(KS454_ACCOUNTS, title, False, "; ".join(parts),
                _apply_fix(config, "Register → Kontoplan, add or activate each account in each year"))


def _year_step(config: StoreConfig, plan: StorePlan, snap: LiveSnapshot) -> Step:
    step = _from_blockers(KS452_YEAR, f"a financial year covers today ({snap.today})", plan,
                          {m.KS405_NO_CURRENT_YEAR})
    if step.passed and snap.current is not None:
        following = (f"next year {year_label(snap.next.year)} exists too" if snap.next else
                     "the next year is not created yet: `plan` shows it, `apply --force` creates it")
        detail = f"{year_label(snap.current.year)}; {following}"
        early = [w for w in plan.warnings if w.rule == m.KS424_START_BEFORE_FIRST_YEAR]
        if early:
            return Step(step.rule, step.title, True, f"{detail}; but {early[0].message}", early[0].fix, warned=True)
        return Step(step.rule, step.title, True, detail)
    return step


def _cost_center_step(config: StoreConfig, plan: StorePlan) -> Step | None:
    if not config.cost_center:
        return None
    title = f"cost center {config.cost_center} exists and is active"
    missing = [c for c in plan.changes if c.kind is ChangeKind.CREATE_COST_CENTER]
    if missing:
        return Step(KS455_COST_CENTER, title, False, missing[0].reason,
                    _apply_fix(config, f"Register → Kostnadsställen, add {config.cost_center}"))
    return _from_blockers(KS455_COST_CENTER, title, StorePlan(
        plan.store, plan.name, plan.tenant_id,
        blockers=tuple(w for w in plan.warnings if w.rule == m.KS421_COST_CENTER_INACTIVE)),
        {m.KS421_COST_CENTER_INACTIVE})


def invoice_sync_step(config: StoreConfig, evidence: InvoicedRows | None = None) -> Step:
    """The seed's checkbox step: invoiced sales reach Fortnox exactly once, through the invoice or through the
    Z-report. `evidence`: what the newest day file books on the invoiced-sales accounts, where one was read."""
    title = "the invoice-sync setting and the POS checkbox agree"
    guard = config.invoice_guard
    untick = ("In the POS untick \"Ta med fakturerat i kontorapporten\" (include invoiced in account report) "
              "and set pos.include_invoiced_in_account_report: false in the store file")
    if config.invoice_sync and guard == "clearing":
        return _clearing_step(config, title, evidence)
    if config.invoice_sync and config.include_invoiced_in_account_report:
        return Step(KS457_INVOICE_SYNC, title, False,
                    "invoice_sync is on, and the POS still includes invoiced sales in the account report: "
                    "invoiced sales would be booked twice",
                    f"{untick}, or set invoice_sync: false (or keep the box ticked with invoices.guard: clearing).")
    if config.invoice_sync and evidence is not None and evidence.amounts:
        return Step(KS457_INVOICE_SYNC, title, False,
                    f"the box is unticked in the store file, but the newest day file {evidence.file} books "
                    f"{evidence.text} on the invoiced-sales account: the till still has it ticked, and the day is "
                    "held (KS305) while the invoice stream books those sales",
                    f"{untick} in the till itself, then export that day again.")
    if config.invoice_sync:
        how = "invoices are synced (guard unticked); the Z-report leaves them out"
        if evidence is not None:
            how += f" (the newest day file {evidence.file} books nothing on {evidence.accounts})"
    elif config.include_invoiced_in_account_report:
        how = "invoiced sales come with the Z-report"
    else:  # consistent, but worth saying: nothing of ours books them
        how = "invoiced sales are neither synced nor in the Z-report: they must reach Fortnox another way"
    return Step(KS457_INVOICE_SYNC, title, True, how)


def _clearing_step(config: StoreConfig, title: str, evidence: InvoicedRows | None) -> Step:
    assert config.invoices is not None
    clearing = config.invoices.clearing_account
    if not config.include_invoiced_in_account_report:
        return Step(KS457_INVOICE_SYNC, title, False, "guard clearing needs invoiced sales in the Z-report, but the "
                    "store file says the POS leaves them out: their revenue would never be booked",
                    "In the POS tick \"Ta med fakturerat i kontorapporten\" and set "
                    "pos.include_invoiced_in_account_report: true, or use invoices.guard: unticked.")
    how = f"the Z-report parks invoiced sales on {clearing}; each invoice moves them to the customer ledger"
    if evidence is not None:
        how += (f" (the newest day file {evidence.file} books {evidence.text} there)" if evidence.amounts else
                f" (the newest day file {evidence.file} has no invoiced sales)")
    return Step(KS457_INVOICE_SYNC, title, True, how)


@dataclass(frozen=True)
class InvoicedRows:
    """What one day file books on the store's invoiced-sales accounts (POS account -> amount; empty: nothing)."""

    file: str
    accounts: str  # the accounts looked at, as text
    amounts: dict[int, str]

    @property
    def text(self) -> str:
        return ", ".join(f"{amount} on {account}" for account, amount in sorted(self.amounts.items()))


def invoice_stream_step(config: StoreConfig, plan: StorePlan) -> Step | None:
    """The invoice stream's Fortnox side: scopes, payment terms, clearing account, accounting method (plan's
    KS440-KS444)."""
    if not config.invoice_sync or config.invoices is None:
        return None
    rules = {m.KS440_INVOICE_SCOPE, m.KS441_CUSTOMER_SCOPE, m.KS442_PAYMENT_TERMS, m.KS443_CLEARING_ACCOUNT}
    terms = f", payment terms {config.invoices.payment_terms} exist" if config.invoices.payment_terms else ""
    step = _from_blockers(KS459_INVOICE_STREAM, "the invoice stream can post: the invoice and customer permissions"
                          f" are granted{terms}", plan, rules, "invoices and customers can be read and created")
    cash = [w for w in plan.warnings if w.rule == m.KS444_CASH_METHOD]
    if step.passed and cash:
        return Step(step.rule, step.title, True, f"{step.detail}; but {cash[0].message}", cash[0].fix, warned=True)
    return step


def checklist(config: StoreConfig, plan: StorePlan, snap: LiveSnapshot | None,
              evidence: InvoicedRows | None = None) -> list[Step]:
    """Every step but the day file (which needs the inbox): in the order the seed's preparation lists them.
    `evidence`: what the newest day file books on the invoiced-sales accounts (the checkbox step reads it)."""
    access = _from_blockers(KS450_ACCESS, "credentials work and the Integration licence and scopes are granted",
                            plan, ACCESS_RULES)
    steps = [access]
    if snap is None:
        skipped = ["the org number matches Fortnox", "a financial year covers today",
                   f"voucher series {config.voucher_series} allows manual bookkeeping",
                   "every account exists and is active", "nothing is locked over days not yet posted"]
        rules = [KS451_COMPANY, KS452_YEAR, KS453_SERIES, KS454_ACCOUNTS, KS456_LOCKED]
        steps += [Step(r, t, None, "needs a working connection (see above)") for r, t in zip(rules, skipped, strict=True)]
        return steps + [invoice_sync_step(config, evidence)]
    steps.append(_from_blockers(KS451_COMPANY, "the org number and tenant match Fortnox's company", plan,
                                {m.KS401_ORG_NUMBER, m.KS407_TENANT_MISMATCH},
                                f"{snap.company.company_name}, {snap.company.organization_number}"))
    steps.append(_year_step(config, plan, snap))
    steps.append(_series_step(config, plan, snap))
    steps.append(_accounts_step(config, plan, snap))
    center = _cost_center_step(config, plan)
    if center is not None:
        steps.append(center)
    locked = f"locked through {snap.locked_through}" if snap.locked_through else "no period is locked"
    steps.append(_from_blockers(KS456_LOCKED, "nothing is locked over days not yet posted", plan,
                                {m.KS402_LOCKED_PERIOD}, locked))
    steps.append(invoice_sync_step(config, evidence))
    stream = invoice_stream_step(config, plan)
    if stream is not None:
        steps.append(stream)
    return steps
