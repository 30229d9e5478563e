"""Correction vouchers (pure): the difference between what Fortnox holds for a Z-report and a new export of it.

A Fortnox voucher cannot be changed or deleted. When the POS exports a day again after it was posted, with
other amounts (a re-export, KS312), the only honest fix is a second voucher that books the difference, row
by row: per account and cost centre, the new export's amount minus what Fortnox already holds (the voucher
posted, plus any correction posted before). It carries its own marker (its own idempotency key), so it is
posted exactly once like any voucher.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

CORRECTION_SUFFIX = "/correction"
PREFIX = "Rättelse: "  # Swedish bookkeeping's word for a correction voucher (rättelseverifikation)
DESCRIPTION_LIMIT = 200  # Fortnox's Description length

Key = tuple[int, str | None]  # (Fortnox account, cost centre)


def correction_key(key: str) -> str:
    """The correction voucher's idempotency key: the re-export's key, marked (so its marker is its own)."""
    return key + CORRECTION_SUFFIX


def is_correction(key: str) -> bool:
    return key.endswith(CORRECTION_SUFFIX)


@dataclass(frozen=True)
class RowDifference:
    """One account (and cost centre): what Fortnox holds, what the new export says, and the correction row."""

    account: int
    cost_center: str | None
    held: Decimal  # debit minus credit in Fortnox now
    new: Decimal  # debit minus credit in the new export

    @property
    def change(self) -> Decimal:
        return self.new - self.held

    @property
    def debit(self) -> Decimal:
        return self.change if self.change > 0 else Decimal(0)

    @property
    def credit(self) -> Decimal:
        return -self.change if self.change < 0 else Decimal(0)

    def to_json(self) -> dict[str, Any]:
        return {"account": self.account, "cost_center": self.cost_center, "held": str(self.held),
                "new": str(self.new), "debit": str(self.debit), "credit": str(self.credit)}


def net_rows(payloads: Iterable[str]) -> dict[Key, Decimal]:
    """Debit minus credit per account and cost centre over the payloads (Fortnox vouchers as the ledger keeps them)."""
    net: dict[Key, Decimal] = {}
    for payload in payloads:
        for row in json.loads(payload)["rows"]:
            key = (int(row["account"]), row.get("cost_center"))
            net[key] = net.get(key, Decimal(0)) + Decimal(row["debit"]) - Decimal(row["credit"])
    return net


def differences(held_payloads: Sequence[str], new_payload: str) -> list[RowDifference]:
    """Every account whose amount differs between Fortnox and the new export, in account order."""
    held, new = net_rows(held_payloads), net_rows([new_payload])
    keys = sorted(set(held) | set(new), key=lambda k: (k[0], k[1] or ""))
    found = [RowDifference(account, center, held.get((account, center), Decimal(0)),
                           new.get((account, center), Decimal(0))) for account, center in keys]
    return [d for d in found if d.change != 0]


def correction_payload(held_payloads: Sequence[str], new_payload: str) -> str | None:
    """The correction voucher as a ledger payload (the new export's series, date and cost centre; a description
    that says what it corrects), or None when the amounts are the same account by account."""
    rows = differences(held_payloads, new_payload)
    if not rows:
        return None
    new = json.loads(new_payload)
    described = json.loads(held_payloads[0])["description"] if held_payloads else new["description"]
    template: dict[str, Any] = next(iter(new["rows"]), {})
    new["description"] = (PREFIX + described)[:DESCRIPTION_LIMIT]
    new["rows"] = [{**{name: None for name in template}, "account": d.account, "cost_center": d.cost_center,
                    "debit": str(d.debit), "credit": str(d.credit)} for d in rows]
    return json.dumps(new, ensure_ascii=False, sort_keys=True)
