"""Turn a schema-valid store document into a StoreConfig (accounts become ints, dates become dates)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.config.located import YDict, describe, locate
from pipeline.config.model import ArticleGroupRow, StoreConfig
from pipeline.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    from pipeline.invoices.settings import InvoiceSettings

DEFAULT_DESCRIPTION = "Dagskassa {{ date }} {{ store.name }}"


def build_config(doc: YDict, path: Path | None) -> tuple[StoreConfig | None, list[tuple[tuple[Any, ...], Diagnostic]]]:
    """The StoreConfig for a document that passed the schema; a date that is no real date, and an `invoices:`
    section the invoice layer cannot use, are findings.

    Findings come with the path of the bad value, so the caller can leave it out and build again.
    """
    bad: list[tuple[tuple[Any, ...], str]] = []
    invoices, unusable = _read_invoices(doc)
    config = _build(doc, path, bad, invoices)
    if not bad and not unusable:
        return config, []
    found = [(where, Diagnostic(locate(doc, where), Severity.ERROR, "KS105",
                                f"{describe(where)}: `{text}` is not a real date",
                                "write an existing date as YYYY-MM-DD, e.g. 2026-04-01"))
             for where, text in bad]
    return None, found + unusable


def _read_invoices(doc: YDict) -> tuple[InvoiceSettings | None, list[tuple[tuple[Any, ...], Diagnostic]]]:
    """The `invoices:` section as the invoice layer reads it (it owns the keys), or None with what the schema
    cannot see: a pattern that is no regular expression, an unknown encoding, CSV columns that cannot make an
    invoice; each at its key, as KS105."""
    from pipeline.invoices.settings import InvoiceSettingsError, from_mapping

    section = doc.get("invoices")
    if not isinstance(section, dict):
        return None, []
    try:
        return from_mapping(section), []
    except InvoiceSettingsError as exc:
        found = []
        for problem in exc.problems:
            where = _existing(doc, tuple(problem.key.split(".")))
            found.append((where, Diagnostic(locate(doc, where), Severity.ERROR, "KS105",
                                            f"{problem.key}: {problem.message}",
                                            "fix the key as docs/invoices.md describes it")))
        return None, found


def _existing(doc: YDict, path: tuple[str, ...]) -> tuple[str, ...]:
    """The longest start of `path` that is in the document (a missing key is reported at its section)."""
    node: Any = doc
    for depth, key in enumerate(path):
        if not isinstance(node, dict) or key not in node:
            return path[:depth]
        node = node[key]
    return path


def _build(doc: YDict, path: Path | None, bad: list[tuple[tuple[Any, ...], str]],
           invoices: InvoiceSettings | None) -> StoreConfig:
    fortnox = doc.get("fortnox") or {}
    pos = doc.get("pos") or {}
    voucher = doc.get("voucher") or {}
    rules = doc.get("rules") or {}
    inbox = doc.get("inbox") or {}
    groups = {
        name: _rows(value, ("article_groups", name), bad)
        for name, value in (doc.get("article_groups") or {}).items()
    }
    return StoreConfig(
        store=doc["store"],
        name=doc["name"],
        org_number=doc["org_number"],
        start_date=_date(doc["start_date"], ("start_date",), bad),
        voucher_series=fortnox["voucher_series"],
        tenant_id=fortnox.get("tenant_id"),
        cost_center=fortnox.get("cost_center"),
        invoice_sync=bool(doc.get("invoice_sync", False)),
        include_invoiced_in_account_report=bool(pos.get("include_invoiced_in_account_report", True)),
        invoiced_sales_accounts=tuple(int(a) for a in pos.get("invoiced_sales_accounts") or ()),
        accounts={int(k): str(v) for k, v in (doc.get("accounts") or {}).items()},
        account_map={int(k): int(v) for k, v in (doc.get("account_map") or {}).items()},
        article_groups=groups,
        payment_methods={str(k): int(v) for k, v in (doc.get("payment_methods") or {}).items()},
        rounding_account=int(doc["rounding_account"]) if doc.get("rounding_account") is not None else None,
        voucher_per=voucher.get("per", "z-report"),
        voucher_description=voucher.get("description", DEFAULT_DESCRIPTION),
        rules_disable=frozenset(rules.get("disable") or ()),
        require_orgnr=bool(pos.get("require_orgnr", False)),
        corrections=doc.get("corrections", "hold"),
        settle_seconds=int(inbox["settle_seconds"]) if inbox.get("settle_seconds") is not None else None,
        invoices=invoices,
        path=path,
    )


def _rows(value: Any, path: tuple[Any, ...], bad: list[Any]) -> tuple[ArticleGroupRow, ...]:
    if isinstance(value, dict):
        return (_row(value, path, bad),)
    return tuple(_row(item, (*path, i), bad) for i, item in enumerate(value))


def _row(row: dict[str, Any], path: tuple[Any, ...], bad: list[Any]) -> ArticleGroupRow:
    vat_account = row.get("vat_account")
    return ArticleGroupRow(
        revenue=int(row["revenue"]),
        vat_account=int(vat_account) if vat_account is not None else None,
        vat_rate=Decimal(str(row["vat_rate"])),
        valid_from=_date(row["from"], (*path, "from"), bad) if row.get("from") is not None else None,
        valid_until=_date(row["until"], (*path, "until"), bad) if row.get("until") is not None else None,
    )


def _date(text: str, path: tuple[Any, ...], bad: list[tuple[tuple[Any, ...], str]]) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        bad.append((path, text))
        return date.min
