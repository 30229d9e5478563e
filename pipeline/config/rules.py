"""Semantic rules beyond the schema: each has a stable id, a message and a hint, and can be disabled per store.

Rules are pure: they read a StoreConfig and the located document (for line:col), and return findings.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from jinja2 import Environment, TemplateSyntaxError, nodes

from pipeline.config import description
from pipeline.config.located import YDict, YList, describe, locate
from pipeline.config.model import ArticleGroupRow, StoreConfig
from pipeline.diagnostics import Diagnostic, Severity
from pipeline.fortnox import text as fortnox_text  # pure: Fortnox's character whitelist

_LITERALS = Environment()  # only parses (for KS124); rendering is description.py's sandboxed environment

VAT_FAMILIES = {2610: 25, 2620: 12, 2630: 6}  # BAS: 261x 25 %, 262x 12 %, 263x 6 % output VAT


@dataclass(frozen=True)
class Finding:
    path: tuple[Any, ...]
    message: str
    hint: str | None = None
    severity: Severity | None = None  # None: the rule's own
    key: bool = False


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity
    hint: str
    check: Callable[[StoreConfig, YDict], Iterator[Finding]]


RULES: dict[str, Rule] = {}


# Registration runs when the module is imported, before mutmut can switch a mutant on, so `make mutation`
# leaves it out (every rule test fails when registration breaks).
def rule(rule_id: str, title: str, hint: str, severity: Severity = Severity.ERROR) -> Callable[..., Any]:  # pragma: no mutate block
    def register(check: Callable[[StoreConfig, YDict], Iterator[Finding]]) -> Any:
        RULES[rule_id] = Rule(rule_id, title, severity, hint, check)
        return check
    return register


def run_rules(config: StoreConfig, doc: YDict) -> list[Diagnostic]:
    """Every enabled rule's findings for one store, as diagnostics located in the file holding the value."""
    found: list[Diagnostic] = []
    for item in RULES.values():
        if item.id in config.rules_disable:
            continue
        for finding in item.check(config, doc):
            found.append(Diagnostic(locate(doc, finding.path, key=finding.key), finding.severity or item.severity,
                                    item.id, finding.message, finding.hint or item.hint))
    return found


# -- where accounts are used -------------------------------------------------------------------------

def account_uses(config: StoreConfig) -> Iterator[tuple[tuple[Any, ...], str, int]]:
    """(path, role, POS account) for every account the store books on."""
    for group, rows in config.article_groups.items():
        for i, row in enumerate(rows):
            base = ("article_groups", group, i)
            yield (*base, "revenue"), "revenue account", row.revenue
            if row.vat_account is not None:
                yield (*base, "vat_account"), "VAT account", row.vat_account
    for method, account in config.payment_methods.items():
        yield ("payment_methods", method), "payment account", account
    for i, account in enumerate(config.invoiced_sales_accounts):
        yield ("pos", "invoiced_sales_accounts", i), "invoiced sales account", account
    if config.rounding_account is not None:
        yield ("rounding_account",), "rounding account", config.rounding_account


def _mapped(config: StoreConfig, account: int) -> str:
    target = config.fortnox_account(account)
    return f"{account}" if target == account else f"{account} (Fortnox {target} via account_map)"


@rule("KS110", "account not declared in `accounts`",
      "add the Fortnox account under `accounts:` with its name (e.g. `3010: Försäljning`), or map the POS "
      "account to a declared one in `account_map:`")
def _declared(config: StoreConfig, doc: YDict) -> Iterator[Finding]:
    for path, role, account in account_uses(config):
        target = config.fortnox_account(account)
        if target not in config.accounts:
            path = _fix_path(doc, path)
            owner = path[:-1] if path[-1] in ("revenue", "vat_account") else path
            yield Finding(path, f"{describe(owner)}: {role} {_mapped(config, account)} is not declared in `accounts`")
    for path, role, account in invoice_account_uses(config):
        if account not in config.accounts:
            yield Finding(path, f"{describe(path)}: {role} {account} is not declared in `accounts`, so `plan` "
                                "does not make sure it exists and is active")


