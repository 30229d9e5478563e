"""Carrying out one store's plan through its Fortnox client, in the plan's order (the new financial year last)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pipeline.config.model import StoreConfig
from pipeline.fortnox.errors import FortnoxError
from pipeline.fortnox.protocol import FortnoxApi
from pipeline.plan.diff import year_changes
from pipeline.plan.model import Change, ChangeKind
from pipeline.plan.snapshot import year_state

log = logging.getLogger("kassasync.plan")


@dataclass
class ApplyResult:
    store: str
    done: list[Change] = field(default_factory=list)
    failed: Change | None = None
    error: str | None = None  # Fortnox's refusal of `failed`, with its hint

    @property
    def ok(self) -> bool:
        return self.failed is None


async def perform(api: FortnoxApi, change: Change) -> None:
    """One change as one API call."""
    match change.kind:
        case ChangeKind.CREATE_ACCOUNT:
            assert change.year_id is not None
            await api.create_account(change.year_id, int(change.subject), change.description, active=True)
        case ChangeKind.ACTIVATE_ACCOUNT:
            assert change.year_id is not None
            await api.update_account(change.year_id, int(change.subject), active=True)
        case ChangeKind.CREATE_VOUCHER_SERIES:
            assert change.year_id is not None
            await api.create_voucher_series(change.year_id, change.subject, change.description, manual=True)
        case ChangeKind.ALLOW_MANUAL_BOOKKEEPING:
            assert change.year_id is not None
            await api.update_voucher_series(change.year_id, change.subject, manual=True,
                                            description=change.description)
        case ChangeKind.CREATE_COST_CENTER:
            await api.create_cost_center(change.subject, change.description)
        case ChangeKind.CREATE_FINANCIAL_YEAR:
            assert change.from_date is not None and change.to_date is not None
            await api.create_financial_year(change.from_date, change.to_date)


async def _run(api: FortnoxApi, result: ApplyResult, changes: list[Change]) -> None:
    for change in changes:
        try:
            await perform(api, change)
        except FortnoxError as exc:
            result.failed, result.error = change, str(exc)
            log.warning("store %s: %s failed: %s", result.store, change.summary, exc.message)
            return
        log.info("store %s: %s", result.store, change.summary)
        result.done.append(change)


async def apply_store(api: FortnoxApi, config: StoreConfig, changes: list[Change]) -> ApplyResult:
    """Make the reviewed changes; stop at the first refusal. After creating a financial year, set it up too.

    Fortnox copies chart and series settings into a new year; where it did not (a series or account added
    to the old year later), the new year's own fixes follow at once, because the reviewed plan promised a
    usable year, and a second `plan` must come out clean.
    """
    result = ApplyResult(config.store)
    await _run(api, result, changes)
    created = [c for c in result.done if c.kind is ChangeKind.CREATE_FINANCIAL_YEAR]
    if result.ok and created:
        # Three reads, not a full snapshot: the years, and the new year's chart and series.
        years = await api.financial_years()
        new_year = next((y for y in years if y.from_date == created[0].from_date), None)
        if new_year is not None:
            await _run(api, result, year_changes(config, await year_state(api, new_year)))
    return result
