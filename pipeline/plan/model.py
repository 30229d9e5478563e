"""The Plan as plain data: typed changes the API can make, warnings that change nothing, blockers a person must fix."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from pipeline.fortnox.models import FinancialYear

JSON_FORMAT = 1  # the version of the JSON document `plan --format json` prints


class ChangeKind(StrEnum):
    CREATE_ACCOUNT = "create_account"
    ACTIVATE_ACCOUNT = "activate_account"
    CREATE_VOUCHER_SERIES = "create_voucher_series"
    ALLOW_MANUAL_BOOKKEEPING = "allow_manual_bookkeeping"
    CREATE_COST_CENTER = "create_cost_center"
    CREATE_FINANCIAL_YEAR = "create_financial_year"


# Rule ids (KS4xx): one per kind of change, warning and blocker, so CI and people can refer to them.
CHANGE_RULES: dict[ChangeKind, str] = {
    ChangeKind.CREATE_ACCOUNT: "KS410",
    ChangeKind.ACTIVATE_ACCOUNT: "KS411",
    ChangeKind.CREATE_VOUCHER_SERIES: "KS412",
    ChangeKind.ALLOW_MANUAL_BOOKKEEPING: "KS413",
    ChangeKind.CREATE_COST_CENTER: "KS414",
    ChangeKind.CREATE_FINANCIAL_YEAR: "KS415",
}
# `+` adds something new; `~` changes something that exists.
CHANGE_SYMBOLS: dict[ChangeKind, str] = {
    ChangeKind.CREATE_ACCOUNT: "+",
    ChangeKind.ACTIVATE_ACCOUNT: "~",
    ChangeKind.CREATE_VOUCHER_SERIES: "+",
    ChangeKind.ALLOW_MANUAL_BOOKKEEPING: "~",
    ChangeKind.CREATE_COST_CENTER: "+",
    ChangeKind.CREATE_FINANCIAL_YEAR: "+",
}
# Critical: hard to undo in Fortnox (the API deletes neither financial years nor voucher series, and a
# series' setting governs every voucher in it for the year), so `apply` wants --force for them.
CRITICAL_KINDS = frozenset({ChangeKind.CREATE_FINANCIAL_YEAR, ChangeKind.CREATE_VOUCHER_SERIES,
                            ChangeKind.ALLOW_MANUAL_BOOKKEEPING})
WHY_CRITICAL: dict[ChangeKind, str] = {
    ChangeKind.CREATE_FINANCIAL_YEAR: "a financial year cannot be deleted once created",
    ChangeKind.CREATE_VOUCHER_SERIES: "a voucher series cannot be deleted once created",
    ChangeKind.ALLOW_MANUAL_BOOKKEEPING: "it changes which vouchers Fortnox accepts in that series for the year",
}
ACCOUNT_KINDS = frozenset({ChangeKind.CREATE_ACCOUNT, ChangeKind.ACTIVATE_ACCOUNT})

# Warning and blocker ids.
KS401_ORG_NUMBER = "KS401"
KS402_LOCKED_PERIOD = "KS402"
KS403_LICENCE = "KS403"
KS404_CREDENTIALS = "KS404"
KS405_NO_CURRENT_YEAR = "KS405"
KS406_NOT_CONNECTED = "KS406"
KS407_TENANT_MISMATCH = "KS407"
KS408_COST_CENTER_REQUIRED = "KS408"
KS420_DESCRIPTION_DIFFERS = "KS420"
KS421_COST_CENTER_INACTIVE = "KS421"
KS424_START_BEFORE_FIRST_YEAR = "KS424"
# The invoice stream's (plan/invoices.py)
KS440_INVOICE_SCOPE = "KS440"
KS441_CUSTOMER_SCOPE = "KS441"
KS442_PAYMENT_TERMS = "KS442"
KS443_CLEARING_ACCOUNT = "KS443"
KS444_CASH_METHOD = "KS444"
KS490_FORTNOX_ERROR = "KS490"


def year_label(year: FinancialYear) -> str:
    """`2026` for a calendar year, `2025-07-01–2026-06-30` for a broken one (how bookkeepers name years)."""
    if (year.from_date.month, year.from_date.day, year.to_date.month, year.to_date.day) == (1, 1, 12, 31) \
            and year.from_date.year == year.to_date.year:
        return str(year.from_date.year)
    return f"{year.from_date.isoformat()}–{year.to_date.isoformat()}"


@dataclass(frozen=True)
class Change:
    """One change `apply` makes through the API; `subject` is the account number, series or cost center code."""

    kind: ChangeKind
    subject: str
    description: str  # the account's, series' or cost center's description (what is created)
    reason: str  # why, in the user's words
    year_id: int | None = None  # the financial year it applies to (None: not per year)
    year: str | None = None  # that year's label
    from_date: date | None = None  # for a financial year to create
    to_date: date | None = None

    @property
    def rule(self) -> str:
        return CHANGE_RULES[self.kind]

    @property
    def symbol(self) -> str:
        return CHANGE_SYMBOLS[self.kind]

    @property
    def critical(self) -> bool:
        return self.kind in CRITICAL_KINDS

    @property
    def summary(self) -> str:
        """One line a bookkeeper reads: what happens, to what, in which year."""
        where = f" in financial year {self.year}" if self.year else ""
        match self.kind:
            case ChangeKind.CREATE_ACCOUNT:
                return f'create account {self.subject} "{self.description}"{where}'
            case ChangeKind.ACTIVATE_ACCOUNT:
                return f'activate account {self.subject} "{self.description}"{where}'
            case ChangeKind.CREATE_VOUCHER_SERIES:
                return f'create voucher series {self.subject} "{self.description}" with manual bookkeeping{where}'
            case ChangeKind.ALLOW_MANUAL_BOOKKEEPING:
                return f"allow manual bookkeeping (Manuell kontering) on voucher series {self.subject}{where}"
            case ChangeKind.CREATE_COST_CENTER:
                return f'create cost center {self.subject} "{self.description}"'
            case ChangeKind.CREATE_FINANCIAL_YEAR:
                return f"create financial year {self.subject} ({self.from_date} – {self.to_date})"
        raise AssertionError(self.kind)  # pragma: no cover

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind.value, "rule": self.rule, "subject": self.subject,
            "description": self.description, "year_id": self.year_id, "year": self.year,
            "from_date": self.from_date.isoformat() if self.from_date else None,
            "to_date": self.to_date.isoformat() if self.to_date else None,
            "critical": self.critical, "summary": self.summary, "reason": self.reason,
        }


@dataclass(frozen=True)
class Finding:
    """A warning (changes nothing) or a blocker (the API cannot fix it); `fix` says what a person does."""

    rule: str
    message: str
    fix: str

    def to_json(self) -> dict[str, object]:
        return {"rule": self.rule, "message": self.message, "fix": self.fix}


@dataclass(frozen=True)
class StorePlan:
    """What `apply` would do to one store's Fortnox, and what it cannot do."""

    store: str
    name: str
    tenant_id: str | None
    path: str | None = None  # the store file, for annotations
    changes: tuple[Change, ...] = ()
    warnings: tuple[Finding, ...] = ()
    blockers: tuple[Finding, ...] = ()
    managed_accounts: int = 0  # how many accounts the YAML manages (for the change threshold)
    checksum: str = ""  # sha256 of this plan and the live state it came from (see checksum.py)

    @property
    def status(self) -> str:
        if self.blockers:
            return "blocked"
        return "changes" if self.changes else "clean"

    def to_json(self, *, with_checksum: bool = True) -> dict[str, object]:
        data: dict[str, object] = {
            "store": self.store, "name": self.name, "tenant_id": self.tenant_id, "path": self.path,
            "status": self.status, "managed_accounts": self.managed_accounts,
            "changes": [c.to_json() for c in self.changes],
            "warnings": [w.to_json() for w in self.warnings],
            "blockers": [b.to_json() for b in self.blockers],
        }
        if with_checksum:
            data["checksum"] = self.checksum
        return data


@dataclass(frozen=True)
class Plan:
    """The plans of the selected stores (sorted by store id) and the checksum `apply --checksum` compares."""

    stores: tuple[StorePlan, ...] = field(default=())
    checksum: str = ""

    @property
    def changes(self) -> int:
        return sum(len(s.changes) for s in self.stores)

    @property
    def warnings(self) -> int:
        return sum(len(s.warnings) for s in self.stores)

    @property
    def blockers(self) -> int:
        return sum(len(s.blockers) for s in self.stores)

    @property
    def status(self) -> str:
        if self.blockers:
            return "blocked"
        return "changes" if self.changes else "clean"

    def to_json(self) -> dict[str, object]:
        return {
            "format": JSON_FORMAT, "checksum": self.checksum, "status": self.status,
            "summary": {"stores": len(self.stores), "changes": self.changes,
                        "warnings": self.warnings, "blockers": self.blockers},
            "stores": [s.to_json() for s in self.stores],
        }