def invoice_account_uses(config: StoreConfig) -> Iterator[tuple[tuple[Any, ...], str, int]]:
    """(path, role, Fortnox account) of the invoice stream's own accounts; they are Fortnox's numbers already."""
    settings = config.invoices if config.invoice_sync else None
    if settings is None:
        return
    yield ("invoices", "receivable_account"), "customer receivable account", settings.receivable_account
    if settings.guard == "clearing" and settings.clearing_account is not None:
        yield ("invoices", "clearing_account"), "clearing account", settings.clearing_account
    if settings.till_payment_account is not None:
        yield ("invoices", "till_payment_account"), "till payment account", settings.till_payment_account


@rule("KS111", "VAT account does not match the VAT rate",
      "BAS output VAT: 2610-family for 25 %, 2620 for 12 %, 2630 for 6 %, no VAT account for 0 %")
def _vat_matches_rate(config: StoreConfig, doc: YDict) -> Iterator[Finding]:
    for group, rows in config.article_groups.items():
        for i, row in enumerate(rows):
            path = _fix_path(doc, ("article_groups", group, i))
            rate = int(row.vat_rate)
            if row.vat_account is None:
                if rate:
                    yield Finding((*path, "vat_rate"), f"{describe(path)}: {rate} % VAT needs a vat_account")
                continue
            target = config.fortnox_account(row.vat_account)
            family = VAT_FAMILIES.get(target // 10 * 10)
            if rate == 0:
                yield Finding((*path, "vat_account"), f"{describe(path)}: 0 % VAT but VAT account "
                                                      f"{_mapped(config, row.vat_account)} is set",
                              "remove vat_account (or set it to null) for a 0 % group")
            elif family is None:
                yield Finding((*path, "vat_account"), f"{describe(path)}: {_mapped(config, row.vat_account)} "
                                                      "is not an output VAT account (2610-2639)")
            elif family != rate:
                yield Finding((*path, "vat_account"), f"{describe(path)}: VAT account "
                                                      f"{_mapped(config, row.vat_account)} is for {family} %, "
                                                      f"but vat_rate is {rate} %")


@rule("KS112", "revenue account not in class 3",
      "article groups book sales on revenue accounts 3000-3999 (e.g. 3001 Försäljning 25 %)")
def _revenue_class(config: StoreConfig, doc: YDict) -> Iterator[Finding]:
    for group, rows in config.article_groups.items():
        for i, row in enumerate(rows):
            target = config.fortnox_account(row.revenue)
            if not 3000 <= target <= 3999:
                path = _fix_path(doc, ("article_groups", group, i))
                yield Finding((*path, "revenue"), f"{describe(path)}: revenue account "
                                                  f"{_mapped(config, row.revenue)} is not in class 3")


@rule("KS113", "payment account not in class 1 or 2",
      "payments go to asset or liability accounts, e.g. 1910 Kassa, 1930 bank, 1580 card receivables, "
      "2421 gift cards")
def _payment_class(config: StoreConfig, doc: YDict) -> Iterator[Finding]:
    for method, account in config.payment_methods.items():
        if not 1000 <= config.fortnox_account(account) <= 2999:
            yield Finding(("payment_methods", method), f"payment method {method}: account "
                                                       f"{_mapped(config, account)} is not in class 1 or 2")
    for i, account in enumerate(config.invoiced_sales_accounts):
        if not 1000 <= config.fortnox_account(account) <= 2999:
            yield Finding(("pos", "invoiced_sales_accounts", i), f"invoiced sales account "
                                                                f"{_mapped(config, account)} is not in class 1 or 2")


@rule("KS114", "invoice sync would book invoiced sales twice",
      "untick \"include invoiced in account report\" in the POS and set "
      "`pos.include_invoiced_in_account_report: false`, or keep it ticked with `invoices.guard: clearing` "
      "(or set `invoice_sync: false`)")
def _double_booking(config: StoreConfig, doc: YDict) -> Iterator[Finding]:
    # Guard clearing needs the box ticked (KS134 says so): the Z-report books the sale, the invoice only moves
    # the receivable. Only guard unticked (the default) has the invoice carry the sale.
    section = doc.get("invoices")
    written = section.get("guard") if isinstance(section, YDict) else None  # also when the section is unusable
    if config.invoice_sync and config.include_invoiced_in_account_report and "clearing" not in (
            config.invoice_guard, written):
        yield Finding(("invoice_sync",), "invoice_sync is true and pos.include_invoiced_in_account_report is true: "
                                         "with invoice sync on, invoiced sales must be left out of the POS's "
                                         "account report, otherwise the sales are double-booked (once in the "
                                         "daily voucher and once as Fortnox invoices)")


@rule("KS115", "article group rows overlap or leave gaps",
      "give each row `from`/`until` so that the next row starts the day after the previous one ends")
def _rows_continuous(config: StoreConfig, doc: YDict) -> Iterator[Finding]:
    for group, rows in config.article_groups.items():
        yield from _row_findings(config, doc, group, rows)


def _row_findings(config: StoreConfig, doc: YDict, group: str,
                  rows: tuple[ArticleGroupRow, ...]) -> Iterator[Finding]:
    order = sorted(range(len(rows)), key=lambda i: rows[i].valid_from or date.min)
    for i in order:
        row = rows[i]
        if row.valid_from and row.valid_until and row.valid_until < row.valid_from:
            path = _fix_path(doc, ("article_groups", group, i))
            yield Finding((*path, "until"), f"{describe(path)}: until {row.valid_until} is before from "
                                            f"{row.valid_from}")
            return
    for before, after in zip(order, order[1:], strict=False):
        first, second = rows[before], rows[after]
        path = _fix_path(doc, ("article_groups", group, after))
        start = second.valid_from
        if first.valid_until is None or start is None or start <= first.valid_until:
            yield Finding(path, f"article group {group}: rows {before + 1} and {after + 1} overlap"
                                + (f" from {start}" if start else ""))
        elif start > first.valid_until + timedelta(days=1):
            yield Finding(path, f"article group {group}: no row from {first.valid_until + timedelta(days=1)} "
                                f"to {start - timedelta(days=1)} (between rows {before + 1} and {after + 1})")
    earliest = rows[order[0]].valid_from
    if earliest and earliest > config.start_date:
        path = _fix_path(doc, ("article_groups", group, order[0]))
        yield Finding((*path, "from"), f"article group {group}: no row from start_date {config.start_date} "
                                       f"to {earliest - timedelta(days=1)}",
                      "start the first row at or before start_date (or omit its `from`)")
    latest = rows[order[-1]].valid_until
    if latest:
        path = _fix_path(doc, ("article_groups", group, order[-1]))
        yield Finding((*path, "until"), f"article group {group}: no row after {latest}; sales in this group "
                                        "after that day cannot be posted",
                      "add a row from the next day (or omit `until` on the last row)", Severity.WARNING)


def _fix_path(doc: YDict, path: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the row index for a group written as a single row (it has no list to index)."""
    if len(path) >= 3 and path[0] == "article_groups" and isinstance(path[2], int):
        groups = doc.get("article_groups")
        if isinstance(groups, YDict) and not isinstance(groups.get(path[1]), YList):
            return path[:2] + path[3:]
    return path


@rule("KS116", "store id differs from the file name", "rename the file to <store>.yaml or change `store:`")
def _store_matches_file(config: StoreConfig, doc: YDict) -> Iterator[Finding]:
    if config.path is not None and config.path.stem != config.store:
        yield Finding(("store",), f"store `{config.store}` is in the file {config.path.name}",
                      f"rename the file to {config.store}.yaml or set `store: {config.path.stem}`")


@rule("KS118", "voucher description template unusable",
      "use variables like {{ date }}, {{ store.name }}, {{ z_report }}; keep the rendered text within 200 characters")
def _description_ok(config: StoreConfig, doc: YDict) -> Iterator[Finding]:
    path = ("voucher", "description")
    try:
        longest = description.longest_rendering(config)
    except description.DescriptionError as exc:
        yield Finding(path, f"voucher.description: {exc}")
        return
    if len(longest) > description.FORTNOX_DESCRIPTION_MAX:
        yield Finding(path, f"voucher.description can render to {len(longest)} characters; Fortnox accepts "
                            f"{description.FORTNOX_DESCRIPTION_MAX}",
                      "shorten the text, or cut long parts with a filter: {{ voucher_text | truncate(40) }}")


@rule("KS124", "voucher text holds characters Fortnox does not accept",
      "write the text with characters Fortnox takes (’ for ' and \", ( ) for < > [ ] { }, / for |); "
      "docs/fortnox.md lists every substitute", Severity.WARNING)
def _description_characters(config: StoreConfig, doc: YDict) -> Iterator[Finding]:
    changes = fortnox_text.replacements(description_literals(config.voucher_description))
    if changes:
        shown = ", ".join(f"{_char_name(old)} becomes {_char_name(new) if new else 'nothing'}" for old, new in changes)
        yield Finding(("voucher", "description"), f"voucher.description: the text holds characters Fortnox "
                                                  f"refuses; kassasync sends them replaced: {shown}")


def description_literals(source: str) -> str:
    """The template's own text (outside and quoted inside {{ }}), where its characters are the store's choice."""
    try:
        tree = _LITERALS.parse(source)
    except TemplateSyntaxError:
        return ""  # KS118 reports it
    return "".join([n.data for n in tree.find_all(nodes.TemplateData)]
                   + [c.value for o in tree.find_all(nodes.Output) for c in o.nodes
                      if isinstance(c, nodes.Const) and isinstance(c.value, str)])


def _char_name(char: str) -> str:
    return {"\t": "tab", " ": "space"}.get(char, f"`{char}`")


@rule("KS120", "organisation number check digit is wrong",
      "copy the organisation number from Fortnox (Inställningar > Företagsuppgifter) or the registration certificate")
def _org_number_checksum(config: StoreConfig, doc: YDict) -> Iterator[Finding]:
    digits = config.org_number.replace("-", "")
    if digits.isdigit() and len(digits) == 10 and not luhn_ok(digits):
        yield Finding(("org_number",), f"organisation number {config.org_number} has a wrong check digit")


def luhn_ok(digits: str) -> bool:
    """The Luhn check used by Swedish organisation and personal numbers (10 digits)."""
    total = 0
    for i, char in enumerate(digits):
        value = int(char) * (2 if i % 2 == 0 else 1)
        total += value // 10 + value % 10
    return total % 10 == 0


@rule("KS121", "account_map is chained or maps an account to itself",
      "map each POS account straight to its final Fortnox account; remove entries that map to the same number")
def _account_map_simple(config: StoreConfig, doc: YDict) -> Iterator[Finding]:
    for source, target in config.account_map.items():
        if source == target:
            yield Finding(("account_map", str(source)), f"account_map maps {source} to itself",
                          severity=Severity.WARNING)
        elif target in config.account_map and config.account_map[target] != target:
            # Reported on the second link: that is the entry that makes the chain.
            yield Finding(("account_map", str(target)), f"account_map maps {source} to {target}, and this entry "
                                                        f"maps {target} again to {config.account_map[target]}; "
                                                        "mappings are applied once")


@rule("KS123", "unknown rule id in rules.disable", "list rule ids from the rule table in docs/config.md, e.g. KS112",
      Severity.WARNING)
def _known_rule_ids(config: StoreConfig, doc: YDict) -> Iterator[Finding]:
    rules = doc.get("rules")
    listed = rules.get("disable") if isinstance(rules, YDict) else None
    if not isinstance(listed, YList):
        return
    for i, rule_id in enumerate(listed):
        if rule_id not in RULES:
            yield Finding(("rules", "disable", i), f"rules.disable lists {rule_id}, which is not a rule that "
                                                   "can be switched off")


# The invoice stream's rules (KS130-KS137) register themselves on import; they live in their own module.
from pipeline.config import invoice_rules  # noqa: E402,F401
