"""The customer's live checklist: doctor's steps run against the store's Fortnox, in the customer's words.

The steps, their order and their verdicts are doctor's (`plan.doctor.checklist` over `plan_one`), so the page
and `kassasync doctor` never disagree; this module only adds the menu path and who fixes what.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date

from pipeline.config.model import StoreConfig
from pipeline.plan import doctor
from pipeline.plan.clients import shared_opener
from pipeline.plan.doctor import Step
from pipeline.plan.inputs import day_file_step, first_unposted_days
from pipeline.plan.model import ACCOUNT_KINDS, ChangeKind, StorePlan
from pipeline.plan.run import PlannedStore, plan_one
from pipeline.settings import Settings
from pipeline.web.i18n import step_text

DONE, TODO, WAITING = "done", "todo", "waiting"
# What `apply` changes through the API, per step: such a failed step is the reseller's to fix.
APPLY_KINDS = {
    doctor.KS453_SERIES: {ChangeKind.CREATE_VOUCHER_SERIES, ChangeKind.ALLOW_MANUAL_BOOKKEEPING},
    doctor.KS454_ACCOUNTS: set(ACCOUNT_KINDS),
    doctor.KS455_COST_CENTER: {ChangeKind.CREATE_COST_CENTER},
}
# Steps fixed in the store file or the POS, never in the customer's Fortnox.
RESELLER_STEPS = {doctor.KS451_COMPANY, doctor.KS457_INVOICE_SYNC}


@dataclass(frozen=True)
class CustomerStep:
    rule: str
    title: str
    state: str  # DONE | TODO | WAITING
    menu: str | None  # where in Fortnox (the seed's menu paths)
    detail: str
    fix: str
    reseller_fixes: bool

    @property
    def customer_todo(self) -> bool:
        return self.state == TODO and not self.reseller_fixes


def fixed_by_reseller(step: Step, plan: StorePlan) -> bool:
    """A failed step `apply` (or the store file) fixes, not the customer: changes only, no blocker of its own."""
    if step.rule in RESELLER_STEPS:
        return True
    kinds = APPLY_KINDS.get(step.rule, set())
    return any(c.kind in kinds for c in plan.changes)


def customer_steps(steps: list[Step], plan: StorePlan, lang: str, settings: Settings) -> list[CustomerStep]:
    found = []
    for step in steps:
        state = DONE if step.passed else TODO if step.passed is False else WAITING
        found.append(CustomerStep(
            rule=step.rule, title=step_text(step.rule, "title", lang) or step.title, state=state,
            menu=step_text(step.rule, "menu", lang), detail=without_paths(step.detail, settings),
            fix=without_paths(step.fix, settings), reseller_fixes=state == TODO and fixed_by_reseller(step, plan)))
    return found


def without_paths(text: str, settings: Settings) -> str:
    """Doctor speaks to the reseller, naming the server's folders; the customer sees `stores/`, `inbox/` instead."""
    for folder, shown in ((settings.stores_dir, "stores/"), (settings.inbox_dir, "inbox/")):
        for spelled in {str(folder), str(folder.resolve())}:
            text = text.replace(spelled.rstrip("/") + "/", shown)
    return text


async def run_checklist(settings: Settings, config: StoreConfig, today: date) -> tuple[list[Step], PlannedStore]:
    """Doctor's steps for one store, checked against its Fortnox now (about ten API calls)."""
    unposted = await asyncio.to_thread(first_unposted_days, settings, [config])
    async with shared_opener(settings, max_connections=4) as opener:
        planned = await plan_one(config, opener, today, unposted.get(config.store))
    steps = doctor.checklist(config, planned.plan, planned.snapshot)
    steps.append(await asyncio.to_thread(day_file_step, settings.inbox_dir, config, today))
    return steps, planned
