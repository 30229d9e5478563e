"""Apply's safety rules: a change threshold per store and critical changes, both lifted only by --force."""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.plan.model import ACCOUNT_KINDS, WHY_CRITICAL, StorePlan

KS430_THRESHOLD = "KS430"
KS431_CRITICAL = "KS431"
KS432_CHECKSUM = "KS432"
KS433_BLOCKED = "KS433"

DEFAULT_THRESHOLD = 0.30  # share of the managed accounts one apply may create or activate
DEFAULT_MIN_MANAGED = 10  # below this many managed accounts the threshold does not apply


@dataclass(frozen=True)
class Refusal:
    """Why apply will not touch a store without --force, and what to do."""

    store: str
    rule: str
    message: str
    fix: str


def touched_accounts(plan: StorePlan) -> set[str]:
    """The accounts a plan creates or activates (an account fixed in two years counts once)."""
    return {c.subject for c in plan.changes if c.kind in ACCOUNT_KINDS}


def refusals(plan: StorePlan, *, force: bool, threshold: float = DEFAULT_THRESHOLD,
             min_managed: int = DEFAULT_MIN_MANAGED) -> list[Refusal]:
    """What stops apply on this store unless --force (empty: safe to apply)."""
    if force:
        return []
    found: list[Refusal] = []
    touched = touched_accounts(plan)
    if plan.managed_accounts >= min_managed and len(touched) > threshold * plan.managed_accounts:
        found.append(Refusal(
            plan.store, KS430_THRESHOLD,
            f"store {plan.store}: the plan creates or activates {len(touched)} of its {plan.managed_accounts} "
            f"accounts, more than {threshold:.0%}; that usually means the store points at the wrong company "
            f"or financial year",
            "Read the plan. If it is right, run apply again with --force.",
        ))
    for change in plan.changes:
        if change.critical:
            found.append(Refusal(
                plan.store, KS431_CRITICAL,
                f"store {plan.store}: {change.summary} is a critical change ({WHY_CRITICAL[change.kind]})",
                "Read the plan. If it is right, run apply again with --force.",
            ))
    return found
