"""The pure diff: a store file (desired) against a live snapshot, both normalised, giving one store's plan.

Only what the store file mentions is compared: its accounts, its voucher series, its cost center. Everything
else in the tenant (other accounts, other series) is never read into the plan and never touched.
"""
from __future__ import annotations

from datetime import date, timedelta

from pipeline.config.model import StoreConfig, norm_org_number
from pipeline.fortnox import text
from pipeline.fortnox.models import MANDATORY, FinancialYear
from pipeline.plan import model as m
from pipeline.plan.model import Change, ChangeKind, Finding, StorePlan, year_label
from pipeline.plan.snapshot import LiveSnapshot, YearState

DEFAULT_SERIES_DESCRIPTION = "Kassa"


def norm_text(value: str | None) -> str:
    """Descriptions compare without surrounding or doubled whitespace, so such differences never show as drift."""
    return " ".join((value or "").split())


def same_text(wanted: str, live: str) -> bool:
    """Whether Fortnox holds `wanted`: the client sends it with refused characters replaced (fortnox.text)."""
    return norm_text(text.clean(wanted)) == norm_text(text.clean(live))


def next_year_dates(current: FinancialYear) -> tuple[date, date]:
    """The year after `current`, of the same shape: starts the day after it ends, lasts twelve months."""
    start = current.to_date + timedelta(days=1)
    try:
        following = start.replace(year=start.year + 1)
    except ValueError:  # starts on 29 February: twelve months run to the end of February, the next on 1 March
        following = date(start.year + 1, 3, 1)
    return start, following - timedelta(days=1)


def _file(config: StoreConfig) -> str:
    return str(config.path) if config.path else f"stores/{config.store}.yaml"


def _identity_blockers(config: StoreConfig, snap: LiveSnapshot) -> list[Finding]:
    found: list[Finding] = []
    company = snap.company
    if config.tenant_id and str(company.database_number) != str(config.tenant_id):
        found.append(Finding(
            m.KS407_TENANT_MISMATCH,
            f"store {config.store} names Fortnox tenant {config.tenant_id}, but the connection reaches tenant "
            f"{company.database_number} ({company.company_name})",
            f"Run `kassasync connect --store {config.store}` as an administrator of the right company.",
        ))
    if norm_org_number(config.org_number) != norm_org_number(company.organization_number):
        found.append(Finding(
            m.KS401_ORG_NUMBER,
            f"org_number in {_file(config)} is {config.org_number}, but Fortnox tenant {company.database_number} "
            f'belongs to "{company.company_name}" ({company.organization_number})',
            f"Check org_number in {_file(config)}. If it is right, the store is connected to the wrong Fortnox "
            f"company: run `kassasync connect --store {config.store}` as an administrator of the right company.",
        ))
    return found


def _locked_blocker(config: StoreConfig, snap: LiveSnapshot, unposted_from: date) -> list[Finding]:
    locked = snap.locked_through
    if locked is None or unposted_from > snap.today or locked < unposted_from:
        return []
    return [Finding(
        m.KS402_LOCKED_PERIOD,
        f"Fortnox is locked through {locked}, but store {config.store} has days from {unposted_from} "
        f"not yet posted; Fortnox refuses vouchers dated in a locked period",
        f"Ask the accountant whether the period can be opened (Fortnox: Inställningar → Bokföring → Lås period). "
        f"If it must stay locked, set start_date in {_file(config)} to {locked + timedelta(days=1)} and book the "
        f"days up to {locked} by hand as a correction in an open period.",
    )]


def year_changes(config: StoreConfig, state: YearState) -> list[Change]:
    label = year_label(state.year)
    changes: list[Change] = []
    for number in sorted(config.managed_accounts):
        wanted = norm_text(config.managed_accounts[number])
        live = state.accounts.get(number)
        if live is None:
            changes.append(Change(
                ChangeKind.CREATE_ACCOUNT, str(number), wanted,
                f"the store file lists account {number}, and financial year {label}'s chart does not have it",
                year_id=state.year.id, year=label))
        elif not live.active:
            changes.append(Change(
                ChangeKind.ACTIVATE_ACCOUNT, str(number), norm_text(live.description),
                f"account {number} is inactive in {label}; Fortnox refuses vouchers on inactive accounts",
                year_id=state.year.id, year=label))
    code = config.voucher_series.strip()
    series = state.series.get(code)
    if series is None:
        changes.append(Change(
            ChangeKind.CREATE_VOUCHER_SERIES, code, DEFAULT_SERIES_DESCRIPTION,
            f"the daily vouchers go to series {code}, which does not exist in {label}",
            year_id=state.year.id, year=label))
    elif not series.manual:
        changes.append(Change(
            ChangeKind.ALLOW_MANUAL_BOOKKEEPING, code, norm_text(series.description),
            f'series {code} does not allow manual bookkeeping in {label}; Fortnox answers "series is not manual"',
            year_id=state.year.id, year=label))
    return changes


def _description_warnings(config: StoreConfig, snap: LiveSnapshot) -> list[Finding]:
    """One warning per account whose Fortnox name differs from the store file (plan never renames)."""
    found: list[Finding] = []
    for number in sorted(config.managed_accounts):
        wanted = norm_text(config.managed_accounts[number])
        differing = [(year_label(y.year), norm_text(y.accounts[number].description)) for y in snap.years
                     if number in y.accounts and not same_text(wanted, y.accounts[number].description)]
        if not differing:
            continue
        live_names = sorted({name for _, name in differing})
        years = ", ".join(label for label, _ in differing)
        found.append(Finding(
            m.KS420_DESCRIPTION_DIFFERS,
            f'account {number} is called "{" / ".join(live_names)}" in Fortnox ({years}), '
            f'the store file says "{wanted}"',
            f"Nothing changes: plan never renames accounts. If Fortnox is right, change account {number} in "
            f"{_file(config)} to match; if the store file is right, rename it in Fortnox (Register → Kontoplan).",
        ))
    return found


