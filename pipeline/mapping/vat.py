"""The VAT check: the VAT on each VAT account must match the revenue of the article groups that book there.

Works on POS accounts (as the SIE file writes them), with the article-group rows in force on the business date.
Revenue and VAT accounts that article groups connect form one component; each component's VAT must lie
between its revenue times the lowest and the highest rate in force, give or take rounding per receipt.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pipeline.config.model import StoreConfig
from pipeline.mapping.findings import Finding

ORE = Decimal("0.01")
ABSOLUTE_TOLERANCE = Decimal("0.05")  # kronor: a few öre of per-receipt rounding
RELATIVE_TOLERANCE = Decimal("0.002")  # of the expected VAT: per-receipt rounding over a busy day


@dataclass
class _Component:
    revenue: dict[int, tuple[Decimal, Decimal, list[str]]] = field(default_factory=dict)  # acct -> rates, groups
    vat_accounts: set[int] = field(default_factory=set)


def _components(config: StoreConfig, day: date, present: set[int]) -> list[_Component]:
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(node: tuple[str, int]) -> tuple[str, int]:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    in_force = config.article_rows_on(day)
    rates: dict[int, tuple[Decimal, Decimal, list[str]]] = {}
    for group, row in sorted(in_force.items()):
        rate = Decimal(row.vat_rate)
        low, high, groups = rates.get(row.revenue, (rate, rate, []))
        rates[row.revenue] = (min(low, rate), max(high, rate), [*groups, group])
        if row.vat_account is not None:
            parent[find(("r", row.revenue))] = find(("v", row.vat_account))
        find(("r", row.revenue))
    every_vat = {r.vat_account for rows in config.article_groups.values() for r in rows if r.vat_account}
    for account in every_vat & present:
        find(("v", account))
    grouped: dict[tuple[str, int], _Component] = {}
    for node in list(parent):
        component = grouped.setdefault(find(node), _Component())
        kind, account = node
        if kind == "r":
            component.revenue[account] = rates[account]
        else:
            component.vat_accounts.add(account)
    return list(grouped.values())


def check_vat(amounts: dict[int, Decimal], config: StoreConfig, day: date, line: int = 0) -> list[Finding]:
    """KS304 findings for a voucher's POS-account totals (positive = debit) on a business date."""
    failing: list[tuple[_Component, Decimal, Decimal, Decimal]] = []
    for component in _components(config, day, set(amounts)):
        if not (set(component.revenue) | component.vat_accounts) & set(amounts):
            continue
        vat = -sum((amounts.get(a, Decimal(0)) for a in component.vat_accounts), Decimal(0))
        low = high = Decimal(0)
        for account, (rate_low, rate_high, _groups) in component.revenue.items():
            net = -amounts.get(account, Decimal(0))
            ends = sorted([net * rate_low / 100, net * rate_high / 100])
            low, high = low + ends[0], high + ends[1]
        tolerance = max(ABSOLUTE_TOLERANCE, max(abs(low), abs(high)) * RELATIVE_TOLERANCE)
        if not low - tolerance <= vat <= high + tolerance:
            failing.append((component, vat, low, high))
    orphans = [f for f in failing if not f[0].revenue]
    short = [f for f in failing if f[0].revenue]
    if len(orphans) == 1 and short:  # VAT booked on another rate's account: say which rate it amounts to
        orphan_vat, orphan = orphans[0][1], orphans[0][0]
        return [_finding(c, amounts, vat, low, high, config, day, line, elsewhere=(orphan, orphan_vat))
                for c, vat, low, high in short]
    return [_finding(c, amounts, vat, low, high, config, day, line) for c, vat, low, high in failing]


def _finding(component: _Component, amounts: dict[int, Decimal], vat: Decimal, low: Decimal, high: Decimal,
             config: StoreConfig, day: date, line: int,
             elsewhere: tuple[_Component, Decimal] | None = None) -> Finding:
    vat_names = ", ".join(str(a) for a in sorted(component.vat_accounts)) or "no VAT account"
    expected = f"{low.quantize(ORE)}" if low == high else f"{low.quantize(ORE)} to {high.quantize(ORE)}"
    if not component.revenue:
        message = (f"VAT {vat.quantize(ORE)} on {vat_names} on {day}, but no article group in force that day "
                   f"books VAT there")
    else:
        parts = []
        for account, (rate_low, rate_high, groups) in sorted(component.revenue.items()):
            rate = f"{rate_low.normalize()} %" if rate_low == rate_high else (
                f"{rate_low.normalize()}-{rate_high.normalize()} %")
            net = -amounts.get(account, Decimal(0))
            parts.append(f"{net.quantize(ORE)} on {account} (article group {'/'.join(groups)}, {rate})")
        message = (f"VAT on {vat_names} is {vat.quantize(ORE)} on {day}, but revenue " + " and ".join(parts)
                   + f" should carry {expected}")
        net_total = -sum((amounts.get(a, Decimal(0)) for a in component.revenue), Decimal(0))
        if elsewhere and net_total:
            other = ", ".join(str(a) for a in sorted(elsewhere[0].vat_accounts))
            implied = (elsewhere[1] / net_total * 100).quantize(Decimal("0.1")).normalize()
            message += (f"; the file books {elsewhere[1].quantize(ORE)} VAT on {other} instead, "
                        f"{implied} % of that revenue")
    hint = (f"check the VAT rate of the article group in the POS (Register > Varuförsäljning > Artikelgrupper) "
            f"and re-export the day, or correct article_groups in stores/{config.store}.yaml, then run "
            f"`kassasync sync --retry-failed --store {config.store}`")
    if day >= date(2026, 4, 1):
        hint = ("food VAT is 6 % from 2026-04-01 (it was 12 %): the POS may still use the old rate; " + hint)
    return Finding("KS304", message, hint, line)