def _cost_center(config: StoreConfig, snap: LiveSnapshot) -> tuple[list[Change], list[Finding]]:
    code = (config.cost_center or "").strip()
    if not code or snap.cost_centers is None:
        return [], []
    live = snap.cost_centers.get(code)
    if live is None:
        return [Change(ChangeKind.CREATE_COST_CENTER, code, norm_text(config.name),
                       f"every row of the store's vouchers carries cost center {code}, which does not exist")], []
    if not live.active:
        return [], [Finding(
            m.KS421_COST_CENTER_INACTIVE,
            f"cost center {code} is inactive in Fortnox; vouchers of store {config.store} carry it on every row",
            f"Activate cost center {code} in Fortnox (Register → Kostnadsställen), or remove fortnox.cost_center "
            f"from {_file(config)}.",
        )]
    return [], []


def _cost_center_required(config: StoreConfig, snap: LiveSnapshot) -> list[Finding]:
    """Accounts that demand a cost center on every row (MANDATORY) stop a store that has none to give."""
    if (config.cost_center or "").strip():
        return []
    required: dict[int, list[str]] = {}
    for state in snap.years:
        for number in sorted(config.managed_accounts):
            live = state.accounts.get(number)
            if live is not None and live.cost_center_settings == MANDATORY:
                required.setdefault(number, []).append(year_label(state.year))
    if not required:
        return []
    listed = ", ".join(f"{number} ({' and '.join(years)})" for number, years in sorted(required.items()))
    return [Finding(
        m.KS408_COST_CENTER_REQUIRED,
        f"Fortnox requires a cost center on every row of account{'s' if len(required) > 1 else ''} {listed}, "
        f"and store {config.store} has no fortnox.cost_center: Fortnox would refuse its vouchers",
        f"Set fortnox.cost_center in {_file(config)} to the store's cost center, or in Fortnox set "
        f"Kostnadsställe to Tillåtet on {'those accounts' if len(required) > 1 else 'that account'} "
        f"(Register → Kontoplan).",
    )]


def _start_date_warning(config: StoreConfig, snap: LiveSnapshot) -> list[Finding]:
    """start_date before Fortnox's first financial year: those days can never be posted (sync would fail them
    one by one with "no financial year"); said once here, before any sync."""
    if not snap.financial_years:
        return []
    first = min(snap.financial_years, key=lambda y: y.from_date)
    if config.start_date >= first.from_date:
        return []
    return [Finding(
        m.KS424_START_BEFORE_FIRST_YEAR,
        f"start_date {config.start_date} in {_file(config)} is before Fortnox's first financial year "
        f"({year_label(first)}, from {first.from_date}): days from {config.start_date} to "
        f"{first.from_date - timedelta(days=1)} cannot be posted",
        f"Set start_date in {_file(config)} to {first.from_date} or later; or, if those days must be booked, "
        f"create the earlier financial year in Fortnox (Inställningar → Räkenskapsår) first.",
    )]


def diff_store(config: StoreConfig, snap: LiveSnapshot, *, unposted_from: date | None = None) -> StorePlan:
    """The plan for one store. `unposted_from` is the first business day not yet posted (default start_date)."""
    blockers = _identity_blockers(config, snap)
    blockers += _locked_blocker(config, snap, unposted_from or config.start_date)
    blockers += _cost_center_required(config, snap)
    changes: list[Change] = []
    if snap.current is None:
        blockers.append(Finding(
            m.KS405_NO_CURRENT_YEAR,
            f"no financial year in Fortnox covers today ({snap.today}) for store {config.store}",
            f"Create the financial year that contains {snap.today} in Fortnox (Inställningar → Räkenskapsår) and "
            f"choose its chart of accounts; kassasync only creates the year after an existing one.",
        ))
    for state in snap.years:
        changes += year_changes(config, state)
    center_changes, warnings = _cost_center(config, snap)
    changes += center_changes
    if snap.current is not None and snap.next is None:
        start, end = next_year_dates(snap.current.year)
        label = year_label(FinancialYear(id=0, from_date=start, to_date=end))
        changes.append(Change(
            ChangeKind.CREATE_FINANCIAL_YEAR, label, f"{start} – {end}",
            f"the next financial year does not exist, so vouchers from {start} would fail; Fortnox copies the "
            f"chart and series settings from {year_label(snap.current.year)} into it",
            from_date=start, to_date=end))
    warnings = _start_date_warning(config, snap) + _description_warnings(config, snap) + warnings
    return StorePlan(
        store=config.store, name=config.name, tenant_id=config.tenant_id,
        path=str(config.path) if config.path else None, changes=tuple(changes), warnings=tuple(warnings),
        blockers=tuple(blockers), managed_accounts=len(config.managed_accounts),
    )


def access_blocked(config: StoreConfig, rule: str, message: str, fix: str) -> StorePlan:
    """The plan of a store whose Fortnox could not be read (credentials, licence, scope): one blocker, no changes."""
    return StorePlan(
        store=config.store, name=config.name, tenant_id=config.tenant_id,
        path=str(config.path) if config.path else None, blockers=(Finding(rule, message, fix),),
        managed_accounts=len(config.managed_accounts),
    )
